/**
 * Secrets never reach output, errors, state tables or files, in any encoding they travel in.
 * Credentials are registered when configuration resolves them; every sink (CLI output, state
 * writes, destination errors) passes text through `redact`. Besides the registered values,
 * anything that looks like a credential parameter (`password=…`, `"client_secret": "…"`,
 * `Bearer …`) is masked, so a secret this process never saw (an echoed form body) is covered too.
 */

const MASK = '***';
/** Shorter values would mask ordinary words; such credentials are refused elsewhere or rare. */
const MIN_SECRET_LENGTH = 4;

const CREDENTIAL_NAMES =
  'password|passwd|client_secret|access_token|refresh_token|api_key|apikey|secret|token';
const PATTERNS: [RegExp, string][] = [
  // Form bodies and query strings, raw or inside URL-encoded text.
  [new RegExp(`\\b(${CREDENTIAL_NAMES})(=|%3D)[^&\\s"'<>,;)]+`, 'gi'), `$1$2${MASK}`],
  // JSON, possibly escaped inside another JSON string.
  [
    new RegExp(`(\\\\?"(?:${CREDENTIAL_NAMES})\\\\?"\\s*:\\s*\\\\?")(?:[^"\\\\]|\\\\(?!"))*`, 'gi'),
    `$1${MASK}`,
  ],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=!-]{8,}/g, `$1 ${MASK}`],
  [/\b(authorization["']?\s*[:=]\s*["']?)[^\r\n"',}]+/gi, `$1${MASK}`],
];

const forms = new Set<string>();
let ordered: string[] = [];

/** Makes a credential known to `redact`, with every encoding it may appear in. */
export function registerSecret(secret: string | undefined | null): void {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return;
  const before = forms.size;
  for (const form of encodings(secret)) if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
  // Longest first, so a value is masked whole before a part of it could be.
  if (forms.size !== before) ordered = [...forms].sort((a, b) => b.length - a.length);
}

/** `text` with every registered secret, in every encoding, and every credential parameter masked. */
export function redact(text: string): string {
  let out = typeof text === 'string' ? text : String(text);
  for (const form of ordered) if (out.includes(form)) out = out.split(form).join(MASK);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** A JSON-ready value with every string in it redacted. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) out[key] = redactDeep(entry);
    return out as T;
  }
  return value;
}

/**
 * The forms a secret takes in transit: raw, URL/form-encoded, JSON-escaped, and base64 of each
 * of those (a base64-encoded form body carries the secret URL-encoded).
 */
export function encodings(secret: string): string[] {
  const plain = [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)];
  const escaped = JSON.stringify(secret).slice(1, -1);
  const texts = [...new Set([...plain, escaped, encodeURIComponent(escaped)])];
  return [...new Set([...texts, ...texts.flatMap(base64Forms)])];
}

/**
 * base64 of a secret depends on where it starts in the encoded text (its offset modulo 3). For
 * each offset, the characters that encode only the secret's bytes are the same wherever it
 * appears; those cores, standard and URL-safe, are what a search can find.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = offset === 0 ? 0 : 4;
    const end = 4 * Math.floor((offset + bytes.length) / 3);
    const core = encoded.slice(start, end);
    // Too short a core would match unrelated base64; a whole encoding (offset 0) is kept as is.
    if (core.length >= 8) forms.push(core, toUrlSafe(core));
    if (offset === 0) forms.push(encoded, toUrlSafe(encoded).replace(/=+$/, ''));
  }
  return forms;
}

function toUrlSafe(base64: string): string {
  return base64.replaceAll('+', '-').replaceAll('/', '_');
}

/** Forgets every registered secret (tests that register their own). */
export function clearSecrets(): void {
  forms.clear();
  ordered = [];
}

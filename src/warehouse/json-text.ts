/**
 * JSON text for nested warehouse values (DuckDB STRUCT, LIST, MAP, PostgreSQL arrays, JSON):
 * compact, keys in the warehouse's order, numbers in plain decimal notation with every digit the
 * warehouse holds. JSON.stringify cannot write a decimal beyond a double's precision, so values
 * are built as JsonNodes and exact numbers travel as pre-written fragments.
 */

/** Text that is already valid JSON: an exact number token, or a compacted JSON document. */
export class JsonFragment {
  constructor(readonly text: string) {}
}

/** Entries in the warehouse's order; keys are data, so none is special (`__proto__` included). */
export class JsonObject {
  constructor(readonly entries: ReadonlyArray<readonly [string, JsonNode]>) {}
}

export type JsonNode = null | boolean | string | number | JsonFragment | JsonObject | readonly JsonNode[];

export function jsonText(node: JsonNode): string {
  if (node === null) return 'null';
  if (node instanceof JsonFragment) return node.text;
  if (node instanceof JsonObject) {
    return `{${node.entries.map(([key, value]) => `${JSON.stringify(key)}:${jsonText(value)}`).join(',')}}`;
  }
  if (Array.isArray(node)) return `[${node.map(jsonText).join(',')}]`;
  if (typeof node === 'number')
    return Number.isFinite(node) ? plainNumberText(node) : JSON.stringify(String(node));
  return JSON.stringify(node);
}

/** A JSON document without whitespace between tokens; strings, numbers and key order untouched. */
export function compactJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') {
      out += ch;
    }
  }
  return out;
}

/** A finite number as plain decimal text: `1e-10` → `0.0000000001`, `1e21` → `1000000000000000000000`. */
export function plainNumberText(value: number): string {
  const text = String(value);
  return /e/i.test(text) ? (canonicalDecimal(text) ?? text) : text;
}

/**
 * A decimal's value as text with no sign of zero, no leading or trailing zeros and no exponent,
 * so `1.50`, `1.5` and `15e-1` compare equal. Null when the text is not a plain decimal.
 */
export function canonicalDecimal(text: string): string | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match) return null;
  const [, sign = '', intPart = '', fracPart = '', exponentText] = match;
  if (intPart === '' && fracPart === '') return null;
  let digits = intPart + fracPart;
  let point = intPart.length + (exponentText ? Number(exponentText) : 0);
  const leading = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(leading);
  point -= leading;
  digits = digits.replace(/0+$/, '');
  if (digits === '') return '0';
  const whole = point <= 0 ? '0' : digits.slice(0, point).padEnd(point, '0');
  const fraction = point < 0 ? '0'.repeat(-point) + digits : digits.slice(Math.max(point, 0));
  return `${sign === '-' ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

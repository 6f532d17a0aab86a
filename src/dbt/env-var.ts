import { SpokeError } from '../errors.js';

export interface RenderEnvVarsOptions {
  /** The file being rendered, named in every error. */
  file: string;
  env?: NodeJS.ProcessEnv;
}

// A quoted Jinja string literal: '...' or "..." with backslash escapes.
const QUOTED = String.raw`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`;
const FILTER = String.raw`\|\s*(?:int|as_number|as_bool|as_text|string)\s*(?:\(\s*\))?\s*`;
const ENV_VAR = new RegExp(
  String.raw`^\s*env_var\s*\(\s*(${QUOTED})\s*(?:,\s*(${QUOTED})\s*)?\)\s*(?:${FILTER})*$`,
);
const JINJA = /\{\{([\s\S]*?)\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g;

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => {
    if (ch === 'n') return '\n';
    if (ch === 't') return '\t';
    return ch;
  });
}

/**
 * Renders dbt's `{{ env_var('NAME') }}` and `{{ env_var('NAME', 'default') }}` the way dbt does.
 * Filters such as `| int` are accepted and ignored: callers parse YAML first, so the rendered
 * value's type is decided by the consumer. Any other Jinja is refused, since only dbt can render it.
 */
export function renderEnvVars(text: string, options: RenderEnvVarsOptions): string {
  const env = options.env ?? process.env;
  return text.replace(JINJA, (whole: string, expression: string | undefined) => {
    const match = expression === undefined ? null : ENV_VAR.exec(expression);
    if (!match) {
      throw new SpokeError(
        'SPOKE_ENV_VAR',
        `${options.file}: ${whole.trim()} is not supported outside dbt; dbt-spoke renders only {{ env_var('NAME') }} and {{ env_var('NAME', 'default') }}. Replace it with an env_var call or a literal value.`,
      );
    }
    const name = unquote(match[1] as string);
    const value = env[name];
    if (value !== undefined) return value;
    if (match[2] !== undefined) return unquote(match[2]);
    throw new SpokeError(
      'SPOKE_ENV_VAR',
      `${options.file}: env var ${name} is not set and has no default. Set it, or write {{ env_var('${name}', 'default') }}.`,
    );
  });
}

/** Renders every string inside a parsed YAML value; keys and non-strings are left as they are. */
export function renderEnvVarsDeep<T>(value: T, options: RenderEnvVarsOptions): T {
  return renderValue(value, options) as T;
}

function renderValue(value: unknown, options: RenderEnvVarsOptions): unknown {
  if (typeof value === 'string') return value.includes('{') ? renderEnvVars(value, options) : value;
  if (Array.isArray(value)) return value.map((item) => renderValue(item, options));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties: a `__proto__` key stays a key, never a prototype.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, options)]));
  }
  return value;
}

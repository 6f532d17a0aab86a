import { SalesforceHttpError } from './errors.js';
import type { SalesforceField } from './types.js';

const NUMBER_TYPES = new Set(['double', 'currency', 'percent', 'int', 'long']);
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME =
  /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

type Coerced = { ok: true; value: unknown } | { ok: false; token: string };

function jsonToken(value: unknown): string {
  if (typeof value === 'string') return 'VALUE_STRING';
  if (typeof value === 'boolean') return value ? 'VALUE_TRUE' : 'VALUE_FALSE';
  if (typeof value === 'number') return Number.isInteger(value) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  return Array.isArray(value) ? 'START_ARRAY' : 'START_OBJECT';
}

/** Salesforce's own rendering of a datetime: `2024-05-01T12:00:00.000+0000`. */
export function formatDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

function parseDateTime(text: string): string | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const [, day, hh = '00', mm = '00', ss = '00', fraction = '0', zone = 'Z'] = m;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = fraction.padEnd(3, '0').slice(0, 3);
  const date = new Date(`${day}T${hh}:${mm}:${ss}.${ms}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : formatDateTime(date);
}

/**
 * Converts a JSON value to what Salesforce stores for the field, accepting what its JSON
 * deserializer accepts (numeric strings for numbers, "true"/"false" for booleans, ISO-8601
 * dates). Empty strings become null, as Salesforce treats them.
 */
export function coerceValue(field: SalesforceField, value: unknown): Coerced {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (typeof value === 'object') return { ok: false, token: jsonToken(value) };
  if (NUMBER_TYPES.has(field.type)) {
    if (typeof value === 'number') return { ok: true, value };
    if (typeof value === 'string' && value.trim() === '') return { ok: true, value: null };
    if (typeof value === 'string' && NUMERIC.test(value.trim()))
      return { ok: true, value: Number(value.trim()) };
    return { ok: false, token: jsonToken(value) };
  }
  if (field.type === 'boolean') {
    if (typeof value === 'boolean') return { ok: true, value };
    if (typeof value === 'string' && /^(true|false)$/i.test(value))
      return { ok: true, value: value.toLowerCase() === 'true' };
    return { ok: false, token: jsonToken(value) };
  }
  if (field.type === 'date' || field.type === 'datetime') {
    if (typeof value !== 'string') return { ok: false, token: jsonToken(value) };
    if (value === '') return { ok: true, value: null };
    const parsed = parseDateTime(value);
    if (!parsed) return { ok: false, token: jsonToken(value) };
    if (field.type === 'datetime') return { ok: true, value: parsed };
    return DATE.test(value) ? { ok: true, value } : { ok: true, value: parsed.slice(0, 10) };
  }
  const text = String(value);
  return { ok: true, value: text === '' ? null : text };
}

/** The whole request fails, as Salesforce's JSON deserializer fails it, at the offending token. */
export function parserError(
  field: SalesforceField,
  value: unknown,
  token: string,
  column: number,
): SalesforceHttpError {
  const shown =
    typeof value === 'object' && value !== null ? (Array.isArray(value) ? '[' : '{') : String(value);
  return new SalesforceHttpError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${field.type} from ${token} value ${shown} or request may be missing a required field at [line:1, column:${column}]`,
  );
}

/** 1-based column just past `"key":value` inside the compact JSON of the request body. */
export function columnOf(bodyText: string, record: unknown, key: string, value: unknown): number {
  const start = Math.max(0, bodyText.indexOf(JSON.stringify(record)));
  const needle = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  const at = bodyText.indexOf(needle, start);
  return at < 0 ? 1 : at + needle.length + 1;
}

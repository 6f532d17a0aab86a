import type { Row } from './warehouse.js';

export type RowValue = Row[string];

/**
 * Turns a decimal literal (`-12.50`, `1e3`, `9007199254740993`) into a number when the number
 * reads back as the same decimal value, else keeps the exact text.
 */
export function decimalText(text: string): number | string {
  const trimmed = text.trim();
  const n = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(n)) return text;
  const exact = canonicalDecimal(trimmed);
  return exact !== null && exact === canonicalDecimal(String(n)) ? n : text;
}

/** bigint and integer text → number when it is a safe integer, else its digits. */
export function integerValue(value: bigint | string): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) && BigInt(n) === BigInt(value) ? n : String(value);
}

/** Milliseconds since the epoch → `2024-05-01T12:00:00.000Z`, or null when out of Date's range. */
export function isoTimestamp(epochMillis: number): string | null {
  const date = new Date(epochMillis);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Any driver value that is not already typed by its column → a Row value. */
export function normalizeValue(value: unknown): RowValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return integerValue(value);
    default:
      break;
  }
  if (value instanceof Date) return isoTimestamp(value.getTime()) ?? String(value);
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  }
  return String(value);
}

/**
 * A decimal's value as text with no sign of zero, no leading or trailing zeros and no exponent,
 * so `1.50`, `1.5` and `15e-1` compare equal. Null when the text is not a plain decimal.
 */
function canonicalDecimal(text: string): string | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
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

import { canonicalDecimal, JsonFragment, type JsonNode, JsonObject, jsonText } from './json-text.js';
import type { Row } from './warehouse.js';

export type RowValue = Row[string];

/*
 * One conversion for every warehouse, so every destination path (Salesforce Collections and
 * Bulk API 2.0, HubSpot) gets the same text: numbers never in exponent notation, dates and
 * timestamps as ISO-8601 in UTC, nested values as compact JSON text. See docs/values.md.
 */

/** A number as a Row value: itself when its text is plain decimal notation, else that text. */
export function plainNumber(value: number): number | string {
  if (!Number.isFinite(value)) return String(value);
  const text = String(value);
  return /e/i.test(text) ? (canonicalDecimal(text) ?? text) : value;
}

/**
 * A DECIMAL/NUMERIC value's text → a number when the number prints as exactly that decimal
 * (`-12.50` → -12.5), else the exact decimal in plain notation (`0.0000001`, 30 digits).
 */
export function decimalText(text: string): number | string {
  const exact = canonicalDecimal(text);
  if (exact === null) return text;
  const n = Number(exact);
  return String(n) === exact ? n : exact;
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

/** A Row value inside JSON: exact numbers as number tokens, everything else as itself. */
export function jsonScalar(value: RowValue, numeric: boolean): JsonNode {
  if (numeric && typeof value === 'string' && canonicalDecimal(value) !== null) {
    return new JsonFragment(value);
  }
  return value;
}

/** A driver's nested value (arrays, plain objects) as JSON nodes, elements converted like columns. */
function jsonNode(value: unknown): JsonNode {
  if (Array.isArray(value)) return value.map(jsonNode);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return new JsonObject(Object.entries(value).map(([key, item]) => [key, jsonNode(item)]));
  }
  const scalar = normalizeValue(value);
  return jsonScalar(scalar, typeof value === 'bigint' || typeof value === 'number');
}

/** Any driver value that is not already typed by its column → a Row value. */
export function normalizeValue(value: unknown): RowValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return plainNumber(value);
    case 'bigint':
      return integerValue(value);
    default:
      break;
  }
  if (value instanceof Date) return isoTimestamp(value.getTime()) ?? String(value);
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof JsonFragment || value instanceof JsonObject) return jsonText(value);
  if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
    return jsonText(jsonNode(value));
  }
  return String(value);
}

import { coerceValue, columnOf, parserError } from './coerce.js';
import type { ObjectRegistry } from './objects.js';
import type { SalesforceObject } from './types.js';

/**
 * Type-checks one record of a request body the way Salesforce deserializes it: a value of the
 * wrong JSON type fails the whole request (JSON_PARSER_ERROR), before any record is saved.
 * Unknown names and relationship objects pass through for per-record validation.
 */
export function coerceRecord(
  registry: ObjectRegistry,
  object: SalesforceObject,
  record: Record<string, unknown>,
  wholeBody: unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const field = registry.field(object, key);
    const isRelationship = value !== null && typeof value === 'object' && !Array.isArray(value);
    if (!field || key === 'attributes' || (isRelationship && registry.relationship(object, key))) {
      out[key] = value;
      continue;
    }
    const coerced = coerceValue(field, value);
    if (!coerced.ok) {
      throw parserError(field, value, coerced.token, columnOf(JSON.stringify(wholeBody), record, key, value));
    }
    out[key] = coerced.value;
  }
  return out;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

import { coerceValue } from './coerce.js';
import { messages, type RecordError, recordError } from './errors.js';
import { isIdShaped, normaliseId } from './ids.js';
import type { ObjectRegistry } from './objects.js';
import type { SalesforceField, SalesforceObject } from './types.js';

/** What validation needs to look up: records by field value, and records by id. */
export interface RecordLookup {
  findBy(object: SalesforceObject, field: SalesforceField, value: unknown): string[];
  exists(object: SalesforceObject, id: string): boolean;
}

export type Resolved = { ok: true; values: Record<string, unknown> } | { ok: false; errors: RecordError[] };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const IGNORED_KEYS = new Set(['attributes']);

function resolveRelationship(
  registry: RegistryAndLookup,
  object: SalesforceObject,
  key: string,
  nested: Record<string, unknown>,
): { field: SalesforceField; id: string | null } | RecordError {
  const reference = registry.registry.relationship(object, key);
  const parent = reference && registry.registry.get(reference.referenceTo[0] ?? '');
  if (!reference || !parent)
    return recordError('INVALID_FIELD', messages.noSuchColumn(key, object.name), [key]);
  const entries = Object.entries(nested).filter(([k]) => !IGNORED_KEYS.has(k));
  const [entry] = entries;
  if (!entry || entries.length > 1) {
    return recordError(
      'INVALID_FIELD',
      `More than 1 field provided in an external foreign key reference in entity: ${parent.name}`,
      [key],
    );
  }
  const [matchName, rawValue] = entry;
  const match = registry.registry.field(parent, matchName);
  if (!match || !(match.externalId || match.idLookup)) {
    return recordError('INVALID_FIELD', messages.notExternalId(matchName, parent.name), [key]);
  }
  const coerced = coerceValue(match, rawValue);
  const value = coerced.ok ? coerced.value : rawValue;
  if (value === null) return { field: reference, id: null };
  const ids =
    match.type === 'id' ? [normaliseId(String(value))] : registry.lookup.findBy(parent, match, value);
  if (ids.length > 1) {
    return recordError(
      'DUPLICATE_EXTERNAL_ID',
      `Foreign key external ID: ${String(value)} matched more than one record for field ${match.name} in entity ${parent.name}`,
      [key],
    );
  }
  const [id] = ids;
  if (!id || !registry.lookup.exists(parent, id)) {
    return recordError('INVALID_FIELD', messages.foreignKeyNotFound(String(value), match.name, parent.name), [
      key,
    ]);
  }
  return { field: reference, id };
}

interface RegistryAndLookup {
  registry: ObjectRegistry;
  lookup: RecordLookup;
}

function checkValue(ctx: RegistryAndLookup, field: SalesforceField, value: unknown): RecordError | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') {
    if (field.length > 0 && value.length > field.length) {
      return recordError('STRING_TOO_LONG', messages.tooLong(field, value), [field.name]);
    }
    if (field.type === 'email' && !EMAIL.test(value)) {
      return recordError('INVALID_EMAIL_ADDRESS', messages.invalidEmail(field, value), [field.name]);
    }
    if (field.type === 'picklist' && field.restrictedPicklist) {
      const allowed = field.picklistValues.some((p) => p.active && p.value === value);
      if (!allowed)
        return recordError(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          messages.restrictedPicklist(field, value),
          [field.name],
        );
    }
    if (field.type === 'reference') {
      const target = field.referenceTo
        .map((name) => ctx.registry.get(name))
        .find((o) => o && value.startsWith(o.keyPrefix));
      if (!isIdShaped(value) || !target)
        return recordError('MALFORMED_ID', messages.wrongIdType(field, value), [field.name]);
      if (!ctx.lookup.exists(target, normaliseId(value))) {
        return recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field.name]);
      }
    }
  }
  if (typeof value === 'number' && field.precision > 0) {
    const integerDigits = Math.trunc(Math.abs(value)).toString().length;
    if (integerDigits > field.precision - field.scale) {
      return recordError('NUMBER_OUTSIDE_VALID_RANGE', messages.outOfRange(field, value), [field.name]);
    }
  }
  return undefined;
}

function rounded(field: SalesforceField, value: unknown): unknown {
  if (typeof value !== 'number' || !['double', 'currency', 'percent'].includes(field.type)) return value;
  const factor = 10 ** field.scale;
  return Math.round(value * factor) / factor;
}

/**
 * Turns a request record into field values, with Salesforce's per-record errors: unknown
 * fields, fields not writable in this operation, relationship references by external id, and
 * value rules (length, email, restricted picklist, ids). Values were already type-coerced.
 */
export function resolveBody(
  ctx: RegistryAndLookup,
  object: SalesforceObject,
  body: Record<string, unknown>,
  operation: 'create' | 'update',
  ignore: string[] = [],
): Resolved {
  const values: Record<string, unknown> = {};
  const nameErrors: RecordError[] = [];
  const notWritable: string[] = [];
  const valueErrors: RecordError[] = [];
  const skip = new Set([...IGNORED_KEYS, ...ignore.map((k) => k.toLowerCase())]);
  for (const [key, raw] of Object.entries(body)) {
    if (skip.has(key.toLowerCase())) continue;
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      const resolved = resolveRelationship(ctx, object, key, raw as Record<string, unknown>);
      if ('statusCode' in resolved) nameErrors.push(resolved);
      else values[resolved.field.name] = resolved.id;
      continue;
    }
    const field = ctx.registry.field(object, key);
    if (!field) {
      nameErrors.push(recordError('INVALID_FIELD', messages.noSuchColumn(key, object.name), [key]));
      continue;
    }
    if (operation === 'create' ? !field.createable : !field.updateable) {
      notWritable.push(field.name);
      continue;
    }
    const error = checkValue(ctx, field, raw);
    if (error) valueErrors.push(error);
    else values[field.name] = raw === null ? null : rounded(field, raw);
  }
  if (notWritable.length > 0) {
    nameErrors.push(
      recordError('INVALID_FIELD_FOR_INSERT_UPDATE', messages.notWritable(notWritable), notWritable),
    );
  }
  if (nameErrors.length > 0) return { ok: false, errors: nameErrors };
  if (valueErrors.length > 0) return { ok: false, errors: valueErrors };
  return { ok: true, values };
}

/** Required fields and unique values, checked on the record as it would be saved. */
export function checkRecord(
  ctx: RegistryAndLookup,
  object: SalesforceObject,
  id: string | null,
  merged: Record<string, unknown>,
): RecordError[] {
  const { required, unique } = ctx.registry.writeRules(object);
  const missing = required
    .filter((f) => merged[f.name] === null || merged[f.name] === undefined)
    .map((f) => f.name);
  if (missing.length > 0)
    return [recordError('REQUIRED_FIELD_MISSING', messages.requiredMissing(missing), missing)];
  for (const field of unique) {
    const value = merged[field.name];
    if (value === null || value === undefined) continue;
    const other = ctx.lookup.findBy(object, field, value).find((existing) => existing !== id);
    if (other) return [recordError('DUPLICATE_VALUE', messages.duplicate(field.name, other), [field.name])];
  }
  return [];
}

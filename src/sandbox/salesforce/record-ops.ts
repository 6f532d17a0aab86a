import type { DmlContext, SaveResult } from './dml.js';
import { recordError } from './errors.js';
import { isIdShaped } from './ids.js';
import type { SalesforceField, SalesforceObject } from './types.js';

/**
 * The per-record rules shared by sObject Collections and Bulk API 2.0 ingest, so that one row
 * fails with the same code and message whichever API carried it.
 */

function failure(code: string, message: string, fields: string[] = []): SaveResult {
  return { success: false, errors: [recordError(code, message, fields)] };
}

function idKeyOf(body: Record<string, unknown>): string | undefined {
  return Object.keys(body).find((k) => k.toLowerCase() === 'id');
}

export function insertRecord(
  dml: DmlContext,
  object: SalesforceObject,
  body: Record<string, unknown>,
): SaveResult {
  if (idKeyOf(body) !== undefined) {
    return failure('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']);
  }
  return dml.create(object, body);
}

/** Update by the record's `Id` (any case of the key), which the body must carry. */
export function updateRecordById(
  dml: DmlContext,
  object: SalesforceObject,
  body: Record<string, unknown>,
): SaveResult {
  const idKey = idKeyOf(body);
  const id = idKey ? body[idKey] : undefined;
  if (typeof id !== 'string' || id === '') {
    return failure('MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
  }
  if (!isIdShaped(id) || !id.startsWith(object.keyPrefix)) {
    return failure('MALFORMED_ID', `${object.label} ID: id value of incorrect type: ${id}`, ['Id']);
  }
  if (!dml.exists(object, id)) return failure('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
  return dml.update(object, id, body, [idKey as string]);
}

/** Delete by id; `object` narrows the ids accepted to one sObject (Bulk jobs have one). */
export function deleteRecordById(dml: DmlContext, id: string, object?: SalesforceObject): SaveResult {
  const target = isIdShaped(id) ? dml.registry.byKeyPrefix(id) : undefined;
  if (!target || (object && target.name !== object.name)) {
    return failure('MALFORMED_ID', `malformed id ${id}`);
  }
  return dml.remove(target, id);
}

function keyOf(match: SalesforceField, body: Record<string, unknown>): unknown {
  const key = Object.keys(body).find((k) => k.toLowerCase() === match.name.toLowerCase());
  return key === undefined ? undefined : body[key];
}

/** External-id values given more than once in one request or job, lower-cased. */
export function duplicateKeys(match: SalesforceField, bodies: Array<Record<string, unknown>>): Set<string> {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const body of bodies) {
    const value = keyOf(match, body);
    if (value === null || value === undefined) continue;
    const k = String(value).toLowerCase();
    if (seen.has(k)) duplicates.add(k);
    seen.add(k);
  }
  return duplicates;
}

/**
 * Upserts by an external id. A key given twice in the same request fails every record that
 * carries it (`duplicates` from `duplicateKeys`): Salesforce refuses to pick one.
 */
export function upsertRecord(
  dml: DmlContext,
  object: SalesforceObject,
  match: SalesforceField,
  body: Record<string, unknown>,
  duplicates: ReadonlySet<string>,
): SaveResult {
  const value = keyOf(match, body);
  if (value === null || value === undefined) {
    return failure('MISSING_ARGUMENT', `${match.name} not specified`, [match.name]);
  }
  if (duplicates.has(String(value).toLowerCase())) {
    return failure('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${String(value)}`, [
      match.name,
    ]);
  }
  return dml.upsert(object, match, value, body);
}

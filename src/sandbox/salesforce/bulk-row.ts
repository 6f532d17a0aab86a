import { coerceValue } from './coerce.js';
import { type RecordError, recordError } from './errors.js';
import type { SalesforceField } from './types.js';

/** Bulk API's marker for "set this field to null"; an empty value leaves the field as it is. */
export const BULK_NULL = '#N/A';

export type BulkColumn =
  | { kind: 'field'; name: string; field: SalesforceField }
  | { kind: 'relationship'; name: string; relationship: string; field: string };

/**
 * One CSV row as the record body the REST routes would receive: typed values, relationships as
 * nested `{ Account: { Ext__c: 'a-1' } }`, no key for an empty value. A value that cannot be
 * read as its field's type fails the row, where a JSON body would fail the whole request.
 */
export function rowBody(
  columns: BulkColumn[],
  row: string[],
): { body: Record<string, unknown> } | { errors: RecordError[] } {
  const body: Record<string, unknown> = {};
  const errors: RecordError[] = [];
  columns.forEach((column, i) => {
    const text = row[i] ?? '';
    if (text === '') return;
    const value = text === BULK_NULL ? null : text;
    if (column.kind === 'relationship') {
      const nested = (body[column.relationship] ?? {}) as Record<string, unknown>;
      nested[column.field] = value;
      body[column.relationship] = nested;
      return;
    }
    if (column.field.type === 'id') {
      body[column.name] = value;
      return;
    }
    const coerced = coerceValue(column.field, value);
    if (coerced.ok) body[column.field.name] = coerced.value;
    else {
      errors.push(
        recordError(
          'INVALID_TYPE_ON_FIELD_IN_RECORD',
          `${column.field.label}: value not of required type: ${text}`,
          [column.field.name],
        ),
      );
    }
  });
  return errors.length > 0 ? { errors } : { body };
}

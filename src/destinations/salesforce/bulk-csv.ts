import { stringify } from 'csv-stringify/sync';
import type { OutboundRecord } from '../contract.js';

/** Bulk API's "set to null"; an empty cell leaves the field as it is. */
const BULK_NULL = '#N/A';

/** A record holding the text `#N/A` itself, which Bulk API cannot send (it means null there). */
export function carriesBulkNullText(record: OutboundRecord): boolean {
  return (
    Object.values(record.values).some((value) => typeof value === 'string' && value.trim() === BULK_NULL) ||
    record.lookups.some((lookup) => lookup.value?.trim() === BULK_NULL) ||
    record.key.trim() === BULK_NULL
  );
}

export interface BulkRow {
  record: OutboundRecord;
  /** The record's Salesforce Id, for update and delete jobs. */
  id?: string;
}

export interface BulkCsvOptions {
  /** Adds the match column carrying each record's key (insert, upsert). */
  match?: string;
  /** Adds a leading `Id` column (update, delete). */
  withId?: boolean;
  /** Only the `Id` column (delete). */
  idOnly?: boolean;
  referenceField: (relationship: string) => string;
}

function cell(value: unknown): string {
  if (value === undefined) return '';
  // Salesforce stores an empty string as null; the REST path clears the field for "", so Bulk does too.
  if (value === null || value === '') return BULK_NULL;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function cellsOf(row: BulkRow, options: BulkCsvOptions): Map<string, string> {
  const cells = new Map<string, string>();
  if (options.withId || options.idOnly) cells.set('Id', row.id ?? '');
  if (options.idOnly) return cells;
  for (const [field, value] of Object.entries(row.record.values)) cells.set(field, cell(value));
  for (const lookup of row.record.lookups) {
    if (lookup.value === null || lookup.value === '')
      cells.set(options.referenceField(lookup.relationship), BULK_NULL);
    else cells.set(`${lookup.relationship}.${lookup.match}`, lookup.value);
  }
  if (options.match) cells.set(options.match, row.record.key);
  return cells;
}

/**
 * The upload of one Bulk job. Every row has every column (jsforce and Salesforce read the columns
 * from the header alone): a value a record does not carry is an empty cell, which leaves the
 * field unchanged, while null is `#N/A`, which clears it.
 */
export function bulkCsv(rows: BulkRow[], options: BulkCsvOptions): string {
  const perRow = rows.map((row) => cellsOf(row, options));
  const columns: string[] = [];
  const known = new Set<string>();
  for (const cells of perRow) {
    for (const column of cells.keys()) {
      if (!known.has(column)) {
        known.add(column);
        columns.push(column);
      }
    }
  }
  const records = perRow.map((cells) => columns.map((column) => cells.get(column) ?? ''));
  return stringify([columns, ...records], { record_delimiter: 'unix' });
}

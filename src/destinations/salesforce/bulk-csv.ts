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

/** The columns of a job, in first-seen order: every row gets every column. */
function columnsOf(rows: readonly BulkRow[], options: BulkCsvOptions): string[] {
  const columns = new Set<string>();
  if (options.withId || options.idOnly) columns.add('Id');
  if (options.idOnly) return [...columns];
  for (const { record } of rows) {
    for (const field of Object.keys(record.values)) columns.add(field);
    for (const lookup of record.lookups) {
      columns.add(
        lookup.value === null || lookup.value === ''
          ? options.referenceField(lookup.relationship)
          : `${lookup.relationship}.${lookup.match}`,
      );
    }
  }
  if (options.match) columns.add(options.match);
  return [...columns];
}

/** One row's cells in `columns` order; a column the record does not carry is empty. */
function cellsOf(
  row: BulkRow,
  columns: readonly string[],
  position: ReadonlyMap<string, number>,
  options: BulkCsvOptions,
): string[] {
  const cells = new Array<string>(columns.length).fill('');
  const put = (column: string, value: string) => {
    cells[position.get(column)!] = value;
  };
  if (options.withId || options.idOnly) put('Id', row.id ?? '');
  if (options.idOnly) return cells;
  for (const field in row.record.values) put(field, cell(row.record.values[field]));
  for (const lookup of row.record.lookups) {
    if (lookup.value === null || lookup.value === '')
      put(options.referenceField(lookup.relationship), BULK_NULL);
    else put(`${lookup.relationship}.${lookup.match}`, lookup.value);
  }
  if (options.match) put(options.match, row.record.key);
  return cells;
}

/** Rows stringified at a time: the text grows while the rows are turned into cells, never a copy of every row's cells at once. */
const ROWS_PER_PIECE = 1_000;

/**
 * The upload of one Bulk job. Every row has every column (jsforce and Salesforce read the columns
 * from the header alone): a value a record does not carry is an empty cell, which leaves the
 * field unchanged, while null is `#N/A`, which clears it.
 */
export function bulkCsv(rows: readonly BulkRow[], options: BulkCsvOptions): string {
  const columns = columnsOf(rows, options);
  const position = new Map(columns.map((column, i) => [column, i]));
  const pieces = [stringify([columns], { record_delimiter: 'unix' })];
  for (let start = 0; start < rows.length; start += ROWS_PER_PIECE) {
    const part = rows
      .slice(start, start + ROWS_PER_PIECE)
      .map((row) => cellsOf(row, columns, position, options));
    pieces.push(stringify(part, { record_delimiter: 'unix' }));
  }
  return pieces.join('');
}

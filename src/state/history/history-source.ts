import type { SqlParam, SqlSession } from '../../warehouse/sql-session.js';
import type { Row } from '../../warehouse/warehouse.js';
import { count, text } from '../row-values.js';
import { type StateDialect, stateDialect } from '../state-dialect.js';
import { stateError } from '../state-error.js';
import { type StateTable, stateTables } from '../state-tables.js';
import type { RecordCounts } from './history-types.js';

export { count, text };

/**
 * The history tables as found, read-only: which exist and with which columns, so a schema an
 * older dbt-spoke wrote is read as it is (a missing column reads as null) and nothing migrates.
 */
export interface HistorySource {
  session: SqlSession;
  dialect: StateDialect;
  schema: string;
  table(name: StateTable): string;
  /** `alias.column`, or a typed null when that version of the schema lacks the column. */
  column(table: StateTable, column: string, alias: string, type?: 'text' | 'integer'): string;
  query(action: string, sql: string, params: readonly SqlParam[]): Promise<Row[]>;
}

/** Null when the schema holds no run history: the project never synced. */
export async function findHistory(session: SqlSession, schema: string): Promise<HistorySource | null> {
  const read = (action: string, sql: string, params: readonly SqlParam[]) =>
    session.query(sql, params).catch((error: unknown) => {
      throw stateError(error, action, schema);
    });
  const rows = await read(
    'read the run history',
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = $1 AND table_name IN ('runs', 'sync_runs', 'record_log')`,
    [schema],
  );
  const columns = new Map<string, Set<string>>();
  for (const row of rows) {
    const table = String(row.table_name);
    const known = columns.get(table) ?? new Set<string>();
    known.add(String(row.column_name).toLowerCase());
    columns.set(table, known);
  }
  if (!columns.has('runs') || !columns.has('sync_runs') || !columns.has('record_log')) return null;
  const dialect = stateDialect(session.dialect);
  return {
    session,
    dialect,
    schema,
    table: stateTables(schema),
    column: (table, column, alias, type = 'text') =>
      columns.get(table)?.has(column)
        ? `${alias}.${column}`
        : `CAST(NULL AS ${type === 'text' ? dialect.text : 'BIGINT'})`,
    query: read,
  };
}

/** Milliseconds between two ISO timestamps; null while unfinished. */
export function durationMs(startedAt: string | null, finishedAt: string | null): number | null {
  if (!startedAt || !finishedAt) return null;
  return Date.parse(finishedAt) - Date.parse(startedAt);
}

export const COUNT_COLUMNS = [
  'attempted',
  'created',
  'updated',
  'deleted',
  'failed',
  'invalid',
  'skipped',
  'unchanged',
  'still_failing',
] as const;

export function recordCounts(row: Row): RecordCounts {
  return {
    attempted: count(row.attempted),
    created: count(row.created),
    updated: count(row.updated),
    deleted: count(row.deleted),
    failed: count(row.failed),
    invalid: count(row.invalid),
    skipped: count(row.skipped),
    unchanged: count(row.unchanged),
    stillFailing: count(row.still_failing),
  };
}

/** A page size within bounds; a usage problem otherwise is the caller's to report. */
export function pageSize(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  return Math.min(Math.max(1, Math.floor(limit)), max);
}

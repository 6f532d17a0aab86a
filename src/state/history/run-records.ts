import type { SqlParam } from '../../warehouse/sql-session.js';
import type { Row } from '../../warehouse/warehouse.js';
import { stateError } from '../state-error.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { type HistorySource, pageSize, text } from './history-source.js';
import type { LoggedRecord, Page, RecordsQuery } from './history-types.js';
import { keysetAfter } from './keyset.js';

/** record_log has no key of its own: a run logs one row per sync, record, operation and attempt. */
const ORDER = ['l.sync_id', 'l.record_key', 'l.operation', 'l.attempt'] as const;

/**
 * One page of a run's record log in (sync, key, operation, attempt) order, keyset-paged: each
 * page is one short query that starts after the cursor's row, so paging holds no connection or
 * transaction open, and a row present when paging began is returned exactly once.
 */
export async function recordPage(
  source: HistorySource,
  runId: string,
  query: RecordsQuery = {},
): Promise<Page<LoggedRecord>> {
  const limit = pageSize(query.limit, 500, 10_000);
  const { sql, params } = recordsSql(source, runId, query);
  const rows = await source.query(`read the record log of run ${runId}`, `${sql} LIMIT ${limit + 1}`, params);
  const items = rows.slice(0, limit).map(toRecord);
  return { items, nextCursor: rows.length > limit ? cursorAfter(items.at(-1)!) : null };
}

/**
 * Every page from the cursor on, read through one streaming query in the same order, so an
 * export of millions of rows scans the log once and holds one page in memory. Each page carries
 * the cursor `recordPage` would give after it, so a consumer can stop and resume by pages.
 */
export async function* recordPages(
  source: HistorySource,
  runId: string,
  query: RecordsQuery = {},
): AsyncIterable<Page<LoggedRecord>> {
  const limit = pageSize(query.limit, 500, 10_000);
  const { sql, params } = recordsSql(source, runId, query);
  const action = `read the record log of run ${runId}`;
  const batches = source.session.stream(sql, params, limit)[Symbol.asyncIterator]();
  const next = async () => {
    try {
      return await batches.next();
    } catch (error) {
      throw stateError(error, action, source.schema);
    }
  };
  try {
    let held = await next();
    if (held.done) {
      yield { items: [], nextCursor: null };
      return;
    }
    while (true) {
      const following = await next();
      const items = held.value.map(toRecord);
      yield { items, nextCursor: following.done ? null : cursorAfter(items.at(-1)!) };
      if (following.done) return;
      held = following;
    }
  } finally {
    await batches.return?.();
  }
}

function recordsSql(source: HistorySource, runId: string, query: RecordsQuery) {
  const params: SqlParam[] = [runId];
  const param = (value: SqlParam) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['l.run_id = $1'];
  if (query.syncId !== undefined) where.push(`l.sync_id = ${param(query.syncId)}`);
  if (query.status !== undefined) where.push(`l.status = ${param(query.status)}`);
  if (query.operation !== undefined) where.push(`l.operation = ${param(query.operation)}`);
  if (query.key !== undefined) {
    where.push(`l.record_key = ${param(query.key)}`);
    // PostgreSQL's index leads with (run, sync): naming the run's syncs (each has a sync_runs row
    // from its start, before anything is logged) makes a key lookup one index probe per sync
    // instead of a scan of the whole run.
    if (query.syncId === undefined && source.dialect.type === 'postgres') {
      where.push(`l.sync_id IN (SELECT s.sync_id FROM ${source.table('sync_runs')} s WHERE s.run_id = $1)`);
    }
  }
  if (query.cursor !== undefined) {
    const position = decodeCursor('records', query.cursor, ['string', 'string', 'string', 'number']);
    const first = params.length + 1;
    params.push(...position);
    const text = (p: string) => p;
    where.push(
      keysetAfter(source.dialect.type, ORDER, first, 'asc', [
        text,
        text,
        text,
        (p) => `CAST(${p} AS INTEGER)`,
      ]),
    );
  }
  const sql = `SELECT l.sync_id, l.record_key, l.operation, l.attempt, l.status, l.destination_id,
            l.error_code, l.error_message, l.transient, l.logged_at
       FROM ${source.table('record_log')} l
      WHERE ${where.join(' AND ')}
      ORDER BY ${ORDER.join(', ')}`;
  return { sql, params };
}

function cursorAfter(last: LoggedRecord): string {
  return encodeCursor('records', [last.syncId, last.recordKey, last.operation, last.attempt]);
}

function toRecord(row: Row): LoggedRecord {
  return {
    syncId: String(row.sync_id),
    recordKey: String(row.record_key),
    operation: String(row.operation),
    attempt: Number(row.attempt),
    status: String(row.status),
    destinationId: text(row.destination_id),
    errorCode: text(row.error_code),
    errorMessage: text(row.error_message),
    transient: row.transient === null || row.transient === undefined ? null : Boolean(row.transient),
    loggedAt: String(row.logged_at),
  };
}

import type { SqlParam } from '../../warehouse/sql-session.js';
import type { Row } from '../../warehouse/warehouse.js';
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
  const params: SqlParam[] = [runId];
  const param = (value: SqlParam) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['l.run_id = $1'];
  if (query.syncId !== undefined) where.push(`l.sync_id = ${param(query.syncId)}`);
  if (query.status !== undefined) where.push(`l.status = ${param(query.status)}`);
  if (query.operation !== undefined) where.push(`l.operation = ${param(query.operation)}`);
  if (query.key !== undefined) where.push(`l.record_key = ${param(query.key)}`);
  if (query.cursor !== undefined) {
    const position = decodeCursor('records', query.cursor, ['string', 'string', 'string', 'number']);
    const first = params.length + 1;
    params.push(...position);
    where.push(
      keysetAfter(ORDER, first, 'asc', [(p) => p, (p) => p, (p) => p, (p) => `CAST(${p} AS INTEGER)`]),
    );
  }
  const rows = await source.query(
    `read the record log of run ${runId}`,
    `SELECT l.sync_id, l.record_key, l.operation, l.attempt, l.status, l.destination_id,
            l.error_code, l.error_message, l.transient, l.logged_at
       FROM ${source.table('record_log')} l
      WHERE ${where.join(' AND ')}
      ORDER BY ${ORDER.join(', ')}
      LIMIT ${limit + 1}`,
    params,
  );
  const items = rows.slice(0, limit).map(toRecord);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > limit && last
        ? encodeCursor('records', [last.syncId, last.recordKey, last.operation, last.attempt])
        : null,
  };
}

/**
 * Every page from the cursor on, fetched one at a time as the consumer asks, so an export of
 * millions of rows holds one page in memory.
 */
export async function* recordPages(
  source: HistorySource,
  runId: string,
  query: RecordsQuery = {},
): AsyncIterable<Page<LoggedRecord>> {
  let cursor = query.cursor;
  while (true) {
    const page = await recordPage(source, runId, { ...query, ...(cursor === undefined ? {} : { cursor }) });
    yield page;
    if (page.nextCursor === null) return;
    cursor = page.nextCursor;
  }
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

import type { SqlParam } from '../../warehouse/sql-session.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { type HistorySource, pageSize } from './history-source.js';
import type { Page, RunSummary, RunsQuery } from './history-types.js';
import { keysetAfter } from './keyset.js';
import { runColumns, summarizeRuns } from './run-summaries.js';

/**
 * Runs newest first, keyset-paged on (started_at, run_id): a run starting while someone pages
 * lands before the first page, so later pages neither repeat nor skip a row.
 */
export async function listRuns(source: HistorySource, query: RunsQuery = {}): Promise<Page<RunSummary>> {
  const limit = pageSize(query.limit, 20, 1000);
  const params: SqlParam[] = [];
  const param = (value: SqlParam) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (query.status !== undefined) where.push(`r.status = ${param(query.status)}`);
  if (query.syncId !== undefined) {
    where.push(
      `EXISTS (SELECT 1 FROM ${source.table('sync_runs')} s WHERE s.run_id = r.run_id AND s.sync_id = ${param(query.syncId)})`,
    );
  }
  if (query.cursor !== undefined) {
    const [startedAt, runId] = decodeCursor('runs', query.cursor, ['timestamp', 'string']) as [
      string,
      string,
    ];
    const first = params.length + 1;
    params.push(source.dialect.timestampParam(new Date(startedAt)), runId);
    const asTimestamp = (p: string) => `CAST(${p} AS ${source.dialect.timestamp})`;
    where.push(keysetAfter(source.dialect.type, ['r.started_at', 'r.run_id'], first, 'desc', [asTimestamp]));
  }
  const rows = await source.query(
    'list runs',
    `SELECT ${runColumns(source)} FROM ${source.table('runs')} r
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.started_at DESC, r.run_id DESC
      LIMIT ${limit + 1}`,
    params,
  );
  const items = await summarizeRuns(source, rows.slice(0, limit));
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor('runs', [last.startedAt, last.runId]) : null,
  };
}

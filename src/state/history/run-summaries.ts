import type { Row } from '../../warehouse/warehouse.js';
import { COUNT_COLUMNS, durationMs, type HistorySource, recordCounts, text } from './history-source.js';
import type { RunSummary } from './history-types.js';

/** The runs columns a summary reads, from `runs` aliased `r`. */
export function runColumns(source: HistorySource): string {
  return [
    'r.run_id',
    'r.target',
    'r.invocation_id',
    'r.command',
    'r.status',
    'r.started_at',
    'r.finished_at',
    `${source.column('runs', 'error', 'r')} AS error`,
  ].join(', ');
}

/** Runs rows as summaries, with their syncs' counts summed in one query for all of them. */
export async function summarizeRuns(source: HistorySource, rows: Row[]): Promise<RunSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => String(row.run_id));
  const sums = COUNT_COLUMNS.map(
    (column) => `COALESCE(SUM(${source.column('sync_runs', column, 's', 'integer')}), 0) AS ${column}`,
  );
  const totals = await source.query(
    'read the syncs of runs',
    `SELECT s.run_id, COUNT(*) AS syncs, ${sums.join(', ')}
       FROM ${source.table('sync_runs')} s
      WHERE s.run_id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})
      GROUP BY s.run_id`,
    ids,
  );
  const byRun = new Map(totals.map((row) => [String(row.run_id), row]));
  return rows.map((row) => {
    const sums = byRun.get(String(row.run_id)) ?? {};
    const startedAt = String(row.started_at);
    const finishedAt = text(row.finished_at);
    return {
      runId: String(row.run_id),
      target: String(row.target),
      invocationId: text(row.invocation_id),
      command: String(row.command),
      status: String(row.status),
      startedAt,
      finishedAt,
      durationMs: durationMs(startedAt, finishedAt),
      error: text(row.error),
      syncs: Number(sums.syncs ?? 0),
      totals: recordCounts(sums),
    };
  });
}

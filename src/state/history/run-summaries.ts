import type { Row } from '../../warehouse/warehouse.js';
import { COUNT_COLUMNS, durationMs, type HistorySource, recordCounts, text } from './history-source.js';
import type { RecordCounts, RunSummary, SyncCounts } from './history-types.js';

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

/**
 * Runs rows as summaries, with their syncs' counts read in one query for all of them: per sync
 * (a chart of many runs needs no request per run) and summed per run.
 */
export async function summarizeRuns(source: HistorySource, rows: Row[]): Promise<RunSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => String(row.run_id));
  const counts = COUNT_COLUMNS.map(
    (column) => `${source.column('sync_runs', column, 's', 'integer')} AS ${column}`,
  );
  const syncRows = await source.query(
    'read the syncs of runs',
    `SELECT s.run_id, s.sync_id, s.status, ${counts.join(', ')}
       FROM ${source.table('sync_runs')} s
      WHERE s.run_id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})
      ORDER BY s.run_id, s.sync_id`,
    ids,
  );
  const byRun = new Map<string, SyncCounts[]>();
  for (const row of syncRows) {
    const runId = String(row.run_id);
    const list = byRun.get(runId) ?? [];
    list.push({ syncId: String(row.sync_id), status: String(row.status), ...recordCounts(row) });
    byRun.set(runId, list);
  }
  return rows.map((row) => {
    const bySync = byRun.get(String(row.run_id)) ?? [];
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
      syncs: bySync.length,
      totals: sumCounts(bySync),
      bySync,
    };
  });
}

function sumCounts(syncs: RecordCounts[]): RecordCounts {
  const total = recordCounts({});
  for (const sync of syncs) {
    for (const name of Object.keys(total) as (keyof RecordCounts)[]) total[name] += sync[name];
  }
  return total;
}

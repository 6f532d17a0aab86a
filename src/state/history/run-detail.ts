import { COUNT_COLUMNS, durationMs, type HistorySource, recordCounts, text } from './history-source.js';
import type { ErrorGroup, RunDetail, RunSummary } from './history-types.js';

/** Sample keys per error code. */
const SAMPLES = 5;

/**
 * One run's syncs with their counts and timings, and the records that ended failed grouped by
 * error code: a record counts once, by its last attempt in the run (a 429 retried into success
 * is not a failure).
 */
export async function runDetail(source: HistorySource, run: RunSummary): Promise<RunDetail> {
  const counts = COUNT_COLUMNS.map((column) =>
    column === 'still_failing'
      ? `${source.column('sync_runs', column, 's', 'integer')} AS ${column}`
      : `s.${column}`,
  );
  const syncRows = await source.query(
    `read the syncs of run ${run.runId}`,
    `SELECT s.sync_id, s.status, ${counts.join(', ')}, s.error, s.started_at, s.finished_at
       FROM ${source.table('sync_runs')} s
      WHERE s.run_id = $1
      ORDER BY s.started_at, s.sync_id`,
    [run.runId],
  );
  const errors = await errorGroups(source, run.runId);
  return {
    run,
    syncs: syncRows.map((row) => {
      const syncId = String(row.sync_id);
      const startedAt = String(row.started_at);
      const finishedAt = text(row.finished_at);
      return {
        syncId,
        status: String(row.status),
        ...recordCounts(row),
        startedAt,
        finishedAt,
        durationMs: durationMs(startedAt, finishedAt),
        error: text(row.error),
        errors: errors.get(syncId) ?? [],
      };
    }),
  };
}

async function errorGroups(source: HistorySource, runId: string): Promise<Map<string, ErrorGroup[]>> {
  const rows = await source.query(
    `group the failed records of run ${runId}`,
    `WITH outcomes AS (
       SELECT l.sync_id, l.record_key, l.status, l.error_code, l.error_message,
              ROW_NUMBER() OVER (
                PARTITION BY l.sync_id, l.record_key, l.operation ORDER BY l.attempt DESC, l.logged_at DESC
              ) AS recency
         FROM ${source.table('record_log')} l
        WHERE l.run_id = $1
     ), failed AS (
       SELECT sync_id, record_key, error_code, error_message,
              COUNT(*) OVER (PARTITION BY sync_id, error_code) AS code_count,
              ROW_NUMBER() OVER (PARTITION BY sync_id, error_code ORDER BY record_key) AS sample
         FROM outcomes
        WHERE recency = 1 AND status = 'failed'
     )
     SELECT sync_id, record_key, error_code, error_message, code_count
       FROM failed
      WHERE sample <= ${SAMPLES}
      ORDER BY sync_id, code_count DESC, error_code, record_key`,
    [runId],
  );
  const bySync = new Map<string, ErrorGroup[]>();
  for (const row of rows) {
    const syncId = String(row.sync_id);
    const groups = bySync.get(syncId) ?? [];
    const code = text(row.error_code);
    let group = groups.at(-1);
    if (!group || group.code !== code) {
      group = { code, count: Number(row.code_count), samples: [] };
      groups.push(group);
    }
    group.samples.push({ key: String(row.record_key), message: text(row.error_message) });
    bySync.set(syncId, groups);
  }
  return bySync;
}

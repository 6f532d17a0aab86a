import type { SqlSession } from '../warehouse/sql-session.js';
import { text } from './row-values.js';
import type { LockHolder } from './state-store.js';
import { stateTables } from './state-tables.js';

/** A sync's latest row in sync_runs, with its run's command. */
export interface LastSyncRun {
  syncId: string;
  runId: string;
  status: string;
  command: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  attempted: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  invalid: number;
  error: string | null;
}

/** The latest sync_runs row of every sync that ever ran. */
export async function lastSyncRuns(session: SqlSession, schema: string): Promise<Map<string, LastSyncRun>> {
  const t = stateTables(schema);
  const rows = await session.query(
    `SELECT s.sync_id, s.run_id, s.status, r.command, s.started_at, s.finished_at, s.attempted, s.created,
       s.updated, s.deleted, s.failed, s.invalid, s.error
     FROM (
       SELECT sr.*, ROW_NUMBER() OVER (PARTITION BY sr.sync_id ORDER BY sr.started_at DESC, sr.run_id DESC) AS rn
       FROM ${t('sync_runs')} sr
     ) s LEFT JOIN ${t('runs')} r ON r.run_id = s.run_id
     WHERE s.rn = 1`,
  );
  return new Map(
    rows.map((row) => [
      String(row.sync_id),
      {
        syncId: String(row.sync_id),
        runId: String(row.run_id),
        status: String(row.status),
        command: text(row.command),
        startedAt: text(row.started_at),
        finishedAt: text(row.finished_at),
        attempted: Number(row.attempted ?? 0),
        created: Number(row.created ?? 0),
        updated: Number(row.updated ?? 0),
        deleted: Number(row.deleted ?? 0),
        failed: Number(row.failed ?? 0),
        invalid: Number(row.invalid ?? 0),
        error: text(row.error),
      },
    ]),
  );
}

/** Who holds these syncs' locks now, as the locks table tells (any process). */
export async function lockHolders(
  session: SqlSession,
  schema: string,
  syncIds: readonly string[],
): Promise<LockHolder[]> {
  if (syncIds.length === 0) return [];
  const rows = await session.query(
    `SELECT sync_id, run_id, owner, acquired_at FROM ${stateTables(schema)('locks')}
     WHERE sync_id IN (${syncIds.map((_, i) => `$${i + 1}`).join(', ')})`,
    syncIds,
  );
  return rows.map((row) => ({
    syncId: String(row.sync_id),
    runId: row.run_id === null || row.run_id === undefined ? null : String(row.run_id),
    description: String(row.owner),
    acquiredAt: row.acquired_at === null || row.acquired_at === undefined ? null : String(row.acquired_at),
  }));
}

/** When each sync last ended `success` or `partial` (it ran to the end), as epoch milliseconds. */
export async function lastSuccesses(session: SqlSession, schema: string): Promise<Map<string, number>> {
  const rows = await session.query(
    `SELECT sync_id, MAX(finished_at) AS at FROM ${stateTables(schema)('sync_runs')}
     WHERE status IN ('success', 'partial') AND finished_at IS NOT NULL GROUP BY sync_id`,
  );
  return new Map(rows.map((row) => [String(row.sync_id), Date.parse(String(row.at))]));
}

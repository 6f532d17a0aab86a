import type { SqlSession } from '../../warehouse/sql-session.js';
import { findHistory } from './history-source.js';
import type {
  LoggedRecord,
  Page,
  RecordsQuery,
  ResolvedRun,
  RunDetail,
  RunSummary,
  RunsQuery,
} from './history-types.js';
import { listRuns } from './list-runs.js';
import { resolveRun } from './resolve-run.js';
import { runDetail } from './run-detail.js';
import { recordPage, recordPages } from './run-records.js';

export type * from './history-types.js';

/**
 * Reads what runs did from the state tables (runs, sync_runs, record_log), for `spoke runs` and
 * the HTTP API alike. Read-only: it never creates or migrates the state schema, and a schema
 * without history (a project that never synced) answers empty, with `recorded` false.
 */
export interface RunHistory {
  readonly recorded: boolean;
  /** Runs newest first, one page; filters by sync and status. */
  listRuns(query?: RunsQuery): Promise<Page<RunSummary>>;
  /** `latest`, an id or a unique id prefix; else the closest ids. */
  resolveRun(ref: string): Promise<ResolvedRun>;
  /** Per-sync counts, timings and errors grouped by code. */
  runDetail(run: RunSummary): Promise<RunDetail>;
  /** One page of the run's record log. */
  recordPage(runId: string, query?: RecordsQuery): Promise<Page<LoggedRecord>>;
  /** The run's record log page after page, fetched as consumed. */
  recordPages(runId: string, query?: RecordsQuery): AsyncIterable<Page<LoggedRecord>>;
  /** Every sync id any run recorded, sorted (to suggest one for a mistyped filter). */
  syncIds(): Promise<string[]>;
}

const EMPTY = { items: [], nextCursor: null };

/** The history of a warehouse that holds none (not even its file yet). */
export function noRunHistory(): RunHistory {
  return {
    recorded: false,
    listRuns: async () => EMPTY,
    resolveRun: async () => ({ run: null, closest: [] }),
    runDetail: async (run) => ({ run, syncs: [] }),
    recordPage: async () => EMPTY,
    async *recordPages() {
      yield EMPTY;
    },
    syncIds: async () => [],
  };
}

export async function openRunHistory(session: SqlSession, schema: string): Promise<RunHistory> {
  const source = await findHistory(session, schema);
  if (!source) return noRunHistory();
  return {
    recorded: true,
    listRuns: (query) => listRuns(source, query),
    resolveRun: (ref) => resolveRun(source, ref),
    runDetail: (run) => runDetail(source, run),
    recordPage: (runId, query) => recordPage(source, runId, query),
    recordPages: (runId, query) => recordPages(source, runId, query),
    syncIds: async () =>
      (
        await source.query(
          'read the sync ids of runs',
          `SELECT DISTINCT sync_id FROM ${source.table('sync_runs')} ORDER BY sync_id`,
          [],
        )
      ).map((row) => String(row.sync_id)),
  };
}

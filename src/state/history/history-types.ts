/**
 * What the run history answers: plain data read from runs, sync_runs and record_log, shared by
 * `spoke runs` and the HTTP API. Timestamps are ISO-8601 UTC text; durations milliseconds.
 */

/** Record counts as sync_runs holds them (see docs/state-tables.md). */
export interface RecordCounts {
  attempted: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  invalid: number;
  skipped: number;
  unchanged: number;
  stillFailing: number;
}

export interface RunSummary {
  runId: string;
  target: string;
  invocationId: string | null;
  command: string;
  /** `running`, `success`, `failed`, `error` or `locked`. */
  status: string;
  startedAt: string;
  /** Null while running, or after the process was killed. */
  finishedAt: string | null;
  durationMs: number | null;
  /** Why the run stopped before or while syncing. */
  error: string | null;
  /** Syncs recorded for the run. */
  syncs: number;
  /** Sums over the run's syncs. */
  totals: RecordCounts;
  /** Each sync's status and counts, by sync id. */
  bySync: SyncCounts[];
}

export interface SyncCounts extends RecordCounts {
  syncId: string;
  status: string;
}

/** Records that ended failed with one error code, with the first keys and the destination's messages. */
export interface ErrorGroup {
  code: string | null;
  /** Records whose last attempt in the run failed with this code. */
  count: number;
  /** Up to 5, in key order. */
  samples: { key: string; message: string | null }[];
}

export interface SyncRunDetail extends RecordCounts {
  syncId: string;
  /** `running`, `success`, `partial`, `failed` or `skipped`. */
  status: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** Why the sync failed as a whole or did not run. */
  error: string | null;
  /** Failed records grouped by error code, most frequent first. */
  errors: ErrorGroup[];
}

export interface RunDetail {
  run: RunSummary;
  syncs: SyncRunDetail[];
}

/** One attempt at one record, as record_log holds it. */
export interface LoggedRecord {
  syncId: string;
  recordKey: string;
  operation: string;
  attempt: number;
  status: string;
  destinationId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** True when the error was worth retrying; null on success. */
  transient: boolean | null;
  loggedAt: string;
}

/** One page of a keyset-paged list; pass `nextCursor` back for the next one (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface RunsQuery {
  /** Only runs that recorded this sync. */
  syncId?: string;
  status?: string;
  /** Page size (1 to 1000; default 20). */
  limit?: number;
  cursor?: string;
}

export interface RecordsQuery {
  syncId?: string;
  status?: string;
  operation?: string;
  key?: string;
  /** Page size (1 to 10000; default 500). */
  limit?: number;
  cursor?: string;
}

/** A run named by id, a unique id prefix, or `latest`; otherwise the ids closest to it. */
export type ResolvedRun = { run: RunSummary; closest: [] } | { run: null; closest: string[] };

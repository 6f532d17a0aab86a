import type { SyncSpec } from '../config/types.js';
import type { RecordOutcome } from '../destinations/contract.js';
import type { InvalidRecord } from '../plan/plan-changes.js';

/**
 * - `success`: every record of the model is in the destination as the model says.
 * - `partial`: some records failed, are invalid or still fail from earlier runs, within the
 *   failure threshold; downstream syncs run.
 * - `failed`: the sync could not run, or the records it could not sync exceed the threshold
 *   share of its rows; downstream syncs are skipped.
 * - `skipped`: not run, see `reason`.
 */
export type SyncStatus = 'success' | 'partial' | 'failed' | 'skipped';

export interface RecordError {
  key: string | null;
  code: string;
  message: string;
}

export interface SyncCounts {
  /** Records sent to the destination (each record once, however often it was retried). */
  attempted: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  invalid: number;
  skipped: number;
  /** Rows whose mapped values match what the destination was last confirmed to hold: not sent. */
  unchanged: number;
  /** Rows that failed permanently in an earlier run and did not change since: not resent, still wrong. */
  stillFailing: number;
}

/** Records failing with one error code, since when, and a few of them with the destination's message. */
export interface FailureGroup {
  code: string;
  count: number;
  since: string | null;
  sinceRunId: string | null;
  samples: { key: string; message: string }[];
}

export interface SyncResult extends SyncCounts {
  id: string;
  model: string;
  destination: string;
  object: string;
  status: SyncStatus;
  /** Why the whole sync failed or was skipped. */
  reason?: string;
  /** Rows of the model the sync planned over: the scope its failure share is taken of. */
  rows: number;
  errors: RecordError[];
  /** Errors counted but not listed (the list is capped). */
  errorsOmitted: number;
  /** The still-failing rows by error code. */
  stillFailingErrors: FailureGroup[];
  /** Time the warehouse took to find new, changed and gone rows. */
  planMs: number;
  durationMs: number;
}

export interface RunInfo {
  runId: string;
  target: string;
  invocationId: string | null;
  dryRun: boolean;
  syncs: SyncSpec[];
}

export interface RunResult {
  runId: string;
  target: string;
  invocationId: string | null;
  dryRun: boolean;
  status: 'success' | 'failed';
  syncs: SyncResult[];
  durationMs: number;
}

export interface BatchResult {
  outcomes: RecordOutcome[];
  invalid: InvalidRecord[];
}

/**
 * One lifecycle, many reporters. Hooks fire in this order: onRunStart once; per sync
 * onSyncStart, onBatchResult for every batch the destination answered (after retries), and
 * onSyncEnd (also for skipped syncs, without onSyncStart); onRunEnd once; then onAlertDelivery
 * per alert sent. Reporters observe only: they never change what is synced.
 */
/** The fate of one alert message on one channel, after the run's end. */
export interface AlertDelivery {
  messageId: string;
  kind: string;
  channel: string;
  delivered: boolean;
  error?: string;
}

export interface Reporter {
  onRunStart?(run: RunInfo): void;
  /** `totalRecords`: what the plan will send, report as invalid or delete, when known. */
  onSyncStart?(spec: SyncSpec, totalRecords: number | null): void;
  onBatchResult?(spec: SyncSpec, batch: BatchResult): void;
  /** A request to `destination` waited `waitedMs` for its rate limit (window or 429 pause) before leaving. */
  onRateLimitWait?(destination: string, waitedMs: number): void;
  onSyncEnd?(result: SyncResult): void;
  onRunEnd?(result: RunResult): void | Promise<void>;
  /** After onRunEnd, once per alert delivery attempted (alerts go out after the run's end is recorded). */
  onAlertDelivery?(delivery: AlertDelivery): void;
}

export function emptyCounts(): SyncCounts {
  return {
    attempted: 0,
    created: 0,
    updated: 0,
    deleted: 0,
    failed: 0,
    invalid: 0,
    skipped: 0,
    unchanged: 0,
    stillFailing: 0,
  };
}

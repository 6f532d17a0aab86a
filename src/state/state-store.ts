import type { SyncSpec } from '../config/types.js';
import type { RecordOutcome } from '../destinations/contract.js';
import type { FailureGroup } from '../observe/lifecycle.js';
import type { Row } from '../warehouse/warehouse.js';

/**
 * dbt-spoke's own tables in the warehouse (schema from spoke.yml `state.schema`, default
 * `spoke`): run history, the per-record log, the snapshot of what each record was last
 * confirmed with, the destination-id ledger, and per-sync locks. Contract; the implementation
 * lives beside it.
 */
export interface StateStore {
  /** Creates the schema and applies pending versioned migrations; safe to call every run. */
  migrate(): Promise<void>;

  /**
   * Takes the locks of every sync of a run at once, or none, so two runs never overlap on a sync
   * nor split a selection between them. With `waitMs` > 0 tries again as a whole until then;
   * afterwards throws SyncsLockedError (`SPOKE_SYNC_LOCKED`) naming the runs that hold them.
   * `signal` ends the wait early the same way (a server shutting down).
   */
  acquireLocks(
    syncIds: readonly string[],
    owner: LockOwner,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<SyncLock>;

  startRun(run: RunRecord): Promise<void>;
  /**
   * `error`: why the run stopped before or while syncing (null when it ran to the end). `alerts`:
   * the health changes the run caused and the messages they send, committed with the run's end.
   */
  finishRun(
    runId: string,
    status: string,
    finishedAt: Date,
    error?: string | null,
    alerts?: AlertWrites | null,
  ): Promise<void>;

  /** Health changes seen between runs (a sync gone stale), with their messages, in one transaction. */
  commitAlerts(writes: AlertWrites): Promise<void>;
  /** The alert health kept for these syncs (all syncs when absent). */
  alertStates(syncIds?: readonly string[]): Promise<AlertStateRow[]>;
  /** Deliveries not yet done; only those due at `dueBy` when given. */
  pendingDeliveries(dueBy?: Date): Promise<PendingDelivery[]>;
  recordDelivery(result: DeliveryResult): Promise<void>;
  startSyncRun(runId: string, syncId: string, startedAt: Date): Promise<void>;
  finishSyncRun(runId: string, result: SyncRunRecord): Promise<void>;

  /**
   * Plans the sync inside the warehouse: the model's rows hashed over the mapped destination
   * fields and joined to the snapshot. Only rows that need attention travel to Node.
   */
  planChanges(spec: SyncSpec, options: PlanOptions): Promise<ChangeSet>;

  /**
   * Records, in its own committed transaction and before anything is sent, the records about to
   * be sent. A record stays in flight until an answer about it is committed, so one whose answer
   * was lost (a killed run, a dropped connection) is planned as `uncertain` and resent.
   */
  markInFlight(batch: InFlightBatch): Promise<void>;

  /**
   * Records one answered batch in one transaction: every entry goes to record_log; confirmed
   * entries advance the snapshot and the ledger; permanent failures are remembered with the row
   * hash that caused them; deletions remove the snapshot row; every answered record leaves the
   * in-flight list except those whose failure was transient (the destination may have applied
   * them). Each record's rows change in one transaction, which may hold other batches too (and a
   * batch of more than 10,000 records spans several); nothing of a failed transaction is written.
   */
  commitBatch(batch: CommittedBatch): Promise<void>;

  close(): Promise<void>;
}

export interface SyncLock {
  release(): Promise<void>;
}

/** Who takes a lock: the run, and a description people can find it by (pid and host). */
export interface LockOwner {
  runId: string;
  description: string;
}

export interface LockHolder {
  syncId: string;
  /** Null when the holder could not be read (a lock taken a moment ago). */
  runId: string | null;
  description: string;
  acquiredAt: string | null;
}

export interface RunRecord {
  runId: string;
  target: string;
  invocationId: string | null;
  command: string;
  startedAt: Date;
}

export interface SyncRunRecord {
  syncId: string;
  status: string;
  attempted: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  invalid: number;
  skipped: number;
  unchanged: number;
  stillFailing: number;
  error: string | null;
  finishedAt: Date;
}

export interface PlanOptions {
  /** Treat every row as changed (ignore the snapshot's hashes, keep its ids). */
  fullRefresh: boolean;
  /** Resend rows that failed permanently even if they did not change. */
  retryFailed: boolean;
  /** Rows per yielded batch. */
  batchSize: number;
  /** The destination matches keys without regard to case: `abc` and `ABC` are one record. */
  ignoreKeyCase?: boolean;
}

export type ChangeKind =
  /** Key not in the snapshot. */
  | 'new'
  /** Row hash differs from the snapshot's (or full refresh). */
  | 'changed'
  /** Key column is null or empty. */
  | 'null_key'
  /** Key occurs in more than one row of the model. */
  | 'duplicate_key'
  /**
   * Sent by an earlier run whose answer never committed: the destination may hold those values
   * or the older ones, so the whole record is resent whatever the snapshot says.
   */
  | 'uncertain';

export interface Change {
  kind: ChangeKind;
  /** Key as text; null for `null_key`. */
  key: string | null;
  /** The model row: the key column and every mapped column (fields, lookups, associations). */
  row: Row;
  /** Hash of the mapped values, as computed in the warehouse; stored on confirmation. */
  hash: string;
  /** What the destination was last confirmed to hold for this key, if anything. */
  previous: { values: Record<string, unknown>; destinationId: string | null } | null;
}

/** A record this sync wrote earlier whose row left the model (mirror mode). */
export interface Deletion {
  key: string;
  destinationId: string | null;
  values: Record<string, unknown>;
}

export interface ChangeSet {
  counts: {
    /** Rows in the model. */
    total: number;
    new: number;
    changed: number;
    /** Rows in flight from an earlier run whose answer never committed; resent. */
    uncertain: number;
    unchanged: number;
    /** Unchanged rows that failed permanently before and are not resent. */
    failedUnchanged: number;
    nullKey: number;
    duplicateKey: number;
    /** Records this sync created whose key left the model; counted for every mode, deleted only by mirror. */
    gone: number;
    /** Records this sync created (the id ledger), for the delete guard. */
    synced: number;
  };
  /**
   * New, changed, uncertain, null-key and duplicate-key rows, in batches (of `batchSize` when
   * given, else the plan's); unchanged rows never appear.
   */
  changes(batchSize?: number): AsyncIterable<Change[]>;
  /** Records this sync created (the id ledger) whose key is no longer in the model. */
  deletions(): AsyncIterable<Deletion[]>;
  /** The rows counted in `failedUnchanged`, grouped by error code, with samples. */
  stillFailing(): Promise<FailureGroup[]>;
}

export type { FailureGroup };

export type LoggedOperation = 'upsert' | 'update' | 'create' | 'delete' | 'associate';

export interface CommittedEntry {
  key: string;
  operation: LoggedOperation;
  outcome: RecordOutcome;
  /** Attempt number within this run (1 = first try). */
  attempt: number;
  /** For writes: the row hash and the full mapped values the destination now holds. */
  hash?: string;
  values?: Record<string, unknown>;
}

export interface CommittedBatch {
  runId: string;
  syncId: string;
  /** Destination and object, for the ledger. */
  destination: string;
  object: string;
  entries: CommittedEntry[];
}

export interface InFlightEntry {
  key: string;
  operation: LoggedOperation;
  /** The row hash being sent; null for deletions. */
  hash: string | null;
}

export interface InFlightBatch {
  runId: string;
  syncId: string;
  entries: InFlightEntry[];
}

/** A sync's alert health as kept between runs. */
export interface AlertStateRow {
  syncId: string;
  health: 'healthy' | 'failing';
  /** When it entered this health. */
  since: Date;
  /** Runs observed failing since it began failing. */
  failingRuns: number;
  /** Healthy runs in a row while still counted failing (towards `recover_after`). */
  healthyRuns: number;
  lastRunId: string | null;
  lastObservedAt: Date;
  lastSuccessAt: Date | null;
  lastMessageId: string | null;
}

export interface AlertOutboxMessage {
  messageId: string;
  kind: string;
  runId: string | null;
  createdAt: Date;
  /** The rendered message as JSON text; channels render their views from it. */
  payload: string;
  /** Which channels get it, and which of its syncs each is about. */
  deliveries: { channel: string; syncIds: string[] }[];
}

/** What one run's end writes for alerts, in the run's own transaction. */
export interface AlertWrites {
  states: AlertStateRow[];
  messages: AlertOutboxMessage[];
}

export interface PendingDelivery {
  messageId: string;
  kind: string;
  channel: string;
  syncIds: string[];
  payload: string;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
}

export interface DeliveryResult {
  messageId: string;
  channel: string;
  delivered: boolean;
  attemptedAt: Date;
  /** When to try again after a failure. */
  nextAttemptAt?: Date;
  error?: string;
}

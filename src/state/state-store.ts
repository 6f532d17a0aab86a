import type { SyncSpec } from '../config/types.js';
import type { RecordOutcome } from '../destinations/contract.js';
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
   * Takes the sync's lock so two runs of one sync never overlap. With `waitMs` > 0 waits that
   * long for a holder to finish; then throws SpokeError `SPOKE_SYNC_LOCKED` naming the holder.
   */
  acquireLock(syncId: string, owner: string, waitMs: number): Promise<SyncLock>;

  startRun(run: RunRecord): Promise<void>;
  finishRun(runId: string, status: string, finishedAt: Date): Promise<void>;
  startSyncRun(runId: string, syncId: string, startedAt: Date): Promise<void>;
  finishSyncRun(runId: string, result: SyncRunRecord): Promise<void>;

  /**
   * Plans the sync inside the warehouse: the model's rows hashed over the mapped destination
   * fields and joined to the snapshot. Only rows that need attention travel to Node.
   */
  planChanges(spec: SyncSpec, options: PlanOptions): Promise<ChangeSet>;

  /**
   * Records one answered batch in one transaction: every entry goes to record_log; confirmed
   * entries advance the snapshot and the ledger; permanent failures are remembered with the row
   * hash that caused them; deletions remove the snapshot row. Nothing is written for a batch
   * whose transaction fails.
   */
  commitBatch(batch: CommittedBatch): Promise<void>;

  close(): Promise<void>;
}

export interface SyncLock {
  release(): Promise<void>;
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
}

export type ChangeKind =
  /** Key not in the snapshot. */
  | 'new'
  /** Row hash differs from the snapshot's (or full refresh). */
  | 'changed'
  /** Key column is null or empty. */
  | 'null_key'
  /** Key occurs in more than one row of the model. */
  | 'duplicate_key';

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
    unchanged: number;
    /** Unchanged rows that failed permanently before and are not resent. */
    failedUnchanged: number;
    nullKey: number;
    duplicateKey: number;
    /** Snapshot records whose key left the model; counted for every mode, deleted only by mirror. */
    gone: number;
    /** Records in the snapshot (what this sync manages), for the delete guard. */
    synced: number;
  };
  /** New, changed, null-key and duplicate-key rows, in batches; unchanged rows never appear. */
  changes(): AsyncIterable<Change[]>;
  /** Snapshot records whose key is no longer in the model. */
  deletions(): AsyncIterable<Deletion[]>;
}

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

import type { SyncSpec } from '../config/types.js';
import { redact } from '../util/redact.js';
import type { SqlSession } from '../warehouse/sql-session.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { readAlertStates, readPendingDeliveries, writeAlerts, writeDelivery } from './alert-tables.js';
import { batchWrites } from './batch-writes.js';
import { migrateState } from './migrate.js';
import { planChangeSet } from './plan-change-set.js';
import { type StateDialect, stateDialect } from './state-dialect.js';
import { stateError } from './state-error.js';
import type {
  AlertStateRow,
  AlertWrites,
  ChangeSet,
  CommittedBatch,
  DeliveryResult,
  InFlightBatch,
  LockOwner,
  PendingDelivery,
  PlanOptions,
  RunRecord,
  StateStore,
  SyncLock,
  SyncRunRecord,
} from './state-store.js';
import { type StateTable, stateTables } from './state-tables.js';
import { acquireSyncLocks } from './sync-locks.js';
import { writeBatch, writeInFlight } from './write-batch.js';

export interface StateStoreOptions {
  /** Schema holding the state tables (spoke.yml `state.schema`). */
  schema: string;
  /** Redshift locks table: heartbeat interval and the silence after which a holder counts as dead. */
  lockHeartbeatMs?: number;
  lockStaleMs?: number;
  /** Pause between tries while waiting for a sync's lock. */
  lockPollMs?: number;
}

/** The StateStore on the warehouse dbt builds into, over the warehouse's own connection. */
export class WarehouseStateStore implements StateStore {
  private readonly session: SqlSession;
  private readonly dialect: StateDialect;
  private readonly table: (name: StateTable) => string;
  private readonly locks = new Set<SyncLock>();

  constructor(
    private readonly warehouse: Warehouse,
    private readonly options: StateStoreOptions,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    this.session = warehouse.sql;
    this.dialect = stateDialect(this.session.dialect);
    this.table = stateTables(options.schema);
  }

  async migrate(): Promise<void> {
    await this.guard('create or migrate its tables', () => migrateState(this.session, this.options.schema));
  }

  async acquireLocks(
    syncIds: readonly string[],
    owner: LockOwner,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<SyncLock> {
    const lock = await acquireSyncLocks(
      {
        session: this.session,
        dialect: this.dialect,
        schema: this.options.schema,
        table: this.table,
        heartbeatMs: this.options.lockHeartbeatMs ?? 30_000,
        staleMs: this.options.lockStaleMs ?? 300_000,
        pollMs: this.options.lockPollMs ?? 250,
      },
      syncIds,
      owner,
      waitMs,
      signal,
    );
    const tracked: SyncLock = {
      release: async () => {
        this.locks.delete(tracked);
        await lock.release();
      },
    };
    this.locks.add(tracked);
    return tracked;
  }

  async startRun(run: RunRecord): Promise<void> {
    await this.guard(`record the start of run ${run.runId}`, () =>
      this.session.query(
        `INSERT INTO ${this.table('runs')} (run_id, target, invocation_id, command, status, started_at)
         VALUES ($1, $2, $3, $4, 'running', $5)`,
        [run.runId, run.target, run.invocationId, run.command, this.time(run.startedAt)],
      ),
    );
  }

  async finishRun(
    runId: string,
    status: string,
    finishedAt: Date,
    error: string | null = null,
    alerts: AlertWrites | null = null,
  ): Promise<void> {
    await this.guard(`record the end of run ${runId}`, () =>
      this.session.transaction(async (tx) => {
        await tx.query(
          `UPDATE ${this.table('runs')} SET status = $2, finished_at = $3, error = $4 WHERE run_id = $1`,
          [runId, status, this.time(finishedAt), this.errorText(error)],
        );
        if (alerts) await writeAlerts(tx, this.dialect, this.table, alerts);
      }),
    );
  }

  async commitAlerts(writes: AlertWrites): Promise<void> {
    await this.guard('record alert state', () =>
      this.session.transaction((tx) => writeAlerts(tx, this.dialect, this.table, writes)),
    );
  }

  async alertStates(syncIds?: readonly string[]): Promise<AlertStateRow[]> {
    return this.guard('read the alert state', () => readAlertStates(this.session, this.table, syncIds));
  }

  async pendingDeliveries(dueBy?: Date): Promise<PendingDelivery[]> {
    return this.guard('read pending alert deliveries', () =>
      readPendingDeliveries(this.session, this.dialect, this.table, dueBy),
    );
  }

  async recordDelivery(result: DeliveryResult): Promise<void> {
    const masked = result.error ? { ...result, error: redact(result.error) } : result;
    await this.guard(`record the delivery of alert ${result.messageId}`, () =>
      writeDelivery(this.session, this.dialect, this.table, masked, this.dialect.maxErrorChars),
    );
  }

  async startSyncRun(runId: string, syncId: string, startedAt: Date): Promise<void> {
    await this.guard(`record the start of sync ${syncId}`, () =>
      this.session.query(
        `INSERT INTO ${this.table('sync_runs')} (run_id, sync_id, status, started_at) VALUES ($1, $2, 'running', $3)`,
        [runId, syncId, this.time(startedAt)],
      ),
    );
  }

  async finishSyncRun(runId: string, result: SyncRunRecord): Promise<void> {
    await this.guard(`record the end of sync ${result.syncId}`, () =>
      this.session.query(
        `UPDATE ${this.table('sync_runs')}
            SET status = $3, attempted = $4, created = $5, updated = $6, deleted = $7, failed = $8,
                invalid = $9, skipped = $10, unchanged = $11, error = $12, finished_at = $13,
                still_failing = $14
          WHERE run_id = $1 AND sync_id = $2`,
        [
          runId,
          result.syncId,
          result.status,
          result.attempted,
          result.created,
          result.updated,
          result.deleted,
          result.failed,
          result.invalid,
          result.skipped,
          result.unchanged,
          this.errorText(result.error),
          this.time(result.finishedAt),
          result.stillFailing,
        ],
      ),
    );
  }

  async planChanges(spec: SyncSpec, options: PlanOptions): Promise<ChangeSet> {
    return planChangeSet(
      { warehouse: this.warehouse, dialect: this.dialect, table: this.table, guard: this.guard.bind(this) },
      spec,
      options,
    );
  }

  async markInFlight(batch: InFlightBatch): Promise<void> {
    if (batch.entries.length === 0) return;
    const context = { runId: batch.runId, syncId: batch.syncId, now: new Date() };
    await this.guard(`record what sync ${batch.syncId} is about to send`, () =>
      this.session.transaction((tx) => writeInFlight(tx, this.dialect, this.table, context, batch.entries)),
    );
  }

  async commitBatch(batch: CommittedBatch): Promise<void> {
    if (batch.entries.length === 0) return;
    const writes = batchWrites(batch, this.dialect.maxErrorChars);
    const context = { ...batch, now: new Date() };
    await this.guard(`record a batch of sync ${batch.syncId}`, () =>
      this.session.transaction((tx) => writeBatch(tx, this.dialect, this.table, context, writes)),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.locks].map((lock) => lock.release()));
    await this.onClose();
  }

  private time(date: Date): string {
    return this.dialect.timestampParam(date);
  }

  private errorText(error: string | null): string | null {
    return error === null ? null : redact(error).slice(0, this.dialect.maxErrorChars);
  }

  /** Runs a state operation, turning a driver error into one that names what failed and the fix. */
  private async guard<T>(action: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw stateError(error, action, this.options.schema);
    }
  }
}

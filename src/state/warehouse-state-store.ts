import type { SyncSpec } from '../config/types.js';
import { chunk } from '../util/chunk.js';
import { redact } from '../util/redact.js';
import type { SqlRunner, SqlSession } from '../warehouse/sql-session.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { readAlertStates, readPendingDeliveries, writeAlerts, writeDelivery } from './alert-tables.js';
import { batchWrites } from './batch-writes.js';
import { GroupCommitter } from './group-committer.js';
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
import { type AppendTarget, writeBatch, writeInFlight } from './write-batch.js';

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
  /** In-flight marks and answered batches, many per transaction, in the order they came. */
  private readonly committer = new GroupCommitter<StateWrite>(
    (writes) => this.guard(groupAction(writes), () => this.commitGroup(writes)),
    (write) => write.batch.entries.length,
    MAX_ENTRIES_PER_TRANSACTION,
    // A failed group is committed again per run and sync, so one sync's failure stays its own.
    (write) => `${write.batch.runId}\u0000${write.batch.syncId}`,
  );
  /**
   * Per run and sync, whether `failures` has rows of the sync: one without any deletes none. The
   * sync's lock keeps other runs from adding some while this run holds it.
   */
  private readonly hasFailures = new Map<string, boolean>();
  /** Snapshot rows written since the planner's statistics were last refreshed. */
  private snapshotWrites = 0;
  /**
   * DuckDB: per state table and the rows one run writes in it (a sync's, a destination object's
   * ledger), whether the table held none of them when the run first wrote there, so that its
   * upserts are plain inserts (see AppendTarget). Once a key turns out to be there, the table
   * takes upserts for the rest of the run.
   */
  private readonly fresh = new Map<string, boolean>();

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
    this.forgetRun(runId);
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
    await this.refreshStatistics();
  }

  /**
   * PostgreSQL plans the next run's join against the snapshot from its statistics, which are
   * stale after a large sync until autovacuum gets to them: refreshed once a sync wrote many rows.
   */
  private async refreshStatistics(): Promise<void> {
    if (this.dialect.type !== 'postgres' || this.snapshotWrites < ANALYZE_AFTER_WRITES) return;
    this.snapshotWrites = 0;
    // Only speeds up planning: a refusal (a role that may not analyze) changes nothing else.
    await this.session.query(`ANALYZE ${this.table('snapshot')}, ${this.table('id_ledger')}`).catch(() => {});
  }

  async planChanges(spec: SyncSpec, options: PlanOptions): Promise<ChangeSet> {
    return planChangeSet(
      {
        warehouse: this.warehouse,
        dialect: this.dialect,
        table: this.table,
        guard: this.guard.bind(this),
        writesWhileReading: true,
      },
      spec,
      options,
    );
  }

  async markInFlight(batch: InFlightBatch): Promise<void> {
    await Promise.all(
      chunk(batch.entries, MAX_ENTRIES_PER_TRANSACTION).map((entries) =>
        this.committer.submit({ kind: 'in_flight', batch: { ...batch, entries } }),
      ),
    );
  }

  /**
   * A large batch (a Bulk job) commits in parts: each record's rows still change together, and a
   * part that fails leaves its records in flight, to be resent.
   */
  async commitBatch(batch: CommittedBatch): Promise<void> {
    await Promise.all(
      chunk(batch.entries, MAX_ENTRIES_PER_TRANSACTION).map((entries) =>
        this.committer.submit({ kind: 'outcomes', batch: { ...batch, entries } }),
      ),
    );
  }

  /**
   * Commits one group. In DuckDB a fresh table takes plain inserts; should a key be there after
   * all (a record sent twice in one run, another sync's ledger row), the constraint error rolls
   * the whole transaction back, and the group is written again with upserts.
   */
  private async commitGroup(writes: StateWrite[]): Promise<void> {
    const appended: string[] = [];
    try {
      await this.session.transaction((tx) => this.writeGroup(tx, writes, appended));
    } catch (error) {
      if (appended.length === 0 || !isDuplicateKey(error)) throw error;
      for (const key of appended) this.fresh.set(key, false);
      await this.session.transaction((tx) => this.writeGroup(tx, writes, []));
    }
  }

  /** One transaction's writes: neighbours of one kind and sync become one set of statements. */
  private async writeGroup(tx: SqlRunner, writes: StateWrite[], appended: string[]): Promise<void> {
    const now = new Date();
    for (const run of sameTargetRuns(writes)) {
      const first = run[0]!;
      const { runId, syncId } = first.batch;
      if (first.kind === 'in_flight') {
        // A key marked twice keeps its last mark: one statement may not touch a row twice.
        const marks = run.flatMap((write) => (write as InFlightWrite).batch.entries);
        const entries = new Map(marks.map((entry) => [entry.key, entry]));
        const context = { runId, syncId, now };
        const target = await this.appendTarget(tx, appended, [
          ['in_flight', `${runId}\u0000${syncId}`, 'sync_id = $1', [syncId]],
        ]);
        await writeInFlight(tx, this.dialect, this.table, context, [...entries.values()], target);
        continue;
      }
      const batch: CommittedBatch = {
        ...(first.batch as CommittedBatch),
        entries: run.flatMap((write) => (write.batch as CommittedBatch).entries),
      };
      const rows = batchWrites(batch, this.dialect.maxErrorChars);
      const known = `${batch.runId}\u0000${batch.syncId}`;
      if (rows.failureDeletes.length > 0 && !(await this.syncHasFailures(tx, known, batch.syncId))) {
        rows.failureDeletes = [];
      }
      if (rows.failureUpserts.length > 0) this.hasFailures.set(known, true);
      this.snapshotWrites += rows.snapshotUpserts.length + rows.snapshotDeletes.length;
      const target = await this.appendTarget(tx, appended, [
        ...(rows.snapshotUpserts.length > 0 ? [['snapshot', known, 'sync_id = $1', [syncId]] as const] : []),
        ...(rows.ledgerUpserts.length > 0
          ? [
              [
                'id_ledger',
                `${runId}\u0000${batch.destination}\u0000${batch.object}`,
                'destination = $1 AND object = $2',
                [batch.destination, batch.object],
              ] as const,
            ]
          : []),
      ]);
      await writeBatch(tx, this.dialect, this.table, { ...batch, now }, rows, target);
    }
  }

  /**
   * DuckDB: which of the given tables are fresh for the rows at hand. A table is fresh for a
   * run's rows (`scope`) when it held none of them (`where`) at the run's first write there:
   * this run's lock keeps other runs from adding any, and a DuckDB file has one writing process.
   */
  private async appendTarget(
    tx: SqlRunner,
    appended: string[],
    tables: readonly (readonly [StateTable, string, string, readonly string[]])[],
  ): Promise<AppendTarget | undefined> {
    if (!tx.append) return undefined;
    const fresh = new Set<StateTable>();
    for (const [table, scope, where, params] of tables) {
      const key = `${table}\u0000${scope}`;
      let empty = this.fresh.get(key);
      if (empty === undefined) {
        const found = await tx.query(`SELECT 1 AS found FROM ${this.table(table)} WHERE ${where} LIMIT 1`, [
          ...params,
        ]);
        empty = found.length === 0;
        this.fresh.set(key, empty);
      }
      if (empty) {
        fresh.add(table);
        appended.push(key);
      }
    }
    return { schema: this.options.schema, fresh };
  }

  /** What was cached about a run's writes: a long-lived `spoke serve` runs many. */
  private forgetRun(runId: string): void {
    for (const key of this.hasFailures.keys())
      if (key.startsWith(`${runId}\u0000`)) this.hasFailures.delete(key);
    for (const key of this.fresh.keys()) if (key.includes(`\u0000${runId}\u0000`)) this.fresh.delete(key);
  }

  private async syncHasFailures(tx: SqlRunner, cacheKey: string, syncId: string): Promise<boolean> {
    let known = this.hasFailures.get(cacheKey);
    if (known === undefined) {
      const rows = await tx.query(
        `SELECT 1 AS found FROM ${this.table('failures')} WHERE sync_id = $1 LIMIT 1`,
        [syncId],
      );
      known = rows.length > 0;
      this.hasFailures.set(cacheKey, known);
    }
    return known;
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

/** Snapshot rows written after which PostgreSQL's statistics of it are refreshed. */
const ANALYZE_AFTER_WRITES = 10_000;

/** Records per state transaction at most. */
const MAX_ENTRIES_PER_TRANSACTION = 10_000;

/** DuckDB's answer to a key already in a table with that primary key. */
function isDuplicateKey(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /duplicate key|violates primary key constraint/i.test(message);
}

type InFlightWrite = { kind: 'in_flight'; batch: InFlightBatch };
type StateWrite = InFlightWrite | { kind: 'outcomes'; batch: CommittedBatch };

/** Consecutive writes of one kind for one sync (and run, destination object), in order. */
function sameTargetRuns(writes: StateWrite[]): StateWrite[][] {
  const target = (write: StateWrite) =>
    write.kind === 'in_flight'
      ? [write.kind, write.batch.runId, write.batch.syncId].join('\u0000')
      : [write.kind, write.batch.runId, write.batch.syncId, write.batch.destination, write.batch.object].join(
          '\u0000',
        );
  const runs: StateWrite[][] = [];
  let last: string | null = null;
  for (const write of writes) {
    const key = target(write);
    if (key === last) runs.at(-1)!.push(write);
    else runs.push([write]);
    last = key;
  }
  return runs;
}

function groupAction(writes: StateWrite[]): string {
  const syncs = [...new Set(writes.map((write) => write.batch.syncId))].join(', ');
  return writes.every((write) => write.kind === 'in_flight')
    ? `record what sync ${syncs} is about to send`
    : `record the answers of sync ${syncs}`;
}

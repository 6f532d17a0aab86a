import { setTimeout as sleep } from 'node:timers/promises';
import { SpokeError } from '../errors.js';
import type { DedicatedConnection, SqlRunner, SqlSession } from '../warehouse/sql-session.js';
import { ADVISORY_LOCK_CLASS } from './advisory-lock-keys.js';
import type { StateDialect } from './state-dialect.js';
import type { LockHolder, LockOwner, SyncLock } from './state-store.js';
import type { StateTable } from './state-tables.js';

export interface LockOptions {
  session: SqlSession;
  dialect: StateDialect;
  schema: string;
  table: (name: StateTable) => string;
  /** How often a held locks-table lock proves its holder alive. */
  heartbeatMs: number;
  /** A locks-table lock whose heartbeat is older than this belongs to a dead process. */
  staleMs: number;
  /** Pause between tries while waiting for a holder. */
  pollMs: number;
}

/** One try: every lock, or who holds the ones that were not free. */
type Attempt = { lock: SyncLock } | { holders: LockHolder[] };

interface Locker {
  attempt(): Promise<Attempt>;
  /** Frees what unsuccessful attempts hold. */
  abandon(): Promise<void>;
}

/** Raised when another run holds syncs this run selected: nothing of this run was synced. */
export class SyncsLockedError extends SpokeError {
  override name = 'SyncsLockedError';
  constructor(
    message: string,
    readonly holders: LockHolder[],
  ) {
    super('SPOKE_SYNC_LOCKED', message);
  }
}

/** Locks held by DuckDB sessions of this process; the file itself keeps other processes out. */
const duckdbLocks = new WeakMap<SqlSession, Map<string, LockHolder>>();

/**
 * Takes the locks of a run's whole selection at once, or none, trying again as a whole until
 * `waitMs` has passed: two runs started together never split a selection between them. On
 * PostgreSQL the advisory locks live on one dedicated connection per run (gone with the
 * process); Redshift uses the locks table with one heartbeat; DuckDB an in-process map.
 */
export async function acquireSyncLocks(
  options: LockOptions,
  syncIds: readonly string[],
  owner: LockOwner,
  waitMs: number,
  signal?: AbortSignal,
): Promise<SyncLock> {
  const ids = [...new Set(syncIds)].sort();
  const locker: Locker =
    options.dialect.type === 'postgres'
      ? advisoryLocker(options, ids, owner)
      : {
          attempt:
            options.dialect.type === 'redshift'
              ? () => tryTableLocks(options, ids, owner)
              : async () => tryProcessLocks(options, ids, owner),
          abandon: async () => {},
        };
  const deadline = Date.now() + Math.max(0, waitMs);
  try {
    while (true) {
      const result = await locker.attempt();
      if ('lock' in result) return result.lock;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal?.aborted) throw lockedError(options, result.holders, waitMs);
      // Jitter keeps two waiting runs from retrying in step.
      await sleep(Math.min(options.pollMs * (0.5 + Math.random()), remaining), undefined, {
        ...(signal ? { signal } : {}),
      }).catch(() => {});
    }
  } catch (error) {
    await locker.abandon();
    throw error;
  }
}

function advisoryLocker(options: LockOptions, ids: string[], owner: LockOwner): Locker {
  const { session, schema } = options;
  const keys = ids.map((id) => `${schema}:${id}`);
  let connection: DedicatedConnection | null = null;
  return {
    async attempt() {
      connection ??= await session.dedicated();
      const held = connection;
      // The advisory locks decide; the rows, written under the same mutex, tell people (and the
      // next contender) who holds them.
      const taken = await allOrNone(held, schema, keys, (tx) => writeHolderRows(options, tx, ids, owner));
      if (!taken) return { holders: await readHolders(options, ids) };
      connection = null;
      return {
        lock: once(async () => {
          try {
            await deleteHolderRows(options, session, ids, owner);
          } finally {
            // Closing the connection ends its session and with it every advisory lock it held.
            await held.close();
          }
        }),
      };
    },
    async abandon() {
      await connection?.close();
    },
  };
}

/**
 * Tries every key under a short transaction-scoped mutex, so no other run's attempt interleaves:
 * either all are taken (session-scoped, they outlive the transaction) or none is kept.
 */
async function allOrNone(
  connection: DedicatedConnection,
  schema: string,
  keys: string[],
  onTaken: (tx: SqlRunner) => Promise<void>,
): Promise<boolean> {
  await connection.query('BEGIN');
  try {
    await connection.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      ADVISORY_LOCK_CLASS,
      `acquire:${schema}`,
    ]);
    const rows = await connection.query(
      'SELECT k AS key, pg_try_advisory_lock($1, hashtext(k)) AS locked FROM unnest(CAST($2 AS text[])) AS k',
      [ADVISORY_LOCK_CLASS, keys],
    );
    const taken = rows.filter((row) => row.locked === true).map((row) => String(row.key));
    const complete = taken.length === keys.length;
    if (!complete && taken.length > 0) {
      await connection.query(
        'SELECT pg_advisory_unlock($1, hashtext(k)) FROM unnest(CAST($2 AS text[])) AS k',
        [ADVISORY_LOCK_CLASS, taken],
      );
    }
    if (complete) await onTaken(connection);
    await connection.query('COMMIT');
    return complete;
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function tryTableLocks(options: LockOptions, ids: string[], owner: LockOwner): Promise<Attempt> {
  const { session, table } = options;
  const now = new Date();
  const holders = await session.transaction(async (tx): Promise<LockHolder[]> => {
    await tx.query(`LOCK ${table('locks')}`);
    const rows = await tx.query(
      `SELECT sync_id, run_id, owner, acquired_at, heartbeat_at FROM ${table('locks')} WHERE sync_id IN (${placeholders(ids)})`,
      ids,
    );
    const live = rows.filter((row) => Date.parse(String(row.heartbeat_at)) > now.getTime() - options.staleMs);
    if (live.length > 0) return live.map(toHolder);
    // What is left belongs to dead processes.
    await tx.query(`DELETE FROM ${table('locks')} WHERE sync_id IN (${placeholders(ids)})`, ids);
    await insertHolderRows(options, tx, ids, owner, now);
    return [];
  });
  if (holders.length > 0) return { holders };

  const heartbeat = setInterval(() => {
    session
      .query(
        `UPDATE ${table('locks')} SET heartbeat_at = $1 WHERE run_id = $2 AND sync_id IN (${placeholders(ids, 2)})`,
        [options.dialect.timestampParam(new Date()), owner.runId, ...ids],
      )
      .catch(() => {});
  }, options.heartbeatMs);
  heartbeat.unref();
  return {
    lock: once(async () => {
      clearInterval(heartbeat);
      await deleteHolderRows(options, session, ids, owner);
    }),
  };
}

function tryProcessLocks(options: LockOptions, ids: string[], owner: LockOwner): Attempt {
  let held = duckdbLocks.get(options.session);
  if (!held) {
    held = new Map();
    duckdbLocks.set(options.session, held);
  }
  const holders = ids.flatMap((id) => held.get(id) ?? []);
  if (holders.length > 0) return { holders };
  const acquiredAt = new Date().toISOString();
  const mine = new Map(ids.map((id) => [id, { syncId: id, ...owner, acquiredAt }]));
  for (const [id, holder] of mine) held.set(id, holder);
  return {
    lock: once(async () => {
      for (const [id, holder] of mine) if (held.get(id) === holder) held.delete(id);
    }),
  };
}

async function writeHolderRows(options: LockOptions, tx: SqlRunner, ids: string[], owner: LockOwner) {
  await tx.query(`DELETE FROM ${options.table('locks')} WHERE sync_id IN (${placeholders(ids)})`, ids);
  await insertHolderRows(options, tx, ids, owner, new Date());
}

async function insertHolderRows(
  options: LockOptions,
  tx: SqlRunner,
  ids: string[],
  owner: LockOwner,
  now: Date,
): Promise<void> {
  const time = options.dialect.timestampParam(now);
  const tuples = ids.map((_, i) => `($${i + 4}, $1, $2, $3, $3)`);
  await tx.query(
    `INSERT INTO ${options.table('locks')} (sync_id, run_id, owner, acquired_at, heartbeat_at) VALUES ${tuples.join(', ')}`,
    [owner.runId, owner.description, time, ...ids],
  );
}

async function deleteHolderRows(
  options: LockOptions,
  session: SqlSession,
  ids: string[],
  owner: LockOwner,
): Promise<void> {
  await session.query(
    `DELETE FROM ${options.table('locks')} WHERE run_id = $1 AND sync_id IN (${placeholders(ids, 1)})`,
    [owner.runId, ...ids],
  );
}

async function readHolders(options: LockOptions, ids: string[]): Promise<LockHolder[]> {
  const rows = await options.session
    .query(
      `SELECT sync_id, run_id, owner, acquired_at FROM ${options.table('locks')} WHERE sync_id IN (${placeholders(ids)})`,
      ids,
    )
    .catch(() => []);
  // A lock taken a moment ago may not have its row yet; the run still exists.
  return rows.length > 0
    ? rows.map(toHolder)
    : [{ syncId: ids[0] ?? '', runId: null, description: 'another process', acquiredAt: null }];
}

function toHolder(row: Record<string, unknown>): LockHolder {
  return {
    syncId: String(row.sync_id),
    runId: row.run_id === null || row.run_id === undefined ? null : String(row.run_id),
    description: String(row.owner),
    acquiredAt: row.acquired_at === null || row.acquired_at === undefined ? null : String(row.acquired_at),
  };
}

function placeholders(values: readonly unknown[], offset = 0): string {
  return values.map((_, i) => `$${offset + i + 1}`).join(', ');
}

function lockedError(options: LockOptions, holders: LockHolder[], waitMs: number): SyncsLockedError {
  const byRun = new Map<string, LockHolder[]>();
  for (const holder of holders) {
    const key = holder.runId ?? holder.description;
    byRun.set(key, [...(byRun.get(key) ?? []), holder]);
  }
  const who = [...byRun.values()]
    .map((held) => {
      const [first] = held as [LockHolder];
      const run = first.runId ? `run ${first.runId} (${first.description})` : first.description;
      const since = first.acquiredAt ? ` since ${first.acquiredAt}` : '';
      return `${run}${since} holds ${held.map((h) => h.syncId).join(', ')}`;
    })
    .join('; ');
  const waited = waitMs > 0 ? ` after waiting ${Math.round(waitMs / 1000)}s` : '';
  const stale =
    options.dialect.type === 'redshift'
      ? ` If that process died, its locks expire ${Math.round(options.staleMs / 1000)}s after its last heartbeat.`
      : '';
  return new SyncsLockedError(
    `Not run${waited}: another run is syncing what this run selected (${who}). That run does this work; ` +
      `nothing was sent by this one. Run again once it has finished, or pass --wait <seconds> to wait for it.${stale}`,
    holders,
  );
}

function once(release: () => Promise<void>): SyncLock {
  let released: Promise<void> | null = null;
  return {
    release: () => {
      released ??= release();
      return released;
    },
  };
}

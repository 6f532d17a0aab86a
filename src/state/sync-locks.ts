import { setTimeout as sleep } from 'node:timers/promises';
import { SpokeError } from '../errors.js';
import type { DedicatedConnection, SqlSession } from '../warehouse/sql-session.js';
import { ADVISORY_LOCK_CLASS } from './advisory-lock-keys.js';
import type { StateDialect } from './state-dialect.js';
import type { SyncLock } from './state-store.js';
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

interface Holder {
  owner: string;
  acquiredAt: string | null;
}

/** One try: the lock, or who holds it. */
type Attempt = { lock: SyncLock } | { holder: Holder };

/** Locks held by DuckDB sessions of this process; the file itself keeps other processes out. */
const duckdbLocks = new WeakMap<SqlSession, Map<string, Holder>>();

/**
 * Takes a sync's lock, trying again until `waitMs` has passed: a PostgreSQL advisory lock on a
 * dedicated connection (gone with the process), Redshift's locks table with heartbeats, or
 * DuckDB's in-process map.
 */
export async function acquireSyncLock(
  options: LockOptions,
  syncId: string,
  owner: string,
  waitMs: number,
): Promise<SyncLock> {
  const locker: Locker =
    options.dialect.type === 'postgres'
      ? advisoryLocker(options, syncId, owner)
      : {
          attempt:
            options.dialect.type === 'redshift'
              ? () => tryTableLock(options, syncId, owner)
              : async () => tryProcessLock(options, syncId, owner),
          abandon: async () => {},
        };
  const deadline = Date.now() + Math.max(0, waitMs);
  try {
    while (true) {
      const result = await locker.attempt();
      if ('lock' in result) return result.lock;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw lockedError(options, syncId, result.holder, waitMs);
      await sleep(Math.min(options.pollMs, remaining));
    }
  } catch (error) {
    await locker.abandon();
    throw error;
  }
}

interface Locker {
  attempt(): Promise<Attempt>;
  /** Frees what unsuccessful attempts hold. */
  abandon(): Promise<void>;
}

/** Tries on one dedicated connection, which then holds the lock until released or closed. */
function advisoryLocker(options: LockOptions, syncId: string, owner: string): Locker {
  const { session, table, dialect } = options;
  const keys = [ADVISORY_LOCK_CLASS, `${options.schema}:${syncId}`];
  let connection: DedicatedConnection | null = null;
  return {
    async attempt() {
      connection ??= await session.dedicated();
      const held = connection;
      const [row] = await held.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', keys);
      if (row?.locked !== true) {
        return {
          holder: (await readHolder(options, syncId)) ?? { owner: 'another process', acquiredAt: null },
        };
      }
      // The advisory lock decides; the row tells people (and the next contender) who holds it.
      const now = dialect.timestampParam(new Date());
      await session.transaction(async (tx) => {
        await tx.query(`DELETE FROM ${table('locks')} WHERE sync_id = $1`, [syncId]);
        await tx.query(
          `INSERT INTO ${table('locks')} (sync_id, owner, acquired_at, heartbeat_at) VALUES ($1, $2, $3, $3)`,
          [syncId, owner, now],
        );
      });
      connection = null;
      return {
        lock: once(async () => {
          try {
            await session.query(`DELETE FROM ${table('locks')} WHERE sync_id = $1 AND owner = $2`, [
              syncId,
              owner,
            ]);
            await held.query('SELECT pg_advisory_unlock($1, hashtext($2))', keys);
          } finally {
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

async function tryTableLock(options: LockOptions, syncId: string, owner: string): Promise<Attempt> {
  const { session, table, dialect } = options;
  const now = new Date();
  const holder = await session.transaction(async (tx): Promise<Holder | null> => {
    await tx.query(`LOCK ${table('locks')}`);
    const [row] = await tx.query(
      `SELECT owner, acquired_at, heartbeat_at FROM ${table('locks')} WHERE sync_id = $1`,
      [syncId],
    );
    if (row && Date.parse(String(row.heartbeat_at)) > now.getTime() - options.staleMs) {
      return { owner: String(row.owner), acquiredAt: String(row.acquired_at) };
    }
    await tx.query(`DELETE FROM ${table('locks')} WHERE sync_id = $1`, [syncId]);
    await tx.query(
      `INSERT INTO ${table('locks')} (sync_id, owner, acquired_at, heartbeat_at) VALUES ($1, $2, $3, $3)`,
      [syncId, owner, dialect.timestampParam(now)],
    );
    return null;
  });
  if (holder) return { holder };

  const heartbeat = setInterval(() => {
    session
      .query(`UPDATE ${table('locks')} SET heartbeat_at = $3 WHERE sync_id = $1 AND owner = $2`, [
        syncId,
        owner,
        dialect.timestampParam(new Date()),
      ])
      .catch(() => {});
  }, options.heartbeatMs);
  heartbeat.unref();
  return {
    lock: once(async () => {
      clearInterval(heartbeat);
      await session.query(`DELETE FROM ${table('locks')} WHERE sync_id = $1 AND owner = $2`, [syncId, owner]);
    }),
  };
}

function tryProcessLock(options: LockOptions, syncId: string, owner: string): Attempt {
  let held = duckdbLocks.get(options.session);
  if (!held) {
    held = new Map();
    duckdbLocks.set(options.session, held);
  }
  const holder = held.get(syncId);
  if (holder) return { holder };
  const mine: Holder = { owner, acquiredAt: new Date().toISOString() };
  held.set(syncId, mine);
  return {
    lock: once(async () => {
      if (held.get(syncId) === mine) held.delete(syncId);
    }),
  };
}

async function readHolder(options: LockOptions, syncId: string): Promise<Holder | null> {
  const [row] = await options.session
    .query(`SELECT owner, acquired_at FROM ${options.table('locks')} WHERE sync_id = $1`, [syncId])
    .catch(() => []);
  return row ? { owner: String(row.owner), acquiredAt: String(row.acquired_at) } : null;
}

function lockedError(options: LockOptions, syncId: string, holder: Holder, waitMs: number): SpokeError {
  const since = holder.acquiredAt ? ` since ${holder.acquiredAt}` : '';
  const waited = waitMs > 0 ? ` after waiting ${Math.round(waitMs / 1000)}s` : '';
  const stale =
    options.dialect.type === 'redshift'
      ? ` If that process died, its lock expires ${Math.round(options.staleMs / 1000)}s after its last heartbeat.`
      : '';
  return new SpokeError(
    'SPOKE_SYNC_LOCKED',
    `Sync "${syncId}" is locked by ${holder.owner}${since}: another run of it is in progress${waited}. ` +
      `Wait for that run to finish, then run again.${stale}`,
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

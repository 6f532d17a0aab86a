import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { FLAVOURS, type StateWarehouse, stateWarehouse } from './fixtures.js';

const run = (runId: string) => ({ runId, description: `pid 100 on host-a (${runId})` });

describe.each(FLAVOURS)('sync locks in %s', (flavour) => {
  let db: StateWarehouse;
  let first: StateStore;
  let second: StateStore;

  beforeAll(async () => {
    db = await stateWarehouse(flavour);
    first = await db.store({ lockPollMs: 20 });
    await first.migrate();
    // Another process where the warehouse allows one; DuckDB admits one process per file.
    second =
      flavour === 'duckdb'
        ? await db.store({ lockPollMs: 20 })
        : await openStateStore(await db.reopen(), { schema: 'spoke', lockPollMs: 20 });
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('refuses a second run of the same sync with SPOKE_SYNC_LOCKED naming the run that holds it', async () => {
    const lock = await first.acquireLocks(['accounts'], run('r-1'), 0);
    try {
      const error = await second.acquireLocks(['accounts'], run('r-2'), 0).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'SPOKE_SYNC_LOCKED',
        message: expect.stringContaining('run r-1 (pid 100 on host-a (r-1))'),
        holders: [expect.objectContaining({ syncId: 'accounts', runId: 'r-1' })],
      });
      expect((error as Error).message).toContain('holds accounts');
    } finally {
      await lock.release();
    }
  });

  it('stops waiting for a held sync when the wait is called off, yielding as if the wait ran out', async () => {
    const lock = await first.acquireLocks(['accounts'], run('r-1'), 0);
    try {
      const calledOff = new AbortController();
      const started = Date.now();
      const waiting = second.acquireLocks(['accounts'], run('r-2'), 600_000, calledOff.signal);
      setTimeout(() => calledOff.abort(), 200);
      await expect(waiting).rejects.toMatchObject({ code: 'SPOKE_SYNC_LOCKED' });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await lock.release();
    }
  });

  it('lets other syncs run while one is locked', async () => {
    const lock = await first.acquireLocks(['accounts'], run('r-1'), 0);
    const other = await second.acquireLocks(['contacts'], run('r-2'), 0);
    await other.release();
    await lock.release();
  });

  it('takes a whole selection or nothing: a run overlapping a held sync keeps none of the others', async () => {
    const lock = await first.acquireLocks(['a', 'b'], run('r-1'), 0);
    await expect(second.acquireLocks(['b', 'c', 'd'], run('r-2'), 0)).rejects.toMatchObject({
      code: 'SPOKE_SYNC_LOCKED',
    });
    // c and d were not kept by the run that yielded.
    const free = await first.acquireLocks(['c', 'd'], run('r-3'), 0);
    await free.release();
    await lock.release();
  });

  it('two runs racing for the same selection: exactly one gets all of it', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `race_${i}`);
    for (let round = 0; round < 5; round++) {
      const attempts = await Promise.allSettled([
        first.acquireLocks(ids, run(`x-${round}`), 0),
        second.acquireLocks([...ids].reverse(), run(`y-${round}`), 0),
      ]);
      const won = attempts.filter((a) => a.status === 'fulfilled');
      expect(won).toHaveLength(1);
      await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    }
  });

  it('waits for the holder to release when asked to wait, then takes the locks', async () => {
    const lock = await first.acquireLocks(['deals'], run('r-1'), 0);
    const waiting = second.acquireLocks(['deals', 'quotes'], run('r-2'), 10_000);
    await sleep(100);
    await lock.release();
    const taken = await waiting;
    const again = await first.acquireLocks(['quotes'], run('r-3'), 0).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'SPOKE_SYNC_LOCKED', message: expect.stringContaining('r-2') });
    await taken.release();
  });

  it('gives up after the wait with the holder named', async () => {
    const lock = await first.acquireLocks(['tickets'], run('r-1'), 0);
    try {
      await expect(second.acquireLocks(['tickets'], run('r-2'), 150)).rejects.toMatchObject({
        code: 'SPOKE_SYNC_LOCKED',
        message: expect.stringContaining('after waiting'),
      });
    } finally {
      await lock.release();
    }
  });

  it('releases the locks a store still holds when it closes', async () => {
    const store =
      flavour === 'duckdb' ? await db.store() : await openStateStore(await db.reopen(), { schema: 'spoke' });
    await store.acquireLocks(['companies'], run('r-1'), 0);
    await store.close();
    const lock = await second.acquireLocks(['companies'], run('r-2'), 0);
    await lock.release();
  });
});

describe('sync locks in postgres', () => {
  let db: StateWarehouse;

  beforeAll(async () => {
    db = await stateWarehouse('postgres');
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('hold one connection for a run of 150 syncs, not one per sync', async () => {
    const store = await db.store();
    await store.migrate();
    const admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    const database = (await db.warehouse.sql.query('SELECT current_database() AS name'))[0]?.name;
    const connections = async () =>
      Number(
        (
          await admin.query(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'dbt-spoke'`,
            [database],
          )
        ).rows[0].n,
      );
    try {
      const before = await connections();
      const ids = Array.from({ length: 150 }, (_, i) => `sync_${i}`);
      const lock = await store.acquireLocks(ids, run('r-1'), 0);
      expect(await connections()).toBeLessThanOrEqual(before + 1);
      expect(await db.rows('locks')).toHaveLength(150);
      await lock.release();
      expect(await db.rows('locks')).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});

describe('sync locks in redshift', () => {
  let db: StateWarehouse;

  beforeAll(async () => {
    db = await stateWarehouse('redshift');
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('are rows of the locks table that one heartbeat keeps alive', async () => {
    const store = await db.store({ lockHeartbeatMs: 20 });
    await store.migrate();
    const lock = await store.acquireLocks(['accounts', 'contacts'], run('r-1'), 0);
    const rows = await db.rows('locks');
    expect(rows).toEqual([
      expect.objectContaining({ sync_id: 'accounts', run_id: 'r-1' }),
      expect.objectContaining({ sync_id: 'contacts', run_id: 'r-1' }),
    ]);
    await sleep(120);
    const [beaten] = await db.rows('locks');
    expect(Date.parse(String(beaten?.heartbeat_at))).toBeGreaterThan(
      Date.parse(String(rows[0]?.heartbeat_at)),
    );
    await lock.release();
    expect(await db.rows('locks')).toEqual([]);
  });

  it('are taken over from a holder whose heartbeat stopped', async () => {
    const store = await db.store({ lockStaleMs: 60_000 });
    await store.migrate();
    await db.exec(
      `INSERT INTO spoke.locks (sync_id, run_id, owner, acquired_at, heartbeat_at) VALUES ('contacts', 'r-0', 'a crashed run', TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 00:00:00')`,
    );
    const lock = await store.acquireLocks(['contacts'], run('r-2'), 0);
    expect(await db.rows('locks')).toEqual([expect.objectContaining({ sync_id: 'contacts', run_id: 'r-2' })]);
    await lock.release();
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { FLAVOURS, type StateWarehouse, stateWarehouse } from './fixtures.js';

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

  it('refuses a second run of the same sync with SPOKE_SYNC_LOCKED naming the holder', async () => {
    const lock = await first.acquireLock('accounts', 'spoke run r-1 on host-a (pid 100)', 0);
    try {
      const error = await second.acquireLock('accounts', 'spoke run r-2', 0).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'SPOKE_SYNC_LOCKED',
        message: expect.stringContaining('spoke run r-1 on host-a (pid 100)'),
      });
      expect((error as Error).message).toContain('Sync "accounts"');
    } finally {
      await lock.release();
    }
  });

  it('lets other syncs run while one is locked', async () => {
    const lock = await first.acquireLock('accounts', 'r-1', 0);
    const other = await second.acquireLock('contacts', 'r-2', 0);
    await other.release();
    await lock.release();
  });

  it('waits for the holder to release when asked to wait, then takes the lock', async () => {
    const lock = await first.acquireLock('deals', 'r-1', 0);
    const waiting = second.acquireLock('deals', 'r-2', 10_000);
    await sleep(100);
    await lock.release();
    const taken = await waiting;
    const again = await first.acquireLock('deals', 'r-3', 0).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'SPOKE_SYNC_LOCKED', message: expect.stringContaining('r-2') });
    await taken.release();
  });

  it('gives up after the wait with the holder named', async () => {
    const lock = await first.acquireLock('tickets', 'r-1', 0);
    try {
      await expect(second.acquireLock('tickets', 'r-2', 150)).rejects.toMatchObject({
        code: 'SPOKE_SYNC_LOCKED',
        message: expect.stringContaining('r-1'),
      });
    } finally {
      await lock.release();
    }
  });

  it('releases the locks a store still holds when it closes', async () => {
    const store =
      flavour === 'duckdb' ? await db.store() : await openStateStore(await db.reopen(), { schema: 'spoke' });
    await store.acquireLock('companies', 'r-1', 0);
    await store.close();
    const lock = await second.acquireLock('companies', 'r-2', 0);
    await lock.release();
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

  it('are rows of the locks table that a heartbeat keeps alive', async () => {
    const store = await db.store({ lockHeartbeatMs: 20 });
    await store.migrate();
    const lock = await store.acquireLock('accounts', 'r-1', 0);
    const [row] = await db.rows('locks');
    expect(row).toMatchObject({ sync_id: 'accounts', owner: 'r-1' });
    await sleep(120);
    const [beaten] = await db.rows('locks');
    expect(Date.parse(String(beaten?.heartbeat_at))).toBeGreaterThan(Date.parse(String(row?.heartbeat_at)));
    await lock.release();
    expect(await db.rows('locks')).toEqual([]);
  });

  it('are taken over from a holder whose heartbeat stopped', async () => {
    const store = await db.store({ lockStaleMs: 60_000 });
    await store.migrate();
    await db.exec(
      `INSERT INTO spoke.locks VALUES ('contacts', 'a crashed run', TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 00:00:00')`,
    );
    const lock = await store.acquireLock('contacts', 'r-2', 0);
    expect(await db.rows('locks')).toEqual([expect.objectContaining({ sync_id: 'contacts', owner: 'r-2' })]);
    await lock.release();
  });
});

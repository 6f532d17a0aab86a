import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../src/state/state-store.js';
import {
  accountsSpec,
  accountsSql,
  allChanges,
  commitAll,
  confirmed,
  FLAVOURS,
  PLAN,
  type StateWarehouse,
  stateWarehouse,
} from './fixtures.js';

describe.each(FLAVOURS)('answers committed at once in %s', (flavour) => {
  let db: StateWarehouse;
  let store: StateStore;
  let table = 0;

  async function model(rows: number) {
    const name = `grouped_${++table}`;
    await db.exec(accountsSql(rows, flavour, name));
    return accountsSpec(db.relation(name), { id: `sync_${name}`, object: `Account_${table}` });
  }

  beforeAll(async () => {
    db = await stateWarehouse(flavour);
    store = await db.store();
    await store.migrate();
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('each advance only their own records, whatever else shares their transaction', async () => {
    const first = await model(120);
    const second = await model(40);
    const changes = await allChanges(await store.planChanges(first, PLAN));
    const others = await allChanges(await store.planChanges(second, PLAN));
    const entries = confirmed(first, changes, (change, index) =>
      index % 10 === 3
        ? {
            status: 'failed',
            destinationId: undefined,
            error: { code: 'INVALID_FIELD', message: `bad ${change.key}`, transient: false },
          }
        : index % 10 === 7
          ? {
              status: 'failed',
              destinationId: undefined,
              error: { code: 'TIMEOUT', message: 'no answer', transient: true },
            }
          : {},
    );
    await Promise.all([
      store.markInFlight({
        runId: 'run-1',
        syncId: first.id,
        entries: changes.map((c) => ({ key: c.key!, operation: 'upsert', hash: c.hash })),
      }),
      store.markInFlight({
        runId: 'run-1',
        syncId: second.id,
        entries: others.map((c) => ({ key: c.key!, operation: 'upsert', hash: c.hash })),
      }),
    ]);
    // Twelve batches of ten and one of the other sync, all answered at the same moment.
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => commitAll(store, first, entries.slice(i * 10, i * 10 + 10))),
      commitAll(store, second, confirmed(second, others)),
    ]);

    const plan = await store.planChanges(first, PLAN);
    expect(plan.counts).toMatchObject({ unchanged: 96, uncertain: 12, failedUnchanged: 12 });
    expect(await db.rows('failures', `sync_id = '${first.id}'`)).toHaveLength(12);
    expect(await db.rows('in_flight', `sync_id = '${first.id}'`)).toHaveLength(12);
    expect(await db.rows('record_log', `sync_id = '${first.id}'`)).toHaveLength(120);
    expect((await store.planChanges(second, PLAN)).counts).toMatchObject({ unchanged: 40, new: 0 });
  });

  it('clear a failure once the record is confirmed, in a later run and within the same run', async () => {
    const spec = await model(4);
    const changes = await allChanges(await store.planChanges(spec, PLAN));
    const rejected = {
      status: 'failed' as const,
      destinationId: undefined,
      error: { code: 'INVALID_FIELD', message: 'bad', transient: false },
    };
    // Run 1 starts with successes only (the sync has no failures yet), then two are rejected.
    await commitAll(store, spec, confirmed(spec, changes.slice(0, 2)), 'run-1');
    await commitAll(
      store,
      spec,
      confirmed(spec, changes.slice(2), () => rejected),
      'run-1',
    );
    expect(await db.rows('failures', `sync_id = '${spec.id}'`)).toHaveLength(2);
    // A retry in the same run confirms one; the next run confirms the other.
    await commitAll(store, spec, confirmed(spec, changes.slice(2, 3)), 'run-1');
    expect(await db.rows('failures', `sync_id = '${spec.id}'`)).toHaveLength(1);
    await commitAll(store, spec, confirmed(spec, changes.slice(3)), 'run-2');
    expect(await db.rows('failures', `sync_id = '${spec.id}'`)).toEqual([]);
    expect((await store.planChanges(spec, PLAN)).counts).toMatchObject({ unchanged: 4, failedUnchanged: 0 });
  });

  it('confirm every record of a batch larger than one transaction holds, as a Bulk job answers', async () => {
    const spec = await model(12_500);
    const changes = await allChanges(await store.planChanges(spec, { ...PLAN, batchSize: 5_000 }));
    await store.markInFlight({
      runId: 'run-1',
      syncId: spec.id,
      entries: changes.map((c) => ({ key: c.key!, operation: 'upsert', hash: c.hash })),
    });
    await commitAll(store, spec, confirmed(spec, changes), 'run-1', changes.length);
    expect((await store.planChanges(spec, PLAN)).counts).toMatchObject({ unchanged: 12_500, uncertain: 0 });
    expect(await db.rows('in_flight', `sync_id = '${spec.id}'`)).toEqual([]);
  });
});

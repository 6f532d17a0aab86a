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

  it('keep the last answer of a record confirmed twice in one run, and another sync’s ids on the same object', async () => {
    // A first sync's tables hold none of its keys, which DuckDB appends: a key met again must
    // still end as an upsert would leave it.
    const spec = await model(6);
    const other = { ...(await model(6)), object: spec.object };
    const changes = await allChanges(await store.planChanges(spec, PLAN));
    const otherChanges = await allChanges(await store.planChanges(other, PLAN));
    await store.markInFlight({
      runId: 'run-twice',
      syncId: spec.id,
      entries: changes.map((c) => ({ key: c.key!, operation: 'upsert', hash: c.hash })),
    });
    await commitAll(store, spec, confirmed(spec, changes), 'run-twice');
    await commitAll(
      store,
      spec,
      confirmed(spec, changes.slice(0, 2), () => ({ status: 'updated', destinationId: 'again' })),
      'run-twice',
    );
    await commitAll(
      store,
      other,
      confirmed(other, otherChanges, () => ({ status: 'updated', destinationId: 'other' })),
      'run-twice',
    );
    const snapshot = await db.rows('snapshot', `sync_id = '${spec.id}'`);
    expect(snapshot).toHaveLength(6);
    expect(snapshot.filter((row) => row.destination_id === 'again')).toHaveLength(2);
    const ledger = await db.rows('id_ledger', `object = '${spec.object}'`);
    // The same keys: the other sync's confirmation moved every id, and kept who created each.
    expect(ledger.map((row) => [row.destination_id, row.created_by])).toEqual(
      Array(6).fill(['other', spec.id]),
    );
    expect(await db.rows('in_flight', `sync_id = '${spec.id}'`)).toHaveLength(0);
    expect(await db.rows('record_log', `sync_id = '${spec.id}'`)).toHaveLength(8);
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

  it('keep a stored destination id and creator where an answer in the same batch brings none', async () => {
    const spec = await model(4);
    const changes = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(store, spec, confirmed(spec, changes), 'run-1');
    // The next run's answers: one created anew, one updated with a new id, two updated with none.
    const answers = [
      { destinationId: 'new0' },
      { status: 'updated' as const, destinationId: undefined },
      { status: 'updated' as const, destinationId: 'upd2' },
      { status: 'updated' as const, destinationId: undefined },
    ];
    await commitAll(
      store,
      spec,
      confirmed(spec, changes, (_, index) => answers[index]!),
      'run-2',
    );
    const first = (index: number) => `001${changes[index]!.key}`;
    const snapshot = await db.rows('snapshot', `sync_id = '${spec.id}'`);
    expect(snapshot.map((row) => row.destination_id)).toEqual(['new0', first(1), 'upd2', first(3)]);
    const ledger = await db.rows('id_ledger', `object = '${spec.object}'`);
    expect(ledger.map((row) => [row.destination_id, row.created_by])).toEqual([
      ['new0', spec.id],
      [first(1), spec.id],
      ['upd2', spec.id],
      [first(3), spec.id],
    ]);
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

describe('a grouped transaction that fails for one sync in postgres', () => {
  let db: StateWarehouse;
  let store: StateStore;

  beforeAll(async () => {
    db = await stateWarehouse('postgres');
    store = await db.store();
    await store.migrate();
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('fails that sync only: the syncs sharing its transaction are committed', async () => {
    await db.exec(accountsSql(30, 'postgres', 'refused'));
    await db.exec(accountsSql(40, 'postgres', 'kept'));
    const refused = accountsSpec(db.relation('refused'), { id: 'sync_refused', object: 'Account_r' });
    const kept = accountsSpec(db.relation('kept'), { id: 'sync_kept', object: 'Account_k' });
    // The warehouse itself refuses every snapshot row of one sync, as a constraint would.
    await db.warehouse.sql.query(`CREATE FUNCTION spoke.refuse_snapshot() RETURNS trigger AS $$
      BEGIN
        IF NEW.sync_id = 'sync_refused' THEN RAISE EXCEPTION 'snapshot rows of sync_refused are refused'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await db.warehouse.sql.query(
      'CREATE TRIGGER refuse_snapshot BEFORE INSERT ON spoke.snapshot FOR EACH ROW EXECUTE FUNCTION spoke.refuse_snapshot()',
    );
    const refusedChanges = await allChanges(await store.planChanges(refused, PLAN));
    const keptChanges = await allChanges(await store.planChanges(kept, PLAN));
    const mark = (spec: typeof kept, changes: typeof keptChanges) =>
      store.markInFlight({
        runId: 'run-1',
        syncId: spec.id,
        entries: changes.map((c) => ({ key: c.key!, operation: 'upsert', hash: c.hash })),
      });
    await mark(refused, refusedChanges);
    // While this mark commits, both syncs' answers queue and are taken into one transaction.
    const marking = mark(kept, keptChanges);
    const results = await Promise.allSettled([
      commitAll(store, refused, confirmed(refused, refusedChanges)),
      commitAll(store, kept, confirmed(kept, keptChanges)),
    ]);
    await marking;

    expect(results[0]).toMatchObject({
      status: 'rejected',
      reason: {
        message: expect.stringMatching(/sync_refused[\s\S]*snapshot rows of sync_refused are refused/),
      },
    });
    expect(results[1]).toEqual({ status: 'fulfilled', value: undefined });
    expect((await store.planChanges(kept, PLAN)).counts).toMatchObject({
      unchanged: 40,
      new: 0,
      uncertain: 0,
    });
    expect(await db.rows('record_log', `sync_id = 'sync_kept'`)).toHaveLength(40);
    // Nothing of the refused sync was written: its records stay in flight, resent by the next run.
    expect((await store.planChanges(refused, PLAN)).counts).toMatchObject({ uncertain: 30, unchanged: 0 });
    expect(await db.rows('record_log', `sync_id = 'sync_refused'`)).toEqual([]);
  });
});

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

describe.each(FLAVOURS)('records in flight in %s', (flavour) => {
  let db: StateWarehouse;
  let store: StateStore;
  let table = 0;

  async function model(rows: number) {
    const name = `accounts_${++table}`;
    await db.exec(accountsSql(rows, flavour, name));
    return accountsSpec(db.relation(name), { id: `sync_${name}`, object: `Account_${table}` });
  }
  const name = (spec: { relation: { identifier: string } }) => `models.${spec.relation.identifier}`;

  beforeAll(async () => {
    db = await stateWarehouse(flavour);
    store = await db.store();
    await store.migrate();
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('resend a record whose answer never committed, even after the model went back to the confirmed values', async () => {
    const spec = await model(3);
    await commitAll(store, spec, confirmed(spec, await allChanges(await store.planChanges(spec, PLAN))));
    // The model changes, the new values are sent, and the answer is lost (a kill, a reset).
    await db.exec(`UPDATE ${name(spec)} SET account_name = 'Renamed' WHERE account_id = 'acc_000002'`);
    const [changed] = await allChanges(await store.planChanges(spec, PLAN));
    await store.markInFlight({
      runId: 'run-2',
      syncId: spec.id,
      entries: [{ key: 'acc_000002', operation: 'upsert', hash: changed!.hash }],
    });
    // Then the model returns to what the snapshot says the destination holds.
    await db.exec(`UPDATE ${name(spec)} SET account_name = 'Account 2' WHERE account_id = 'acc_000002'`);
    const plan = await store.planChanges(spec, PLAN);
    expect(plan.counts).toMatchObject({ uncertain: 1, unchanged: 2, changed: 0 });
    const [uncertain] = await allChanges(plan);
    expect(uncertain).toMatchObject({
      key: 'acc_000002',
      kind: 'uncertain',
      row: { account_name: 'Account 2' },
    });
    expect(await db.rows('in_flight', `sync_id = '${spec.id}'`)).toEqual([
      expect.objectContaining({
        record_key: 'acc_000002',
        operation: 'upsert',
        row_hash: changed!.hash,
        run_id: 'run-2',
      }),
    ]);
  });

  it('leave the in-flight list once confirmed or rejected, and stay after a transient failure', async () => {
    const spec = await model(3);
    const changes = await allChanges(await store.planChanges(spec, PLAN));
    await store.markInFlight({
      runId: 'run-1',
      syncId: spec.id,
      entries: changes.map((c) => ({ key: c.key!, operation: 'upsert', hash: c.hash })),
    });
    await commitAll(
      store,
      spec,
      confirmed(spec, changes, (c) =>
        c.key === 'acc_000002'
          ? { status: 'failed', error: { code: 'ECONNRESET', message: 'socket hang up', transient: true } }
          : c.key === 'acc_000003'
            ? {
                status: 'failed',
                error: { code: 'INVALID_EMAIL_ADDRESS', message: 'bad email', transient: false },
              }
            : {},
      ),
    );
    expect((await db.rows('in_flight', `sync_id = '${spec.id}'`)).map((r) => r.record_key)).toEqual([
      'acc_000002',
    ]);
    // The transient one is resent whatever happens to the row; the rejected one waits for a change.
    const plan = await store.planChanges(spec, PLAN);
    expect(plan.counts).toMatchObject({ uncertain: 1, unchanged: 1, failedUnchanged: 1 });
  });

  it('keep keys and values that array literals must escape, exactly as given', async () => {
    const spec = await model(1);
    const keys = ['a"quote', 'back\\slash', 'comma,{brace}', 'NULL', ' spaced ', ''];
    await store.markInFlight({
      runId: 'run-1',
      syncId: spec.id,
      entries: keys.map((key) => ({ key, operation: 'upsert', hash: null })),
    });
    expect((await db.rows('in_flight', `sync_id = '${spec.id}'`)).map((r) => r.record_key).sort()).toEqual(
      [...keys].sort(),
    );
    await store.commitBatch({
      runId: 'run-1',
      syncId: spec.id,
      destination: 'salesforce',
      object: spec.object,
      entries: keys.map((key) => ({
        key,
        operation: 'upsert',
        attempt: 1,
        hash: `h"${key}`,
        values: { name: `v\\"${key}` },
        outcome:
          key === 'NULL'
            ? {
                key,
                status: 'failed',
                error: { code: 'BAD', message: 'say "no" \\ twice', transient: false },
              }
            : { key, status: 'created', destinationId: `id"${key}` },
      })),
    });
    expect(await db.rows('in_flight', `sync_id = '${spec.id}'`)).toEqual([]);
    const snapshot = await db.rows('snapshot', `sync_id = '${spec.id}'`);
    expect(
      snapshot
        .map((r) => [r.record_key, r.row_hash, JSON.parse(String(r.row_values)).name, r.destination_id])
        .sort(),
    ).toEqual(
      keys
        .filter((key) => key !== 'NULL')
        .map((key) => [key, `h"${key}`, `v\\"${key}`, `id"${key}`])
        .sort(),
    );
    const [failure] = await db.rows('failures', `sync_id = '${spec.id}'`);
    expect(failure).toMatchObject({ record_key: 'NULL', error_message: 'say "no" \\ twice' });
  });

  it('take precedence over a remembered failure: what was resent after it may have been applied', async () => {
    const spec = await model(1);
    const [first] = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(
      store,
      spec,
      confirmed(spec, [first!], () => ({
        status: 'failed',
        error: { code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'no', transient: false },
      })),
    );
    await store.markInFlight({
      runId: 'run-2',
      syncId: spec.id,
      entries: [{ key: 'acc_000001', operation: 'upsert', hash: 'other' }],
    });
    expect((await store.planChanges(spec, PLAN)).counts).toMatchObject({ uncertain: 1, failedUnchanged: 0 });
  });
});

describe.each(FLAVOURS)('mirror deletions in %s', (flavour) => {
  let db: StateWarehouse;
  let store: StateStore;

  beforeAll(async () => {
    db = await stateWarehouse(flavour);
    store = await db.store();
    await store.migrate();
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('come from the id ledger: a record this sync created is deleted even when its snapshot row is gone', async () => {
    await db.exec(accountsSql(4, flavour, 'mirrored'));
    const spec = accountsSpec(db.relation('mirrored'), {
      id: 'mirrored',
      mode: 'mirror',
      object: 'Mirrored',
    });
    const changes = await allChanges(await store.planChanges(spec, PLAN));
    // acc_000004 existed in the destination already: updated, not created, so never deleted.
    await commitAll(
      store,
      spec,
      confirmed(spec, changes, (c) => (c.key === 'acc_000004' ? { status: 'updated' } : {})),
    );
    await db.exec(`DELETE FROM spoke.snapshot WHERE record_key = 'acc_000001'`);
    await db.exec(`DELETE FROM models.mirrored WHERE account_id IN ('acc_000001', 'acc_000004')`);
    const plan = await store.planChanges(spec, PLAN);
    expect(plan.counts).toMatchObject({ gone: 1, synced: 3 });
    const deletions = [];
    for await (const batch of plan.deletions()) deletions.push(...batch);
    expect(deletions).toEqual([{ key: 'acc_000001', destinationId: '001acc_000001', values: {} }]);
  });
});

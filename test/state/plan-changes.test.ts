import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import type { Row } from '../../src/warehouse/warehouse.js';
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

describe.each(FLAVOURS)('planning a sync in %s', (flavour) => {
  let db: StateWarehouse;
  let store: StateStore;
  let table = 0;

  /** A fresh model table and a spec over it, so tests do not share snapshots. */
  async function model(rows: number) {
    const name = `accounts_${++table}`;
    await db.exec(accountsSql(rows, flavour, name));
    // Its own object too: the id ledger is per destination object, shared by syncs writing it.
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

  it('plans every row as new on the first run, with the row as readRows reads it', async () => {
    const spec = await model(25);
    const plan = await store.planChanges(spec, PLAN);
    expect(plan.counts).toEqual({
      total: 25,
      new: 25,
      changed: 0,
      uncertain: 0,
      unchanged: 0,
      failedUnchanged: 0,
      nullKey: 0,
      duplicateKey: 0,
      gone: 0,
      synced: 0,
    });
    const changes = await allChanges(plan);
    expect(changes).toHaveLength(25);
    expect(
      changes.every((c) => c.kind === 'new' && c.previous === null && /^[0-9a-f]{32}$/.test(c.hash)),
    ).toBe(true);
    const read: Row[] = [];
    const columns = ['account_id', 'account_name', 'mrr', 'active'];
    for await (const batch of db.warehouse.readRows(spec.relation, columns, 100)) read.push(...batch);
    read.sort((a, b) => String(a.account_id).localeCompare(String(b.account_id)));
    expect(changes.map((c) => c.row)).toEqual(read);
    expect(changes[1]).toMatchObject({
      key: 'acc_000002',
      row: { account_id: 'acc_000002', account_name: 'Account 2', mrr: 21, active: true },
    });
  });

  it('streams changes in batches of the requested size', async () => {
    const spec = await model(25);
    const sizes: number[] = [];
    for await (const batch of (await store.planChanges(spec, { ...PLAN, batchSize: 10 })).changes()) {
      sizes.push(batch.length);
    }
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('plans nothing on a rerun after every row was confirmed', async () => {
    const spec = await model(30);
    await commitAll(store, spec, confirmed(spec, await allChanges(await store.planChanges(spec, PLAN))));
    const rerun = await store.planChanges(spec, PLAN);
    expect(rerun.counts).toMatchObject({ total: 30, unchanged: 30, new: 0, changed: 0, synced: 30, gone: 0 });
    expect(await allChanges(rerun)).toEqual([]);
    const ledger = await db.rows('id_ledger', `record_key = 'acc_000007' AND object = '${spec.object}'`);
    expect(ledger).toEqual([
      expect.objectContaining({
        destination: 'salesforce',
        object: spec.object,
        record_key: 'acc_000007',
        destination_id: '001acc_000007',
        sync_id: spec.id,
        created_by: spec.id,
      }),
    ]);
  });

  it('plans exactly the row whose value changed, with what the destination holds', async () => {
    const spec = await model(10);
    await commitAll(store, spec, confirmed(spec, await allChanges(await store.planChanges(spec, PLAN))));
    await db.exec(`UPDATE ${name(spec)} SET mrr = 999.99 WHERE account_id = 'acc_000004'`);
    const plan = await store.planChanges(spec, PLAN);
    expect(plan.counts).toMatchObject({ total: 10, changed: 1, unchanged: 9, new: 0 });
    const [change, ...rest] = await allChanges(plan);
    expect(rest).toEqual([]);
    expect(change).toMatchObject({
      kind: 'changed',
      key: 'acc_000004',
      row: { mrr: 999.99 },
      previous: {
        values: { Name: 'Account 4', MRR__c: 42, Active__c: true },
        destinationId: '001acc_000004',
      },
    });
  });

  it('plans nothing when a mapped column is renamed but feeds the same field', async () => {
    const spec = await model(10);
    await commitAll(store, spec, confirmed(spec, await allChanges(await store.planChanges(spec, PLAN))));
    await db.exec(`ALTER TABLE ${name(spec)} RENAME COLUMN account_name TO display_name`);
    const renamed = {
      ...spec,
      fields: spec.fields.map((f) => (f.column === 'account_name' ? { ...f, column: 'display_name' } : f)),
    };
    const plan = await store.planChanges(renamed, PLAN);
    expect(plan.counts).toMatchObject({ total: 10, unchanged: 10, changed: 0 });
    expect(await allChanges(plan)).toEqual([]);
  });

  it('plans every row as changed when a field is added to the mapping', async () => {
    const spec = await model(10);
    await commitAll(store, spec, confirmed(spec, await allChanges(await store.planChanges(spec, PLAN))));
    const widened = { ...spec, fields: [...spec.fields, { column: 'renewed_at', field: 'Renewed_At__c' }] };
    const plan = await store.planChanges(widened, PLAN);
    expect(plan.counts).toMatchObject({ total: 10, changed: 10, unchanged: 0 });
    const changes = await allChanges(plan);
    expect(changes[0]?.row.renewed_at).toBe('2024-05-01T12:00:00.000Z');
  });

  it('plans only the rows whose value for a newly mapped lookup differs', async () => {
    const spec = await model(6);
    await db.exec(`ALTER TABLE ${name(spec)} ADD COLUMN parent_id VARCHAR(32)`);
    const withLookup = {
      ...spec,
      lookups: [{ column: 'parent_id', relationship: 'Parent', object: 'Account', match: 'Ext_Id__c' }],
    };
    await commitAll(
      store,
      withLookup,
      confirmed(withLookup, await allChanges(await store.planChanges(withLookup, PLAN))),
    );
    await db.exec(
      `UPDATE ${name(spec)} SET parent_id = 'acc_000001' WHERE account_id IN ('acc_000002', 'acc_000003')`,
    );
    const plan = await store.planChanges(withLookup, PLAN);
    expect((await allChanges(plan)).map((c) => c.key)).toEqual(['acc_000002', 'acc_000003']);
  });

  it('reports rows with a null or empty key and rows sharing a key, and plans them apart', async () => {
    const spec = await model(5);
    await db.exec(
      `INSERT INTO ${name(spec)} (account_id, account_name) VALUES (NULL, 'No key'), ('', 'Empty key'), ('acc_000003', 'Copy of 3')`,
    );
    const plan = await store.planChanges(spec, PLAN);
    expect(plan.counts).toMatchObject({ total: 8, new: 4, nullKey: 2, duplicateKey: 2 });
    const changes = await allChanges(plan);
    expect(changes.filter((c) => c.kind === 'null_key').map((c) => [c.key, c.row.account_name])).toEqual(
      expect.arrayContaining([
        [null, 'No key'],
        [null, 'Empty key'],
      ]),
    );
    expect(changes.filter((c) => c.kind === 'duplicate_key').map((c) => c.row.account_name)).toEqual(
      expect.arrayContaining(['Account 3', 'Copy of 3']),
    );
  });

  it('takes keys differing only in case for one record when the destination matches them so', async () => {
    const spec = await model(3);
    await db.exec(`INSERT INTO ${name(spec)} (account_id, account_name) VALUES ('ACC_000002', 'Shouting 2')`);
    // A HubSpot unique property compares exactly: four distinct records.
    expect((await store.planChanges(spec, PLAN)).counts).toMatchObject({ new: 4, duplicateKey: 0 });
    // A Salesforce external id does not: acc_000002 and ACC_000002 name one record, so neither is sent.
    const plan = await store.planChanges(spec, { ...PLAN, ignoreKeyCase: true });
    expect(plan.counts).toMatchObject({ new: 2, duplicateKey: 2 });
    const duplicates = (await allChanges(plan)).filter((c) => c.kind === 'duplicate_key').map((c) => c.key);
    expect(duplicates.sort()).toEqual(['ACC_000002', 'acc_000002']);
  });

  it('does not resend a row that failed permanently until it changes, or until retryFailed', async () => {
    const spec = await model(4);
    const first = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(
      store,
      spec,
      confirmed(spec, first, (c) =>
        c.key === 'acc_000002'
          ? {
              status: 'failed',
              destinationId: undefined,
              error: { code: 'INVALID_FIELD', message: 'Name is bad', transient: false },
            }
          : {},
      ),
    );
    const [failure] = await db.rows('failures', `record_key = 'acc_000002'`);
    expect(failure).toMatchObject({
      sync_id: spec.id,
      error_code: 'INVALID_FIELD',
      error_message: 'Name is bad',
    });

    const rerun = await store.planChanges(spec, PLAN);
    expect(rerun.counts).toMatchObject({ total: 4, unchanged: 3, failedUnchanged: 1, new: 0 });
    expect(await allChanges(rerun)).toEqual([]);

    const retried = await store.planChanges(spec, { ...PLAN, retryFailed: true });
    expect((await allChanges(retried)).map((c) => [c.key, c.kind])).toEqual([['acc_000002', 'new']]);

    await db.exec(`UPDATE ${name(spec)} SET account_name = 'Fixed' WHERE account_id = 'acc_000002'`);
    const fixed = await allChanges(await store.planChanges(spec, PLAN));
    expect(fixed.map((c) => [c.key, c.kind])).toEqual([['acc_000002', 'new']]);
    await commitAll(store, spec, confirmed(spec, fixed), 'run-2');
    expect(await db.rows('failures', `record_key = 'acc_000002'`)).toEqual([]);
  });

  it('resends a row whose failure was transient and keeps its previous snapshot', async () => {
    const spec = await model(3);
    const first = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(store, spec, confirmed(spec, first));
    await db.exec(`UPDATE ${name(spec)} SET mrr = 1 WHERE account_id = 'acc_000001'`);
    const [changed] = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(
      store,
      spec,
      confirmed(spec, [changed!], () => ({
        status: 'failed',
        destinationId: undefined,
        error: { code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down', transient: true },
      })),
      'run-2',
    );
    const again = await allChanges(await store.planChanges(spec, PLAN));
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({
      key: 'acc_000001',
      kind: 'changed',
      previous: { values: { MRR__c: 10.5 } },
    });
    const log = await db.rows('record_log', `record_key = 'acc_000001' AND run_id = 'run-2'`);
    expect(log).toEqual([
      expect.objectContaining({
        operation: 'upsert',
        attempt: 1,
        status: 'failed',
        error_code: 'REQUEST_LIMIT_EXCEEDED',
        transient: true,
      }),
    ]);
  });

  it('lists records whose rows left the model as deletions, and forgets them once deleted', async () => {
    const spec = await model(5);
    await commitAll(store, spec, confirmed(spec, await allChanges(await store.planChanges(spec, PLAN))));
    await db.exec(`DELETE FROM ${name(spec)} WHERE account_id IN ('acc_000001', 'acc_000005')`);
    const plan = await store.planChanges(spec, PLAN);
    expect(plan.counts).toMatchObject({ total: 3, unchanged: 3, gone: 2, synced: 5 });
    const deletions = [];
    for await (const batch of plan.deletions()) deletions.push(...batch);
    deletions.sort((a, b) => a.key.localeCompare(b.key));
    expect(deletions).toEqual([
      {
        key: 'acc_000001',
        destinationId: '001acc_000001',
        values: { Name: 'Account 1', MRR__c: 10.5, Active__c: false },
      },
      {
        key: 'acc_000005',
        destinationId: '001acc_000005',
        values: { Name: 'Account 5', MRR__c: 52.5, Active__c: false },
      },
    ]);
    await store.commitBatch({
      runId: 'run-2',
      syncId: spec.id,
      destination: spec.destination,
      object: spec.object,
      entries: deletions.map((d) => ({
        key: d.key,
        operation: 'delete' as const,
        attempt: 1,
        outcome: { key: d.key, status: 'deleted' as const, destinationId: d.destinationId ?? undefined },
      })),
    });
    const after = await store.planChanges(spec, PLAN);
    expect(after.counts).toMatchObject({ gone: 0, synced: 3 });
    expect(
      await db.rows('id_ledger', `record_key IN ('acc_000001', 'acc_000005') AND object = '${spec.object}'`),
    ).toEqual([]);
  });

  it('resends every row on a full refresh: changed where a snapshot exists, else new', async () => {
    const spec = await model(4);
    const first = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(store, spec, confirmed(spec, first.slice(0, 2)));
    const plan = await store.planChanges(spec, { ...PLAN, fullRefresh: true });
    expect(plan.counts).toMatchObject({ total: 4, changed: 2, new: 2, unchanged: 0 });
    const changes = await allChanges(plan);
    expect(changes.map((c) => [c.key, c.kind, c.previous?.destinationId ?? null])).toEqual([
      ['acc_000001', 'changed', '001acc_000001'],
      ['acc_000002', 'changed', '001acc_000002'],
      ['acc_000003', 'new', null],
      ['acc_000004', 'new', null],
    ]);
  });

  it('keeps a record as already existing when create mode skips it with its id', async () => {
    const spec = await model(2);
    const first = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(
      store,
      spec,
      confirmed(spec, first, (c) => ({
        status: 'skipped',
        destinationId: `existing-${c.key}`,
        error: { code: 'ALREADY_EXISTS', message: 'exists', transient: false },
      })),
    );
    const rerun = await store.planChanges(spec, PLAN);
    // Known, but not created by this sync: mirror would never delete them.
    expect(rerun.counts).toMatchObject({ unchanged: 2, synced: 0 });
    expect((await db.rows('id_ledger', `sync_id = '${spec.id}'`)).map((r) => r.destination_id)).toEqual([
      'existing-acc_000001',
      'existing-acc_000002',
    ]);
  });

  it('keeps the stored destination id when an update is confirmed without one', async () => {
    const spec = await model(2);
    const first = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(store, spec, confirmed(spec, first));
    await db.exec(`UPDATE ${name(spec)} SET mrr = 7 WHERE account_id = 'acc_000001'`);
    const changed = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(
      store,
      spec,
      confirmed(spec, changed, () => ({ status: 'updated', destinationId: undefined })),
    );
    const [row] = await db.rows('snapshot', `sync_id = '${spec.id}' AND record_key = 'acc_000001'`);
    expect(row).toMatchObject({ destination_id: '001acc_000001', row_hash: changed[0]?.hash });
    expect(JSON.parse(String(row?.row_values))).toEqual({ Name: 'Account 1', MRR__c: 7, Active__c: false });
  });

  it('commits batches while more change streams are open than the connection pool holds', async () => {
    const specs = [];
    for (let i = 0; i < 6; i++) specs.push(await model(4));
    const iterators = await Promise.all(
      specs.map(async (spec) =>
        (await store.planChanges(spec, { ...PLAN, batchSize: 2 })).changes()[Symbol.asyncIterator](),
      ),
    );
    for (const [i, iterator] of iterators.entries()) {
      const spec = specs[i]!;
      const first = await iterator.next();
      await commitAll(store, spec, confirmed(spec, first.value));
    }
    for (const iterator of iterators) await iterator.return?.();
    for (const spec of specs)
      expect((await store.planChanges(spec, PLAN)).counts).toMatchObject({ synced: 2 });
  });

  it('writes nothing of a batch whose transaction fails part-way', async () => {
    const spec = await model(3);
    const changes = await allChanges(await store.planChanges(spec, PLAN));
    const entries = confirmed(spec, changes, (c) =>
      c.key === 'acc_000003'
        ? {
            status: 'failed',
            destinationId: undefined,
            // A failure without a code breaks the failures insert, after the log and snapshot writes.
            error: { code: null as unknown as string, message: 'broken', transient: false },
          }
        : {},
    );
    await expect(commitAll(store, spec, entries, 'run-atomic')).rejects.toMatchObject({
      code: 'SPOKE_WAREHOUSE',
    });
    expect(await db.rows('record_log', `run_id = 'run-atomic'`)).toEqual([]);
    expect(await db.rows('snapshot', `sync_id = '${spec.id}'`)).toEqual([]);
    expect((await store.planChanges(spec, PLAN)).counts).toMatchObject({ new: 3, synced: 0 });
  });

  it('names the model when its relation is missing', async () => {
    const spec = accountsSpec(db.relation('not_built'));
    await expect(store.planChanges(spec, PLAN)).rejects.toMatchObject({
      code: 'SPOKE_WAREHOUSE',
      message: expect.stringContaining('not_built'),
    });
  });
});

function name(spec: { relation: { schema: string; identifier: string } }): string {
  return `${spec.relation.schema}.${spec.relation.identifier}`;
}

describe('row hashes in postgres', () => {
  let db: StateWarehouse;

  beforeAll(async () => {
    db = await stateWarehouse('postgres');
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('do not change with the time zone or date style a connection starts with', async () => {
    await db.exec(
      `CREATE TABLE models.events (id INTEGER, seen_at TIMESTAMPTZ, day DATE, price DOUBLE PRECISION)`,
    );
    await db.exec(`INSERT INTO models.events VALUES (1, '2024-05-01 12:00:00+00', '2024-05-01', 0.1)`);
    const spec = accountsSpec(db.relation('events'), {
      key: 'id',
      fields: [
        { column: 'seen_at', field: 'Seen_At__c' },
        { column: 'day', field: 'Day__c' },
        { column: 'price', field: 'Price__c' },
      ],
    });
    const store = await db.store();
    await store.migrate();
    const [before] = await allChanges(await store.planChanges(spec, PLAN));
    const [{ current_database: name } = {}] = await db.warehouse.sql.query('SELECT current_database()');
    await db.exec(
      `ALTER DATABASE "${name}" SET timezone = 'Asia/Kathmandu'; ALTER DATABASE "${name}" SET datestyle = 'SQL, DMY'`,
    );
    const other = await openStateStore(await db.reopen(), { schema: 'spoke' });
    const [after] = await allChanges(await other.planChanges(spec, PLAN));
    expect(after?.hash).toBe(before?.hash);
    expect(after?.row).toEqual({ id: 1, seen_at: '2024-05-01T12:00:00.000Z', day: '2024-05-01', price: 0.1 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { SqlRunner, SqlSession } from '../../src/warehouse/sql-session.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import {
  accountsSpec,
  accountsSql,
  allChanges,
  commitAll,
  confirmed,
  PLAN,
  type StateWarehouse,
  stateWarehouse,
} from './fixtures.js';

/** SQL Redshift lacks, as it would appear in a statement. */
const NOT_REDSHIFT =
  /\bON\s+CONFLICT\b|\bjsonb\b|\brow_to_json\b|\bpg_\w*advisory|\bSKIP\s+LOCKED\b|\bgenerate_series\b|\bunnest\b|::|\bTEXT\b|\bTIMESTAMPTZ\b|\bRETURNING\b/i;

/** The real session, noting every statement it runs. */
function recording(session: SqlSession, statements: string[]): SqlSession {
  const noted = (runner: SqlRunner): SqlRunner => ({
    query: (sql, params) => {
      statements.push(sql);
      return runner.query(sql, params);
    },
  });
  return {
    dialect: session.dialect,
    query: noted(session).query,
    stream: (sql, params, batchSize) => {
      statements.push(sql);
      return session.stream(sql, params, batchSize);
    },
    transaction: (work) => session.transaction((tx) => work(noted(tx))),
    dedicated: async () => {
      const connection = await session.dedicated();
      return { ...noted(connection), close: () => connection.close() };
    },
    relationSql: (relation) => session.relationSql(relation),
  };
}

describe('the redshift state dialect, run on PostgreSQL', () => {
  let db: StateWarehouse;

  beforeAll(async () => {
    db = await stateWarehouse('redshift');
    await db.exec(accountsSql(40, 'redshift'));
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('migrates, plans, commits, deletes and locks with statements Redshift supports', async () => {
    const statements: string[] = [];
    const warehouse: Warehouse = {
      type: db.warehouse.type,
      columns: (relation) => db.warehouse.columns(relation),
      readRows: (relation, columns, size) => db.warehouse.readRows(relation, columns, size),
      sql: recording(db.warehouse.sql, statements),
      close: async () => {},
    };
    const store = await openStateStore(warehouse, { schema: 'spoke' });
    await store.migrate();
    const spec = accountsSpec(db.relation('accounts'));
    const lock = await store.acquireLocks([spec.id], { runId: 'r-1', description: 'pid 1 on host' }, 0);
    await store.startRun({
      runId: 'r-1',
      target: 'prod',
      invocationId: null,
      command: 'sync',
      startedAt: new Date(),
    });
    await store.startSyncRun('r-1', spec.id, new Date());
    const changes = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(store, spec, confirmed(spec, changes), 'r-1', 15);
    // An update confirmed without an id keeps the id the snapshot holds.
    await commitAll(
      store,
      spec,
      confirmed(spec, changes.slice(0, 2), () => ({ status: 'updated', destinationId: undefined })),
      'r-1',
    );
    await db.exec(`DELETE FROM models.accounts WHERE account_id = 'acc_000001'`);
    const plan = await store.planChanges(spec, PLAN);
    expect(plan.counts).toMatchObject({ total: 39, unchanged: 39, gone: 1, synced: 40 });
    for await (const batch of plan.deletions()) {
      await store.commitBatch({
        runId: 'r-1',
        syncId: spec.id,
        destination: spec.destination,
        object: spec.object,
        entries: batch.map((d) => ({
          key: d.key,
          operation: 'delete',
          attempt: 1,
          outcome: { key: d.key, status: 'deleted' },
        })),
      });
    }
    await store.finishSyncRun('r-1', {
      syncId: spec.id,
      status: 'success',
      attempted: 41,
      created: 40,
      updated: 0,
      deleted: 1,
      failed: 0,
      invalid: 0,
      skipped: 0,
      unchanged: 0,
      stillFailing: 0,
      error: null,
      finishedAt: new Date(),
    });
    await store.finishRun('r-1', 'success', new Date());
    await lock.release();

    expect(await db.rows('snapshot', `record_key = 'acc_000002'`)).toEqual([
      expect.objectContaining({ destination_id: '001acc_000002' }),
    ]);
    expect((await store.planChanges(spec, PLAN)).counts).toMatchObject({ gone: 0, synced: 39 });
    expect(statements.length).toBeGreaterThan(20);
    expect(statements.filter((sql) => NOT_REDSHIFT.test(sql))).toEqual([]);
  });
});

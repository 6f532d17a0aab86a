import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFor } from '../../src/state/migrations/index.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import { FLAVOURS, type StateWarehouse, stateWarehouse } from './fixtures.js';

const TABLES = [
  'alert_deliveries',
  'alert_outbox',
  'alert_state',
  'failures',
  'id_ledger',
  'in_flight',
  'locks',
  'record_log',
  'runs',
  'schema_migrations',
  'snapshot',
  'sync_queue',
  'sync_runs',
];

describe.each(FLAVOURS)('state tables in %s', (flavour) => {
  let db: StateWarehouse;

  beforeAll(async () => {
    db = await stateWarehouse(flavour, 'spoke_state');
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  async function tables(): Promise<string[]> {
    const rows = await db.warehouse.sql.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'spoke_state' ORDER BY table_name`,
    );
    return rows.map((row) => String(row.table_name));
  }

  it('are created in the configured schema by the first migrate, and a second migrate changes nothing', async () => {
    const store = await db.store({ schema: 'spoke_state' });
    await store.migrate();
    expect(await tables()).toEqual(TABLES);
    const applied = await db.rows('schema_migrations');
    expect(applied).toEqual([
      expect.objectContaining({ version: 1, name: 'initial' }),
      expect.objectContaining({ version: 2, name: 'in_flight' }),
      expect.objectContaining({ version: 3, name: 'alerts' }),
      expect.objectContaining({ version: 4, name: 'sync_queue' }),
      expect.objectContaining({ version: 5, name: 'record_log_paging' }),
      expect.objectContaining({ version: 6, name: 'state_key_ids' }),
    ]);

    await store.migrate();
    expect(await tables()).toEqual(TABLES);
    expect(await db.rows('schema_migrations')).toEqual(applied);
  });

  it('record a run and its syncs with their counts', async () => {
    const store = await db.store({ schema: 'spoke_state' });
    await store.migrate();
    await store.startRun({
      runId: 'run-42',
      target: 'dev',
      invocationId: 'inv-1',
      command: 'sync',
      startedAt: new Date('2024-05-01T12:00:00Z'),
    });
    await store.startSyncRun('run-42', 'accounts', new Date('2024-05-01T12:00:01Z'));
    expect(await db.rows('sync_runs')).toEqual([
      expect.objectContaining({ run_id: 'run-42', sync_id: 'accounts', status: 'running', attempted: 0 }),
    ]);
    await store.finishSyncRun('run-42', {
      syncId: 'accounts',
      status: 'partial',
      attempted: 10,
      created: 6,
      updated: 2,
      deleted: 0,
      failed: 2,
      invalid: 1,
      skipped: 0,
      unchanged: 90,
      stillFailing: 0,
      error: null,
      finishedAt: new Date('2024-05-01T12:00:05Z'),
    });
    await store.finishRun('run-42', 'partial', new Date('2024-05-01T12:00:06Z'));
    expect(await db.rows('runs')).toEqual([
      {
        run_id: 'run-42',
        target: 'dev',
        invocation_id: 'inv-1',
        command: 'sync',
        status: 'partial',
        started_at: '2024-05-01T12:00:00.000Z',
        finished_at: '2024-05-01T12:00:06.000Z',
        error: null,
      },
    ]);
    expect(await db.rows('sync_runs')).toEqual([
      {
        run_id: 'run-42',
        sync_id: 'accounts',
        status: 'partial',
        attempted: 10,
        created: 6,
        updated: 2,
        deleted: 0,
        failed: 2,
        invalid: 1,
        skipped: 0,
        unchanged: 90,
        still_failing: 0,
        error: null,
        started_at: '2024-05-01T12:00:01.000Z',
        finished_at: '2024-05-01T12:00:05.000Z',
      },
    ]);
  });

  it('refuse a schema migrated by a newer dbt-spoke, saying to upgrade', async () => {
    const store = await db.store({ schema: 'spoke_future' });
    await store.migrate();
    await db.warehouse.sql.query(
      `INSERT INTO "spoke_future"."schema_migrations" (version, name, applied_at) VALUES (99, 'future', ${
        flavour === 'postgres' ? 'now()' : 'CURRENT_TIMESTAMP'
      })`,
    );
    await expect(store.migrate()).rejects.toMatchObject({
      code: 'SPOKE_WAREHOUSE',
      message: expect.stringMatching(/version 99.*Upgrade dbt-spoke/),
    });
  });
  it('stop a run before it writes when a state table is missing, though schema_migrations says it was created', async () => {
    const schema = 'spoke_dropped';
    const store = await db.store({ schema });
    await store.migrate();
    await db.warehouse.sql.query(`DROP TABLE "${schema}"."id_ledger"`);
    await expect(store.migrate()).rejects.toMatchObject({
      code: 'SPOKE_STATE',
      message: expect.stringMatching(/table spoke_dropped\.id_ledger is missing.*Nothing was sent/),
    });
  });

  it('name a column that is missing from a state table', async () => {
    const schema = 'spoke_column';
    const store = await db.store({ schema });
    await store.migrate();
    await db.warehouse.sql.query(`ALTER TABLE "${schema}"."record_log" DROP COLUMN error_message`);
    await expect(store.migrate()).rejects.toMatchObject({
      code: 'SPOKE_STATE',
      message: expect.stringContaining('spoke_column.record_log lacks column error_message'),
    });
  });

  it('refuse tables whose schema_migrations was emptied, rather than guess their version', async () => {
    const schema = 'spoke_emptied';
    const store = await db.store({ schema });
    await store.migrate();
    await db.warehouse.sql.query(`DELETE FROM "${schema}"."schema_migrations"`);
    await expect(store.migrate()).rejects.toMatchObject({
      code: 'SPOKE_STATE',
      message: expect.stringMatching(/records no version.*nothing was sent/),
    });
  });

  it('take over a queue table the dbt macro created before dbt-spoke ever ran, adding the worker lease columns', async () => {
    const schema = 'spoke_macro_first';
    await db.warehouse.sql.query(`CREATE SCHEMA "${schema}"`);
    // The columns macros/create_sync_queue.sql creates.
    await db.warehouse.sql.query(
      `CREATE TABLE "${schema}"."sync_queue" (id VARCHAR(1024) NOT NULL PRIMARY KEY, invocation_id VARCHAR(64) NOT NULL,
        unique_id VARCHAR(1024) NOT NULL, model VARCHAR(512) NOT NULL, relation_name VARCHAR(2048), spoke_config VARCHAR(65535) NOT NULL,
        dbt_target VARCHAR(256), enqueued_at TIMESTAMP WITH TIME ZONE NOT NULL, status VARCHAR(32) NOT NULL,
        claimed_at TIMESTAMP WITH TIME ZONE, claimed_by VARCHAR(256), finished_at TIMESTAMP WITH TIME ZONE)`,
    );
    await db.warehouse.sql.query(
      `INSERT INTO "${schema}"."sync_queue" (id, invocation_id, unique_id, model, spoke_config, enqueued_at, status)
       VALUES ('i1:model.p.m', 'i1', 'model.p.m', 'm', '{}', CAST('2024-05-01T12:00:00Z' AS TIMESTAMP WITH TIME ZONE), 'queued')`,
    );
    const store = await db.store({ schema });
    await store.migrate();
    const [entry] = await db.warehouse.sql.query(
      `SELECT id, status, attempts, lease_expires_at, run_id, error FROM "${schema}"."sync_queue"`,
    );
    expect(entry).toEqual({
      id: 'i1:model.p.m',
      status: 'queued',
      attempts: 0,
      lease_expires_at: null,
      run_id: null,
      error: null,
    });
  });

  it('forget failures earlier versions remembered without the destination judging the record', async () => {
    const schema = 'spoke_legacy';
    const table = (name: string) => `"${schema}"."${name}"`;
    const [initial] = migrationsFor(flavour);
    await db.warehouse.sql.query(`CREATE SCHEMA "${schema}"`);
    await db.warehouse.sql.query(
      `CREATE TABLE ${table('schema_migrations')} (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(256) NOT NULL, applied_at TIMESTAMP NOT NULL)`,
    );
    for (const statement of initial!.statements((name) => table(name)))
      await db.warehouse.sql.query(statement);
    await db.warehouse.sql.query(
      `INSERT INTO ${table('schema_migrations')} VALUES (1, 'initial', TIMESTAMP '2024-01-01 00:00:00')`,
    );
    for (const [key, code] of [
      ['k1', 'SALESFORCE_ERROR'],
      ['k2', 'INVALID_EMAIL_ADDRESS'],
      ['k3', 'ERROR_HTTP_503'],
      ['k4', 'DAILY_LIMIT_REACHED'],
    ]) {
      await db.warehouse.sql.query(
        `INSERT INTO ${table('failures')} (sync_id, record_key, row_hash, error_code, error_message, failed_at) VALUES ('s', '${key}', 'h', '${code}', 'm', TIMESTAMP '2024-01-01 00:00:00')`,
      );
    }
    await db.warehouse.sql.query(
      `INSERT INTO ${table('id_ledger')} VALUES ('salesforce', 'Account', 'k1', '001', 's', TIMESTAMP '2024-01-01 00:00:00')`,
    );
    const store = await db.store({ schema });
    await store.migrate();
    const failures = await db.warehouse.sql.query(`SELECT record_key, error_code FROM ${table('failures')}`);
    expect(failures).toEqual([{ record_key: 'k2', error_code: 'INVALID_EMAIL_ADDRESS' }]);
    // Records synced before the ledger knew who created them count as the sync's own.
    const [ledger] = await db.warehouse.sql.query(`SELECT created_by FROM ${table('id_ledger')}`);
    expect(ledger).toEqual({ created_by: 's' });
  });
});

describe.each([
  'postgres',
  'redshift',
] as const)('state tables in %s shared by several processes', (flavour) => {
  let db: StateWarehouse;

  beforeAll(async () => {
    db = await stateWarehouse(flavour);
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('are migrated once when two processes start at the same time', async () => {
    const schema = 'spoke_race';
    const [first, second] = await Promise.all([db.reopen(), db.reopen()]);
    const stores = await Promise.all([
      openStateStore(first!, { schema }),
      openStateStore(second!, { schema }),
    ]);
    await Promise.all(stores.map((store) => store.migrate()));
    const rows = await db.warehouse.sql.query(`SELECT version FROM "${schema}"."schema_migrations"`);
    expect(rows.map((row) => row.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('the record log on PostgreSQL', () => {
  let db: StateWarehouse;

  beforeAll(async () => {
    db = await stateWarehouse('postgres');
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  it('has one index, in the order pages read it (run, sync, key, operation, attempt), replacing the initial one', async () => {
    const schema = 'spoke_paging';
    const store = await db.store({ schema });
    await store.migrate();
    const indexes = await db.warehouse.sql.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'record_log'`,
      [schema],
    );
    expect(indexes).toEqual([
      {
        indexname: 'record_log_run_order',
        indexdef: expect.stringContaining('(run_id, sync_id, record_key, operation, attempt)'),
      },
    ]);
    const plan = await db.warehouse.sql.query(
      `EXPLAIN SELECT * FROM "${schema}".record_log WHERE run_id = 'r' AND (sync_id, record_key, operation, attempt) > ('s', 'k', 'upsert', 1)
        ORDER BY sync_id, record_key, operation, attempt LIMIT 501`,
    );
    expect(plan.map((row) => String(row['QUERY PLAN'])).join('\n')).toContain('record_log_run_order');
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFor } from '../../src/state/migrations/index.js';
import { keyIdSql } from '../../src/state/state-key-id.js';
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

/** The first 128 bits of the text's SHA-256, as a number. */
function keyId(text: string): string {
  return BigInt(`0x${createHash('sha256').update(text).digest('hex').slice(0, 32)}`).toString();
}

describe('DuckDB state keyed by a hash of its keys', () => {
  let db: StateWarehouse;

  beforeAll(async () => {
    db = await stateWarehouse('duckdb');
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  const keyIds = (schema: string, table: string) =>
    db.warehouse.sql.query(
      `SELECT record_key, CAST(key_id AS VARCHAR) AS key_id FROM "${schema}"."${table}" ORDER BY record_key`,
    );

  it('keeps the rows of a state written before version 6, and the next commit updates them in place', async () => {
    const schema = 'spoke_v5';
    const table = (name: string) => `"${schema}"."${name}"`;
    await db.warehouse.sql.query(`CREATE SCHEMA "${schema}"`);
    await db.warehouse.sql.query(
      `CREATE TABLE ${table('schema_migrations')} (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`,
    );
    for (const migration of migrationsFor('duckdb').filter((m) => m.version <= 5)) {
      for (const statement of migration.statements((name) => table(name)))
        await db.warehouse.sql.query(statement);
      await db.warehouse.sql.query(
        `INSERT INTO ${table('schema_migrations')} VALUES (${migration.version}, '${migration.name}', TIMESTAMP '2024-01-01 00:00:00')`,
      );
    }
    await db.exec(accountsSql(4, 'duckdb', 'v5_accounts'));
    const spec = accountsSpec(db.relation('v5_accounts'), { id: 'sync_v5' });
    for (let i = 1; i <= 4; i++) {
      const key = `acc_00000${i}`;
      await db.warehouse.sql.query(
        `INSERT INTO ${table('snapshot')} VALUES ('sync_v5', '${key}', 'old', '{}', '001old${i}', TIMESTAMP '2024-01-01 00:00:00')`,
      );
      await db.warehouse.sql.query(
        `INSERT INTO ${table('id_ledger')} VALUES ('salesforce', 'Account', '${key}', '001old${i}', 'sync_v5', TIMESTAMP '2024-01-01 00:00:00', 'sync_v5')`,
      );
    }

    const store = await db.store({ schema });
    await store.migrate();
    expect(await keyIds(schema, 'snapshot')).toEqual(
      [1, 2, 3, 4].map((i) => ({ record_key: `acc_00000${i}`, key_id: keyId(`sync_v5\0acc_00000${i}`) })),
    );
    expect(await keyIds(schema, 'id_ledger')).toEqual(
      [1, 2, 3, 4].map((i) => ({
        record_key: `acc_00000${i}`,
        key_id: keyId(`salesforce\0Account\0acc_00000${i}`),
      })),
    );

    // The carried-over snapshot is what the plan compares with: every row changed, none new.
    const plan = await store.planChanges(spec, PLAN);
    expect(plan.counts).toMatchObject({ changed: 4, new: 0 });
    const changes = await allChanges(plan);
    await commitAll(
      store,
      spec,
      confirmed(spec, changes, () => ({ status: 'updated' })),
      'run-after',
    );
    const snapshot = await db.warehouse.sql.query(
      `SELECT row_hash FROM ${table('snapshot')} ORDER BY record_key`,
    );
    expect(snapshot).toHaveLength(4);
    expect(snapshot.map((row) => row.row_hash)).toEqual(changes.map((change) => change.hash));
    const ledger = await db.warehouse.sql.query(
      `SELECT destination_id, created_by FROM ${table('id_ledger')}`,
    );
    expect(ledger).toHaveLength(4);
    expect(
      ledger.every((row) => String(row.destination_id).startsWith('001acc_') && row.created_by === 'sync_v5'),
    ).toBe(true);
    expect((await store.planChanges(spec, PLAN)).counts).toMatchObject({ unchanged: 4, changed: 0 });
  });

  it('gives the rows a first sync inserts the key id that the next run’s upserts find', async () => {
    await db.exec(accountsSql(300, 'duckdb', 'first_accounts'));
    const spec = accountsSpec(db.relation('first_accounts'), { id: 'sync_first', object: 'First' });
    const store = await db.store();
    await store.migrate();
    const changes = await allChanges(await store.planChanges(spec, PLAN));
    await commitAll(store, spec, confirmed(spec, changes), 'run-1');
    const [snapshot] = await db.warehouse.sql.query(
      `SELECT count(*) AS n, count(*) FILTER (WHERE key_id <> ${keyIdSql(['sync_id', 'record_key'])}) AS wrong
         FROM "spoke"."snapshot" WHERE sync_id = 'sync_first'`,
    );
    expect(snapshot).toEqual({ n: 300, wrong: 0 });
    const [ledger] = await db.warehouse.sql.query(
      `SELECT count(*) AS n, count(*) FILTER (WHERE key_id <> ${keyIdSql(['destination', 'object', 'record_key'])}) AS wrong
         FROM "spoke"."id_ledger" WHERE object = 'First'`,
    );
    expect(ledger).toEqual({ n: 300, wrong: 0 });
    // A second run updates those rows in place: the upsert finds them by the same key id.
    await commitAll(
      store,
      spec,
      confirmed(spec, changes, () => ({ status: 'updated', destinationId: 'again' })),
      'run-2',
    );
    expect(await db.rows('snapshot', `sync_id = 'sync_first' AND destination_id = 'again'`)).toHaveLength(
      300,
    );
    expect(await db.rows('id_ledger', `object = 'First'`)).toHaveLength(300);
  });
});

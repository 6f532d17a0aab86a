import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { qualifiedName, quoteIdentifier } from '../../src/warehouse/quote.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { readAll, seededDuckdb, seededPostgres } from './fixtures.js';

const TABLE_SQL = `
  CREATE SCHEMA "Sales Ops";
  CREATE TABLE "Sales Ops"."Accounts ""Gold"" List" ("Account Id" VARCHAR, "Say ""Hi""" VARCHAR, "MRR" INTEGER, "select" INTEGER);
  INSERT INTO "Sales Ops"."Accounts ""Gold"" List" VALUES ('acc_0001', 'hello', 10, 1), ('acc_0001', 'again', 20, 2), ('acc_0002', 'hey', 30, 3);`;
const COLUMNS = ['Account Id', 'Say "Hi"', 'MRR', 'select'];

describe('identifiers', () => {
  it('are double-quoted with embedded quotes doubled', () => {
    expect(quoteIdentifier('plain')).toBe('"plain"');
    expect(quoteIdentifier('Say "Hi"')).toBe('"Say ""Hi"""');
    expect(quoteIdentifier('x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"');
  });

  it('name PostgreSQL relations by schema and table, and DuckDB relations by catalog too', () => {
    const relation = { database: 'Analytics', schema: 'Sales Ops', identifier: 'Accounts' };
    expect(qualifiedName(relation, 'postgres')).toBe('"Sales Ops"."Accounts"');
    expect(qualifiedName(relation, 'redshift')).toBe('"Sales Ops"."Accounts"');
    expect(qualifiedName(relation, 'duckdb')).toBe('"Analytics"."Sales Ops"."Accounts"');
    expect(qualifiedName({ ...relation, database: null }, 'duckdb')).toBe('"Sales Ops"."Accounts"');
  });
});

describe.each([
  'postgres',
  'duckdb',
] as const)('a %s model with spaces, quotes and upper case in its names', (kind) => {
  let warehouse: Warehouse;
  let cleanup: () => Promise<void>;
  let relation: { database: string; schema: string; identifier: string };

  beforeAll(async () => {
    if (kind === 'postgres') {
      const db = await seededPostgres('warehouse_identifiers', TABLE_SQL);
      warehouse = await openWarehouse(db.connection);
      relation = { database: db.name, schema: 'Sales Ops', identifier: 'Accounts "Gold" List' };
      cleanup = db.drop;
    } else {
      const file = await seededDuckdb(TABLE_SQL);
      warehouse = await openWarehouse(file.connection);
      relation = { database: 'warehouse', schema: 'Sales Ops', identifier: 'Accounts "Gold" List' };
      cleanup = file.remove;
    }
  });

  afterAll(async () => {
    await warehouse?.close();
    await cleanup?.();
  });

  it('is described and read with its names exactly as written', async () => {
    expect((await warehouse.columns(relation)).map((c) => c.name)).toEqual(COLUMNS);
    const rows = (await readAll(warehouse, relation, COLUMNS)).flat();
    expect(rows).toContainEqual({ 'Account Id': 'acc_0002', 'Say "Hi"': 'hey', MRR: 30, select: 3 });
    expect(rows).toHaveLength(3);
  });
});

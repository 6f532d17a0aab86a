import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { readAll, seededDuckdb, seededPostgres } from './fixtures.js';

const COLUMNS = [
  'id',
  't',
  'i',
  'b',
  'big',
  'n',
  'tiny',
  'huge',
  'f',
  'r',
  'ok',
  'd',
  'ts',
  'tstz',
  'nothing',
  'u',
  'tiny_f',
  'doc',
  'ints',
  'decs',
  'words',
  'stamps',
  'written',
  'pairs',
];

const POSTGRES_SQL = `
  -- A session zone far from UTC: values must not depend on it.
  DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'America/New_York'); END $$;
  CREATE TABLE public.typed (
    id integer, t text, i integer, b bigint, big bigint, n numeric(12,2), tiny numeric(20,7),
    huge numeric(38,10), f double precision, r real, ok boolean, d date, ts timestamp,
    tstz timestamptz, nothing text, u text, tiny_f double precision, doc jsonb, ints integer[],
    decs numeric(12,2)[], words text[], stamps timestamp[], written json, pairs jsonb);
  INSERT INTO public.typed VALUES
    (1, 'hello', 42, 9007199254740991, 9007199254740993, 1234.50, 0.0000001,
     12345678901234567890.1234567891, 1234.5678, 0.1, true, '2024-05-01', '2024-05-01 12:00:00.123456',
     '2024-05-01 14:00:00+02', NULL, 'Zoë 東京 🚀', 1e-10, '{"plan": "pro", "seats": 3, "tags": ["a"]}',
     '{1,2,3}', '{1.50,NULL}', '{"a b",c}', '{"2024-05-01 12:00:00"}', '{"b": [1, 2.50], "a": null}',
     '{"k": 1}'),
    (2, '', -7, -5, -9007199254740993, -0.50, 100, 0, -2.5e-8, -1.5, false, '1999-12-31',
     '1999-12-31 23:59:59', '2000-01-01 00:00:00-05:30', NULL, 'naïve "quoted" text', 1.5e21,
     '{"plan": "x", "seats": 0.0000001, "tags": []}', '{}', '{}', '{}', '{}', '[]', '{}');`;

const DUCKDB_SQL = `
  CREATE TABLE main.typed (
    id INTEGER, t VARCHAR, i INTEGER, b BIGINT, big BIGINT, n DECIMAL(12,2), tiny DECIMAL(20,7),
    huge DECIMAL(38,10), f DOUBLE, r FLOAT, ok BOOLEAN, d DATE, ts TIMESTAMP, tstz TIMESTAMPTZ,
    nothing VARCHAR, u VARCHAR, tiny_f DOUBLE,
    doc STRUCT(plan VARCHAR, tags VARCHAR[], seats DECIMAL(10,8)), ints INTEGER[],
    decs DECIMAL(12,2)[], words VARCHAR[], stamps TIMESTAMP[], written JSON, pairs MAP(VARCHAR, INTEGER));
  INSERT INTO main.typed VALUES
    (1, 'hello', 42, 9007199254740991, 9007199254740993, 1234.50, 0.0000001,
     12345678901234567890.1234567891, 1234.5678, 0.1, true, '2024-05-01', '2024-05-01 12:00:00.123456',
     '2024-05-01 14:00:00+02', NULL, 'Zoë 東京 🚀', 1e-10, {'plan': 'pro', 'tags': ['a'], 'seats': 3},
     [1, 2, 3], [1.50, NULL], ['a b', 'c'], ['2024-05-01 12:00:00'], '{"b": [1, 2.50], "a": null}',
     MAP {'k': 1}),
    (2, '', -7, -5, -9007199254740993, -0.50, 100, 0, -2.5e-8, -1.5, false, '1999-12-31',
     '1999-12-31 23:59:59', '2000-01-01 00:00:00-05:30', NULL, 'naïve "quoted" text', 1.5e21,
     {'plan': 'x', 'tags': [], 'seats': 0.0000001}, [], [], [], [], '[]', MAP {});`;

const EXPECTED = [
  {
    id: 1,
    t: 'hello',
    i: 42,
    b: 9007199254740991,
    big: '9007199254740993',
    n: 1234.5,
    tiny: '0.0000001',
    huge: '12345678901234567890.1234567891',
    f: 1234.5678,
    r: 0.1,
    ok: true,
    d: '2024-05-01',
    ts: '2024-05-01T12:00:00.123Z',
    tstz: '2024-05-01T12:00:00.000Z',
    nothing: null,
    u: 'Zoë 東京 🚀',
    tiny_f: '0.0000000001',
    // jsonb orders keys itself (shorter first); the DuckDB struct declares them in that order.
    doc: '{"plan":"pro","tags":["a"],"seats":3}',
    ints: '[1,2,3]',
    decs: '[1.5,null]',
    words: '["a b","c"]',
    stamps: '["2024-05-01T12:00:00.000Z"]',
    written: '{"b":[1,2.50],"a":null}',
    pairs: '{"k":1}',
  },
  {
    id: 2,
    t: '',
    i: -7,
    b: -5,
    big: '-9007199254740993',
    n: -0.5,
    tiny: 100,
    huge: 0,
    f: '-0.000000025',
    r: -1.5,
    ok: false,
    d: '1999-12-31',
    ts: '1999-12-31T23:59:59.000Z',
    tstz: '2000-01-01T05:30:00.000Z',
    nothing: null,
    u: 'naïve "quoted" text',
    tiny_f: '1500000000000000000000',
    doc: '{"plan":"x","tags":[],"seats":0.0000001}',
    ints: '[]',
    decs: '[]',
    words: '[]',
    stamps: '[]',
    written: '[]',
    pairs: '{}',
  },
];

describe('values read from the warehouse', () => {
  let postgres: Awaited<ReturnType<typeof seededPostgres>>;
  let duckdb: Awaited<ReturnType<typeof seededDuckdb>>;
  const opened: Warehouse[] = [];

  beforeAll(async () => {
    [postgres, duckdb] = await Promise.all([
      seededPostgres('warehouse_values', POSTGRES_SQL),
      seededDuckdb(DUCKDB_SQL),
    ]);
  });

  afterAll(async () => {
    await Promise.all(opened.map((w) => w.close()));
    await Promise.all([postgres?.drop(), duckdb?.remove()]);
  });

  it('come out of PostgreSQL as JSON-friendly values: plain decimals, UTC timestamps whatever the session zone, nested values as compact JSON text', async () => {
    const warehouse = await openWarehouse(postgres.connection);
    opened.push(warehouse);
    const relation = { database: postgres.name, schema: 'public', identifier: 'typed' };
    const rows = (await readAll(warehouse, relation, COLUMNS))
      .flat()
      .sort((a, b) => Number(a.id) - Number(b.id));
    expect(rows).toEqual(EXPECTED);
  });

  it('come out of DuckDB exactly as they come out of PostgreSQL', async () => {
    const warehouse = await openWarehouse(duckdb.connection);
    opened.push(warehouse);
    const relation = { database: 'warehouse', schema: 'main', identifier: 'typed' };
    const rows = (await readAll(warehouse, relation, COLUMNS))
      .flat()
      .sort((a, b) => Number(a.id) - Number(b.id));
    expect(rows).toEqual(EXPECTED);
  });

  it('are listed as columns in declaration order with their warehouse types', async () => {
    const pgWarehouse = await openWarehouse(postgres.connection);
    const duckWarehouse = await openWarehouse(duckdb.connection);
    opened.push(pgWarehouse, duckWarehouse);
    const pgColumns = await pgWarehouse.columns({
      database: postgres.name,
      schema: 'public',
      identifier: 'typed',
    });
    const duckColumns = await duckWarehouse.columns({
      database: 'warehouse',
      schema: 'main',
      identifier: 'typed',
    });
    expect(pgColumns.map((c) => c.name)).toEqual(COLUMNS);
    expect(duckColumns.map((c) => c.name)).toEqual(COLUMNS);
    expect(pgColumns.find((c) => c.name === 'n')?.type).toBe('numeric');
    expect(pgColumns.find((c) => c.name === 'tstz')?.type).toBe('timestamp with time zone');
    expect(duckColumns.find((c) => c.name === 'n')?.type).toBe('DECIMAL(12,2)');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { inject } from 'vitest';
import type { Relation } from '../../src/config/types.js';
import type { Row, Warehouse } from '../../src/warehouse/warehouse.js';
import { pgUrlToConnection } from '../support/pg-url.js';
import { createTestDatabase } from '../support/postgres.js';

/** A fresh PostgreSQL database holding what `sql` creates, and its connection as a dbt target would give it. */
export async function seededPostgres(prefix: string, sql: string) {
  const database = await createTestDatabase(inject('databaseUrl'), prefix);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
  return { ...database, connection: pgUrlToConnection(database.url) };
}

/** A DuckDB file `<dir>/warehouse.duckdb` holding what `sql` creates, closed as dbt leaves it. */
export async function seededDuckdb(sql: string) {
  const dir = await mkdtemp(join(tmpdir(), 'spoke-warehouse-'));
  const path = join(dir, 'warehouse.duckdb');
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return {
    path,
    connection: { type: 'duckdb' as const, path, database: 'warehouse', schema: 'main' },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function readAll(
  warehouse: Warehouse,
  relation: Relation,
  columns: string[],
  batchSize = 100,
): Promise<Row[][]> {
  const batches: Row[][] = [];
  for await (const batch of warehouse.readRows(relation, columns, batchSize)) batches.push(batch);
  return batches;
}

/** The error a promise rejects with, so a test can look at all of it. */
export async function failureOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}

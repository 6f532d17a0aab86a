import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { PostgresConnection, Warehouse } from '../../src/warehouse/warehouse.js';
import { pgUrlToConnection } from '../support/pg-url.js';
import { startEmbeddedPostgres, type TestPostgres } from '../support/postgres.js';
import { failureOf, readAll, seededDuckdb, seededPostgres } from './fixtures.js';

describe('a PostgreSQL model that is not there', () => {
  let db: Awaited<ReturnType<typeof seededPostgres>>;
  let warehouse: Warehouse;

  beforeAll(async () => {
    db = await seededPostgres('warehouse_missing', 'CREATE TABLE public.present (id integer)');
    warehouse = await openWarehouse(db.connection);
  });

  afterAll(async () => {
    await warehouse?.close();
    await db?.drop();
  });

  it('fails to describe with SPOKE_WAREHOUSE naming the relation and saying to run dbt', async () => {
    const error = await failureOf(
      warehouse.columns({ database: db.name, schema: 'public', identifier: 'crm_accounts' }),
    );
    expect(error.code).toBe('SPOKE_WAREHOUSE');
    expect(error.message).toContain(`${db.name}.public.crm_accounts`);
    expect(error.message).toContain('Run dbt');
  });

  it('fails to read with the same error, also when its schema is missing', async () => {
    const relation = { database: db.name, schema: 'analytics', identifier: 'crm_accounts' };
    const error = await failureOf(readAll(warehouse, relation, ['id']));
    expect(error.code).toBe('SPOKE_WAREHOUSE');
    expect(error.message).toContain(`${db.name}.analytics.crm_accounts`);
    expect(error.message).toContain('Run dbt');
  });

  it('in another database is refused, since one connection reads one database', async () => {
    const error = await failureOf(
      warehouse.columns({ database: 'elsewhere', schema: 'public', identifier: 'present' }),
    );
    expect(error.code).toBe('SPOKE_WAREHOUSE');
    expect(error.message).toContain('cross-database reads are not supported');
  });

  it('leaves the connection usable for the models that are there', async () => {
    const relation = { database: db.name, schema: 'public', identifier: 'present' };
    expect(await warehouse.columns(relation)).toEqual([{ name: 'id', type: 'integer' }]);
  });
});

describe('a DuckDB model that is not there', () => {
  it('fails with SPOKE_WAREHOUSE naming the relation when the file lacks it', async () => {
    const file = await seededDuckdb('CREATE TABLE main.present (id INTEGER)');
    const warehouse = await openWarehouse(file.connection);
    try {
      const relation = { database: 'warehouse', schema: 'main', identifier: 'crm_accounts' };
      const described = await failureOf(warehouse.columns(relation));
      expect(described.code).toBe('SPOKE_WAREHOUSE');
      expect(described.message).toContain('warehouse.main.crm_accounts');
      expect(described.message).toContain('Run dbt');
      const read = await failureOf(readAll(warehouse, { ...relation, schema: 'marts' }, ['id']));
      expect(read.code).toBe('SPOKE_WAREHOUSE');
      expect(read.message).toContain('warehouse.marts.crm_accounts');
    } finally {
      await warehouse.close();
      await file.remove();
    }
  });

  it('fails with SPOKE_WAREHOUSE saying to run dbt when the file itself is missing, and creates no file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoke-missing-'));
    const path = join(dir, 'dev.duckdb');
    try {
      const error = await failureOf(openWarehouse({ type: 'duckdb', path, schema: 'main' }));
      expect(error.code).toBe('SPOKE_WAREHOUSE');
      expect(error.message).toContain(path);
      expect(error.message).toContain('Run dbt');
      expect(existsSync(path)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('connecting to PostgreSQL', () => {
  let server: TestPostgres;

  beforeAll(async () => {
    // The shared test server may trust every login; this one checks passwords.
    server = await startEmbeddedPostgres();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('with a wrong password fails with SPOKE_WAREHOUSE naming host, port, database and user but no password', async () => {
    const connection = { ...pgUrlToConnection(server.url), password: 'wrong-secret-8c1f' };
    const realPassword = pgUrlToConnection(server.url).password!;
    const error = await failureOf(openWarehouse(connection));
    expect(error.code).toBe('SPOKE_WAREHOUSE');
    expect(error.message).toContain(`127.0.0.1:${connection.port}`);
    expect(error.message).toContain('database "postgres"');
    expect(error.message).toContain('user "postgres"');
    expect(error.message).toContain('password authentication failed');
    expect(error.message).not.toContain('wrong-secret-8c1f');
    expect(error.message).not.toContain(realPassword);
  });

  it('with the right password opens and reads', async () => {
    const warehouse = await openWarehouse(pgUrlToConnection(server.url));
    try {
      expect(
        await warehouse.columns({ database: 'postgres', schema: 'pg_catalog', identifier: 'pg_am' }),
      ).not.toEqual([]);
    } finally {
      await warehouse.close();
    }
  });

  it('where nothing listens fails with SPOKE_WAREHOUSE naming the address', async () => {
    const port = await closedPort();
    const connection: PostgresConnection = {
      type: 'postgres',
      host: '127.0.0.1',
      port,
      user: 'analyst',
      password: 'hunter2-secret',
      database: 'analytics',
      schema: 'public',
      connectTimeoutSeconds: 2,
    };
    const error = await failureOf(openWarehouse(connection));
    expect(error.code).toBe('SPOKE_WAREHOUSE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('hunter2-secret');
  });

  it('with sslmode require against a server without TLS fails with SPOKE_WAREHOUSE', async () => {
    const error = await failureOf(openWarehouse({ ...pgUrlToConnection(server.url), sslmode: 'require' }));
    expect(error.code).toBe('SPOKE_WAREHOUSE');
    expect(error.message).toMatch(/SSL/i);
  });

  it('with an unknown sslmode fails as a profile problem listing the valid modes', async () => {
    const error = await failureOf(openWarehouse({ ...pgUrlToConnection(server.url), sslmode: 'sometimes' }));
    expect(error.code).toBe('SPOKE_PROFILE');
    expect(error.message).toContain('verify-full');
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

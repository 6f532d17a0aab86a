import pg from 'pg';
import Cursor from 'pg-cursor';
import { normalizeValue } from './normalize-value.js';
import { spokeTypes } from './postgres-type-parsers.js';
import type { DedicatedConnection, SqlParam, SqlRunner, SqlSession } from './sql-session.js';
import type { Relation, Row } from './warehouse.js';

/**
 * Settings every dbt-spoke connection starts with, so that values cast to text (row hashes) read
 * the same whatever the server's or role's defaults. On PostgreSQL work_mem is raised (never
 * lowered) so planning sorts and hashes a million rows in memory rather than on disk.
 */
export function sessionSettingsSql(dialect: 'postgres' | 'redshift'): string {
  const common = "SET timezone TO 'UTC'; SET datestyle TO 'ISO, MDY'";
  if (dialect === 'redshift') return common;
  return `${common}; SET intervalstyle TO 'postgres'; SELECT set_config('work_mem', '${WORK_MEM}', false) WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('${WORK_MEM}')`;
}

const WORK_MEM = '64MB';

export interface PostgresSessionOptions {
  dialect: 'postgres' | 'redshift';
  clientConfig: pg.ClientConfig;
  connect(): Promise<pg.PoolClient>;
  relationSql(relation: Relation): string;
}

/** SqlSession over the warehouse's pg pool; dedicated connections open beside it. */
export class PostgresSqlSession implements SqlSession {
  readonly dialect: 'postgres' | 'redshift';

  constructor(private readonly options: PostgresSessionOptions) {
    this.dialect = options.dialect;
  }

  async query(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    const client = await this.options.connect();
    try {
      return await runQuery(client, sql, params);
    } finally {
      client.release();
    }
  }

  /**
   * Streams on a connection of its own: a consumer that writes each batch back (commitBatch)
   * while the cursor is open must never wait for a pool client its own streams hold.
   */
  async *stream(sql: string, params: readonly SqlParam[], batchSize: number): AsyncIterable<Row[]> {
    const client = await this.openClient();
    const cursor = client.query(
      new Cursor<Record<string, unknown>>(sql, params.map(toPgParam), { types: spokeTypes }),
    );
    try {
      while (true) {
        const rows = await cursor.read(batchSize);
        if (rows.length === 0) return;
        yield rows.map(normalizeRow);
        if (rows.length < batchSize) return;
      }
    } finally {
      await cursor.close().catch(() => {});
      await client.end().catch(() => {});
    }
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.options.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work({ query: (sql, params = []) => runQuery(client, sql, params) });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async dedicated(): Promise<DedicatedConnection> {
    const client = await this.openClient();
    return {
      query: (sql, params = []) => runQuery(client, sql, params),
      close: () => client.end().catch(() => {}),
    };
  }

  relationSql(relation: Relation): string {
    return this.options.relationSql(relation);
  }

  private async openClient(): Promise<pg.Client> {
    const client = new pg.Client(this.options.clientConfig);
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query(sessionSettingsSql(this.dialect));
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return client;
  }
}

async function runQuery(client: pg.ClientBase, sql: string, params: readonly SqlParam[]): Promise<Row[]> {
  const result = await client.query<Record<string, unknown>>(sql, params.map(toPgParam));
  return result.rows.map(normalizeRow);
}

function toPgParam(param: SqlParam): unknown {
  return Array.isArray(param) ? [...param] : param;
}

function normalizeRow(raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [name, value] of Object.entries(raw)) row[name] = normalizeValue(value);
  return row;
}

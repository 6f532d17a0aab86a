import {
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBValue,
  LIST,
  listValue,
  VARCHAR,
} from '@duckdb/node-api';
import { normalizeDuckdbValue } from './normalize-duckdb-value.js';
import type { DedicatedConnection, SqlParam, SqlRunner, SqlSession } from './sql-session.js';
import type { Relation, Row } from './warehouse.js';

/**
 * SqlSession over the warehouse's DuckDB instance: a file admits one instance per process, so
 * the state store and the model reads share it. DuckDB has one writer; transactions here queue
 * behind each other instead of failing on write conflicts.
 */
export class DuckdbSqlSession implements SqlSession {
  readonly dialect = 'duckdb' as const;
  private writes: Promise<unknown> = Promise.resolve();
  /** The connection every transaction runs on, one after another: opened once, temp tables kept. */
  private writer: Promise<DuckDBConnection> | null = null;
  private closed = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly qualify: (relation: Relation) => string,
  ) {}

  async query(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    const connection = await this.connect();
    try {
      return await runQuery(connection, sql, params);
    } finally {
      connection.closeSync();
    }
  }

  async *stream(sql: string, params: readonly SqlParam[], batchSize: number): AsyncIterable<Row[]> {
    const connection = await this.connect();
    try {
      const result = await connection.stream(sql, params.map(toDuckdbValue), paramTypes(params));
      const columns = columnsOf(result);
      let batch: Row[] = [];
      while (true) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (const values of chunk.getRows()) {
          batch.push(toRow(columns, values));
          if (batch.length === batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      connection.closeSync();
    }
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The DuckDB session is closed.'));
    const run = this.writes.then(async () => {
      this.writer ??= this.connect();
      const connection = await this.writer.catch((error: unknown) => {
        this.writer = null;
        throw error;
      });
      try {
        await connection.run('BEGIN TRANSACTION');
      } catch (error) {
        this.dropWriter(connection);
        throw error;
      }
      try {
        const result = await work({
          query: (sql, params = []) => runQuery(connection, sql, params),
          append: (table, rows) => appendRows(connection, table, rows),
        });
        await connection.run('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot roll back is not reused: the next transaction opens a fresh one.
        await connection.run('ROLLBACK').catch(() => this.dropWriter(connection));
        throw error;
      }
    });
    this.writes = run.catch(() => {});
    return run;
  }

  /** Closes the write connection once every queued transaction is done; later ones fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writes;
    const writer = this.writer;
    this.writer = null;
    if (writer) (await writer.catch(() => null))?.closeSync();
  }

  private dropWriter(connection: DuckDBConnection): void {
    this.writer = null;
    connection.closeSync();
  }

  async dedicated(): Promise<DedicatedConnection> {
    const connection = await this.connect();
    return {
      query: (sql, params = []) => runQuery(connection, sql, params),
      close: async () => connection.closeSync(),
    };
  }

  relationSql(relation: Relation): string {
    return this.qualify(relation);
  }

  private async connect(): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    // TIMESTAMPTZ prints in the session's zone, which defaults to the machine's; hashes must not.
    await connection.run("SET SESSION TimeZone = 'UTC'").catch(() => {});
    return connection;
  }
}

interface Column {
  name: string;
  type: DuckDBType;
}

async function runQuery(
  connection: DuckDBConnection,
  sql: string,
  params: readonly SqlParam[],
): Promise<Row[]> {
  const reader = await connection.runAndReadAll(sql, params.map(toDuckdbValue), paramTypes(params));
  const columns = reader.columnNames().map((name, i) => ({ name, type: reader.columnType(i) }));
  return reader.getRows().map((values) => toRow(columns, values));
}

function columnsOf(result: DuckDBResult): Column[] {
  return result.columnNames().map((name, i) => ({ name, type: result.columnType(i) }));
}

function toRow(columns: readonly Column[], values: readonly DuckDBValue[]): Row {
  const row: Row = {};
  columns.forEach((column, i) => {
    row[column.name] = normalizeDuckdbValue(values[i] ?? null, column.type);
  });
  return row;
}

/** Rows of text (or null) into a table whose columns are all VARCHAR, through DuckDB's appender. */
async function appendRows(
  connection: DuckDBConnection,
  table: { catalog?: string; schema?: string; name: string },
  rows: readonly (readonly (string | null)[])[],
): Promise<void> {
  const appender = await connection.createAppender(table.name, table.schema ?? null, table.catalog ?? null);
  try {
    for (const row of rows) {
      for (const value of row) {
        if (value === null) appender.appendNull();
        else appender.appendVarchar(value);
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function toDuckdbValue(param: SqlParam): DuckDBValue {
  return Array.isArray(param) ? listValue(param) : (param as DuckDBValue);
}

/**
 * Text arrays bind as VARCHAR[] whatever their first element: left to inference, a list starting
 * with null binds as a list of nulls and every value in it is lost.
 */
function paramTypes(params: readonly SqlParam[]): DuckDBType[] {
  return params.map((param) => (Array.isArray(param) ? TEXT_LIST : undefined)) as DuckDBType[];
}

const TEXT_LIST = LIST(VARCHAR);

import type { DuckDBConnection, DuckDBInstance } from './duckdb-api.js';
import { chunkRows, columnsOf, paramTypes, readRows, toDuckdbValue } from './duckdb-rows.js';
import { DuckdbWriter } from './duckdb-writer.js';
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
  private writer: Promise<DuckdbWriter> | null = null;
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
        for (const row of chunkRows(chunk, columns)) {
          batch.push(row);
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
      this.writer ??= this.connect().then((connection) => new DuckdbWriter(connection));
      const writer = await this.writer.catch((error: unknown) => {
        this.writer = null;
        throw error;
      });
      try {
        await writer.connection.run('BEGIN TRANSACTION');
      } catch (error) {
        this.dropWriter(writer);
        throw error;
      }
      try {
        const result = await work({
          query: (sql, params = []) => writer.query(sql, params),
          append: (table, columns, rows) => writer.append(table, columns, rows),
        });
        await writer.connection.run('COMMIT');
        return result;
      } catch (error) {
        writer.rolledBack();
        // A connection that cannot roll back is not reused: the next transaction opens a fresh one.
        await writer.connection.run('ROLLBACK').catch(() => this.dropWriter(writer));
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
    if (writer) (await writer.catch(() => null))?.close();
  }

  private dropWriter(writer: DuckdbWriter): void {
    this.writer = null;
    writer.close();
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

async function runQuery(
  connection: DuckDBConnection,
  sql: string,
  params: readonly SqlParam[],
): Promise<Row[]> {
  return readRows(await connection.runAndReadAll(sql, params.map(toDuckdbValue), paramTypes(params)));
}

import type { DuckDBConnection, DuckDBInstance } from './duckdb-api.js';
import { allRows, paramTypes, readRows, resultBatches, toDuckdbValue } from './duckdb-rows.js';
import { DuckdbWriter } from './duckdb-writer.js';
import type {
  DedicatedConnection,
  MaterializedRows,
  SqlParam,
  SqlRunner,
  SqlSession,
} from './sql-session.js';
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
  /** Materialised results not yet closed, dropped with the session. */
  private readonly materialized = new Set<MaterializedRows>();
  private materializedCount = 0;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly qualify: (relation: Relation) => string,
    /** Under a memory limit DuckDB spills what does not fit, a materialised result included. */
    readonly boundedMemory = false,
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
      yield* resultBatches(
        await connection.stream(sql, params.map(toDuckdbValue), paramTypes(params)),
        batchSize,
      );
    } finally {
      connection.closeSync();
    }
  }

  /**
   * A stream holds its read transaction open until its last row, and while one is open DuckDB
   * keeps the older version of every row the sync updates or deletes meanwhile (undo buffers,
   * the staging tables' emptied rows) and cannot checkpoint them: a --full-refresh of a synced
   * 1M-row model grew to 1.4 GB. Read back a page per statement, the rows keep no transaction
   * open between pages. The temporary table lives on a connection of its own, closed with it;
   * beyond the memory limit DuckDB spills it to its temporary directory.
   */
  async materialize(sql: string, params: readonly SqlParam[]): Promise<MaterializedRows> {
    const connection = await this.connect();
    const table = `spoke_materialized_${++this.materializedCount}`;
    try {
      await connection.run(
        `CREATE TEMP TABLE ${table} AS ${sql}`,
        params.map(toDuckdbValue),
        paramTypes(params),
      );
    } catch (error) {
      connection.closeSync();
      throw error;
    }
    const rows: MaterializedRows = {
      pages: async function* (size) {
        const page = await connection.prepare(`SELECT * FROM ${table} WHERE rowid >= $1 AND rowid < $2`);
        // Rows are numbered from 0 in the order the statement wrote them.
        for (let from = 0; ; from += size) {
          page.bindBigInt(1, BigInt(from));
          page.bindBigInt(2, BigInt(from + size));
          // Read whole before it is handed on, so the page's statement is over.
          const batch = await allRows(await page.stream());
          if (batch.length === 0) return;
          yield batch;
        }
      },
      close: async () => {
        if (!this.materialized.delete(rows)) return;
        connection.closeSync();
      },
    };
    this.materialized.add(rows);
    return rows;
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
    await Promise.all([...this.materialized].map((rows) => rows.close()));
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

import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { SpokeError } from '../errors.js';
import { type DuckDBConnection, DuckDBInstance } from './duckdb-api.js';
import { columnsOf, resultBatches } from './duckdb-rows.js';
import { DuckdbSqlSession } from './duckdb-session.js';
import { duckdbMemoryLimit, type MemoryLimit, planningThreads } from './memory-limit.js';
import { displayName, qualifiedName, quoteIdentifier } from './quote.js';
import type { SqlSession } from './sql-session.js';
import type { ColumnInfo, DuckdbConnection, Relation, Row, Warehouse } from './warehouse.js';

/**
 * Spoke's own DuckDB instance (dbt's are untouched) runs on one thread: a sync runs thousands of
 * small statements (each group commit's state writes), and waking a second thread for each cost
 * more CPU than it saved (a 100k-row first sync's state writes took 11 s of CPU with DuckDB's
 * default of one thread per core, 8 s with one); the one large statement, planning, takes
 * longer on one thread, so it runs on more (`withAllThreads`: 1M rows took 1.07 s on one
 * thread, 0.57 s on two). Its memory may be limited (memory-limit.ts).
 */
const THREADS = '1';

const COLUMN_HINT = ' Check the mapped columns against the model, and run dbt if the model changed.';

/**
 * The DuckDB file dbt wrote. A file admits one writing process, so it is opened only after dbt
 * has exited and closed as soon as the caller is done.
 */
export class DuckdbWarehouse implements Warehouse {
  readonly type = 'duckdb' as const;
  readonly sql: SqlSession;
  private readonly session: DuckdbSqlSession;
  private closed = false;

  private constructor(
    private readonly config: DuckdbConnection,
    private readonly instance: DuckDBInstance,
    private readonly memory: MemoryLimit | null,
  ) {
    this.session = new DuckdbSqlSession(instance, (relation) => this.sqlName(relation), memory !== null);
    this.sql = this.session;
  }

  static async open(
    config: DuckdbConnection,
    options: { readOnly?: boolean; env?: NodeJS.ProcessEnv } = {},
  ): Promise<DuckdbWarehouse> {
    const memory = duckdbMemoryLimit(options.env);
    if (config.path !== ':memory:') {
      const file = await stat(config.path).catch(() => null);
      if (!file?.isFile()) {
        throw new SpokeError(
          'SPOKE_WAREHOUSE',
          `DuckDB database file ${config.path} does not exist. Run dbt (dbt build or dbt run) first, ` +
            'and check that the path in the dbt target of profiles.yml is the one dbt writes.',
        );
      }
    }
    try {
      const settings: Record<string, string> = {
        threads: THREADS,
        ...(memory ? { memory_limit: memory.setting } : {}),
        ...(options.readOnly ? { access_mode: 'READ_ONLY' } : {}),
      };
      return new DuckdbWarehouse(config, await DuckDBInstance.create(config.path, settings), memory);
    } catch (error) {
      const message = errorMessage(error);
      // DuckDB admits one process per file: the holder is another spoke, dbt, or a DuckDB shell.
      if (/lock/i.test(message)) {
        throw new SpokeError(
          'SPOKE_WAREHOUSE_BUSY',
          `Could not open DuckDB file ${config.path}: ${message}. ${config.path} is open in another process (a running dbt or spoke? ` +
            'a DuckDB shell or UI?); wait for it to finish or close it, then retry, or pass --wait <seconds>.',
        );
      }
      throw new SpokeError('SPOKE_WAREHOUSE', `Could not open DuckDB file ${config.path}: ${message}.`);
    }
  }

  async columns(relation: Relation): Promise<ColumnInfo[]> {
    const reader = await this.withConnection(relation, (connection) =>
      connection.runAndReadAll(`DESCRIBE ${this.sqlName(relation)}`),
    );
    return reader
      .getRowObjects()
      .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  }

  async *readRows(relation: Relation, columns: string[], batchSize: number): AsyncIterable<Row[]> {
    const sql = `SELECT ${columns.map(quoteIdentifier).join(', ')} FROM ${this.sqlName(relation)}`;
    // A connection streams one result at a time; a connection per read lets reads interleave.
    const connection = await this.run(relation, () => this.instance.connect());
    try {
      const result = await this.run(relation, () => connection.stream(sql));
      const names = columnsOf(result).map((column, i) => ({ ...column, name: columns[i]! }));
      const batches = resultBatches(result, batchSize, names)[Symbol.asyncIterator]();
      while (true) {
        const next = await this.run(relation, () => batches.next());
        if (next.done) return;
        yield next.value;
      }
    } finally {
      connection.closeSync();
    }
  }

  async withAllThreads<T>(work: () => Promise<T>): Promise<T> {
    const threads = async (count: string) => {
      const connection = await this.instance.connect();
      try {
        await connection.run(`SET threads = ${count}`);
      } finally {
        connection.closeSync();
      }
    };
    await threads(String(planningThreads(this.memory, availableParallelism())));
    try {
      return await work();
    } finally {
      await threads(THREADS);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.close();
    this.instance.closeSync();
  }

  private sqlName(relation: Relation): string {
    return qualifiedName(
      { ...relation, database: relation.database ?? this.config.database ?? null },
      'duckdb',
    );
  }

  private async withConnection<T>(
    relation: Relation,
    use: (connection: DuckDBConnection) => Promise<T>,
  ): Promise<T> {
    const connection = await this.run(relation, () => this.instance.connect());
    try {
      return await this.run(relation, () => use(connection));
    } finally {
      connection.closeSync();
    }
  }

  private async run<T>(relation: Relation, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const message = errorMessage(error);
      if (/^Catalog Error/i.test(message)) {
        throw new SpokeError(
          'SPOKE_WAREHOUSE',
          `Relation ${displayName(relation)} does not exist in DuckDB file ${this.config.path}. Run dbt ` +
            '(dbt build or dbt run) first, and check that dbt-spoke uses the same target as dbt.',
        );
      }
      const hint = /^Binder Error/i.test(message) ? COLUMN_HINT : '';
      throw new SpokeError(
        'SPOKE_WAREHOUSE',
        `Reading ${displayName(relation)} from DuckDB failed: ${message}.${hint}`,
      );
    }
  }
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}

import type { Relation, Row, WarehouseType } from './warehouse.js';

/**
 * A bound parameter. Arrays travel as one text array (PostgreSQL `text[]`, DuckDB `VARCHAR[]`);
 * the SQL casts their elements.
 */
export type SqlParam = string | number | boolean | null | readonly (string | null)[];

/** A value DuckDB's appender takes (see SqlRunner.append). */
export type AppendValue = string | number | boolean | Date | null;

export interface SqlRunner {
  /** Runs one statement with `$1`-style parameters; rows come normalised as readRows gives them. */
  query(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /**
   * DuckDB only: appends rows through DuckDB's appender, in the caller's transaction, much
   * faster than rows bound as list parameters or inserted by a statement. `columns` names each
   * row's values (the table's other columns get their defaults); values convert to the column's
   * type (a Date to TIMESTAMP). A key already in the table fails with DuckDB's constraint error.
   */
  append?(
    table: { catalog?: string; schema?: string; name: string },
    columns: readonly string[],
    rows: readonly (readonly AppendValue[])[],
  ): Promise<void>;
}

/**
 * A query's rows kept in a temporary table, read back a page at a time (see
 * SqlSession.materialize). `close` drops them; closing the session drops any left.
 */
export interface MaterializedRows {
  pages(size: number): AsyncIterable<Row[]>;
  close(): Promise<void>;
}

/** A connection held until closed, for state that lives as long as a session (advisory locks). */
export interface DedicatedConnection extends SqlRunner {
  close(): Promise<void>;
}

/**
 * SQL on the warehouse's own connection (one DuckDB instance per file and process, one pg pool),
 * for dbt-spoke's state tables and for planning inside the warehouse.
 */
export interface SqlSession extends SqlRunner {
  readonly dialect: WarehouseType;
  /** Streams a query's rows in batches through a cursor, never holding the whole result. */
  stream(sql: string, params: readonly SqlParam[], batchSize: number): AsyncIterable<Row[]>;
  /**
   * DuckDB only: runs the query into a temporary table, to be read back in pages that are each
   * a statement of their own, so reading holds no transaction open between pages (a stream
   * holds one until its last row).
   */
  materialize?(sql: string, params: readonly SqlParam[]): Promise<MaterializedRows>;
  /** DuckDB under a memory limit: a materialised result spills to disk instead of taking memory. */
  readonly boundedMemory?: boolean;
  /** Runs `work` in one transaction on one connection: committed when it resolves, else rolled back. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** A connection of its own, outside the pool, so holding it never starves other queries. */
  dedicated(): Promise<DedicatedConnection>;
  /** The relation as SQL, qualified the way readRows reads it. */
  relationSql(relation: Relation): string;
}

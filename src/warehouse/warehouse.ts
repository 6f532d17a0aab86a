import type { SqlSession } from './sql-session.js';

/** Where dbt built a model. */
export interface Relation {
  database: string | null;
  schema: string;
  identifier: string;
}

export type WarehouseType = 'postgres' | 'redshift' | 'duckdb';

export interface PostgresConnection {
  type: 'postgres' | 'redshift';
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  schema: string;
  sslmode?: string;
  connectTimeoutSeconds?: number;
}

export interface DuckdbConnection {
  type: 'duckdb';
  /** Absolute path of the database file, or `:memory:`. */
  path: string;
  database?: string;
  schema: string;
}

export type WarehouseConnection = PostgresConnection | DuckdbConnection;

export interface ColumnInfo {
  name: string;
  type: string;
}

/** A row as dbt-spoke sees it: JSON-friendly values (strings, numbers, booleans, null). */
export type Row = Record<string, string | number | boolean | null>;

export interface Warehouse {
  readonly type: WarehouseType;
  /** Columns of a relation in declaration order; throws SPOKE_WAREHOUSE naming it when missing. */
  columns(relation: Relation): Promise<ColumnInfo[]>;
  /**
   * Streams the named columns of a relation in batches, never holding the whole table. Values
   * are converted as docs/values.md says: numbers in plain decimal notation (as text when a
   * number cannot hold them exactly), ISO-8601 dates and UTC timestamps, nested values as
   * compact JSON text.
   */
  readRows(relation: Relation, columns: string[], batchSize: number): AsyncIterable<Row[]>;
  /** SQL on this warehouse's connection, shared with the state store (same DuckDB instance, same pool). */
  readonly sql: SqlSession;
  /**
   * Runs `work` (a few large statements, nothing else at the same time) on every core where the
   * warehouse otherwise keeps to fewer: planning, between a run's small state statements.
   */
  withAllThreads?<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

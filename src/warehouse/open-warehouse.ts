import { DuckdbWarehouse } from './duckdb.js';
import { PostgresWarehouse } from './postgres.js';
import type { Warehouse, WarehouseConnection } from './warehouse.js';

export interface OpenOptions {
  /**
   * Refuse every write at the connection: DuckDB opens the file read-only (its bytes stay as
   * they are), PostgreSQL sessions start with `default_transaction_read_only`.
   */
  readOnly?: boolean;
}

/** Connects to the warehouse dbt built into; throws SPOKE_WAREHOUSE when it cannot. */
export async function openWarehouse(
  connection: WarehouseConnection,
  options: OpenOptions = {},
): Promise<Warehouse> {
  return connection.type === 'duckdb'
    ? DuckdbWarehouse.open(connection, options)
    : PostgresWarehouse.open(connection, options);
}

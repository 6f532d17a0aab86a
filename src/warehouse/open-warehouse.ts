import type { Warehouse, WarehouseConnection } from './warehouse.js';

export interface OpenOptions {
  /**
   * Refuse every write at the connection: DuckDB opens the file read-only (its bytes stay as
   * they are), PostgreSQL sessions start with `default_transaction_read_only`.
   */
  readOnly?: boolean;
}

/**
 * Connects to the warehouse dbt built into; throws SPOKE_WAREHOUSE when it cannot. Only the
 * driver the target uses is loaded.
 */
export async function openWarehouse(
  connection: WarehouseConnection,
  options: OpenOptions = {},
): Promise<Warehouse> {
  if (connection.type === 'duckdb') {
    return (await import('./duckdb.js')).DuckdbWarehouse.open(connection, options);
  }
  return (await import('./postgres.js')).PostgresWarehouse.open(connection, options);
}

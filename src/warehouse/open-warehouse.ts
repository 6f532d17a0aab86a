import type { Warehouse, WarehouseConnection } from './warehouse.js';

/**
 * Connects to the warehouse dbt built into; throws SPOKE_WAREHOUSE when it cannot. Only the
 * driver the target uses is loaded.
 */
export async function openWarehouse(connection: WarehouseConnection): Promise<Warehouse> {
  if (connection.type === 'duckdb') return (await import('./duckdb.js')).DuckdbWarehouse.open(connection);
  return (await import('./postgres.js')).PostgresWarehouse.open(connection);
}

import { DuckdbWarehouse } from './duckdb.js';
import { PostgresWarehouse } from './postgres.js';
import type { Warehouse, WarehouseConnection } from './warehouse.js';

/** Connects to the warehouse dbt built into; throws SPOKE_WAREHOUSE when it cannot. */
export async function openWarehouse(connection: WarehouseConnection): Promise<Warehouse> {
  return connection.type === 'duckdb' ? DuckdbWarehouse.open(connection) : PostgresWarehouse.open(connection);
}

import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Warehouse, WarehouseConnection } from '../warehouse/warehouse.js';
import type { StateStore } from './state-store.js';
import { type StateStoreOptions, WarehouseStateStore } from './warehouse-state-store.js';

export type { StateStoreOptions };

/**
 * The state store in the warehouse. Given an open Warehouse it shares its connection (a DuckDB
 * file admits one instance per process, and the model and state live in the same file) and
 * leaves closing it to the caller; given a connection it opens one and closes it with the store.
 * Call `migrate()` before anything else.
 */
export async function openStateStore(
  warehouse: Warehouse | WarehouseConnection,
  options: StateStoreOptions,
): Promise<StateStore> {
  if ('sql' in warehouse) return new WarehouseStateStore(warehouse, options);
  const owned = await openWarehouse(warehouse);
  return new WarehouseStateStore(owned, options, () => owned.close());
}

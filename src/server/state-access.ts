import pLimit from 'p-limit';
import { openStateStore } from '../state/open-state-store.js';
import type { StateStore } from '../state/state-store.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Warehouse, WarehouseConnection } from '../warehouse/warehouse.js';

export interface StateHandle {
  warehouse: Warehouse;
  state: StateStore;
}

/**
 * How the server reaches the warehouse between runs. PostgreSQL: one pool kept open and shared
 * by requests, the queue worker and metrics. DuckDB admits one process per file (and dbt must
 * be able to write it between runs), and one instance per file in this process: the file is
 * opened per use and every use, runs included, takes turns.
 */
export interface StateAccess {
  /** False for DuckDB: a use waits for the run in progress, and no other process can share the file. */
  readonly concurrent: boolean;
  use<T>(work: (handle: StateHandle) => Promise<T>): Promise<T>;
  /** Runs `work` (a sync run, which opens the warehouse itself) when no other use holds the file. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function stateAccess(connection: WarehouseConnection, schema: string): StateAccess {
  return connection.type === 'duckdb' ? turnTaking(connection, schema) : sharedPool(connection, schema);
}

function sharedPool(connection: WarehouseConnection, schema: string): StateAccess {
  let opened: Promise<StateHandle> | null = null;
  const open = () => {
    opened ??= (async () => {
      const warehouse = await openWarehouse(connection);
      const state = await openStateStore(warehouse, { schema });
      return { warehouse, state };
    })().catch((error: unknown) => {
      opened = null;
      throw error;
    });
    return opened;
  };
  return {
    concurrent: true,
    use: async (work) => work(await open()),
    exclusive: (work) => work(),
    close: async () => {
      const handle = await opened?.catch(() => null);
      opened = null;
      await handle?.state.close();
      await handle?.warehouse.close();
    },
  };
}

function turnTaking(connection: WarehouseConnection, schema: string): StateAccess {
  const turn = pLimit(1);
  return {
    concurrent: false,
    use: (work) =>
      turn(async () => {
        const warehouse = await openWarehouse(connection);
        try {
          const state = await openStateStore(warehouse, { schema });
          return await work({ warehouse, state });
        } finally {
          await warehouse.close();
        }
      }),
    exclusive: (work) => turn(work),
    close: async () => {},
  };
}

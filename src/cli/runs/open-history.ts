import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadSpokeConfig } from '../../config/load-spoke-config.js';
import { resolveWarehouse } from '../../dbt/profiles.js';
import { SpokeError } from '../../errors.js';
import { noRunHistory, openRunHistory, type RunHistory } from '../../state/history/run-history.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import type { WarehouseConnection } from '../../warehouse/warehouse.js';
import type { CommonOptions } from '../common-options.js';

export interface HistoryPlace {
  /** The state schema from spoke.yml. */
  schema: string;
  target: string;
}

/**
 * The run history of the project's warehouse (the dbt target's, as a sync would use it), read
 * without dbt's artifacts: a project whose dbt never ran, or whose DuckDB file does not exist
 * yet, simply has no history. The warehouse is closed when `work` is done.
 */
export async function withRunHistory<T>(
  common: CommonOptions,
  work: (history: RunHistory, place: HistoryPlace) => Promise<T>,
): Promise<T> {
  const projectDir = resolve(common.projectDir);
  const warehouse = await resolveWarehouse({
    projectDir,
    ...(common.profilesDir ? { profilesDir: common.profilesDir } : {}),
    ...(common.target ? { target: common.target } : {}),
  });
  // Also registers the destinations' credentials, so output masks them.
  const config = await loadSpokeConfig({ projectDir, target: warehouse.target });
  const place = { schema: config.state.schema, target: warehouse.target };
  if (!(await mayHoldState(warehouse.connection))) return work(noRunHistory(), place);
  const opened = await openWarehouse(warehouse.connection).catch((error: unknown) => {
    throw busyWhileSyncing(error);
  });
  try {
    return await work(await openRunHistory(opened.sql, place.schema), place);
  } finally {
    await opened.close();
  }
}

async function mayHoldState(connection: WarehouseConnection): Promise<boolean> {
  if (connection.type !== 'duckdb' || connection.path === ':memory:') return true;
  return access(connection.path).then(
    () => true,
    () => false,
  );
}

/** DuckDB admits one process per file: while a sync or dbt holds it, there is nothing to wait on here. */
function busyWhileSyncing(error: unknown): unknown {
  if (!(error instanceof SpokeError) || error.code !== 'SPOKE_WAREHOUSE_BUSY') return error;
  return new SpokeError(
    'SPOKE_WAREHOUSE_BUSY',
    `${error.message.split('. ')[0]}. A DuckDB file admits one process at a time, so the run history can be read once the process holding it (a running spoke sync or dbt?) ends; run spoke runs again then.`,
  );
}

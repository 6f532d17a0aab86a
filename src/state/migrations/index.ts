import type { WarehouseType } from '../../warehouse/warehouse.js';
import { initialDuckdb } from './001-initial.duckdb.js';
import { initialPostgres } from './001-initial.postgres.js';
import { initialRedshift } from './001-initial.redshift.js';
import { inFlightMigration } from './002-in-flight.js';
import { alertsMigration } from './003-alerts.js';
import { syncQueueMigration } from './004-sync-queue.js';
import { recordLogPagingMigration } from './005-record-log-paging.js';
import { stateKeyIdsMigration } from './006-state-key-ids.js';
import type { Migration } from './migration.js';

export type { Migration };

const MIGRATIONS: Record<WarehouseType, Migration[]> = {
  postgres: [
    initialPostgres,
    inFlightMigration('postgres'),
    alertsMigration('postgres'),
    syncQueueMigration('postgres'),
    recordLogPagingMigration('postgres'),
    stateKeyIdsMigration('postgres'),
  ],
  duckdb: [
    initialDuckdb,
    inFlightMigration('duckdb'),
    alertsMigration('duckdb'),
    syncQueueMigration('duckdb'),
    recordLogPagingMigration('duckdb'),
    stateKeyIdsMigration('duckdb'),
  ],
  redshift: [
    initialRedshift,
    inFlightMigration('redshift'),
    alertsMigration('redshift'),
    syncQueueMigration('redshift'),
    recordLogPagingMigration('redshift'),
    stateKeyIdsMigration('redshift'),
  ],
};

/** Every migration of a dialect, oldest first. */
export function migrationsFor(dialect: WarehouseType): Migration[] {
  return [...MIGRATIONS[dialect]].sort((a, b) => a.version - b.version);
}

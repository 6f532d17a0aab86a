import type { WarehouseType } from '../../warehouse/warehouse.js';
import type { Migration } from './migration.js';

/**
 * The queue the dbt macro `spoke.enqueue(results)` fills, with what a worker needs to claim an
 * entry for a while: `lease_expires_at` (a worker that stops renewing it has died, and another
 * takes the entry over), how often it was claimed, the run that synced it and why it failed.
 * The table is the macro's (created here with the same columns when dbt-spoke runs first);
 * the lease columns are dbt-spoke's own, added here either way.
 */
export function syncQueueMigration(dialect: WarehouseType): Migration {
  const text = dialect === 'redshift' ? 'VARCHAR(65535)' : dialect === 'duckdb' ? 'VARCHAR' : 'text';
  const id = dialect === 'redshift' ? 'VARCHAR(1024)' : text;
  const small = dialect === 'redshift' ? 'VARCHAR(256)' : text;
  // Redshift's TIMESTAMPTZ by its standard name, as the macro's table has it.
  const timestamp = 'TIMESTAMP WITH TIME ZONE';
  const lease = [
    `lease_expires_at ${timestamp}`,
    'attempts BIGINT DEFAULT 0',
    `run_id ${small}`,
    `error ${text}`,
  ];
  return {
    version: 4,
    name: 'sync_queue',
    statements: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t('sync_queue')} (
        id ${id} NOT NULL PRIMARY KEY,
        invocation_id ${small} NOT NULL,
        unique_id ${id} NOT NULL,
        model ${id} NOT NULL,
        relation_name ${id},
        spoke_config ${text} NOT NULL,
        dbt_target ${small},
        enqueued_at ${timestamp} NOT NULL,
        status ${small} NOT NULL,
        claimed_at ${timestamp},
        claimed_by ${small},
        finished_at ${timestamp}
      )`,
      // The macro's table never has these; IF NOT EXISTS only guards a rerun by hand (Redshift lacks it).
      ...lease.map(
        (column) =>
          `ALTER TABLE ${t('sync_queue')} ADD COLUMN ${dialect === 'redshift' ? '' : 'IF NOT EXISTS '}${column}`,
      ),
    ],
  };
}

import type { WarehouseType } from '../../warehouse/warehouse.js';
import type { Migration } from './migration.js';

/**
 * PostgreSQL: the record log is read a run at a time in (sync, key, operation, attempt) order,
 * one keyset page after another (`spoke runs records`, `GET /v1/runs/{id}/records`). An index
 * in exactly that order, run first, lets a page seek to its cursor and stop after one page; the
 * initial (sync_id, record_key) index left every page of a sync's log sorting the whole run
 * (1.3 s per 500-row page over 1M rows, measured by `npm run bench`). It replaces that index,
 * whose every use it covers, so a sync still maintains one index on record_log.
 * DuckDB and Redshift page by scanning (their indexes serve equality lookups, not ordered
 * reads), so for them the version is recorded with nothing to do.
 */
export function recordLogPagingMigration(dialect: WarehouseType): Migration {
  return {
    version: 5,
    name: 'record_log_paging',
    statements: (t) => {
      if (dialect !== 'postgres') return [];
      const table = t('record_log');
      // The initial index was created unnamed, so PostgreSQL named it after its table and columns.
      const initial = table.replace(/"record_log"$/, '"record_log_sync_id_record_key_idx"');
      return [
        `CREATE INDEX record_log_run_order ON ${table} (run_id, sync_id, record_key, operation, attempt)`,
        `DROP INDEX IF EXISTS ${initial}`,
      ];
    },
  };
}

import type { WarehouseType } from '../../warehouse/warehouse.js';
import type { Migration } from './migration.js';

/**
 * Codes that earlier versions remembered as permanent failures although the destination never
 * judged the record (a whole call failed, a quota ran out, an answer was unreadable). Those rows
 * were skipped as "failed before" on every later run; forgetting them resends each once.
 */
const NOT_A_VERDICT = [
  'SALESFORCE_ERROR',
  'UNEXPECTED_RESPONSE',
  'NO_RESULT',
  'CLIENT_ERROR',
  'DAILY_LIMIT_REACHED',
  'REQUEST_LIMIT_EXCEEDED',
  'INVALID_AUTHENTICATION',
  'MISSING_SCOPES',
];

/**
 * - `in_flight`: what was sent and not yet answered, committed before sending, so an answer lost
 *   to a crash or a dropped connection leaves a trace and the record is resent.
 * - `id_ledger.created_by`: the sync that created the record; mirror deletes only those.
 * - `runs.error`: why a run stopped before or while syncing; `locks.run_id`: which run holds a lock.
 * - `failures.run_id`: the run that recorded the failure; `sync_runs.still_failing`: rows that
 *   failed before, did not change, and so were not resent.
 */
export function inFlightMigration(dialect: WarehouseType): Migration {
  const text = dialect === 'redshift' ? 'VARCHAR(65535)' : dialect === 'duckdb' ? 'VARCHAR' : 'text';
  const key = dialect === 'redshift' ? 'VARCHAR(1024)' : text;
  const id = dialect === 'redshift' ? 'VARCHAR(512)' : text;
  const small = dialect === 'redshift' ? 'VARCHAR(32)' : text;
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'TIMESTAMP';
  const codes = NOT_A_VERDICT.map((code) => `'${code}'`).join(', ');
  return {
    version: 2,
    name: 'in_flight',
    statements: (t) => [
      `CREATE TABLE ${t('in_flight')} (
        sync_id ${id} NOT NULL,
        record_key ${key} NOT NULL,
        operation ${small} NOT NULL,
        row_hash ${small},
        run_id ${dialect === 'redshift' ? 'VARCHAR(256)' : text} NOT NULL,
        sent_at ${timestamp} NOT NULL,
        PRIMARY KEY (sync_id, record_key)
      )`,
      `ALTER TABLE ${t('id_ledger')} ADD COLUMN created_by ${id}`,
      // Before this version every ledger row was treated as the sync's own.
      `UPDATE ${t('id_ledger')} SET created_by = sync_id`,
      `ALTER TABLE ${t('runs')} ADD COLUMN error ${text}`,
      `ALTER TABLE ${t('locks')} ADD COLUMN run_id ${dialect === 'redshift' ? 'VARCHAR(256)' : text}`,
      `ALTER TABLE ${t('failures')} ADD COLUMN run_id ${dialect === 'redshift' ? 'VARCHAR(256)' : text}`,
      `ALTER TABLE ${t('sync_runs')} ADD COLUMN still_failing BIGINT DEFAULT 0`,
      `DELETE FROM ${t('failures')} WHERE error_code IN (${codes}) OR error_code LIKE 'ERROR_HTTP_%'`,
    ],
  };
}

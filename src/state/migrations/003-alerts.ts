import type { WarehouseType } from '../../warehouse/warehouse.js';
import type { Migration } from './migration.js';

/**
 * Alert state kept with the run history: each sync's health (`alert_state`), the messages its
 * changes of health produced (`alert_outbox`) and their delivery per channel
 * (`alert_deliveries`). A run's end and the transitions it causes commit together, so a crash
 * never sends an alert twice for one change nor loses one.
 */
export function alertsMigration(dialect: WarehouseType): Migration {
  const text = dialect === 'redshift' ? 'VARCHAR(65535)' : dialect === 'duckdb' ? 'VARCHAR' : 'text';
  const id = dialect === 'redshift' ? 'VARCHAR(512)' : text;
  const small = dialect === 'redshift' ? 'VARCHAR(32)' : text;
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'TIMESTAMP';
  return {
    version: 3,
    name: 'alerts',
    statements: (t) => [
      `CREATE TABLE ${t('alert_state')} (
        sync_id ${id} NOT NULL,
        health ${small} NOT NULL,
        since ${timestamp} NOT NULL,
        failing_runs BIGINT NOT NULL DEFAULT 0,
        healthy_runs BIGINT NOT NULL DEFAULT 0,
        last_run_id ${id},
        last_observed_at ${timestamp} NOT NULL,
        last_success_at ${timestamp},
        last_message_id ${id},
        PRIMARY KEY (sync_id)
      )`,
      `CREATE TABLE ${t('alert_outbox')} (
        message_id ${id} NOT NULL,
        kind ${small} NOT NULL,
        run_id ${id},
        created_at ${timestamp} NOT NULL,
        payload ${text} NOT NULL,
        PRIMARY KEY (message_id)
      )`,
      `CREATE TABLE ${t('alert_deliveries')} (
        message_id ${id} NOT NULL,
        channel ${id} NOT NULL,
        sync_ids ${text} NOT NULL,
        status ${small} NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_attempt_at ${timestamp} NOT NULL,
        last_attempt_at ${timestamp},
        delivered_at ${timestamp},
        last_error ${text},
        PRIMARY KEY (message_id, channel)
      )`,
    ],
  };
}

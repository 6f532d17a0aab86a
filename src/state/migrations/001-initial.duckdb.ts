import type { Migration } from './migration.js';

/** Timestamps are UTC in TIMESTAMP columns: TIMESTAMPTZ would need DuckDB's ICU extension. */
export const initialDuckdb: Migration = {
  version: 1,
  name: 'initial',
  statements: (t) => [
    `CREATE TABLE ${t('runs')} (
      run_id VARCHAR PRIMARY KEY,
      target VARCHAR NOT NULL,
      invocation_id VARCHAR,
      command VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      started_at TIMESTAMP NOT NULL,
      finished_at TIMESTAMP
    )`,
    `CREATE TABLE ${t('sync_runs')} (
      run_id VARCHAR NOT NULL,
      sync_id VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      attempted BIGINT NOT NULL DEFAULT 0,
      created BIGINT NOT NULL DEFAULT 0,
      updated BIGINT NOT NULL DEFAULT 0,
      deleted BIGINT NOT NULL DEFAULT 0,
      failed BIGINT NOT NULL DEFAULT 0,
      invalid BIGINT NOT NULL DEFAULT 0,
      skipped BIGINT NOT NULL DEFAULT 0,
      unchanged BIGINT NOT NULL DEFAULT 0,
      error VARCHAR,
      started_at TIMESTAMP NOT NULL,
      finished_at TIMESTAMP,
      PRIMARY KEY (run_id, sync_id)
    )`,
    `CREATE TABLE ${t('record_log')} (
      run_id VARCHAR NOT NULL,
      sync_id VARCHAR NOT NULL,
      record_key VARCHAR NOT NULL,
      operation VARCHAR NOT NULL,
      attempt INTEGER NOT NULL,
      status VARCHAR NOT NULL,
      destination_id VARCHAR,
      error_code VARCHAR,
      error_message VARCHAR,
      transient BOOLEAN,
      logged_at TIMESTAMP NOT NULL
    )`,
    `CREATE TABLE ${t('snapshot')} (
      sync_id VARCHAR NOT NULL,
      record_key VARCHAR NOT NULL,
      row_hash VARCHAR NOT NULL,
      row_values VARCHAR NOT NULL,
      destination_id VARCHAR,
      synced_at TIMESTAMP NOT NULL,
      PRIMARY KEY (sync_id, record_key)
    )`,
    `CREATE TABLE ${t('failures')} (
      sync_id VARCHAR NOT NULL,
      record_key VARCHAR NOT NULL,
      row_hash VARCHAR,
      error_code VARCHAR NOT NULL,
      error_message VARCHAR,
      failed_at TIMESTAMP NOT NULL,
      PRIMARY KEY (sync_id, record_key)
    )`,
    `CREATE TABLE ${t('id_ledger')} (
      destination VARCHAR NOT NULL,
      object VARCHAR NOT NULL,
      record_key VARCHAR NOT NULL,
      destination_id VARCHAR NOT NULL,
      sync_id VARCHAR NOT NULL,
      updated_at TIMESTAMP NOT NULL,
      PRIMARY KEY (destination, object, record_key)
    )`,
    `CREATE TABLE ${t('locks')} (
      sync_id VARCHAR PRIMARY KEY,
      owner VARCHAR NOT NULL,
      acquired_at TIMESTAMP NOT NULL,
      heartbeat_at TIMESTAMP NOT NULL
    )`,
  ],
};

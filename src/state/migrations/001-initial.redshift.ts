import type { Migration } from './migration.js';

/**
 * Redshift types only. Its primary keys are declarations the planner trusts but never enforces,
 * so writes keep them true themselves (DELETE then INSERT in one transaction). Timestamps are UTC.
 */
export const initialRedshift: Migration = {
  version: 1,
  name: 'initial',
  statements: (t) => [
    `CREATE TABLE ${t('runs')} (
      run_id VARCHAR(256) NOT NULL,
      target VARCHAR(256) NOT NULL,
      invocation_id VARCHAR(256),
      command VARCHAR(256) NOT NULL,
      status VARCHAR(32) NOT NULL,
      started_at TIMESTAMP NOT NULL,
      finished_at TIMESTAMP,
      PRIMARY KEY (run_id)
    )`,
    `CREATE TABLE ${t('sync_runs')} (
      run_id VARCHAR(256) NOT NULL,
      sync_id VARCHAR(512) NOT NULL,
      status VARCHAR(32) NOT NULL,
      attempted BIGINT NOT NULL DEFAULT 0,
      created BIGINT NOT NULL DEFAULT 0,
      updated BIGINT NOT NULL DEFAULT 0,
      deleted BIGINT NOT NULL DEFAULT 0,
      failed BIGINT NOT NULL DEFAULT 0,
      invalid BIGINT NOT NULL DEFAULT 0,
      skipped BIGINT NOT NULL DEFAULT 0,
      unchanged BIGINT NOT NULL DEFAULT 0,
      error VARCHAR(65535),
      started_at TIMESTAMP NOT NULL,
      finished_at TIMESTAMP,
      PRIMARY KEY (run_id, sync_id)
    )`,
    `CREATE TABLE ${t('record_log')} (
      run_id VARCHAR(256) NOT NULL,
      sync_id VARCHAR(512) NOT NULL,
      record_key VARCHAR(1024) NOT NULL,
      operation VARCHAR(16) NOT NULL,
      attempt INTEGER NOT NULL,
      status VARCHAR(16) NOT NULL,
      destination_id VARCHAR(256),
      error_code VARCHAR(256),
      error_message VARCHAR(65535),
      transient BOOLEAN,
      logged_at TIMESTAMP NOT NULL
    )`,
    `CREATE TABLE ${t('snapshot')} (
      sync_id VARCHAR(512) NOT NULL,
      record_key VARCHAR(1024) NOT NULL,
      row_hash VARCHAR(32) NOT NULL,
      row_values VARCHAR(65535) NOT NULL,
      destination_id VARCHAR(256),
      synced_at TIMESTAMP NOT NULL,
      PRIMARY KEY (sync_id, record_key)
    )`,
    `CREATE TABLE ${t('failures')} (
      sync_id VARCHAR(512) NOT NULL,
      record_key VARCHAR(1024) NOT NULL,
      row_hash VARCHAR(32),
      error_code VARCHAR(256) NOT NULL,
      error_message VARCHAR(65535),
      failed_at TIMESTAMP NOT NULL,
      PRIMARY KEY (sync_id, record_key)
    )`,
    `CREATE TABLE ${t('id_ledger')} (
      destination VARCHAR(256) NOT NULL,
      object VARCHAR(256) NOT NULL,
      record_key VARCHAR(1024) NOT NULL,
      destination_id VARCHAR(256) NOT NULL,
      sync_id VARCHAR(512) NOT NULL,
      updated_at TIMESTAMP NOT NULL,
      PRIMARY KEY (destination, object, record_key)
    )`,
    `CREATE TABLE ${t('locks')} (
      sync_id VARCHAR(512) NOT NULL,
      owner VARCHAR(512) NOT NULL,
      acquired_at TIMESTAMP NOT NULL,
      heartbeat_at TIMESTAMP NOT NULL,
      PRIMARY KEY (sync_id)
    )`,
  ],
};

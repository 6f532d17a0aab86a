import type { Migration } from './migration.js';

export const initialPostgres: Migration = {
  version: 1,
  name: 'initial',
  statements: (t) => [
    `CREATE TABLE ${t('runs')} (
      run_id text PRIMARY KEY,
      target text NOT NULL,
      invocation_id text,
      command text NOT NULL,
      status text NOT NULL,
      started_at timestamptz NOT NULL,
      finished_at timestamptz
    )`,
    `CREATE TABLE ${t('sync_runs')} (
      run_id text NOT NULL,
      sync_id text NOT NULL,
      status text NOT NULL,
      attempted bigint NOT NULL DEFAULT 0,
      created bigint NOT NULL DEFAULT 0,
      updated bigint NOT NULL DEFAULT 0,
      deleted bigint NOT NULL DEFAULT 0,
      failed bigint NOT NULL DEFAULT 0,
      invalid bigint NOT NULL DEFAULT 0,
      skipped bigint NOT NULL DEFAULT 0,
      unchanged bigint NOT NULL DEFAULT 0,
      error text,
      started_at timestamptz NOT NULL,
      finished_at timestamptz,
      PRIMARY KEY (run_id, sync_id)
    )`,
    `CREATE TABLE ${t('record_log')} (
      run_id text NOT NULL,
      sync_id text NOT NULL,
      record_key text NOT NULL,
      operation text NOT NULL,
      attempt integer NOT NULL,
      status text NOT NULL,
      destination_id text,
      error_code text,
      error_message text,
      transient boolean,
      logged_at timestamptz NOT NULL
    )`,
    `CREATE INDEX ON ${t('record_log')} (sync_id, record_key)`,
    `CREATE TABLE ${t('snapshot')} (
      sync_id text NOT NULL,
      record_key text NOT NULL,
      row_hash text NOT NULL,
      row_values text NOT NULL,
      destination_id text,
      synced_at timestamptz NOT NULL,
      PRIMARY KEY (sync_id, record_key)
    )`,
    `CREATE TABLE ${t('failures')} (
      sync_id text NOT NULL,
      record_key text NOT NULL,
      row_hash text,
      error_code text NOT NULL,
      error_message text,
      failed_at timestamptz NOT NULL,
      PRIMARY KEY (sync_id, record_key)
    )`,
    `CREATE TABLE ${t('id_ledger')} (
      destination text NOT NULL,
      object text NOT NULL,
      record_key text NOT NULL,
      destination_id text NOT NULL,
      sync_id text NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (destination, object, record_key)
    )`,
    `CREATE TABLE ${t('locks')} (
      sync_id text PRIMARY KEY,
      owner text NOT NULL,
      acquired_at timestamptz NOT NULL,
      heartbeat_at timestamptz NOT NULL
    )`,
  ],
};

import type { WarehouseType } from '../../warehouse/warehouse.js';
import { KEY_ID_COLUMNS, keyIdSql } from '../state-key-id.js';
import type { StateTable } from '../state-tables.js';
import type { Migration } from './migration.js';

/** The two tables' columns at version 5, in order (DuckDB types). */
const COLUMNS: Record<'snapshot' | 'id_ledger', readonly string[]> = {
  snapshot: [
    'sync_id VARCHAR NOT NULL',
    'record_key VARCHAR NOT NULL',
    'row_hash VARCHAR NOT NULL',
    'row_values VARCHAR NOT NULL',
    'destination_id VARCHAR',
    'synced_at TIMESTAMP NOT NULL',
  ],
  id_ledger: [
    'destination VARCHAR NOT NULL',
    'object VARCHAR NOT NULL',
    'record_key VARCHAR NOT NULL',
    'destination_id VARCHAR NOT NULL',
    'sync_id VARCHAR NOT NULL',
    'updated_at TIMESTAMP NOT NULL',
    'created_by VARCHAR',
  ],
};

/**
 * DuckDB: the snapshot and the id ledger get their primary key on `key_id` (see state-key-id.ts)
 * instead of their key columns. DuckDB cannot change a table's primary key, so each table is
 * rebuilt, in the migration's transaction: its rows are copied once with their `key_id`.
 * PostgreSQL and Redshift record the version with nothing to do.
 */
export function stateKeyIdsMigration(dialect: WarehouseType): Migration {
  return {
    version: 6,
    name: 'state_key_ids',
    statements: (t) => {
      if (dialect !== 'duckdb') return [];
      return (['snapshot', 'id_ledger'] as const).flatMap((name) => rebuild(t, name));
    },
  };
}

function rebuild(t: (name: StateTable) => string, name: 'snapshot' | 'id_ledger'): string[] {
  const table = t(name);
  const rebuilt = table.replace(new RegExp(`"${name}"$`), `"${name}_rekeyed"`);
  const columns = COLUMNS[name].map((column) => column.split(' ')[0]!);
  return [
    `CREATE TABLE ${rebuilt} (${[...COLUMNS[name], 'key_id UHUGEINT NOT NULL PRIMARY KEY'].join(', ')})`,
    `INSERT INTO ${rebuilt} (${columns.join(', ')}, key_id)
      SELECT ${columns.join(', ')}, ${keyIdSql(KEY_ID_COLUMNS[name]!)} FROM ${table}`,
    `DROP TABLE ${table}`,
    `ALTER TABLE ${rebuilt} RENAME TO "${name}"`,
  ];
}

import type { WarehouseType } from '../warehouse/warehouse.js';
import type { StateTable } from './state-tables.js';

/**
 * DuckDB: the snapshot and the id ledger are keyed by `key_id`, a 128-bit number hashed from
 * their key columns, instead of the key columns themselves. DuckDB joins an upsert's rows with
 * the table (a scan its zone maps prune) and keeps a key index, and both cost more with long
 * string keys, which real keys (UUIDs, emails) are: an upsert of 317 rows into a 1M-row
 * snapshot took 16.6 ms keyed by 31-character strings and 6 ms keyed by `key_id`.
 * PostgreSQL's and Redshift's keys stay as they are.
 */
export const KEY_ID_COLUMNS: Partial<Record<StateTable, readonly string[]>> = {
  snapshot: ['sync_id', 'record_key'],
  id_ledger: ['destination', 'object', 'record_key'],
};

/** The key columns a table's `key_id` is computed from, or null where the table has none. */
export function keyIdColumns(dialect: WarehouseType, table: StateTable): readonly string[] | null {
  return dialect === 'duckdb' ? (KEY_ID_COLUMNS[table] ?? null) : null;
}

/**
 * The `key_id` of a row, over its key columns as SQL expressions: the first 128 bits of the
 * SHA-256 of the columns joined by NUL (no sync id, destination or object name holds one, so
 * different keys never join into the same text). Two keys sharing one would share a state row;
 * SHA-256, unlike md5, has no known way to make two such keys.
 */
export function keyIdSql(columns: readonly string[]): string {
  const digest = `sha256(${columns.join(' || chr(0) || ')})`;
  const half = (from: number) => `CAST('0x' || substr(${digest}, ${from}, 16) AS UBIGINT)`;
  return `((CAST(${half(1)} AS UHUGEINT) << 64) | ${half(17)})`;
}

import type { SyncSpec } from '../config/types.js';
import { quoteIdentifier } from '../warehouse/quote.js';
import { hashedValues, literal, rowHashSql, valueTextSql } from './row-hash-sql.js';
import type { StateDialect } from './state-dialect.js';
import type { StateTable } from './state-tables.js';

export interface PlanSqlInput {
  spec: SyncSpec;
  /** The model relation as SQL. */
  relation: string;
  /** Column name → warehouse type, for the columns that need a spelled-out text form. */
  types: ReadonlyMap<string, string>;
  dialect: StateDialect;
  table: (name: StateTable) => string;
  fullRefresh: boolean;
  retryFailed: boolean;
  /** Keys differing only in case count as duplicates (the destination matches them as one). */
  ignoreKeyCase?: boolean;
}

export interface PlanSql {
  /** Model columns in the order their `__spoke_cN` aliases number them. */
  columns: string[];
  /**
   * One row of counts. `$1` is the sync id in every statement. Gone records are `synced_rows`
   * minus `kept_rows` (snapshot keys still in the model), which spares a second pass over the model.
   */
  counts: string;
  /** Rows needing attention: `__spoke_cN`, key, hash, kind and the snapshot's values and id. */
  changes: string;
  /** Records this sync created (id ledger) whose key left the model. */
  deletions: string;
  /**
   * Rows that failed permanently before and did not change: per error code its count and up to
   * `STILL_FAILING_SAMPLES` rows (earliest first) with key, message, when and in which run.
   */
  stillFailing: string;
}

export const STILL_FAILING_SAMPLES = 5;

export const ATTENTION_KINDS = ['new', 'changed', 'uncertain', 'null_key', 'duplicate_key'] as const;

/**
 * The planning statements: the model's rows keyed and hashed in the warehouse, joined to the
 * snapshot, to remembered failures, to what is still in flight and to the id ledger, and
 * classified. Columns are aliased by position because Redshift folds result column names to
 * lower case.
 */
export function planSql(input: PlanSqlInput): PlanSql {
  const { spec, dialect, table } = input;
  const columns = [
    ...new Set([
      spec.key,
      ...spec.fields.map((f) => f.column),
      ...spec.lookups.map((l) => l.column),
      ...spec.associations.map((a) => a.column),
    ]),
  ];
  const keyText = valueTextSql(spec.key, input.types.get(spec.key), dialect);
  const hash = rowHashSql(hashedValues(spec), input.types, dialect);
  const selected = columns.map((column, i) => `${quoteIdentifier(column)} AS __spoke_c${i}`);
  const aliases = columns.map((_, i) => `p.__spoke_c${i}`);

  const snapshotState = `CASE WHEN s.row_hash IS NULL THEN 'new' ELSE 'changed' END`;
  const kind = [
    'CASE',
    `WHEN m.__spoke_key IS NULL OR m.__spoke_key = '' THEN 'null_key'`,
    `WHEN m.__spoke_n > 1 THEN 'duplicate_key'`,
    ...(input.fullRefresh
      ? [`ELSE ${snapshotState}`]
      : [
          // Before the failure check: what was resent after a failure may have been applied.
          `WHEN i.record_key IS NOT NULL THEN 'uncertain'`,
          input.retryFailed
            ? `WHEN f.record_key IS NOT NULL THEN ${snapshotState}`
            : `WHEN f.row_hash = m.__spoke_hash THEN 'failed_unchanged'`,
          `WHEN s.row_hash IS NULL THEN 'new'`,
          `WHEN s.row_hash <> m.__spoke_hash THEN 'changed'`,
          `ELSE 'unchanged'`,
        ]),
    'END',
  ].join(' ');

  // The records this sync created, the source of what mirror may delete.
  const ledger = `${table('id_ledger')} l`;
  const ownLedger = `l.destination = ${literal(spec.destination)} AND l.object = ${literal(spec.object)} AND l.created_by = $1`;

  // What identifies a record in the destination: the key, or the key whatever its case.
  const identity = (key: string) => (input.ignoreKeyCase ? `LOWER(${key})` : key);

  // Duplicates come from a grouping over the keys alone (cheap next to window functions, which
  // sort every row with its values); only the few duplicate keys are joined back. DuckDB reads
  // them from the relation, not `hashed`: a CTE read twice is materialised whole there (every
  // row with its values, 184 MB at 1M rows) and held while the changes stream. PostgreSQL needs
  // that materialisation: a CTE read once is inlined, and each use of the hash in the
  // classification computes it again (planning 100k rows took 1.8 s instead of 0.4 s).
  const keysFrom =
    dialect.type === 'duckdb'
      ? { source: input.relation, key: keyText }
      : { source: 'hashed', key: '__spoke_key' };
  const planned = `WITH hashed AS (
    SELECT ${[...selected, `${keyText} AS __spoke_key`, `${hash} AS __spoke_hash`].join(', ')}
    FROM ${input.relation}
  ), duplicates AS (
    SELECT ${identity(keysFrom.key)} AS __spoke_id FROM ${keysFrom.source}
    WHERE ${keysFrom.key} IS NOT NULL GROUP BY ${identity(keysFrom.key)} HAVING COUNT(*) > 1
  ), model AS (
    SELECT h.*, CASE WHEN d.__spoke_id IS NULL THEN 1 ELSE 2 END AS __spoke_n
    FROM hashed h LEFT JOIN duplicates d ON d.__spoke_id = ${identity('h.__spoke_key')}
  ), planned AS (
    SELECT m.*, ${kind} AS __spoke_kind,
      s.row_hash AS __spoke_prev_hash, s.row_values AS __spoke_prev_values,
      COALESCE(s.destination_id, l.destination_id) AS __spoke_prev_id,
      CASE WHEN l.created_by = $1 THEN 1 ELSE 0 END AS __spoke_own,
      f.error_code AS __spoke_f_code, f.error_message AS __spoke_f_message,
      f.failed_at AS __spoke_f_at, f.run_id AS __spoke_f_run
    FROM model m
    LEFT JOIN ${table('snapshot')} s ON s.sync_id = $1 AND s.record_key = m.__spoke_key
    LEFT JOIN ${table('failures')} f ON f.sync_id = $1 AND f.record_key = m.__spoke_key
    LEFT JOIN ${table('in_flight')} i ON i.sync_id = $1 AND i.record_key = m.__spoke_key
    LEFT JOIN ${ledger} ON l.destination = ${literal(spec.destination)} AND l.object = ${literal(spec.object)}
      AND l.record_key = m.__spoke_key
  )`;

  const count = (k: string) => `COALESCE(SUM(CASE WHEN __spoke_kind = '${k}' THEN 1 ELSE 0 END), 0)`;

  return {
    columns,
    counts: `${planned}
    SELECT COUNT(*) AS total, ${count('new')} AS new_rows, ${count('changed')} AS changed_rows,
      ${count('uncertain')} AS uncertain_rows,
      ${count('unchanged')} AS unchanged_rows, ${count('failed_unchanged')} AS failed_unchanged_rows,
      ${count('null_key')} AS null_key_rows, ${count('duplicate_key')} AS duplicate_key_rows,
      COALESCE(SUM(CASE WHEN __spoke_own = 1 AND __spoke_n = 1 THEN 1 ELSE 0 END), 0)
        + COUNT(DISTINCT CASE WHEN __spoke_own = 1 AND __spoke_n > 1 THEN __spoke_key END) AS kept_rows,
      (SELECT COUNT(*) FROM ${ledger} WHERE ${ownLedger}) AS synced_rows
    FROM planned`,
    changes: `${planned}
    SELECT ${[...aliases, 'p.__spoke_key', 'p.__spoke_hash', 'p.__spoke_kind', 'p.__spoke_prev_hash', 'p.__spoke_prev_values', 'p.__spoke_prev_id'].join(', ')}
    FROM planned p
    WHERE p.__spoke_kind IN (${ATTENTION_KINDS.map((k) => `'${k}'`).join(', ')})`,
    stillFailing: `${planned}, failing AS (
      SELECT __spoke_key, __spoke_f_code, __spoke_f_message, __spoke_f_at, __spoke_f_run,
        ROW_NUMBER() OVER (PARTITION BY __spoke_f_code ORDER BY __spoke_f_at, __spoke_key) AS __spoke_rank,
        COUNT(*) OVER (PARTITION BY __spoke_f_code) AS __spoke_count
      FROM planned WHERE __spoke_kind = 'failed_unchanged'
    )
    SELECT __spoke_key AS record_key, __spoke_f_code AS error_code, __spoke_f_message AS error_message,
      __spoke_f_at AS failed_at, __spoke_f_run AS run_id, __spoke_count AS code_count
    FROM failing WHERE __spoke_rank <= ${STILL_FAILING_SAMPLES}
    ORDER BY __spoke_count DESC, __spoke_f_code, __spoke_rank`,
    deletions: `SELECT l.record_key, l.destination_id, s.row_values
    FROM ${ledger}
    LEFT JOIN ${table('snapshot')} s ON s.sync_id = $1 AND s.record_key = l.record_key
    LEFT JOIN (SELECT DISTINCT ${keyText} AS __spoke_key FROM ${input.relation}) k ON k.__spoke_key = l.record_key
    WHERE ${ownLedger} AND k.__spoke_key IS NULL`,
  };
}

import type { SyncSpec } from '../config/types.js';
import { SpokeError } from '../errors.js';
import { redact } from '../util/redact.js';
import { quoteIdentifier } from '../warehouse/quote.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { planChangeSet } from './plan-change-set.js';
import { stateDialect } from './state-dialect.js';
import type { ChangeSet, PlanOptions, StateStore } from './state-store.js';
import { STATE_COLUMNS, type StateTable } from './state-tables.js';

/** The state tables the planning statements read. */
const PLANNING_TABLES = ['snapshot', 'failures', 'in_flight', 'id_ledger'] as const satisfies StateTable[];

export interface StateReaderOptions {
  /** Schema holding the state tables. */
  schema: string;
  /**
   * Database (DuckDB: attached file) holding that schema when it is not the connection's own,
   * e.g. another dbt target's state read through `--state-target`.
   */
  database?: string | null;
}

/** What `spoke plan` needs of the state: planning only, never a write. */
export type StateReader = Pick<StateStore, 'planChanges'>;

/**
 * Reads the state schema without changing it: no migration, no lock, no run row, no temporary
 * table; only the planning SELECTs that `spoke sync` runs. A state schema or table that does not
 * exist yet (no sync ran, or an older version without it) reads as the empty table a migration
 * would create, so a first plan shows every row as new. A table lacking a column the statements
 * read is refused: only a migration, that is a sync, can bring it up to date.
 */
export async function openStateReader(
  warehouse: Warehouse,
  options: StateReaderOptions,
): Promise<StateReader> {
  const session = warehouse.sql;
  const dialect = stateDialect(session.dialect);
  const where = options.database ? ' AND table_catalog = $2' : '';
  const rows = await session
    .query(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1${where}`,
      options.database ? [options.schema, options.database] : [options.schema],
    )
    .catch((error: unknown) => {
      throw readError(error, `read the columns of state schema "${options.schema}"`, options.schema);
    });
  const present = new Map<string, Set<string>>();
  for (const row of rows) {
    const name = String(row.table_name);
    present.set(name, (present.get(name) ?? new Set()).add(String(row.column_name).toLowerCase()));
  }

  const prefix = options.database ? `${quoteIdentifier(options.database)}.` : '';
  const names = new Map<StateTable, string>();
  for (const name of PLANNING_TABLES) {
    const found = present.get(name);
    if (!found) {
      names.set(name, emptyRelation(name));
      continue;
    }
    const missing = STATE_COLUMNS[name].filter((column) => !found.has(column));
    if (missing.length > 0) {
      throw new SpokeError(
        'SPOKE_STATE',
        `The state table ${options.schema}.${name} lacks column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: ` +
          'it was written by an older dbt-spoke. spoke plan never migrates; run spoke sync once with this version ' +
          '(it migrates the state schema), then plan again.',
      );
    }
    names.set(name, `${prefix}${quoteIdentifier(options.schema)}.${quoteIdentifier(name)}`);
  }
  const table = (name: StateTable) => {
    const sql = names.get(name);
    if (!sql) throw new Error(`state table ${name} is not read when planning`);
    return sql;
  };
  const guard = async <R>(action: string, operation: () => Promise<R>): Promise<R> => {
    try {
      return await operation();
    } catch (error) {
      throw readError(error, action, options.schema);
    }
  };
  return {
    planChanges: (spec: SyncSpec, planOptions: PlanOptions): Promise<ChangeSet> =>
      planChangeSet({ warehouse, dialect, table, guard }, spec, planOptions),
  };
}

/** A table of the state's shape with no rows: what the planning statements see before any sync. */
function emptyRelation(name: StateTable): string {
  const columns = STATE_COLUMNS[name].map((column) => `CAST(NULL AS VARCHAR) AS ${quoteIdentifier(column)}`);
  return `(SELECT ${columns.join(', ')} WHERE 1 = 0)`;
}

function readError(error: unknown, action: string, schema: string): SpokeError {
  if (error instanceof SpokeError) return error;
  const message = redact(error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const permission = (error as { code?: string }).code === '42501' || /permission denied/i.test(message);
  const fix = permission
    ? ` Grant the target's user SELECT on the tables of schema "${schema}" (read access is all spoke plan needs).`
    : '';
  return new SpokeError('SPOKE_WAREHOUSE', `dbt-spoke could not ${action}: ${message}.${fix}`);
}

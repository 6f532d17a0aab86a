import type { SyncSpec } from '../config/types.js';
import type { Row, Warehouse } from '../warehouse/warehouse.js';
import { planSql } from './plan-sql.js';
import { count, text } from './row-values.js';
import type { StateDialect } from './state-dialect.js';
import type { Change, ChangeKind, ChangeSet, Deletion, FailureGroup, PlanOptions } from './state-store.js';
import type { StateTable } from './state-tables.js';

export type Guard = <R>(action: string, operation: () => Promise<R>) => Promise<R>;

export interface PlanSource {
  /** The warehouse holding the model's relation; its connection runs the statements. */
  warehouse: Pick<Warehouse, 'columns' | 'sql'>;
  dialect: StateDialect;
  /** Names each state table as SQL: the table itself, or an empty relation of its shape. */
  table: (name: StateTable) => string;
  /** Turns a driver error into one naming what failed. */
  guard: Guard;
  /**
   * The plan's caller will update state rows while it reads the changes (a sync, not `spoke
   * plan`): DuckDB then reads them from a materialised copy (see SqlSession.materialize).
   */
  writesWhileReading?: boolean;
}

/**
 * Plans one sync with the planning statements (plan-sql.ts): counts now, rows streamed on
 * demand. SELECTs only, so `spoke sync` and the read-only `spoke plan` share it; which state
 * tables it reads is the caller's `table`.
 */
export async function planChangeSet(
  source: PlanSource,
  spec: SyncSpec,
  options: PlanOptions,
): Promise<ChangeSet> {
  const { warehouse, guard } = source;
  const session = warehouse.sql;
  const columns = await warehouse.columns(spec.relation);
  const sql = planSql({
    spec,
    relation: session.relationSql(spec.relation),
    types: new Map(columns.map((c) => [c.name, c.type])),
    dialect: source.dialect,
    table: source.table,
    fullRefresh: options.fullRefresh,
    retryFailed: options.retryFailed,
    ignoreKeyCase: options.ignoreKeyCase ?? false,
  });
  const params = [spec.id];
  const action = `plan sync ${spec.id} over ${spec.model}`;
  const reading = `read the planned changes of sync ${spec.id} from ${spec.model}`;
  const [row = {}] = await guard(action, () => session.query(sql.counts, params));
  const counts: ChangeSet['counts'] = {
    total: count(row.total),
    new: count(row.new_rows),
    changed: count(row.changed_rows),
    uncertain: count(row.uncertain_rows),
    unchanged: count(row.unchanged_rows),
    failedUnchanged: count(row.failed_unchanged_rows),
    nullKey: count(row.null_key_rows),
    duplicateKey: count(row.duplicate_key_rows),
    gone: count(row.synced_rows) - count(row.kept_rows),
    synced: count(row.synced_rows),
  };
  const attention = counts.new + counts.changed + counts.uncertain + counts.nullKey + counts.duplicateKey;
  const batchSize = Math.max(1, options.batchSize);
  // Changed and uncertain rows are rows the sync rewrites in the state tables as it reads them.
  // New ones are appended, which a reader does not hold up, so a first sync streams unless
  // DuckDB runs under a memory limit: then the copy spills to disk, and an open reader would
  // keep the state tables' key indexes from being written out at checkpoints, in memory that
  // grows with every record. Made while planning, so it takes the planning threads.
  const rewrites = counts.changed + counts.uncertain > 0;
  const materialized =
    source.writesWhileReading && session.materialize && attention > 0 && (rewrites || session.boundedMemory)
      ? await guard(action, () => session.materialize!(sql.changes, params))
      : null;

  return {
    counts,
    async *changes(size = batchSize): AsyncIterable<Change[]> {
      if (attention === 0) return;
      const rows = materialized
        ? closing(materialized.pages(Math.max(1, size)), () => materialized.close())
        : session.stream(sql.changes, params, Math.max(1, size));
      yield* guardStream(guard, reading, rows, (batch) => batch.map((r) => toChange(r, sql.columns)));
    },
    async *deletions(): AsyncIterable<Deletion[]> {
      if (counts.gone === 0) return;
      yield* guardStream(guard, reading, session.stream(sql.deletions, params, batchSize), (rows) =>
        rows.map(toDeletion),
      );
    },
    async stillFailing(): Promise<FailureGroup[]> {
      if (counts.failedUnchanged === 0) return [];
      return toFailureGroups(await guard(action, () => session.query(sql.stillFailing, params)));
    },
  };
}

async function* guardStream<T>(
  guard: <R>(action: string, operation: () => Promise<R>) => Promise<R>,
  action: string,
  rows: AsyncIterable<Row[]>,
  map: (rows: Row[]) => T[],
): AsyncIterable<T[]> {
  const iterator = rows[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await guard(action, () => iterator.next());
      if (next.done) return;
      yield map(next.value);
    }
  } finally {
    await iterator.return?.();
  }
}

async function* closing<T>(items: AsyncIterable<T>, close: () => Promise<void>): AsyncIterable<T> {
  try {
    yield* items;
  } finally {
    await close();
  }
}

function toChange(row: Row, columns: readonly string[]): Change {
  const values: Row = {};
  columns.forEach((column, i) => {
    values[column] = row[`__spoke_c${i}`] ?? null;
  });
  const key = row.__spoke_key;
  const kind = String(row.__spoke_kind) as ChangeKind;
  const known = text(row.__spoke_prev_hash) !== null || text(row.__spoke_prev_id) !== null;
  return {
    kind,
    key: kind === 'null_key' || key === null || key === undefined ? null : String(key),
    row: values,
    hash: String(row.__spoke_hash),
    previous: known
      ? { values: parseValues(row.__spoke_prev_values), destinationId: text(row.__spoke_prev_id) }
      : null,
  };
}

function toFailureGroups(rows: Row[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const row of rows) {
    const code = String(row.error_code);
    let group = groups.get(code);
    if (!group) {
      // Rows come earliest first within a code.
      group = {
        code,
        count: count(row.code_count),
        since: text(row.failed_at),
        sinceRunId: text(row.run_id),
        samples: [],
      };
      groups.set(code, group);
    }
    group.samples.push({ key: String(row.record_key), message: text(row.error_message) ?? '' });
  }
  return [...groups.values()];
}

function toDeletion(row: Row): Deletion {
  return {
    key: String(row.record_key),
    destinationId: text(row.destination_id),
    values: parseValues(row.row_values),
  };
}

function parseValues(value: Row[string] | undefined): Record<string, unknown> {
  if (typeof value !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

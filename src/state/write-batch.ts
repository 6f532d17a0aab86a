import { chunk } from '../util/chunk.js';
import type { AppendValue, SqlParam, SqlRunner } from '../warehouse/sql-session.js';
import type { BatchWrites } from './batch-writes.js';
import type { StateDialect } from './state-dialect.js';
import { keyIdColumns, keyIdSql } from './state-key-id.js';
import type { StateTable } from './state-tables.js';

/**
 * DuckDB: where its appender writes the state tables (the record log goes straight in), and the
 * tables whose upserts may be plain inserts. An upsert (ON CONFLICT on the table's primary key)
 * costs DuckDB three times an insert, and its updates keep DuckDB from checkpointing while a plan
 * streams (the WAL and memory then grow with the sync); a table that holds none of the written
 * keys (a first sync's snapshot) takes the rows as they are. A key that was there after all
 * fails the insert with a constraint error, and nothing of the transaction is written.
 */
export interface AppendTarget {
  schema: string;
  fresh: ReadonlySet<StateTable>;
}

export interface BatchContext {
  runId: string;
  syncId: string;
  destination: string;
  object: string;
  now: Date;
}

/** Writes one batch's rows in a few multi-row statements, inside the caller's transaction. */
export async function writeBatch(
  tx: SqlRunner,
  dialect: StateDialect,
  table: (name: StateTable) => string,
  context: BatchContext,
  writes: BatchWrites,
  target?: AppendTarget,
): Promise<void> {
  const writer =
    dialect.type === 'redshift' ? valuesWriter(tx, table) : arrayWriter(tx, dialect, table, target);
  const now = { value: dialect.timestampParam(context.now), type: 'timestamp', date: context.now } as const;
  const text = (value: string) => ({ value, type: 'text' }) as const;
  const sync = { sync_id: text(context.syncId) };
  const object = { destination: text(context.destination), object: text(context.object) };

  await writer.insert({
    table: 'record_log',
    fixed: { run_id: text(context.runId), ...sync, logged_at: now },
    columns: [
      ['record_key', 'text'],
      ['operation', 'text'],
      ['attempt', 'integer'],
      ['status', 'text'],
      ['destination_id', 'text'],
      ['error_code', 'text'],
      ['error_message', 'text'],
      ['transient', 'boolean'],
    ],
    rows: writes.log.map((r) => [
      r.key,
      r.operation,
      r.attempt,
      r.status,
      r.destinationId,
      r.errorCode,
      r.errorMessage,
      r.transient,
    ]),
  });

  await writer.remove({ table: 'snapshot', identity: sync, keys: writes.snapshotDeletes });
  await writer.upsert({
    table: 'snapshot',
    identity: sync,
    fixed: { synced_at: now },
    columns: [
      ['record_key', 'text'],
      ['row_hash', 'text'],
      ['row_values', 'text'],
      ['destination_id', 'text'],
    ],
    rows: writes.snapshotUpserts.map((r) => [r.key, r.hash, r.values, r.destinationId]),
    keepOverNull: ['destination_id'],
  });

  await writer.remove({ table: 'failures', identity: sync, keys: writes.failureDeletes });
  await writer.upsert({
    table: 'failures',
    identity: sync,
    fixed: { failed_at: now, run_id: text(context.runId) },
    columns: [
      ['record_key', 'text'],
      ['row_hash', 'text'],
      ['error_code', 'text'],
      ['error_message', 'text'],
    ],
    rows: writes.failureUpserts.map((r) => [r.key, r.hash, r.code, r.message]),
  });

  await writer.remove({ table: 'id_ledger', identity: object, keys: writes.ledgerDeletes });
  await writer.upsert({
    table: 'id_ledger',
    identity: object,
    fixed: { ...sync, updated_at: now },
    columns: [
      ['record_key', 'text'],
      ['destination_id', 'text'],
      ['created_by', 'text'],
    ],
    rows: writes.ledgerUpserts.map((r) => [r.key, r.destinationId, r.createdBy]),
    keepOverNull: ['created_by'],
  });

  await writer.remove({ table: 'in_flight', identity: sync, keys: writes.inFlightDone });
}

/** Records about to be sent, in the caller's transaction (committed before sending). */
export async function writeInFlight(
  tx: SqlRunner,
  dialect: StateDialect,
  table: (name: StateTable) => string,
  context: Omit<BatchContext, 'destination' | 'object'>,
  entries: readonly { key: string; operation: string; hash: string | null }[],
  target?: AppendTarget,
): Promise<void> {
  const writer =
    dialect.type === 'redshift' ? valuesWriter(tx, table) : arrayWriter(tx, dialect, table, target);
  await writer.upsert({
    table: 'in_flight',
    identity: { sync_id: { value: context.syncId, type: 'text' } },
    fixed: {
      run_id: { value: context.runId, type: 'text' },
      sent_at: { value: dialect.timestampParam(context.now), type: 'timestamp', date: context.now },
    },
    columns: [
      ['record_key', 'text'],
      ['operation', 'text'],
      ['row_hash', 'text'],
    ],
    rows: entries.map((entry) => [entry.key, entry.operation, entry.hash]),
  });
}

type ColumnType = 'text' | 'integer' | 'boolean' | 'timestamp';
type Column = readonly [name: string, type: ColumnType];
type Value = string | number | boolean | null;
/** `date`: a timestamp's value for DuckDB's appender. */
type Fixed = Record<string, { value: string; type: ColumnType; date?: Date }>;
type TableName = (name: StateTable) => string;

interface Insert {
  table: StateTable;
  /** One value for every row. */
  fixed: Fixed;
  /** Per-row columns; record_key first. */
  columns: Column[];
  rows: Value[][];
}

interface Upsert extends Omit<Insert, 'fixed'> {
  /** Columns that with record_key identify a row, e.g. sync_id. */
  identity: Fixed;
  fixed: Fixed;
  /** Columns whose stored value survives a null in the new row. */
  keepOverNull?: string[];
}

interface Remove {
  table: StateTable;
  identity: Fixed;
  keys: string[];
}

interface Writer {
  insert(insert: Insert): Promise<void>;
  upsert(upsert: Upsert): Promise<void>;
  remove(remove: Remove): Promise<void>;
}

/**
 * Where a statement reads its rows from: `u`, with one column per name, as text; `done` runs
 * once the statement has read them.
 */
type RowSource = (
  names: readonly string[],
  rows: readonly (readonly (string | null)[])[],
  paramOffset: number,
) => Promise<{ from: string; params: SqlParam[]; done: () => Promise<void> }>;

/** PostgreSQL: one text array parameter per column, unnested side by side. */
function arraySource(dialect: StateDialect): RowSource {
  return async (names, rows, paramOffset) => ({
    from: `(SELECT ${names
      .map((name, i) => `unnest(CAST($${paramOffset + i + 1} AS ${dialect.textArray})) AS ${name}`)
      .join(', ')}) u`,
    params: names.map((_, i) =>
      dialect.type === 'postgres' ? textArrayLiteral(rows, i) : rows.map((row) => row[i] ?? null),
    ),
    done: async () => {},
  });
}

const ARRAY_ESCAPED = /[\\"]/;

/**
 * One column as the text[] literal node-postgres would send for the array (`{"a","b",NULL}`),
 * built in one pass: its own conversion runs two regular expressions over every element, a
 * noticeable share of a large sync's CPU.
 */
function textArrayLiteral(rows: readonly (readonly (string | null)[])[], column: number): string {
  let literal = '{';
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) literal += ',';
    const value = rows[i]![column] ?? null;
    if (value === null) literal += 'NULL';
    else literal += `"${ARRAY_ESCAPED.test(value) ? value.replace(/[\\"]/g, '\\$&') : value}"`;
  }
  return `${literal}}`;
}

/**
 * DuckDB: the rows are appended to a temporary staging table first (binding them as list
 * parameters costs far more memory and time than the appender). One table per column list,
 * named after all of it, emptied once its statement has read it; appended rows belong to the
 * caller's transaction, so a failure's rollback empties it too.
 */
function stagingSource(tx: SqlRunner & Required<Pick<SqlRunner, 'append'>>): RowSource {
  return async (names, rows) => {
    const table = `spoke_stage__${names.join('__')}`;
    await tx.query(
      `CREATE TEMP TABLE IF NOT EXISTS ${table} (${names.map((name) => `${name} VARCHAR`).join(', ')})`,
    );
    await tx.append({ catalog: 'temp', schema: 'main', name: table }, names, rows);
    return {
      from: `${table} u`,
      params: [],
      done: async () => {
        await tx.query(`DELETE FROM ${table}`);
      },
    };
  };
}

/**
 * PostgreSQL and DuckDB: rows from a RowSource, and ON CONFLICT. DuckDB appends plain inserts
 * (the record log) and inserts without ON CONFLICT into a table its AppendTarget calls fresh.
 */
function arrayWriter(
  tx: SqlRunner,
  dialect: StateDialect,
  tableName: TableName,
  target?: AppendTarget,
): Writer {
  const appendable = tx.append ? (tx as SqlRunner & Required<Pick<SqlRunner, 'append'>>) : null;
  const source = appendable ? stagingSource(appendable) : arraySource(dialect);
  const typeName = (type: ColumnType) =>
    type === 'text' ? dialect.text : type === 'timestamp' ? dialect.timestamp : type.toUpperCase();
  const asText = (rows: Value[][]) =>
    rows.map((row) => row.map((value) => (value === null ? null : String(value))));

  /** The rows straight into the table through DuckDB's appender, or false where it does not apply. */
  const appended = async ({ table, fixed, columns, rows }: Insert): Promise<boolean> => {
    if (!appendable || !target) return false;
    const fixedValues: AppendValue[] = Object.values(fixed).map(({ value, date }) => date ?? value);
    await appendable.append(
      { schema: target.schema, name: table },
      [...Object.keys(fixed), ...columns.map(([name]) => name)],
      rows.map((row) => [...fixedValues, ...row]),
    );
    return true;
  };

  const insertSql = async ({ table: name, fixed, columns, rows }: Insert) => {
    const table = tableName(name);
    const fixedNames = Object.keys(fixed);
    const fixedValues = Object.values(fixed).map(({ type }, i) => `CAST($${i + 1} AS ${typeName(type)})`);
    const selected = columns.map(([name, type]) =>
      type === 'text' ? `u.${name}` : `CAST(u.${name} AS ${typeName(type)})`,
    );
    const { from, params, done } = await source(
      columns.map(([name]) => name),
      asText(rows),
      fixedNames.length,
    );
    const names = [...fixedNames, ...columns.map(([name]) => name)];
    const values = [...fixedValues, ...selected].map((value, i) => `${value} AS ${names[i]}`);
    const keyId = keyIdColumns(dialect.type, name);
    const select = keyId
      ? `SELECT v.*, ${keyIdSql(keyId.map((column) => `v.${column}`))} FROM (SELECT ${values.join(', ')} FROM ${from}) v`
      : `SELECT ${values.join(', ')} FROM ${from}`;
    return {
      sql: `INSERT INTO ${table} (${[...names, ...(keyId ? ['key_id'] : [])].join(', ')}) ${select}`,
      params: [...Object.values(fixed).map(({ value }) => value), ...params],
      names,
      keyId,
      done,
    };
  };

  return {
    async insert(insert) {
      if (insert.rows.length === 0 || (await appended(insert))) return;
      const { sql, params, done } = await insertSql(insert);
      await tx.query(sql, params);
      await done();
    },
    async upsert({ identity, fixed, keepOverNull = [], ...rest }) {
      if (rest.rows.length === 0) return;
      const all = { ...rest, fixed: { ...identity, ...fixed } };
      if (target?.fresh.has(rest.table)) {
        const { sql, params, done } = await insertSql(all);
        await tx.query(sql, params);
        await done();
        return;
      }
      const key = [...Object.keys(identity), 'record_key'];
      // A stored value that a row leaves null survives: rows go in groups by which of those
      // columns they leave null, and a group's SET leaves them out. No statement reads the stored
      // row, which on DuckDB cost more than the write (a 317-row upsert into a 1M-row snapshot:
      // 6 ms, 12.6 ms with a COALESCE over the stored value).
      for (const [nulls, rows] of groupByNulls(rest.columns, rest.rows, keepOverNull)) {
        const { sql, params, names, keyId, done } = await insertSql({ ...all, rows });
        const set = names
          .filter((name) => !key.includes(name) && !nulls.includes(name))
          .map((name) => `${name} = excluded.${name}`);
        await tx.query(
          `${sql} ON CONFLICT (${keyId ? 'key_id' : key.join(', ')}) DO UPDATE SET ${set.join(', ')}`,
          params,
        );
        await done();
      }
    },
    async remove({ table, identity, keys }) {
      if (keys.length === 0) return;
      const names = Object.keys(identity);
      const where = names.map((name, i) => `${name} = CAST($${i + 1} AS ${dialect.text})`);
      const { from, params, done } = await source(
        ['record_key'],
        keys.map((key) => [key]),
        names.length,
      );
      await tx.query(
        `DELETE FROM ${tableName(table)} WHERE ${where.join(' AND ')} AND record_key IN (SELECT u.record_key FROM ${from})`,
        [...Object.values(identity).map(({ value }) => value), ...params],
      );
      await done();
    },
  };
}

/** Parameters per statement, under every driver's and server's limit. */
const MAX_PARAMS = 30_000;

/**
 * Redshift: no arrays and no ON CONFLICT (and primary keys it does not enforce), so multi-row
 * VALUES, with DELETE before INSERT in the caller's transaction.
 */
function valuesWriter(tx: SqlRunner, tableName: TableName): Writer {
  const where = (identity: Fixed) => Object.keys(identity).map((name, i) => `${name} = $${i + 1}`);
  const identityValues = (identity: Fixed) => Object.values(identity).map(({ value }) => value);

  const writer: Writer = {
    async insert({ table, fixed, columns, rows }) {
      const names = [...Object.keys(fixed), ...columns.map(([name]) => name)];
      const fixedValues = Object.values(fixed).map(({ value }) => value);
      for (const part of chunk(rows, Math.floor(MAX_PARAMS / names.length))) {
        const params: SqlParam[] = [];
        const tuples = part.map((row) => {
          const start = params.length;
          params.push(...fixedValues, ...row);
          return `(${names.map((_, i) => `$${start + i + 1}`).join(', ')})`;
        });
        await tx.query(
          `INSERT INTO ${tableName(table)} (${names.join(', ')}) VALUES ${tuples.join(', ')}`,
          params,
        );
      }
    },
    async upsert({ table, identity, fixed, columns, rows, keepOverNull = [] }) {
      if (rows.length === 0) return;
      for (const kept of keepOverNull) {
        const keep = columns.findIndex(([name]) => name === kept);
        if (keep < 0) continue;
        const missing = rows.filter((row) => row[keep] === null).map((row) => String(row[0]));
        const stored = new Map<string, Value>();
        for (const part of chunk(missing, MAX_PARAMS)) {
          const list = part.map((_, i) => `$${Object.keys(identity).length + i + 1}`).join(', ');
          const found = await tx.query(
            `SELECT record_key, ${kept} AS kept FROM ${tableName(table)} WHERE ${where(identity).join(' AND ')} AND record_key IN (${list})`,
            [...identityValues(identity), ...part],
          );
          for (const row of found) stored.set(String(row.record_key), row.kept ?? null);
        }
        for (const row of rows) if (row[keep] === null) row[keep] = stored.get(String(row[0])) ?? null;
      }
      await writer.remove({ table, identity, keys: rows.map((row) => String(row[0])) });
      await writer.insert({ table, fixed: { ...identity, ...fixed }, columns, rows });
    },
    async remove({ table, identity, keys }) {
      const offset = Object.keys(identity).length;
      for (const part of chunk(keys, MAX_PARAMS)) {
        const list = part.map((_, i) => `$${offset + i + 1}`).join(', ');
        await tx.query(
          `DELETE FROM ${tableName(table)} WHERE ${where(identity).join(' AND ')} AND record_key IN (${list})`,
          [...identityValues(identity), ...part],
        );
      }
    },
  };
  return writer;
}

/** The rows grouped by which of the `nullable` columns they leave null (those columns' names). */
function groupByNulls(
  columns: readonly Column[],
  rows: Value[][],
  nullable: readonly string[],
): [string[], Value[][]][] {
  const indexes = nullable.map((name) => columns.findIndex(([column]) => column === name));
  const groups = new Map<string, [string[], Value[][]]>();
  for (const row of rows) {
    const nulls = nullable.filter((_, i) => row[indexes[i]!] === null);
    const id = nulls.join('\u0000');
    const group = groups.get(id) ?? groups.set(id, [nulls, []]).get(id)!;
    group[1].push(row);
  }
  return [...groups.values()];
}

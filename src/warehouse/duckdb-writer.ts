import {
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  DuckDBResultReader,
  DuckDBTimestampValue,
  DuckDBTypeId,
  StatementType,
} from './duckdb-api.js';
import { paramTypes, readRows, toDuckdbValue } from './duckdb-rows.js';
import type { AppendValue, SqlParam } from './sql-session.js';
import type { Row } from './warehouse.js';

type Table = { catalog?: string; schema?: string; name: string };

/**
 * The connection every state transaction runs on, one after another. It keeps what a long sync
 * would otherwise redo for each of its hundreds of transactions: each statement is parsed and
 * planned once (a cached prepared statement, which DuckDB binds again by itself when a table it
 * reads changed), and each appended table's column order is looked up once.
 */
export class DuckdbWriter {
  private readonly statements = new Map<string, DuckDBPreparedStatement>();
  private readonly tableColumns = new Map<string, string[]>();
  /** `CREATE TEMP TABLE IF NOT EXISTS` statements run since the last rollback: nothing to redo. */
  private readonly tempTables = new Set<string>();

  constructor(readonly connection: DuckDBConnection) {}

  async query(sql: string, params: readonly SqlParam[]): Promise<Row[]> {
    // A temporary table belongs to this connection alone, so only a rollback can undo its creation.
    const temp = CREATE_TEMP.test(sql);
    if (temp && this.tempTables.has(sql)) return [];
    const rows = await this.run(sql, params);
    if (temp) this.tempTables.add(sql);
    return rows;
  }

  private async run(sql: string, params: readonly SqlParam[]): Promise<Row[]> {
    const prepared = await this.prepared(sql);
    if (!prepared)
      return readRows(
        await this.connection.runAndReadAll(sql, params.map(toDuckdbValue), paramTypes(params)),
      );
    const kept = this.statements.get(sql) === prepared;
    try {
      prepared.clearBindings();
      if (params.length > 0) prepared.bind(params.map(toDuckdbValue), paramTypes(params));
      const reader = new DuckDBResultReader(await prepared.run());
      await reader.readAll();
      return readRows(reader);
    } catch (error) {
      // Whatever failed, the next use prepares the statement afresh.
      this.forget(sql);
      throw error;
    } finally {
      if (!kept) prepared.destroySync();
    }
  }

  async append(
    table: Table,
    columns: readonly string[],
    rows: readonly (readonly AppendValue[])[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const appender = await this.connection.createAppender(
      table.name,
      table.schema ?? null,
      table.catalog ?? null,
    );
    try {
      const names = await this.columnsOf(table, appender.columnCount);
      const slots = names.map((name) => columns.indexOf(name));
      const unknown = columns.filter((name) => !names.includes(name));
      if (unknown.length > 0) throw new Error(`Table ${table.name} has no column ${unknown.join(', ')}.`);
      const types = names.map((_, i) => appender.columnType(i).typeId);
      for (const row of rows) {
        for (let i = 0; i < slots.length; i++) {
          const slot = slots[i]!;
          if (slot < 0) appender.appendDefault();
          else appendValue(appender, types[i]!, row[slot] ?? null);
        }
        appender.endRow();
      }
      appender.flushSync();
    } catch (error) {
      // The rows it could not flush are dropped, or closing it (now, or its finaliser at some
      // later collection) tries them again and aborts whatever transaction the connection is
      // in by then. Closing it fails as well ("transaction is aborted"): the first error is the news.
      try {
        appender.clear();
      } catch {}
      try {
        appender.closeSync();
      } catch {}
      throw error;
    }
    appender.closeSync();
  }

  /**
   * After a rollback: a table created or altered in it may be gone or different, and a
   * statement prepared in it may describe what no longer is.
   */
  rolledBack(): void {
    this.tableColumns.clear();
    this.tempTables.clear();
    for (const sql of [...this.statements.keys()]) this.forget(sql);
  }

  /** Closing the connection destroys its prepared statements. */
  close(): void {
    this.statements.clear();
    this.connection.closeSync();
  }

  /**
   * The statement prepared, kept for next time when it reads or writes rows (a prepared CREATE
   * or ALTER describes the catalog it was prepared in); null for text DuckDB will not prepare as
   * one statement (several of them).
   */
  private async prepared(sql: string): Promise<DuckDBPreparedStatement | null> {
    const cached = this.statements.get(sql);
    if (cached) {
      // Most recently used last, so the oldest is the first to go.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    let prepared: DuckDBPreparedStatement;
    try {
      prepared = await this.connection.prepare(sql);
    } catch {
      return null;
    }
    if (!CACHED_TYPES.has(prepared.statementType)) return prepared;
    if (this.statements.size >= MAX_STATEMENTS) {
      const [oldest] = this.statements.keys();
      this.forget(oldest!);
    }
    this.statements.set(sql, prepared);
    return prepared;
  }

  private forget(sql: string): void {
    this.statements.get(sql)?.destroySync();
    this.statements.delete(sql);
  }

  private async columnsOf(table: Table, count: number): Promise<string[]> {
    const key = JSON.stringify([table.catalog ?? null, table.schema ?? null, table.name]);
    const known = this.tableColumns.get(key);
    // A column added since (a migration) changes the count: looked up again.
    if (known && known.length === count) return known;
    const rows = await this.query(
      `SELECT column_name FROM duckdb_columns()
        WHERE database_name = COALESCE($1, current_database()) AND schema_name = COALESCE($2, 'main')
          AND table_name = $3
        ORDER BY column_index`,
      [table.catalog ?? null, table.schema ?? null, table.name],
    );
    const names = rows.map((row) => String(row.column_name));
    if (names.length !== count) throw new Error(`Could not read the columns of table ${table.name}.`);
    this.tableColumns.set(key, names);
    return names;
  }
}

/** Statements kept per connection: the state writes use about twenty. */
const MAX_STATEMENTS = 64;

const CREATE_TEMP = /^\s*CREATE\s+TEMP(ORARY)?\s+TABLE\s+IF\s+NOT\s+EXISTS\s/i;

const CACHED_TYPES = new Set<StatementType>([
  StatementType.SELECT,
  StatementType.INSERT,
  StatementType.UPDATE,
  StatementType.DELETE,
]);

function appendValue(appender: DuckDBAppender, type: DuckDBTypeId, value: AppendValue): void {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (type) {
    case DuckDBTypeId.VARCHAR:
      appender.appendVarchar(
        typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : String(value),
      );
      return;
    case DuckDBTypeId.INTEGER:
      appender.appendInteger(Number(value));
      return;
    case DuckDBTypeId.BIGINT:
      appender.appendBigInt(BigInt(value instanceof Date ? value.getTime() : value));
      return;
    case DuckDBTypeId.BOOLEAN:
      appender.appendBoolean(value === true || value === 'true');
      return;
    case DuckDBTypeId.TIMESTAMP: {
      // TIMESTAMP columns hold UTC wall-clock time; a Date's epoch is that instant.
      const date = value instanceof Date ? value : new Date(`${String(value).replace(' ', 'T')}Z`);
      appender.appendTimestamp(new DuckDBTimestampValue(BigInt(date.getTime()) * 1000n));
      return;
    }
    default:
      appender.appendVarchar(String(value));
  }
}

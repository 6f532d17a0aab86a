import {
  type DuckDBDataChunk,
  type DuckDBResult,
  type DuckDBResultReader,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  LIST,
  listValue,
  VARCHAR,
} from './duckdb-api.js';
import { normalizeDuckdbValue } from './normalize-duckdb-value.js';
import type { SqlParam } from './sql-session.js';
import type { Row } from './warehouse.js';

export interface Column {
  name: string;
  type: DuckDBType;
  /** Plain text: DuckDB's value is already the Row value. */
  text: boolean;
}

export function columnsOf(result: DuckDBResult | DuckDBResultReader): Column[] {
  return result.columnNames().map((name, i) => {
    const type = result.columnType(i);
    return { name, type, text: type.typeId === DuckDBTypeId.VARCHAR && type.alias !== 'JSON' };
  });
}

/** A materialised result's rows, normalised. */
export function readRows(reader: DuckDBResultReader): Row[] {
  const columns = columnsOf(reader);
  return reader.getRows().map((values) => {
    const row: Row = {};
    for (let i = 0; i < columns.length; i++) row[columns[i]!.name] = rowValue(columns[i]!, values[i] ?? null);
    return row;
  });
}

/**
 * One streamed chunk's rows, normalised, column by column: each column's vector is read once,
 * and text (most of what a plan streams) is taken as it comes.
 */
export function chunkRows(chunk: DuckDBDataChunk, columns: readonly Column[]): Row[] {
  const count = chunk.rowCount;
  const rows: Row[] = new Array(count);
  for (let r = 0; r < count; r++) rows[r] = {};
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c]!;
    const vector = chunk.getColumnVector(c);
    for (let r = 0; r < count; r++) rows[r]![column.name] = rowValue(column, vector.getItem(r));
  }
  return rows;
}

/** A streamed result's rows in batches of `batchSize`, converted a chunk at a time. */
export async function* resultBatches(
  result: DuckDBResult,
  batchSize: number,
  columns: readonly Column[] = columnsOf(result),
): AsyncIterable<Row[]> {
  let batch: Row[] = [];
  while (true) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const row of chunkRows(chunk, columns)) {
      batch.push(row);
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** A streamed result's rows, read to its end (so its statement is over) before they are returned. */
export async function allRows(result: DuckDBResult): Promise<Row[]> {
  for await (const rows of resultBatches(result, Number.POSITIVE_INFINITY)) return rows;
  return [];
}

function rowValue(column: Column, value: DuckDBValue) {
  return value === null || (column.text && typeof value === 'string')
    ? value
    : normalizeDuckdbValue(value, column.type);
}

export function toDuckdbValue(param: SqlParam): DuckDBValue {
  return Array.isArray(param) ? listValue(param) : (param as DuckDBValue);
}

/**
 * Text arrays bind as VARCHAR[] whatever their first element: left to inference, a list starting
 * with null binds as a list of nulls and every value in it is lost.
 */
export function paramTypes(params: readonly SqlParam[]): DuckDBType[] {
  return params.map((param) => (Array.isArray(param) ? TEXT_LIST : undefined)) as DuckDBType[];
}

const TEXT_LIST = LIST(VARCHAR);

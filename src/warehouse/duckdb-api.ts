import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';

/**
 * `@duckdb/node-api`, loaded with require. It is CommonJS in 181 files: imported as ESM, Node
 * first scans every one of them for its named exports, which about doubled the package's load
 * time (≈0.2 s against ≈0.1 s), paid by every command on a DuckDB project. Import DuckDB's
 * values and types from here.
 */
const api: typeof DuckDB = createRequire(import.meta.url)('@duckdb/node-api');

export type * from '@duckdb/node-api';
export const {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBResultReader,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBUnionValue,
  LIST,
  listValue,
  StatementType,
  VARCHAR,
} = api;
// The classes and the enum are types as well as values.
export type DuckDBArrayValue = DuckDB.DuckDBArrayValue;
export type DuckDBInstance = DuckDB.DuckDBInstance;
export type DuckDBListValue = DuckDB.DuckDBListValue;
export type DuckDBMapValue = DuckDB.DuckDBMapValue;
export type DuckDBResultReader = DuckDB.DuckDBResultReader;
export type StatementType = DuckDB.StatementType;
export type DuckDBStructValue = DuckDB.DuckDBStructValue;
export type DuckDBTypeId = DuckDB.DuckDBTypeId;
export type DuckDBTimestampValue = DuckDB.DuckDBTimestampValue;
export type DuckDBUnionValue = DuckDB.DuckDBUnionValue;

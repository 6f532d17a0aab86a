import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import { decimalText, isoTimestamp, normalizeValue, type RowValue } from './normalize-value.js';

const MILLIS_PER_DAY = 86_400_000;

/** A DuckDB value of a column of the given type → a Row value, by the rules of normalize-value. */
export function normalizeDuckdbValue(value: DuckDBValue, typeId: DuckDBTypeId): RowValue {
  if (value === null) return null;
  if (typeof value === 'number' && typeId === DuckDBTypeId.FLOAT) return shortestFloat32(value);
  if (value instanceof DuckDBDecimalValue) return decimalText(value.toString());
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return timestampFromMillis(floorDiv(value.micros, 1000n), value);
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) return timestampFromMillis(value.millis, value);
  if (value instanceof DuckDBTimestampSecondsValue) return timestampFromMillis(value.seconds * 1000n, value);
  if (value instanceof DuckDBTimestampNanosecondsValue) {
    return timestampFromMillis(floorDiv(value.nanos, 1_000_000n), value);
  }
  if (value instanceof DuckDBDateValue) {
    const iso = isoTimestamp(value.days * MILLIS_PER_DAY);
    return iso && /^\d{4}-/.test(iso) ? iso.slice(0, 10) : value.toString();
  }
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('base64');
  if (typeof value === 'object') return value.toString();
  return normalizeValue(value);
}

function timestampFromMillis(millis: bigint, value: { toString(): string }): string {
  const iso = isoTimestamp(Number(millis));
  return iso && /^\d{4}-/.test(iso) ? iso : value.toString();
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** DuckDB FLOAT is 4 bytes; write it as the shortest decimal that reads back as the same float. */
function shortestFloat32(value: number): number | string {
  if (!Number.isFinite(value)) return String(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  DuckDBUnionValue,
  type DuckDBValue,
} from './duckdb-api.js';
import { compactJson, JsonFragment, type JsonNode, JsonObject, jsonText } from './json-text.js';
import { decimalText, isoTimestamp, jsonScalar, normalizeValue, type RowValue } from './normalize-value.js';

const MILLIS_PER_DAY = 86_400_000;

const NUMERIC_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

/** A DuckDB value of a column of the given type → a Row value, by the rules of normalize-value. */
export function normalizeDuckdbValue(value: DuckDBValue, type: DuckDBType): RowValue {
  if (value === null) return null;
  if (isNested(value)) return jsonText(nestedJson(value, type));
  // JSON columns hold the document's text as written; compacted, it reads the same as nested values.
  if (typeof value === 'string' && type.alias === 'JSON') return compactJson(value);
  return scalarValue(value, type);
}

function isNested(
  value: DuckDBValue,
): value is DuckDBStructValue | DuckDBListValue | DuckDBArrayValue | DuckDBMapValue | DuckDBUnionValue {
  return (
    value instanceof DuckDBStructValue ||
    value instanceof DuckDBListValue ||
    value instanceof DuckDBArrayValue ||
    value instanceof DuckDBMapValue ||
    value instanceof DuckDBUnionValue
  );
}

/** Nested values as JSON, each element converted as a column of its own type would be. */
function nestedJson(value: DuckDBValue, type: DuckDBType): JsonNode {
  if (value === null) return null;
  if (value instanceof DuckDBStructValue && type.typeId === DuckDBTypeId.STRUCT) {
    return new JsonObject(
      type.entryNames.map((name) => [name, nestedJson(value.entries[name] ?? null, type.typeForEntry(name))]),
    );
  }
  if (
    (value instanceof DuckDBListValue && type.typeId === DuckDBTypeId.LIST) ||
    (value instanceof DuckDBArrayValue && type.typeId === DuckDBTypeId.ARRAY)
  ) {
    return value.items.map((item) => nestedJson(item, type.valueType));
  }
  if (value instanceof DuckDBMapValue && type.typeId === DuckDBTypeId.MAP) {
    return new JsonObject(
      value.entries.map(({ key, value: item }) => [
        String(normalizeDuckdbValue(key, type.keyType)),
        nestedJson(item, type.valueType),
      ]),
    );
  }
  if (value instanceof DuckDBUnionValue && type.typeId === DuckDBTypeId.UNION) {
    return nestedJson(value.value, type.memberTypeForTag(value.tag));
  }
  if (isNested(value)) return value.toString();
  if (typeof value === 'string' && type.alias === 'JSON') return new JsonFragment(compactJson(value));
  return jsonScalar(scalarValue(value, type), NUMERIC_TYPES.has(type.typeId));
}

function scalarValue(value: Exclude<DuckDBValue, null>, type: DuckDBType): RowValue {
  if (typeof value === 'number' && type.typeId === DuckDBTypeId.FLOAT) {
    return normalizeValue(shortestFloat32(value));
  }
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
function shortestFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

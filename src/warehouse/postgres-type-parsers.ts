import pg, { type CustomTypesConfig } from 'pg';
import { parse as parseArray } from 'postgres-array';
import { compactJson, JsonFragment, type JsonNode, jsonText } from './json-text.js';
import { decimalText, integerValue, isoTimestamp, jsonScalar, plainNumber } from './normalize-value.js';

const OID = {
  int8: 20,
  json: 114,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  interval: 1186,
  jsonb: 3802,
} as const;

const TIMESTAMP =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?$/;

/**
 * Parses PostgreSQL/Redshift timestamp text. Without an offset it is taken as UTC, so a
 * `timestamp` column reads the same whatever the session or machine time zone. Text it cannot
 * place on the calendar (`infinity`, BC dates) comes back unchanged.
 */
export function parseTimestampText(text: string): string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  const [, year, month, day, hour, minute, second, fraction = '', sign, offH = '0', offM = '0', offS = '0'] =
    m;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.slice(0, 3).padEnd(3, '0')));
  const offsetSeconds = (Number(offH) * 3600 + Number(offM) * 60 + Number(offS)) * (sign === '-' ? -1 : 1);
  const iso = isoTimestamp(date.getTime() - (sign ? offsetSeconds * 1000 : 0));
  return iso && /^\d{4}-/.test(iso) ? iso : text;
}

const identity = (text: string): string => text;

const number = (text: string): JsonNode => jsonScalar(plainNumber(Number(text)), true);
const integer = (text: string): JsonNode => new JsonFragment(String(integerValue(text)));
const decimal = (text: string): JsonNode => jsonScalar(decimalText(text), true);
const boolean = (text: string): JsonNode => text === 't' || text === 'true';
const json = (text: string): JsonNode => new JsonFragment(compactJson(text));

/** Element parsers of the array types, by array OID: elements read as their own columns would. */
const arrayElements = new Map<number, (text: string) => JsonNode>([
  [1000, boolean], // bool[]
  [1005, integer], // int2[]
  [1007, integer], // int4[]
  [1016, integer], // int8[]
  [1021, number], // float4[]
  [1022, number], // float8[]
  [1231, decimal], // numeric[]
  [1009, identity], // text[]
  [1014, identity], // bpchar[]
  [1015, identity], // varchar[]
  [2951, identity], // uuid[]
  [1182, identity], // date[]
  [1115, parseTimestampText], // timestamp[]
  [1185, parseTimestampText], // timestamptz[]
  [199, json], // json[]
  [3807, json], // jsonb[]
]);

const parsers = new Map<number, (text: string) => unknown>([
  [OID.int8, integerValue],
  [OID.numeric, decimalText],
  [OID.date, identity],
  [OID.interval, identity],
  [OID.timestamp, parseTimestampText],
  [OID.timestamptz, parseTimestampText],
  // JSON stays the document as written (jsonb: as PostgreSQL normalises it), without whitespace.
  [OID.json, compactJson],
  [OID.jsonb, compactJson],
  ...[...arrayElements].map(
    ([oid, element]) => [oid, (text: string) => jsonText(parseArray(text, element))] as const,
  ),
]);

/** Type parsers for dbt-spoke's pools only, leaving pg's global defaults alone for other users. */
export const spokeTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const parser = format === 'binary' ? undefined : parsers.get(oid);
    return parser ?? pg.types.getTypeParser(oid, format as 'text');
  }) as CustomTypesConfig['getTypeParser'],
};

import pg, { type CustomTypesConfig } from 'pg';
import { decimalText, integerValue, isoTimestamp } from './normalize-value.js';

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

const parsers = new Map<number, (text: string) => unknown>([
  [OID.int8, integerValue],
  [OID.numeric, decimalText],
  [OID.date, identity],
  [OID.interval, identity],
  [OID.timestamp, parseTimestampText],
  [OID.timestamptz, parseTimestampText],
  // JSON stays text: destinations get the document as written, not a re-serialised object.
  [OID.json, identity],
  [OID.jsonb, identity],
]);

/** Type parsers for dbt-spoke's pools only, leaving pg's global defaults alone for other users. */
export const spokeTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const parser = format === 'binary' ? undefined : parsers.get(oid);
    return parser ?? pg.types.getTypeParser(oid, format as 'text');
  }) as CustomTypesConfig['getTypeParser'],
};

import { SpokeError } from '../../errors.js';
import { closestMatches, formatList } from '../../util/suggest.js';

const RUN_STATUSES = ['running', 'success', 'failed', 'error', 'locked'];
const RECORD_STATUSES = ['created', 'updated', 'deleted', 'skipped', 'failed'];
const OPERATIONS = ['upsert', 'update', 'create', 'delete', 'associate'];

export interface ListArgs {
  limit: number;
  syncId?: string;
  status?: string;
  cursor?: string;
}

export interface RecordsArgs {
  syncId?: string;
  status?: string;
  operation?: string;
  key?: string;
  format: 'table' | 'json' | 'csv';
}

/** `spoke runs` flags as typed options; a usage error names the flag and the values it takes. */
export function listArgs(raw: Record<string, unknown>): ListArgs {
  return {
    limit: positiveInteger(raw.limit, '--limit', 1000),
    ...optional('syncId', raw.sync),
    ...optional('status', oneOf(raw.status, '--status', RUN_STATUSES)),
    ...optional('cursor', raw.cursor),
  };
}

export function recordsArgs(raw: Record<string, unknown>, json: boolean): RecordsArgs {
  if (json && raw.csv) throw new SpokeError('SPOKE_USAGE', 'Pass either --json or --csv, not both.');
  return {
    ...optional('syncId', raw.sync),
    ...optional('status', oneOf(raw.status, '--status', RECORD_STATUSES)),
    ...optional('operation', oneOf(raw.operation, '--operation', OPERATIONS)),
    ...optional('key', raw.key),
    format: json ? 'json' : raw.csv ? 'csv' : 'table',
  };
}

function optional<K extends string>(name: K, value: unknown): { [key in K]?: string } {
  return typeof value === 'string' ? ({ [name]: value } as { [key in K]: string }) : {};
}

function oneOf(value: unknown, flag: string, allowed: readonly string[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (allowed.includes(value)) return value;
  const [near] = closestMatches(value, allowed, 1);
  throw new SpokeError(
    'SPOKE_USAGE',
    `${flag} ${JSON.stringify(value)} is not one of ${formatList(allowed)}.${near ? ` Did you mean \`${near}\`?` : ''}`,
  );
}

function positiveInteger(value: unknown, flag: string, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `${flag} ${JSON.stringify(String(value))} is not a whole number from 1 to ${max}.`,
    );
  }
  return number;
}

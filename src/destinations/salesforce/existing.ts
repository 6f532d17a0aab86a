import type { Connection } from 'jsforce';
import type { OutboundRecord, RecordOutcome, WriteRequest } from '../contract.js';

const MAX_IN_CLAUSE_CHARS = 3000;

export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function chunks(keys: string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const key of keys) {
    const literal = soqlString(key);
    if (current.length > 0 && length + literal.length > MAX_IN_CLAUSE_CHARS) {
      out.push(current);
      current = [];
      length = 0;
    }
    current.push(key);
    length += literal.length + 1;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Ids of the records whose match field holds one of the keys, by lower-cased key (Salesforce
 * compares text case-insensitively). Queries in chunks so the SOQL stays short.
 */
export async function findExisting(
  conn: Connection,
  object: string,
  match: string,
  keys: string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const chunk of chunks(keys)) {
    const soql = `SELECT Id, ${match} FROM ${object} WHERE ${match} IN (${chunk.map(soqlString).join(', ')})`;
    const result = await conn.query<Record<string, unknown>>(soql, { autoFetch: true, maxFetch: 100_000 });
    for (const row of result.records) {
      const value = row[match];
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const key = String(value).toLowerCase();
      found.set(key, [...(found.get(key) ?? []), String(row.Id)]);
    }
  }
  return found;
}

/** A record to write, with its Salesforce Id when the write needs one (update, delete). */
export interface PendingWrite {
  record: OutboundRecord;
  id?: string;
}

export interface Classified {
  /** Records settled without a write (no match, already exists, duplicate match, already gone). */
  settled: Map<string, RecordOutcome>;
  pending: PendingWrite[];
}

/**
 * `update` writes only keys that exist, `create` only keys that do not: a record a killed run
 * created is found here and skipped instead of created twice.
 */
export function classifyByExisting(
  mode: 'update' | 'create',
  request: WriteRequest,
  records: OutboundRecord[],
  existing: Map<string, string[]>,
): Classified {
  const settled = new Map<string, RecordOutcome>();
  const pending: PendingWrite[] = [];
  for (const record of records) {
    const ids = existing.get(record.key.toLowerCase()) ?? [];
    if (mode === 'update' && ids.length === 0) {
      settled.set(record.key, {
        key: record.key,
        status: 'skipped',
        error: {
          code: 'NO_MATCH',
          message: `no ${request.object} with ${request.match} = ${record.key}`,
          transient: false,
        },
      });
    } else if (ids.length > 1) {
      settled.set(record.key, duplicateMatch(request, record, ids.length));
    } else if (mode === 'create' && ids[0]) {
      settled.set(record.key, {
        key: record.key,
        status: 'skipped',
        destinationId: ids[0],
        error: {
          code: 'ALREADY_EXISTS',
          message: `${request.object} ${ids[0]} already has ${request.match} = ${record.key}`,
          transient: false,
        },
      });
    } else pending.push(ids[0] ? { record, id: ids[0] } : { record });
  }
  return { settled, pending };
}

function duplicateMatch(request: WriteRequest, record: OutboundRecord, count: number): RecordOutcome {
  return {
    key: record.key,
    status: 'failed',
    error: {
      code: 'DUPLICATE_MATCH',
      message: `${count} ${request.object} records have ${request.match} = ${record.key}`,
      transient: false,
    },
  };
}

/**
 * The Ids to delete: the one an earlier sync learned, else the record found by key. A key with no
 * record left counts as deleted, so a rerun after a crash is harmless.
 */
export async function idsToDelete(
  conn: Connection,
  request: WriteRequest,
  records: OutboundRecord[],
): Promise<Classified> {
  const settled = new Map<string, RecordOutcome>();
  const pending: PendingWrite[] = [];
  const unknown = records.filter((r) => !r.destinationId);
  const existing =
    unknown.length > 0
      ? await findExisting(
          conn,
          request.object,
          request.match,
          unknown.map((r) => r.key),
        )
      : new Map<string, string[]>();
  for (const record of records) {
    if (record.destinationId) {
      pending.push({ record, id: record.destinationId });
      continue;
    }
    const ids = existing.get(record.key.toLowerCase()) ?? [];
    if (ids.length === 0) settled.set(record.key, { key: record.key, status: 'deleted' });
    else if (ids.length > 1) settled.set(record.key, duplicateMatch(request, record, ids.length));
    else pending.push({ record, id: ids[0] as string });
  }
  return { settled, pending };
}

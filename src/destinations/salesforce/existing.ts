import type { Connection } from 'jsforce';

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

import type { SandboxStore, StoredRecord } from '../store.js';

/** Text compares case-insensitively, as Salesforce matches external ids. */
export function indexKey(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : String(value);
}

interface Entry {
  /** The store's version of the object this index reflects. */
  version: number;
  ids: Map<string, string[]>;
}

/**
 * Record ids by field value, per object and field, kept for the server's life: built once on
 * first use, then updated record by record as requests write, so a lookup costs O(1) and a
 * request O(its records) however large the table. A write that did not come through `written`
 * (a rollback, the control API, a reset) changes the store's version, and the index is rebuilt
 * when next asked.
 */
export class ValueIndexes {
  private readonly objects = new Map<string, Map<string, Entry>>();

  constructor(private readonly store: SandboxStore) {}

  /** Ids of the object's records by (indexKey of) the field's value. */
  ids(object: string, field: string): Map<string, string[]> {
    const version = this.store.version('salesforce', object);
    let fields = this.objects.get(object);
    if (!fields) {
      fields = new Map();
      this.objects.set(object, fields);
    }
    let entry = fields.get(field);
    if (!entry || entry.version !== version) {
      const ids = new Map<string, string[]>();
      for (const record of this.store.records('salesforce', object))
        add(ids, record.fields[field], record.id);
      entry = { version, ids };
      fields.set(field, entry);
    }
    return entry.ids;
  }

  /**
   * One record was written (`after` undefined: removed); `versionBefore` is the object's version
   * just before. Indexes that were current stay current; others are left to rebuild.
   */
  written(
    object: string,
    id: string,
    before: StoredRecord | undefined,
    after: StoredRecord | undefined,
    versionBefore: number,
  ): void {
    const fields = this.objects.get(object);
    if (!fields) return;
    const version = this.store.version('salesforce', object);
    for (const [field, entry] of fields) {
      if (entry.version !== versionBefore) continue;
      const old = before?.fields[field];
      const next = after?.fields[field];
      if (old !== null && old !== undefined) {
        const key = indexKey(old);
        const rest = (entry.ids.get(key) ?? []).filter((other) => other !== id);
        if (rest.length > 0) entry.ids.set(key, rest);
        else entry.ids.delete(key);
      }
      add(entry.ids, next, id);
      entry.version = version;
    }
  }
}

function add(ids: Map<string, string[]>, value: unknown, id: string): void {
  if (value === null || value === undefined) return;
  const key = indexKey(value);
  const found = ids.get(key);
  if (found) found.push(id);
  else ids.set(key, [id]);
}

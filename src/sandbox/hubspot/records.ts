import type { SandboxStore, StoredRecord } from '../store.js';
import { objectSingular, recordId } from './object-types.js';
import type { PropertyRegistry } from './properties.js';
import type { PropertyProblem } from './validate.js';

/** Properties returned when a read names none, like HubSpot's defaults per object. */
const DEFAULT_READ_PROPERTIES: Record<string, string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  deals: [
    'amount',
    'closedate',
    'createdate',
    'dealname',
    'dealstage',
    'hs_lastmodifieddate',
    'hs_object_id',
    'pipeline',
  ],
};

const CONTACT_SYSTEM_PROPERTIES = ['hs_object_id', 'createdate', 'lastmodifieddate'];
const OTHER_SYSTEM_PROPERTIES = ['hs_object_id', 'createdate', 'hs_lastmodifieddate'];

/** Shared lists: read per record written, never changed. */
function systemProperties(objectType: string): readonly string[] {
  return objectType === 'contacts' ? CONTACT_SYSTEM_PROPERTIES : OTHER_SYSTEM_PROPERTIES;
}

type Indexes = Map<string, Map<string, StoredRecord>>;

/**
 * Unique-value indexes per live table, kept across requests: rebuilding one per request would
 * scan every record of a large sandbox for each batch. Every write to a HubSpot object table
 * goes through ObjectTable, which keeps them current; `store.clear()` hands out new tables.
 */
const indexCache = new WeakMap<Record<string, StoredRecord>, Indexes>();

/**
 * One object type's records for the duration of a request, with unique-value indexes built
 * lazily and kept current as the request writes.
 */
export class ObjectTable {
  private readonly table: Record<string, StoredRecord>;
  private readonly indexes: Indexes;
  /** One timestamp per request: the records a batch creates or updates share it, as on HubSpot. */
  private readonly now = new Date().toISOString();

  constructor(
    private readonly store: SandboxStore,
    private readonly registry: PropertyRegistry,
    readonly objectType: string,
  ) {
    this.table = store.table('hubspot', objectType);
    let indexes = indexCache.get(this.table);
    if (!indexes) {
      indexes = new Map();
      indexCache.set(this.table, indexes);
    }
    this.indexes = indexes;
  }

  get(id: string, archived = false): StoredRecord | undefined {
    const record = this.table[id];
    return record && Boolean(record.archived) === archived ? record : undefined;
  }

  /** Finds a record by its id (`hs_object_id` or no idProperty) or by a unique property value. */
  find(idProperty: string | undefined, id: string, archived = false): StoredRecord | undefined {
    if (!idProperty || idProperty === 'hs_object_id') return this.get(id, archived);
    if (archived) {
      return Object.values(this.table).find(
        (r) => r.archived && indexKey(idProperty, r.fields[idProperty]) === indexKey(idProperty, id),
      );
    }
    return this.index(idProperty).get(indexKey(idProperty, id));
  }

  all(): StoredRecord[] {
    return Object.values(this.table).filter((r) => !r.archived);
  }

  /** CONFLICT problems for unique values `values` would give a record other than `selfId`. */
  conflicts(values: Record<string, string>, selfId?: string): PropertyProblem[] {
    const problems: PropertyProblem[] = [];
    for (const [name, value] of Object.entries(values)) {
      if (value === '' || !this.registry.isUnique(this.objectType, name)) continue;
      const other = this.find(name, value);
      if (other && other.id !== selfId) {
        problems.push({
          code: 'CONFLICT',
          message: `A ${objectSingular(this.objectType).toLowerCase()} with ${name} "${value}" already exists. Existing ID: ${other.id}`,
          propertyName: name,
        });
      }
    }
    return problems;
  }

  create(values: Record<string, string>): StoredRecord {
    const id = recordId(this.objectType, this.store.nextSequence('hubspot', this.objectType));
    const now = this.now;
    const fields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(values)) if (value !== '') fields[name] = value;
    Object.assign(fields, {
      hs_object_id: id,
      createdate: now,
      lastmodifieddate: now,
      hs_lastmodifieddate: now,
    });
    const record: StoredRecord = { id, fields, createdAt: now, updatedAt: now };
    this.table[id] = record;
    this.reindex(record, {});
    return record;
  }

  update(record: StoredRecord, values: Record<string, string>): void {
    const before = { ...record.fields };
    const now = this.now;
    for (const [name, value] of Object.entries(values)) {
      if (value === '') delete record.fields[name];
      else record.fields[name] = value;
    }
    record.fields.lastmodifieddate = now;
    record.fields.hs_lastmodifieddate = now;
    record.updatedAt = now;
    this.store.touch('hubspot', this.objectType, record.id);
    this.reindex(record, before);
  }

  archive(record: StoredRecord): void {
    const before = { ...record.fields };
    record.archived = true;
    record.updatedAt = new Date().toISOString();
    this.store.touch('hubspot', this.objectType, record.id);
    for (const [name, index] of this.indexes) {
      const key = indexKey(name, before[name]);
      if (index.get(key) === record) index.delete(key);
    }
  }

  private index(name: string): Map<string, StoredRecord> {
    let index = this.indexes.get(name);
    if (!index) {
      index = new Map();
      for (const record of this.all()) {
        const value = record.fields[name];
        if (value !== undefined && value !== '') index.set(indexKey(name, value), record);
      }
      this.indexes.set(name, index);
    }
    return index;
  }

  private reindex(record: StoredRecord, before: Record<string, unknown>): void {
    for (const [name, index] of this.indexes) {
      const old = before[name];
      if (old !== undefined && index.get(indexKey(name, old)) === record) index.delete(indexKey(name, old));
      const now = record.fields[name];
      if (now !== undefined && now !== '') index.set(indexKey(name, now), record);
    }
  }
}

/** HubSpot compares email addresses case-insensitively. */
function indexKey(name: string, value: unknown): string {
  const text = String(value);
  return name === 'email' ? text.toLowerCase() : text;
}

/**
 * The `SimplePublicObject` shape. `properties` lists what to return: the requested ones (or
 * the defaults) for a read, where unset ones come back as null, as HubSpot's reads show them.
 */
export function toPublicObject(
  objectType: string,
  record: StoredRecord,
  properties?: readonly string[],
  unset: null | '' = null,
) {
  const names =
    properties && properties.length > 0
      ? properties
      : (DEFAULT_READ_PROPERTIES[objectType] ?? systemProperties(objectType));
  const out: Record<string, string | null> = {};
  for (const name of names) {
    const value = record.fields[name];
    out[name] = value === undefined ? unset : String(value);
  }
  return {
    id: record.id,
    properties: out,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    archived: Boolean(record.archived),
    ...(record.archived ? { archivedAt: record.updatedAt } : {}),
  };
}

/**
 * A record as create, update and upsert answer: the written properties plus the system ones,
 * every value a string (the spec's type); a cleared property echoes "" as HubSpot's does.
 */
export function writtenObject(objectType: string, record: StoredRecord, values: Record<string, string>) {
  const names = Object.keys(values);
  for (const name of systemProperties(objectType)) if (!(name in values)) names.push(name);
  return toPublicObject(objectType, record, names, '');
}

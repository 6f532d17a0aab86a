import type { SandboxStore, StoredRecord } from '../store.js';
import { formatDateTime } from './coerce.js';
import { type RecordError, recordError } from './errors.js';
import { newId, normaliseId } from './ids.js';
import type { ObjectRegistry } from './objects.js';
import type { SalesforceField, SalesforceObject } from './types.js';
import { checkRecord, type RecordLookup, resolveBody } from './validate.js';
import { indexKey, type ValueIndexes } from './value-indexes.js';

export type SaveResult =
  | { success: true; id: string; created: boolean }
  | { success: false; errors: RecordError[] };

/**
 * One request's writes to the store: creates, updates, upserts and deletes of single records
 * with Salesforce's validation, an undo journal for `allOrNone`, and external-id lookups through
 * the server's value indexes, which every write here keeps current. Shared by the REST
 * routes (and meant for Bulk API ingest later).
 */
export class DmlContext implements RecordLookup {
  private readonly journal: Array<{ object: string; id: string; before: StoredRecord | undefined }> = [];
  private readonly now = formatDateTime(new Date());
  /** The records' own createdAt/updatedAt: one per request (or Bulk batch), as `now` is. */
  private readonly stamp = new Date().toISOString();

  /** `undoable: false` keeps no journal (Bulk jobs never roll back, and may write 100,000 rows). */
  constructor(
    readonly store: SandboxStore,
    readonly registry: ObjectRegistry,
    readonly userId: string,
    private readonly indexes: ValueIndexes,
    private readonly undoable = true,
  ) {}

  private get checks() {
    return { registry: this.registry, lookup: this as RecordLookup };
  }

  private table(object: SalesforceObject): Record<string, StoredRecord> {
    return this.store.table('salesforce', object.name);
  }

  get(object: SalesforceObject, id: string): StoredRecord | undefined {
    return this.table(object)[normaliseId(id)];
  }

  exists(object: SalesforceObject, id: string): boolean {
    return this.get(object, id) !== undefined;
  }

  /** Ids of records whose field equals value (text compared case-insensitively, as Salesforce does). */
  findBy(object: SalesforceObject, field: SalesforceField, value: unknown): string[] {
    if (field.type === 'id') return this.exists(object, String(value)) ? [normaliseId(String(value))] : [];
    return [...(this.indexes.ids(object.name, field.name).get(indexKey(value)) ?? [])];
  }

  private write(object: SalesforceObject, id: string, after: StoredRecord | undefined): void {
    const table = this.table(object);
    const before = table[id];
    if (this.undoable)
      this.journal.push({ object: object.name, id, before: before && structuredClone(before) });
    const version = this.store.version('salesforce', object.name);
    if (after) table[id] = after;
    else delete table[id];
    this.indexes.written(object.name, id, before, after, version);
  }

  /** Undoes every write of this context, newest first. */
  rollback(): void {
    for (const entry of this.journal.reverse()) {
      const table = this.store.table('salesforce', entry.object);
      if (entry.before) table[entry.id] = entry.before;
      else delete table[entry.id];
    }
    this.journal.length = 0;
  }

  private derived(object: SalesforceObject, fields: Record<string, unknown>): void {
    const name = this.registry.field(object, 'Name');
    if (name && !name.createable && this.registry.field(object, 'LastName')) {
      fields.Name = [fields.FirstName, fields.LastName]
        .filter((v) => v !== null && v !== undefined)
        .join(' ');
    }
  }

  create(object: SalesforceObject, body: Record<string, unknown>, ignore: string[] = []): SaveResult {
    const resolved = resolveBody(this.checks, object, body, 'create', ignore);
    if (!resolved.ok) return { success: false, errors: resolved.errors };
    const fields: Record<string, unknown> = {};
    for (const field of this.registry.writeRules(object).booleanDefaults)
      fields[field.name] = field.name === 'IsActive';
    if (this.registry.field(object, 'OwnerId')) fields.OwnerId = this.userId;
    Object.assign(fields, resolved.values);
    const errors = checkRecord(this.checks, object, null, fields);
    if (errors.length > 0) return { success: false, errors };
    const id = newId(this.store, object.name, object.keyPrefix);
    for (const name of ['CreatedDate', 'LastModifiedDate', 'SystemModstamp']) {
      if (this.registry.field(object, name)) fields[name] = this.now;
    }
    for (const name of ['CreatedById', 'LastModifiedById']) {
      if (this.registry.field(object, name)) fields[name] = this.userId;
    }
    this.derived(object, fields);
    this.write(object, id, { id, fields, createdAt: this.stamp, updatedAt: this.stamp });
    return { success: true, id, created: true };
  }

  update(
    object: SalesforceObject,
    id: string,
    body: Record<string, unknown>,
    ignore: string[] = [],
  ): SaveResult {
    const existing = this.get(object, id);
    if (!existing) return { success: false, errors: [recordError('ENTITY_IS_DELETED', 'entity is deleted')] };
    const resolved = resolveBody(this.checks, object, body, 'update', ignore);
    if (!resolved.ok) return { success: false, errors: resolved.errors };
    const fields = { ...existing.fields, ...resolved.values };
    const errors = checkRecord(this.checks, object, existing.id, fields);
    if (errors.length > 0) return { success: false, errors };
    for (const name of ['LastModifiedDate', 'SystemModstamp']) {
      if (this.registry.field(object, name)) fields[name] = this.now;
    }
    if (this.registry.field(object, 'LastModifiedById')) fields.LastModifiedById = this.userId;
    this.derived(object, fields);
    this.write(object, existing.id, { ...existing, fields, updatedAt: this.stamp });
    return { success: true, id: existing.id, created: false };
  }

  /** Create or update by an external id; `matches` > 1 is the caller's to report (HTTP 300). */
  upsert(
    object: SalesforceObject,
    match: SalesforceField,
    value: unknown,
    body: Record<string, unknown>,
  ): SaveResult {
    const ids = this.findBy(object, match, value);
    if (ids.length > 1) {
      return {
        success: false,
        errors: [
          recordError(
            'DUPLICATE_EXTERNAL_ID',
            `${match.name}: more than one record found for external id field: ${ids.join(', ')}`,
            [match.name],
          ),
        ],
      };
    }
    const [id] = ids;
    if (id) return this.update(object, id, body, [match.name]);
    return this.create(object, { ...body, [match.name]: value });
  }

  remove(object: SalesforceObject, id: string): SaveResult {
    const existing = this.get(object, id);
    if (!existing) return { success: false, errors: [recordError('ENTITY_IS_DELETED', 'entity is deleted')] };
    this.write(object, existing.id, undefined);
    return { success: true, id: existing.id, created: false };
  }
}

import type { SandboxStore, StoredRecord } from '../store.js';
import { inverseAssociationType } from './object-types.js';

/** Table of the store holding associations, one row per direction. */
export const ASSOCIATIONS_TABLE = 'associations';

export interface AssociationRow {
  fromObjectType: string;
  fromObjectId: string;
  toObjectType: string;
  toObjectId: string;
  associationTypeId: number;
  associationCategory: string;
}

function rowId(row: AssociationRow): string {
  return `${row.fromObjectType}:${row.fromObjectId}->${row.toObjectType}:${row.toObjectId}:${row.associationTypeId}`;
}

type Table = Record<string, StoredRecord>;

/**
 * Row ids by the record they start from (`type:id`), per live table, so reading or dropping one
 * record's associations does not scan every association. Kept current by the functions below,
 * the only writers of the table.
 */
const byRecord = new WeakMap<Table, Map<string, Set<string>>>();

function recordIndex(table: Table): Map<string, Set<string>> {
  let index = byRecord.get(table);
  if (!index) {
    index = new Map();
    for (const [id, record] of Object.entries(table))
      indexRow(index, id, record.fields as unknown as AssociationRow);
    byRecord.set(table, index);
  }
  return index;
}

function indexRow(index: Map<string, Set<string>>, id: string, row: AssociationRow): void {
  const key = `${row.fromObjectType}:${row.fromObjectId}`;
  let ids = index.get(key);
  if (!ids) {
    ids = new Set();
    index.set(key, ids);
  }
  ids.add(id);
}

/** Stores an association and its inverse (HubSpot associations are readable from both sides). */
export function associate(store: SandboxStore, row: AssociationRow): void {
  const table = store.table('hubspot', ASSOCIATIONS_TABLE);
  const now = new Date().toISOString();
  const inverse: AssociationRow = {
    fromObjectType: row.toObjectType,
    fromObjectId: row.toObjectId,
    toObjectType: row.fromObjectType,
    toObjectId: row.fromObjectId,
    associationTypeId: inverseAssociationType(row.associationTypeId),
    associationCategory: row.associationCategory,
  };
  const index = recordIndex(table);
  for (const r of [row, inverse]) {
    const id = rowId(r);
    const existing = table[id];
    table[id] = { id, fields: { ...r }, createdAt: existing?.createdAt ?? now, updatedAt: now };
    indexRow(index, id, r);
  }
}

export function associationsOf(
  store: SandboxStore,
  fromType: string,
  fromId: string,
  toType: string,
): AssociationRow[] {
  const table = store.table('hubspot', ASSOCIATIONS_TABLE);
  const ids = recordIndex(table).get(`${fromType}:${fromId}`) ?? [];
  return [...ids]
    .map((id) => table[id]?.fields as AssociationRow | undefined)
    .filter((a): a is AssociationRow => a !== undefined && a.toObjectType === toType);
}

/** Drops every association touching an archived record. */
export function dropAssociations(store: SandboxStore, type: string, id: string): void {
  const table = store.table('hubspot', ASSOCIATIONS_TABLE);
  const index = recordIndex(table);
  const key = `${type}:${id}`;
  for (const rowKey of index.get(key) ?? []) {
    const row = table[rowKey]?.fields as AssociationRow | undefined;
    delete table[rowKey];
    if (!row) continue;
    const inverseKey = `${row.toObjectType}:${row.toObjectId}`;
    for (const other of index.get(inverseKey) ?? []) {
      const a = table[other]?.fields as AssociationRow | undefined;
      if (a?.toObjectType === type && a.toObjectId === id) {
        delete table[other];
        index.get(inverseKey)?.delete(other);
      }
    }
  }
  index.delete(key);
}

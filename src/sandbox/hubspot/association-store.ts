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
  for (const r of [row, inverse]) {
    const id = rowId(r);
    const existing = table[id];
    table[id] = { id, fields: { ...r }, createdAt: existing?.createdAt ?? now, updatedAt: now };
  }
}

export function associationsOf(
  store: SandboxStore,
  fromType: string,
  fromId: string,
  toType: string,
): AssociationRow[] {
  return store
    .records('hubspot', ASSOCIATIONS_TABLE)
    .map((r: StoredRecord) => r.fields as unknown as AssociationRow)
    .filter((a) => a.fromObjectType === fromType && a.fromObjectId === fromId && a.toObjectType === toType);
}

/** Drops every association touching an archived record. */
export function dropAssociations(store: SandboxStore, type: string, id: string): void {
  const table = store.table('hubspot', ASSOCIATIONS_TABLE);
  for (const [key, record] of Object.entries(table)) {
    const a = record.fields as unknown as AssociationRow;
    if (
      (a.fromObjectType === type && a.fromObjectId === id) ||
      (a.toObjectType === type && a.toObjectId === id)
    ) {
      delete table[key];
    }
  }
}

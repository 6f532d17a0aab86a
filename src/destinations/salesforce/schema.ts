import type { Connection } from 'jsforce';
import type { FieldSchema, ObjectSchema } from '../contract.js';
import { byName, pick } from '../saved-schema.js';

interface DescribedField {
  name: string;
  label?: string;
  type: string;
  externalId?: boolean;
  idLookup?: boolean;
  unique?: boolean;
  caseSensitive?: boolean;
  createable?: boolean;
  updateable?: boolean;
  nillable?: boolean;
  defaultedOnCreate?: boolean;
  picklistValues?: Array<{ value: string; active?: boolean }> | null;
  restrictedPicklist?: boolean;
  referenceTo?: string[] | null;
  relationshipName?: string | null;
}

export function toFieldSchema(f: DescribedField): FieldSchema {
  const field: FieldSchema = {
    name: f.name,
    type: f.type,
    unique: Boolean(f.externalId || (f.idLookup && f.unique)),
    createable: Boolean(f.createable),
    updateable: Boolean(f.updateable),
    required: !f.nillable && !f.defaultedOnCreate && Boolean(f.createable),
  };
  if (f.label) field.label = f.label;
  if (f.caseSensitive) field.caseSensitive = true;
  const picklist = (f.picklistValues ?? []).filter((p) => p.active !== false).map((p) => p.value);
  if (picklist.length > 0) field.picklistValues = picklist;
  if (f.restrictedPicklist) field.restrictedPicklist = true;
  if (f.referenceTo && f.referenceTo.length > 0) {
    field.referenceTo = f.referenceTo;
    field.relationshipName = f.relationshipName ?? null;
  }
  return field;
}

/** The describe keys spoke and the sandbox read; the rest of a describe response is noise in a diff. */
const OBJECT_KEYS = ['name', 'label', 'labelPlural', 'keyPrefix', 'custom'] as const;
const FIELD_KEYS = [
  'name',
  'label',
  'type',
  'externalId',
  'unique',
  'idLookup',
  'caseSensitive',
  'createable',
  'updateable',
  'nillable',
  'defaultedOnCreate',
  'length',
  'precision',
  'scale',
  'picklistValues',
  'restrictedPicklist',
  'referenceTo',
  'relationshipName',
  'custom',
] as const;
const PICKLIST_KEYS = ['value', 'label', 'active', 'defaultValue'] as const;

/** A describe response as saved in `spoke_schemas/salesforce/<Object>.json`. */
export interface SavedDescribe {
  name: string;
  fields: DescribedField[];
  [key: string]: unknown;
}

/** A describe response trimmed to what spoke and the sandbox read, fields sorted by name. */
export function trimDescribe(described: { name: string; fields: unknown[] }): SavedDescribe {
  const fields = (described.fields as DescribedField[])
    .map((field) => {
      const trimmed = pick(field, FIELD_KEYS);
      if (Array.isArray(field.picklistValues)) {
        trimmed.picklistValues = field.picklistValues.map((value) => pick(value, PICKLIST_KEYS));
      }
      return trimmed as unknown as DescribedField;
    })
    .sort(byName);
  return { ...pick(described, OBJECT_KEYS), name: described.name, fields };
}

/** A describe response, live or saved, as the destination contract's object schema. */
export function describeToSchema(described: { name: string; fields: unknown[] }): ObjectSchema {
  return { object: described.name, fields: (described.fields as DescribedField[]).map(toFieldSchema) };
}

/** `GET …/sobjects/{object}/describe`, trimmed for saving. */
export async function describeForSaving(conn: Connection, object: string): Promise<SavedDescribe> {
  return trimDescribe((await conn.describe(object)) as unknown as SavedDescribe);
}

/** `GET …/sobjects/{object}/describe` as the destination contract's object schema. */
export async function describeObject(conn: Connection, object: string): Promise<ObjectSchema> {
  return describeToSchema((await conn.describe(object)) as unknown as SavedDescribe);
}

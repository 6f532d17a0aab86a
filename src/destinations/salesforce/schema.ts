import type { Connection } from 'jsforce';
import type { FieldSchema, ObjectSchema } from '../contract.js';

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
  if (f.referenceTo && f.referenceTo.length > 0) {
    field.referenceTo = f.referenceTo;
    field.relationshipName = f.relationshipName ?? null;
  }
  return field;
}

/** `GET …/sobjects/{object}/describe` as the destination contract's object schema. */
export async function describeObject(conn: Connection, object: string): Promise<ObjectSchema> {
  const described = await conn.describe(object);
  return {
    object: described.name,
    fields: (described.fields as unknown as DescribedField[]).map(toFieldSchema),
  };
}

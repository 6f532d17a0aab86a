import type { FieldSchema, ObjectSchema } from '../contract.js';
import type { HubspotApi } from './hubspot-api.js';

interface PropertyLike {
  name: string;
  label?: string;
  type: string;
  options?: { value: string }[];
  hasUniqueValue?: boolean;
  calculated?: boolean;
  modificationMetadata?: { readOnlyValue?: boolean };
}

export function propertyToField(object: string, property: PropertyLike): FieldSchema {
  const writable = !property.modificationMetadata?.readOnlyValue && !property.calculated;
  const options = property.options ?? [];
  return {
    name: property.name,
    ...(property.label !== undefined ? { label: property.label } : {}),
    type: property.type,
    unique: Boolean(property.hasUniqueValue) || (object === 'contacts' && property.name === 'email'),
    createable: writable,
    updateable: writable,
    required: false,
    ...(options.length > 0 ? { picklistValues: options.map((o) => o.value) } : {}),
  };
}

/** The object's properties as the destination contract's schema. Throws what the client throws. */
export async function describeObject(api: HubspotApi, object: string): Promise<ObjectSchema> {
  const response = await api.send((client) =>
    client.crm.properties.coreApi.getAllWithHttpInfo(object, false),
  );
  return { object, fields: response.results.map((p) => propertyToField(object, p)) };
}

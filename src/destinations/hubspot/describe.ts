import type { FieldSchema, ObjectSchema } from '../contract.js';
import { byName, pick } from '../saved-schema.js';
import type { HubspotApi } from './hubspot-api.js';

interface PropertyLike {
  name: string;
  label?: string;
  type: string;
  options?: { value: string }[];
  externalOptions?: boolean;
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
    // HubSpot refuses an enumeration value outside the property's own options.
    ...(property.type === 'enumeration' && !property.externalOptions ? { restrictedPicklist: true } : {}),
  };
}

/** The property keys spoke and the sandbox read; the rest of a properties response is noise in a diff. */
const PROPERTY_KEYS = [
  'name',
  'label',
  'type',
  'fieldType',
  'groupName',
  'hasUniqueValue',
  'calculated',
  'externalOptions',
  'hubspotDefined',
] as const;
const OPTION_KEYS = ['label', 'value', 'hidden'] as const;

/** A properties response as saved in `spoke_schemas/hubspot/<objectType>.json`. */
export interface SavedProperties {
  results: PropertyLike[];
}

/** A properties response trimmed to what spoke and the sandbox read, sorted by property name. */
export function trimProperties(properties: PropertyLike[]): SavedProperties {
  const results = properties
    .map((property) => {
      const trimmed = pick(property, PROPERTY_KEYS);
      if (property.options) trimmed.options = property.options.map((option) => pick(option, OPTION_KEYS));
      if (property.modificationMetadata?.readOnlyValue !== undefined) {
        trimmed.modificationMetadata = { readOnlyValue: property.modificationMetadata.readOnlyValue };
      }
      return trimmed as unknown as PropertyLike;
    })
    .sort(byName);
  return { results };
}

/** A properties response, live or saved, as the destination contract's object schema. */
export function propertiesToSchema(object: string, saved: SavedProperties): ObjectSchema {
  return { object, fields: saved.results.map((p) => propertyToField(object, p)) };
}

async function getProperties(api: HubspotApi, object: string): Promise<PropertyLike[]> {
  const response = await api.send((client) =>
    client.crm.properties.coreApi.getAllWithHttpInfo(object, false),
  );
  return response.results;
}

/** The object's properties, trimmed for saving. */
export async function describeForSaving(api: HubspotApi, object: string): Promise<SavedProperties> {
  return trimProperties(await getProperties(api, object));
}

/** The object's properties as the destination contract's schema. Throws what the client throws. */
export async function describeObject(api: HubspotApi, object: string): Promise<ObjectSchema> {
  return propertiesToSchema(object, { results: await getProperties(api, object) });
}

import { defaultHubspotProperties } from './default-properties.js';
import { validationError } from './errors.js';
import { objectTypeId, resolveObjectType } from './object-types.js';
import type { HubspotPropertyDef } from './types.js';

const EPOCH = '2024-01-01T00:00:00.000Z';

/** The properties of every object type the sandbox serves: defaults plus configured ones. */
export class PropertyRegistry {
  private readonly byType = new Map<string, Map<string, HubspotPropertyDef>>();

  constructor(extra: Record<string, HubspotPropertyDef[]> = {}) {
    for (const [type, defs] of Object.entries(defaultHubspotProperties())) this.add(type, defs);
    for (const [type, defs] of Object.entries(extra)) this.add(resolveObjectType(type, []) ?? type, defs);
  }

  private add(type: string, defs: HubspotPropertyDef[]): void {
    const map = this.byType.get(type) ?? new Map<string, HubspotPropertyDef>();
    for (const d of defs) map.set(d.name, d);
    this.byType.set(type, map);
  }

  objectTypes(): string[] {
    return [...this.byType.keys()];
  }

  /** Resolves a path segment to a served object type, or refuses the request as HubSpot does. */
  objectType(segment: string): string {
    const type = resolveObjectType(segment, this.byType.keys());
    if (!type || !this.byType.has(type)) {
      throw validationError(`Unable to infer object type from: ${segment}`);
    }
    return type;
  }

  list(type: string): HubspotPropertyDef[] {
    return [...(this.byType.get(type)?.values() ?? [])];
  }

  get(type: string, name: string): HubspotPropertyDef | undefined {
    return this.byType.get(type)?.get(name);
  }

  /** Usable as `idProperty`: unique-value properties, and `email` on contacts. */
  isUnique(type: string, name: string): boolean {
    const def = this.get(type, name);
    return Boolean(def?.hasUniqueValue) || (type === 'contacts' && name === 'email' && def !== undefined);
  }

  /** Throws HubSpot's 400 unless `name` can identify records of `type`. */
  requireIdProperty(type: string, name: string, portalId: number): void {
    if (this.isUnique(type, name)) return;
    throw validationError(
      `Unable to perform update/upsert by non-unique ${objectTypeId(type)} property ${name} in portal ID ${portalId}`,
    );
  }
}

export function isReadOnly(def: HubspotPropertyDef): boolean {
  return Boolean(def.modificationMetadata?.readOnlyValue) || Boolean(def.calculated);
}

/** The full `Property` shape `GET /crm/v3/properties/{objectType}` answers with. */
export function toPropertyResponse(def: HubspotPropertyDef, index: number) {
  return {
    name: def.name,
    label: def.label ?? def.name,
    type: def.type,
    fieldType: def.fieldType ?? 'text',
    groupName: def.groupName ?? 'information',
    description: def.description ?? '',
    options: (def.options ?? []).map((o, i) => ({
      label: o.label,
      value: o.value,
      displayOrder: o.displayOrder ?? i,
      hidden: o.hidden ?? false,
    })),
    displayOrder: def.displayOrder ?? index,
    calculated: def.calculated ?? false,
    externalOptions: def.externalOptions ?? false,
    hasUniqueValue: def.hasUniqueValue ?? false,
    hidden: def.hidden ?? false,
    hubspotDefined: def.hubspotDefined ?? false,
    formField: def.formField ?? false,
    modificationMetadata: {
      archivable: def.modificationMetadata?.archivable ?? true,
      readOnlyDefinition: def.modificationMetadata?.readOnlyDefinition ?? false,
      readOnlyValue: def.modificationMetadata?.readOnlyValue ?? false,
    },
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archived: false,
  };
}

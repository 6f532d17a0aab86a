import type { SalesforceField, SalesforceFieldDef, SalesforceObject, SalesforceObjectDef } from './types.js';

function normaliseField(def: SalesforceFieldDef): SalesforceField {
  const systemManaged = def.type === 'id';
  return {
    name: def.name,
    label: def.label ?? def.name,
    type: def.type,
    length: def.length ?? 0,
    precision: def.precision ?? 0,
    scale: def.scale ?? 0,
    externalId: def.externalId ?? false,
    idLookup: def.idLookup ?? systemManaged,
    unique: def.unique ?? false,
    createable: def.createable ?? !systemManaged,
    updateable: def.updateable ?? !systemManaged,
    nillable: def.nillable ?? !systemManaged,
    defaultedOnCreate: def.defaultedOnCreate ?? systemManaged,
    picklistValues: def.picklistValues ?? [],
    restrictedPicklist: def.restrictedPicklist ?? false,
    referenceTo: def.referenceTo ?? [],
    relationshipName: def.relationshipName ?? null,
    custom: def.custom ?? def.name.endsWith('__c'),
  };
}

/** The fields every record written to an object is checked against or given. */
export interface WriteRules {
  /** Createable, not nillable and not defaulted: a create without them fails. */
  required: SalesforceField[];
  unique: SalesforceField[];
  /** Booleans Salesforce sets on create. */
  booleanDefaults: SalesforceField[];
}

function writeRulesOf(object: SalesforceObject): WriteRules {
  return {
    required: object.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate),
    unique: object.fields.filter((f) => f.unique),
    booleanDefaults: object.fields.filter((f) => f.type === 'boolean' && f.defaultedOnCreate),
  };
}

/** The sObjects the sandbox serves. Salesforce names are case-insensitive, so lookups are too. */
export class ObjectRegistry {
  private readonly objects = new Map<string, SalesforceObject>();
  private readonly fields = new Map<string, Map<string, SalesforceField>>();
  /**
   * Per object, found once: its fields (a lookup per value written need not lower-case the
   * object's name) and its write rules (checked on every record written).
   */
  private readonly known = new Map<
    SalesforceObject,
    { fields: Map<string, SalesforceField>; rules: WriteRules }
  >();
  private readonly relationships = new Map<string, Map<string, SalesforceField>>();

  constructor(defs: SalesforceObjectDef[]) {
    for (const def of defs) {
      const object: SalesforceObject = {
        name: def.name,
        label: def.label ?? def.name,
        labelPlural: def.labelPlural ?? `${def.label ?? def.name}s`,
        keyPrefix: def.keyPrefix,
        custom: def.custom ?? def.name.endsWith('__c'),
        fields: def.fields.map(normaliseField),
      };
      const key = def.name.toLowerCase();
      this.objects.set(key, object);
      const fields = new Map(object.fields.map((f) => [f.name.toLowerCase(), f]));
      this.fields.set(key, fields);
      this.known.set(object, { fields, rules: writeRulesOf(object) });
      this.relationships.set(
        key,
        new Map(
          object.fields
            .filter((f) => f.relationshipName && f.referenceTo.length > 0)
            .map((f) => [(f.relationshipName as string).toLowerCase(), f]),
        ),
      );
    }
  }

  list(): SalesforceObject[] {
    return [...this.objects.values()];
  }

  get(name: string): SalesforceObject | undefined {
    return this.objects.get(name.toLowerCase());
  }

  field(object: SalesforceObject, name: string): SalesforceField | undefined {
    const fields = this.known.get(object)?.fields ?? this.fields.get(object.name.toLowerCase());
    return fields?.get(name.toLowerCase());
  }

  writeRules(object: SalesforceObject): WriteRules {
    return this.known.get(object)?.rules ?? writeRulesOf(object);
  }

  /** The reference field behind a relationship name, e.g. `Account` → `AccountId`. */
  relationship(object: SalesforceObject, name: string): SalesforceField | undefined {
    return this.relationships.get(object.name.toLowerCase())?.get(name.toLowerCase());
  }

  byKeyPrefix(id: string): SalesforceObject | undefined {
    const prefix = id.slice(0, 3);
    return this.list().find((o) => o.keyPrefix === prefix);
  }
}

/** Defaults first; a def given by name replaces the default of that name. */
export function mergeObjectDefs(
  defaults: SalesforceObjectDef[],
  extra: SalesforceObjectDef[] = [],
): SalesforceObjectDef[] {
  const byName = new Map(defaults.map((d) => [d.name.toLowerCase(), d]));
  for (const def of extra) byName.set(def.name.toLowerCase(), def);
  return [...byName.values()];
}

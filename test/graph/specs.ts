import type { SyncSpec } from '../../src/config/types.js';

/** A sync spec as buildSyncSpecs produces it; only what a graph test cares about varies. */
export function spec(id: string, overrides: Partial<SyncSpec> = {}): SyncSpec {
  const [model = id, target = 'salesforce.Account'] = id.split(':');
  const [destination = 'salesforce', object = 'Account'] = target.split('.');
  return {
    id,
    model,
    uniqueId: `model.example.${model}`,
    relation: { database: null, schema: 'main', identifier: model },
    destination,
    object,
    key: 'id',
    match: 'External_Id__c',
    mode: 'upsert',
    fields: [],
    lookups: [],
    associations: [],
    after: [],
    source: { file: `models/${model}.yml`, index: 0 },
    ...overrides,
  };
}

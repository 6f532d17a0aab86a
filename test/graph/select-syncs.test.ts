import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { type SyncSelection, selectSyncs } from '../../src/graph/select-syncs.js';
import { buildSyncGraph } from '../../src/graph/sync-graph.js';
import { spec } from './specs.js';

const graph = buildSyncGraph([
  spec('crm_accounts:salesforce.Account'),
  spec('crm_accounts:hubspot.companies'),
  spec('crm_contacts:salesforce.Contact', { after: ['crm_accounts:salesforce.Account'] }),
  spec('crm_contacts:hubspot.contacts', { after: ['crm_accounts:hubspot.companies'] }),
  spec('crm_tasks:salesforce.Task', { after: ['crm_contacts'] }),
]);

const uniqueId = (model: string) => graph.nodes.find((n) => n.model === model)!.uniqueId;

const ids = (selection: Partial<SyncSelection>) =>
  selectSyncs(graph, {
    models: new Set(),
    spoke: [],
    excludedModels: new Set(),
    excludedSpoke: [],
    ...selection,
  }).nodes.map((n) => n.id);

describe('selectSyncs', () => {
  it('selects every sync of the models dbt selected, one sync by id, or a destination', () => {
    expect(ids({ models: new Set([uniqueId('crm_accounts')]) })).toEqual([
      'crm_accounts:salesforce.Account',
      'crm_accounts:hubspot.companies',
    ]);
    expect(ids({ spoke: ['crm_contacts:hubspot.contacts'] })).toEqual(['crm_contacts:hubspot.contacts']);
    expect(ids({ spoke: ['destination:hubspot'] })).toEqual([
      'crm_accounts:hubspot.companies',
      'crm_contacts:hubspot.contacts',
    ]);
  });

  it('adds the syncs a sync id waits for with +id and those waiting for it with id+, keeping the edges between them', () => {
    const upstream = selectSyncs(graph, {
      models: new Set(),
      spoke: ['+crm_contacts:salesforce.Contact'],
      excludedModels: new Set(),
      excludedSpoke: [],
    });
    expect(upstream.nodes.map((n) => n.id)).toEqual([
      'crm_accounts:salesforce.Account',
      'crm_contacts:salesforce.Contact',
    ]);
    expect(upstream.edges.map((e) => [e.from, e.to])).toEqual([
      ['crm_accounts:salesforce.Account', 'crm_contacts:salesforce.Contact'],
    ]);
    expect(ids({ spoke: ['crm_accounts:hubspot.companies+'] })).toEqual([
      'crm_accounts:hubspot.companies',
      'crm_contacts:hubspot.contacts',
      'crm_tasks:salesforce.Task',
    ]);
  });

  it('unions models and spoke selectors, then leaves out excluded models and syncs', () => {
    expect(
      ids({
        models: new Set([uniqueId('crm_accounts'), uniqueId('crm_tasks')]),
        spoke: ['destination:hubspot'],
        excludedModels: new Set([uniqueId('crm_tasks')]),
        excludedSpoke: ['crm_accounts:salesforce.Account'],
      }),
    ).toEqual(['crm_accounts:hubspot.companies', 'crm_contacts:hubspot.contacts']);
  });

  it('refuses a spoke selector that matches nothing and suggests close names', () => {
    let caught: unknown;
    try {
      ids({ spoke: ['destination:hubspt'] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toBe(
      '--select matched no sync: `destination:hubspt` (did you mean `destination:hubspot`?). `spoke validate` lists the syncs.',
    );
  });
});

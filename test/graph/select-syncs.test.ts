import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { selectSyncs } from '../../src/graph/select-syncs.js';
import { buildSyncGraph } from '../../src/graph/sync-graph.js';
import { spec } from './specs.js';

const graph = buildSyncGraph([
  spec('crm_accounts:salesforce.Account'),
  spec('crm_accounts:hubspot.companies'),
  spec('crm_contacts:salesforce.Contact', { after: ['crm_accounts:salesforce.Account'] }),
  spec('crm_contacts:hubspot.contacts', { after: ['crm_accounts:hubspot.companies'] }),
  spec('crm_tasks:salesforce.Task', { after: ['crm_contacts'] }),
]);

const ids = (selectors: string[]) => selectSyncs(graph, selectors).nodes.map((n) => n.id);

describe('selectSyncs', () => {
  it('selects all syncs of a model, one sync by id, or a destination', () => {
    expect(ids(['crm_accounts'])).toEqual([
      'crm_accounts:salesforce.Account',
      'crm_accounts:hubspot.companies',
    ]);
    expect(ids(['crm_contacts:hubspot.contacts'])).toEqual(['crm_contacts:hubspot.contacts']);
    expect(ids(['destination:hubspot'])).toEqual([
      'crm_accounts:hubspot.companies',
      'crm_contacts:hubspot.contacts',
    ]);
  });

  it('adds upstream syncs with +name and downstream syncs with name+, keeping the edges between them', () => {
    const upstream = selectSyncs(graph, ['+crm_contacts:salesforce.Contact']);
    expect(upstream.nodes.map((n) => n.id)).toEqual([
      'crm_accounts:salesforce.Account',
      'crm_contacts:salesforce.Contact',
    ]);
    expect(upstream.edges.map((e) => [e.from, e.to])).toEqual([
      ['crm_accounts:salesforce.Account', 'crm_contacts:salesforce.Contact'],
    ]);
    expect(ids(['crm_accounts:hubspot.companies+'])).toEqual([
      'crm_accounts:hubspot.companies',
      'crm_contacts:hubspot.contacts',
      'crm_tasks:salesforce.Task',
    ]);
  });

  it('unions several selectors, also when given in one space-separated string', () => {
    expect(ids(['crm_tasks crm_accounts:hubspot.companies'])).toEqual([
      'crm_accounts:hubspot.companies',
      'crm_tasks:salesforce.Task',
    ]);
  });

  it('refuses a selector that matches nothing and suggests close names', () => {
    let caught: unknown;
    try {
      selectSyncs(graph, ['crm_acounts', 'destination:hubspt']);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('SPOKE_USAGE');
    expect((caught as ConfigError).message).toBe(
      '--select matched no sync: `crm_acounts` (did you mean `crm_accounts`?), `destination:hubspt` (did you mean `destination:hubspot`?). Select a model name, a sync id or destination:<name>; `spoke validate` lists the syncs.',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { buildSyncSpecs } from '../../src/config/build-sync-specs.js';
import { ConfigError } from '../../src/errors.js';
import { stages } from '../../src/graph/stages.js';
import { buildSyncGraph } from '../../src/graph/sync-graph.js';
import { crmAccounts, crmContacts, exampleConfig } from '../config/model-block.js';
import { spec } from './specs.js';

const pairs = (graph: ReturnType<typeof buildSyncGraph>) => graph.edges.map((e) => [e.from, e.to, e.origin]);

describe('buildSyncGraph', () => {
  it('orders the example: contacts wait for both account syncs', () => {
    const { specs } = buildSyncSpecs([crmContacts(), crmAccounts()], exampleConfig);
    const graph = buildSyncGraph(specs);
    expect(pairs(graph)).toEqual([
      ['crm_accounts:salesforce.Account', 'crm_contacts:salesforce.Contact', 'after'],
      ['crm_accounts:hubspot.companies', 'crm_contacts:salesforce.Contact', 'after'],
      ['crm_accounts:salesforce.Account', 'crm_contacts:hubspot.contacts', 'after'],
      ['crm_accounts:hubspot.companies', 'crm_contacts:hubspot.contacts', 'after'],
    ]);
    expect(stages(graph).map((stage) => stage.map((s) => s.id))).toEqual([
      ['crm_accounts:hubspot.companies', 'crm_accounts:salesforce.Account'],
      ['crm_contacts:hubspot.contacts', 'crm_contacts:salesforce.Contact'],
    ]);
  });

  it('adds edges from lookups and associations to syncs writing that object in the same destination', () => {
    const graph = buildSyncGraph([
      spec('contacts:salesforce.Contact', {
        lookups: [{ column: 'account_id', relationship: 'Account', object: 'Account', match: 'Ext__c' }],
      }),
      spec('accounts:salesforce.Account', {
        lookups: [{ column: 'parent_id', relationship: 'Parent', object: 'Account', match: 'Ext__c' }],
      }),
      spec('eu_accounts:salesforce_eu.Account'),
      spec('contacts:hubspot.contacts', {
        associations: [{ to: 'companies', column: 'account_id', match: 'ext' }],
      }),
      spec('companies:hubspot.companies'),
    ]);
    expect(pairs(graph)).toEqual([
      ['accounts:salesforce.Account', 'contacts:salesforce.Contact', 'lookup'],
      ['companies:hubspot.companies', 'contacts:hubspot.contacts', 'association'],
    ]);
    expect(graph.edges[0]).toMatchObject({
      file: 'models/contacts.yml',
      field: 'spoke[0].fields.account_id',
    });
    expect(graph.edges[1]).toMatchObject({ field: 'spoke[0].associations[0]', declared: 'companies' });
  });

  it('waits for one sync when `after` names a sync id rather than a model', () => {
    const graph = buildSyncGraph([
      spec('accounts:salesforce.Account'),
      spec('accounts:hubspot.companies', { after: ['accounts:salesforce.Account'] }),
    ]);
    expect(pairs(graph)).toEqual([['accounts:salesforce.Account', 'accounts:hubspot.companies', 'after']]);
  });

  it('refuses a cycle, naming it and where each edge comes from', () => {
    const specs = [
      spec('accounts:salesforce.Account', {
        after: ['contacts'],
        source: { file: 'models/accounts.yml', index: 1 },
      }),
      spec('contacts:salesforce.Contact', {
        lookups: [{ column: 'account_id', relationship: 'Account', object: 'Account', match: 'Ext__c' }],
      }),
    ];
    let caught: unknown;
    try {
      buildSyncGraph(specs);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.code).toBe('SPOKE_GRAPH_CYCLE');
    expect(error.message).toBe(
      'Sync order has a cycle: accounts:salesforce.Account → contacts:salesforce.Contact → accounts:salesforce.Account. Break it by removing one of these edges.',
    );
    expect(error.diagnostics).toEqual([
      {
        file: 'models/contacts.yml',
        model: 'contacts',
        field: 'spoke[0].fields.account_id',
        message:
          '`contacts:salesforce.Contact` runs after `accounts:salesforce.Account` because of its lookup to Account.',
        fix: 'move the lookup to Account into a second sync of the same model (mode: update) so the first no longer waits',
      },
      {
        file: 'models/accounts.yml',
        model: 'accounts',
        field: 'spoke[1].after',
        message:
          '`accounts:salesforce.Account` runs after `contacts:salesforce.Contact` because of its after: contacts.',
        fix: 'remove `contacts` from after',
      },
    ]);
  });

  it('puts each sync one stage after its deepest upstream', () => {
    const graph = buildSyncGraph([
      spec('d:salesforce.D', { after: ['b', 'c'] }),
      spec('c:salesforce.C', { after: ['a'] }),
      spec('b:salesforce.B'),
      spec('a:salesforce.A'),
      spec('e:hubspot.e'),
    ]);
    expect(stages(graph).map((stage) => stage.map((s) => s.model))).toEqual([['a', 'b', 'e'], ['c'], ['d']]);
  });
});

import { describe, expect, it } from 'vitest';
import { buildSyncGraph } from '../../src/graph/sync-graph.js';
import { diffSyncs } from '../../src/review/diff-syncs.js';
import { spec } from '../graph/specs.js';

const accounts = spec('crm_accounts:salesforce.Account', {
  key: 'account_id',
  match: 'Wistia_Account_Id__c',
  fields: [
    { column: 'account_name', field: 'Name' },
    { column: 'plan', field: 'Plan__c' },
  ],
});
const contacts = spec('crm_contacts:salesforce.Contact', {
  key: 'user_id',
  match: 'Wistia_User_Id__c',
  object: 'Contact',
  fields: [{ column: 'email', field: 'Email' }],
  lookups: [
    { column: 'account_id', relationship: 'Account', object: 'Account', match: 'Wistia_Account_Id__c' },
  ],
});

describe('diffSyncs', () => {
  it('finds nothing between a manifest and itself', () => {
    const graph = buildSyncGraph([accounts, contacts]);
    expect(diffSyncs(graph, graph).map((d) => [d.spec.id, d.status, d.changes])).toEqual([
      [accounts.id, 'unchanged', []],
      [contacts.id, 'unchanged', []],
    ]);
  });

  it('names each field mapping added, removed and changed, and the mode and alert settings', () => {
    const edited = {
      ...accounts,
      mode: 'mirror' as const,
      fields: [
        { column: 'account_name', field: 'Company_Name__c' },
        { column: 'mrr', field: 'MRR__c' },
      ],
      alerts: { mute: true },
    };
    const [diff] = diffSyncs(buildSyncGraph([accounts]), buildSyncGraph([edited]));
    expect(diff!.status).toBe('changed');
    expect(diff!.changes).toEqual([
      { path: 'mode', kind: 'changed', before: 'upsert', after: 'mirror' },
      { path: 'fields.account_name', kind: 'changed', before: 'Name', after: 'Company_Name__c' },
      { path: 'fields.mrr', kind: 'added', before: null, after: 'MRR__c' },
      { path: 'fields.plan', kind: 'removed', before: 'Plan__c', after: null },
      { path: 'alerts', kind: 'changed', before: null, after: { mute: true } },
    ]);
  });

  it('reports a sync added and one removed, and the order a new lookup implies', () => {
    const base = buildSyncGraph([{ ...contacts, lookups: [] }, spec('old:hubspot.contacts')]);
    const head = buildSyncGraph([accounts, contacts]);
    const diffs = diffSyncs(base, head);
    expect(diffs.map((d) => [d.spec.id, d.status])).toEqual([
      [accounts.id, 'added'],
      [contacts.id, 'changed'],
      ['old:hubspot.contacts', 'removed'],
    ]);
    expect(diffs[1]!.changes).toEqual([
      {
        path: 'lookups.account_id',
        kind: 'added',
        before: null,
        after: { lookup: 'Account', object: 'Account', match: 'Wistia_Account_Id__c' },
      },
      { path: 'implied_order', kind: 'changed', before: [], after: [`${accounts.id} (lookup to Account)`] },
    ]);
  });
});

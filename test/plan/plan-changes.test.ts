import { describe, expect, it } from 'vitest';
import type { SyncSpec } from '../../src/config/types.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import type { Change } from '../../src/state/state-store.js';

const spec: SyncSpec = {
  id: 'crm_contacts:salesforce.Contact',
  model: 'crm_contacts',
  uniqueId: 'model.example.crm_contacts',
  relation: { database: null, schema: 'main', identifier: 'crm_contacts' },
  destination: 'salesforce',
  object: 'Contact',
  key: 'user_id',
  match: 'Wistia_User_Id__c',
  mode: 'upsert',
  fields: [
    { column: 'email', field: 'Email' },
    { column: 'last_name', field: 'LastName' },
    { column: 'title', field: 'Title' },
  ],
  lookups: [
    { column: 'account_id', relationship: 'Account', object: 'Account', match: 'Wistia_Account_Id__c' },
  ],
  associations: [],
  after: [],
  onNull: 'clear',
  source: { file: 'models/schema.yml', index: 0 },
};

const row = { user_id: 'u1', email: 'a@x.com', last_name: 'Lee', title: null, account_id: 'acc_1' };
const previous = { Email: 'a@x.com', LastName: 'Li', Title: null, 'lookup:Account': 'acc_1' };

describe('planning records from the warehouse’s changes', () => {
  it('sends a new row whole, nulls included so they clear the field', () => {
    const { writes } = planChanges(spec, [{ kind: 'new', key: 'u1', row, hash: 'h1', previous: null }]);
    expect(writes[0]!.record.values).toEqual({ Email: 'a@x.com', LastName: 'Lee', Title: null });
    expect(writes[0]!.record.lookups).toEqual([
      { relationship: 'Account', object: 'Account', match: 'Wistia_Account_Id__c', value: 'acc_1' },
    ]);
  });

  it('sends only the fields of a changed row whose values differ from what the destination holds', () => {
    const change: Change = {
      kind: 'changed',
      key: 'u1',
      row,
      hash: 'h2',
      previous: { values: previous, destinationId: '003A' },
    };
    const [write] = planChanges(spec, [change]).writes;
    expect(write!.record.values).toEqual({ LastName: 'Lee' });
    expect(write!.record.lookups).toEqual([]);
    expect(write!.record.destinationId).toBe('003A');
    // The snapshot stores every value, so the next comparison sees the whole record.
    expect(write!.values).toEqual({
      Email: 'a@x.com',
      LastName: 'Lee',
      Title: null,
      'lookup:Account': 'acc_1',
    });
  });

  it('sends whole records on a full refresh, where the destination may have lost them', () => {
    const change: Change = {
      kind: 'changed',
      key: 'u1',
      row,
      hash: 'h2',
      previous: { values: previous, destinationId: '003A' },
    };
    const [write] = planChanges(spec, [change], { allFields: true }).writes;
    expect(Object.keys(write!.record.values).sort()).toEqual(['Email', 'LastName', 'Title']);
    expect(write!.record.lookups).toHaveLength(1);
  });

  it('leaves destination values alone for null columns with on_null: skip', () => {
    const { writes } = planChanges({ ...spec, onNull: 'skip' }, [
      { kind: 'new', key: 'u1', row, hash: 'h', previous: null },
    ]);
    expect(writes[0]!.record.values).toEqual({ Email: 'a@x.com', LastName: 'Lee' });
  });

  it('reports null and duplicated keys as invalid and never plans a write for them', () => {
    const plan = planChanges(spec, [
      { kind: 'null_key', key: null, row: { ...row, user_id: null }, hash: 'h', previous: null },
      { kind: 'duplicate_key', key: 'u2', row: { ...row, user_id: 'u2' }, hash: 'h', previous: null },
    ]);
    expect(plan.writes).toEqual([]);
    expect(plan.invalid.map((invalid) => invalid.code)).toEqual(['KEY_NULL', 'KEY_DUPLICATE']);
    expect(plan.invalid[1]!.message).toMatch(/user_id = u2 appears in more than one row of crm_contacts/);
  });
});

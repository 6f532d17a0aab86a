import { describe, expect, it } from 'vitest';
import type { SyncSpec } from '../../src/config/types.js';
import { previewImpact, REQUESTS_PER_BULK_JOB } from '../../src/review/preview-impact.js';
import type { Change, ChangeSet, Deletion } from '../../src/state/state-store.js';
import { spec } from '../graph/specs.js';

/** A change set as the warehouse hands it over: counts, then rows in batches. */
function changeSet(
  changes: Change[][],
  deletions: Deletion[][] = [],
  counts: Partial<ChangeSet['counts']> = {},
): ChangeSet {
  const flat = changes.flat();
  const gone = deletions.flat().length;
  return {
    counts: {
      total: flat.length + 5,
      new: flat.filter((c) => c.kind === 'new').length,
      changed: flat.filter((c) => c.kind === 'changed').length,
      uncertain: flat.filter((c) => c.kind === 'uncertain').length,
      unchanged: 5,
      failedUnchanged: 0,
      nullKey: flat.filter((c) => c.kind === 'null_key').length,
      duplicateKey: flat.filter((c) => c.kind === 'duplicate_key').length,
      gone,
      synced: 100,
      ...counts,
    },
    async *changes() {
      yield* changes;
    },
    async *deletions() {
      yield* deletions;
    },
    stillFailing: async () => [],
  };
}

const accounts: SyncSpec = spec('crm_accounts:salesforce.Account', {
  key: 'account_id',
  fields: [
    { column: 'name', field: 'Name' },
    { column: 'plan', field: 'Plan__c' },
  ],
});

const row = (key: string, name: string, plan: string) => ({ account_id: key, name, plan });
const created = (key: string): Change => ({
  kind: 'new',
  key,
  row: row(key, `Co ${key}`, 'pro'),
  hash: `h${key}`,
  previous: null,
});
const updated = (key: string): Change => ({
  kind: 'changed',
  key,
  row: row(key, `Co ${key}`, 'enterprise'),
  hash: `h2${key}`,
  previous: { values: { Name: `Co ${key}`, Plan__c: 'pro' }, destinationId: `001${key}` },
});

const options = {
  fullRefresh: false,
  allowDeletes: false,
  samples: 3,
  ignoreKeyCase: true,
  limits: { maxBatchSize: 200, concurrency: 4, bulkThreshold: 2000, maxBulkSize: 10_000 },
  bulk: true,
};

describe('previewImpact', () => {
  it('counts creates and updates, the fields updates change, and shows before → after of changed fields only', async () => {
    const impact = await previewImpact(
      accounts,
      changeSet([[created('b'), updated('a')], [updated('c')]]),
      options,
    );
    expect([impact.create, impact.update, impact.unchanged]).toEqual([1, 2, 5]);
    expect(impact.fields_changed).toEqual({ Plan__c: 2 });
    expect(impact.samples[0]).toEqual({
      key: 'a',
      action: 'update',
      reason: 'changed',
      fields: [{ field: 'Plan__c', before: 'pro', after: 'enterprise' }],
    });
    expect(impact.api_calls).toBe(2); // one request per streamed batch below 200 records
  });

  it('counts mirror deletions and shows what the deleted records held', async () => {
    const mirror = { ...accounts, mode: 'mirror' as const, maxDeleteRatio: 0.5 };
    const gone: Deletion = { key: 'z', destinationId: '001z', values: { Name: 'Gone Inc', Plan__c: 'free' } };
    const impact = await previewImpact(mirror, changeSet([[updated('a')]], [[gone]]), options);
    expect([impact.update, impact.delete, impact.refused]).toEqual([1, 1, null]);
    expect(impact.samples.find((sample) => sample.action === 'delete')?.fields).toEqual([
      { field: 'Name', before: 'Gone Inc', after: null },
      { field: 'Plan__c', before: 'free', after: null },
    ]);
  });

  it('flags a mirror sync deleting above max_delete_ratio as refused, with nothing else written', async () => {
    const mirror = { ...accounts, mode: 'mirror' as const, maxDeleteRatio: 0.2 };
    const gone = Array.from({ length: 30 }, (_, i) => ({ key: `z${i}`, destinationId: null, values: {} }));
    const impact = await previewImpact(mirror, changeSet([[updated('a')]], [gone]), options);
    expect(impact.refused).toMatch(
      /would delete 30 of the 100 records this sync manages \(30\.0%\), above max_delete_ratio 20%; sync would refuse it/,
    );
    expect([impact.update, impact.delete]).toEqual([0, 30]);
    const allowed = await previewImpact(mirror, changeSet([[updated('a')]], [gone]), {
      ...options,
      allowDeletes: true,
    });
    expect([allowed.refused, allowed.update, allowed.delete]).toEqual([null, 1, 30]);
  });

  it('in create mode counts changed rows as sent and left as they are, and invalid keys as never sent', async () => {
    const createOnly = { ...accounts, mode: 'create' as const };
    const invalid: Change = {
      kind: 'null_key',
      key: null,
      row: row('', 'x', 'y'),
      hash: 'h',
      previous: null,
    };
    const impact = await previewImpact(
      createOnly,
      changeSet([[created('n'), updated('a'), invalid]]),
      options,
    );
    expect([impact.create, impact.skip, impact.update, impact.invalid]).toEqual([1, 1, 0, 1]);
  });

  it('resends a record whose answer was lost whole, as an update when the destination id is known', async () => {
    const lost: Change = { ...updated('a'), kind: 'uncertain' };
    const impact = await previewImpact(accounts, changeSet([[lost]]), options);
    expect([impact.update, impact.uncertain]).toEqual([1, 1]);
    expect(impact.samples[0]!.fields.map((field) => field.field)).toEqual(['Name', 'Plan__c']);
  });

  it('counts Bulk API jobs for change sets above the bulk threshold', async () => {
    const many = Array.from({ length: 2500 }, (_, i) => created(String(i).padStart(5, '0')));
    const impact = await previewImpact(accounts, changeSet([many]), options);
    expect(impact.create).toBe(2500);
    expect(impact.api_calls).toBe(REQUESTS_PER_BULK_JOB);
    expect(impact.samples.map((sample) => sample.key)).toEqual(['00000', '00001', '00002']);
  });
});

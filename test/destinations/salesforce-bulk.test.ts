import { describe, expect, it } from 'vitest';
import type {
  OutboundRecord,
  RecordOutcome,
  SalesforceConnectionOptions,
  WriteRequest,
} from '../../src/destinations/contract.js';
import {
  createSalesforceDestination,
  type SalesforceDestinationOptions,
} from '../../src/destinations/salesforce/destination.js';
import { createSalesforceServer } from '../../src/sandbox/salesforce/index.js';
import { exampleSchemas } from '../support/example-schemas.js';
import {
  account,
  accounts,
  contact,
  contacts,
  emulatorOptions,
  useSalesforceEmulator,
} from '../support/salesforce-emulator.js';

const emulator = useSalesforceEmulator();

function destination(extra: Partial<SalesforceConnectionOptions & SalesforceDestinationOptions> = {}) {
  return createSalesforceDestination({ ...emulatorOptions(emulator.url), bulkPollIntervalMs: 20, ...extra });
}

const keyOf = (i: number) => `acc_${String(i).padStart(5, '0')}`;
const jobsCreated = () =>
  emulator.requests.filter((r) => r === 'POST /services/data/v62.0/jobs/ingest').length;
const stored = (key: string) =>
  emulator.store.records('salesforce', 'Account').find((r) => r.fields.Wistia_Account_Id__c === key);
const summary = (outcomes: RecordOutcome[]) =>
  outcomes.map((o) => [o.key, o.status, o.error?.code, o.error?.message, o.error?.transient]);

async function bulk(request: WriteRequest, extra: Partial<SalesforceDestinationOptions> = {}) {
  const target = destination(extra);
  const writeBulk = target.writeBulk?.bind(target);
  if (!writeBulk) throw new Error('the Salesforce destination offers writeBulk');
  return writeBulk(request);
}

describe('Salesforce destination through Bulk API 2.0', () => {
  it('declares Bulk from 2,000 records by default, configurable, with 10,000 rows per job and three jobs at once', () => {
    expect(destination().limits).toMatchObject({
      bulkThreshold: 2000,
      maxBulkSize: 10_000,
      maxBulkJobs: 3,
      maxBatchSize: 200,
    });
    expect(destination({ bulkThreshold: 500 }).limits.bulkThreshold).toBe(500);
    expect(destination({ maxBulkSize: 25_000 }).limits.maxBulkSize).toBe(25_000);
  });

  it('upserts 5,000 records in one job and answers one outcome per record, in input order, by key', async () => {
    await destination().write({ ...accounts, operation: 'upsert', records: [account(keyOf(7))] });
    const existingId = stored(keyOf(7))?.id;
    const records = Array.from({ length: 5000 }, (_, i) =>
      account(keyOf(i), i === 4321 ? { Plan__c: 'legacy' } : { Seats__c: i }),
    );
    emulator.requests.length = 0;
    const outcomes = await bulk({ ...accounts, operation: 'upsert', records });
    expect(jobsCreated()).toBe(1);
    expect(emulator.requests.filter((r) => r.includes('/composite/'))).toEqual([]);
    expect(outcomes.map((o) => o.key)).toEqual(records.map((r) => r.key));
    expect(outcomes[7]).toEqual({ key: keyOf(7), status: 'updated', destinationId: existingId });
    expect(outcomes[4321]).toMatchObject({
      status: 'failed',
      error: {
        code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: 'Plan: bad value for restricted picklist field: legacy',
        fields: ['Plan__c'],
        transient: false,
      },
    });
    const created = outcomes.filter((o) => o.status === 'created');
    expect(created).toHaveLength(4998);
    for (const outcome of created.slice(0, 50)) expect(outcome.destinationId).toBe(stored(outcome.key)?.id);
    expect(stored(keyOf(4999))?.fields.Seats__c).toBe(4999);
    expect(emulator.store.records('salesforce', 'Account')).toHaveLength(4999);
  });

  it('splits a job whose upload would pass the size limit, and answers every record of it', async () => {
    const records = Array.from({ length: 40 }, (_, i) =>
      account(`wide_${String(i).padStart(3, '0')}`, { Seats__c: i, Description: 'd'.repeat(200) }),
    );
    emulator.requests.length = 0;
    // About 250 bytes a row: 40 rows are split until each upload holds at most 4 KB.
    const outcomes = await bulk({ ...accounts, operation: 'upsert', records }, { maxBulkUploadBytes: 4_000 });
    expect(jobsCreated()).toBe(4);
    expect(outcomes.map((o) => [o.key, o.status])).toEqual(records.map((r) => [r.key, 'created']));
    expect(stored('wide_039')?.fields.Seats__c).toBe(39);
  });

  it('reports the same codes and messages as the collections path for the same invalid rows', async () => {
    const target = destination();
    await target.write({ ...accounts, operation: 'upsert', records: [account('acc_1')] });
    const people = () => [
      contact('u1', { LastName: 'Gonzalez', Email: 'maria.gonzalez@' }),
      contact('u2', { LastName: null, FirstName: 'Sam' }),
      contact('u3', { LastName: 'Ito', Email: 'ito@example.com' }, 'acc_1'),
      contact('u4', { LastName: 'Kim' }, 'acc_404'),
      contact('u5', { LastName: 'x'.repeat(81) }),
    ];
    const viaCollections = await target.write({ ...contacts, operation: 'upsert', records: people() });
    for (const id of Object.keys(emulator.store.table('salesforce', 'Contact')))
      delete emulator.store.table('salesforce', 'Contact')[id];
    const viaBulk = await bulk({ ...contacts, operation: 'upsert', records: people() });
    expect(summary(viaBulk)).toEqual(summary(viaCollections));
    expect(summary(viaBulk).map((o) => o[1])).toEqual(['failed', 'failed', 'created', 'failed', 'failed']);
  });

  it('clears fields sent as null, leaves absent ones, and clears a lookup whose parent key is null', async () => {
    await destination().write({ ...accounts, operation: 'upsert', records: [account('acc_1')] });
    await bulk({
      ...contacts,
      operation: 'upsert',
      records: [
        contact('u1', { LastName: 'Lee', Title: 'CTO', Department: 'Eng' }, 'acc_1'),
        contact('u2', { LastName: 'Kim', Title: 'CEO' }),
      ],
    });
    const person = (key: string) =>
      emulator.store.records('salesforce', 'Contact').find((r) => r.fields.Wistia_User_Id__c === key)?.fields;
    expect(person('u1')?.AccountId).toBe(stored('acc_1')?.id);
    const outcomes = await bulk({
      ...contacts,
      operation: 'upsert',
      records: [contact('u1', { Title: null }, null), contact('u2', { Department: 'Sales' })],
    });
    expect(outcomes.map((o) => o.status)).toEqual(['updated', 'updated']);
    expect(person('u1')).toMatchObject({ LastName: 'Lee', Title: null, Department: 'Eng', AccountId: null });
    expect(person('u2')).toMatchObject({ LastName: 'Kim', Title: 'CEO', Department: 'Sales' });
  });

  it('resends the whole CSV when an upload is answered 503, so no row is lost (jsforce resends an empty stream)', async () => {
    let failed = false;
    emulator.fault = (method, path) => {
      if (method === 'PUT' && path.endsWith('/batches') && !failed) {
        failed = true;
        return { status: 503 };
      }
      return undefined;
    };
    const records = [account('acc_1'), account('acc_2'), account('acc_3')];
    const outcomes = await bulk({ ...accounts, operation: 'upsert', records });
    expect(emulator.requests.filter((r) => r.startsWith('PUT'))).toHaveLength(2);
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created', 'created']);
    expect(emulator.store.records('salesforce', 'Account')).toHaveLength(3);
  });

  it('uploads again after a session expiry instead of hanging on a consumed stream', async () => {
    let expired = false;
    emulator.fault = (method, path) => {
      if (method === 'PUT' && path.endsWith('/batches') && !expired) {
        expired = true;
        return {
          status: 401,
          headers: { 'content-type': 'application/json;charset=UTF-8' },
          body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
        };
      }
      return undefined;
    };
    const started = Date.now();
    const outcomes = await bulk({
      ...accounts,
      operation: 'upsert',
      records: [account('acc_1'), account('acc_2')],
    });
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created']);
    // jsforce logged in again, then the same upload went out once more.
    expect(
      emulator.requests.filter((r) => r.startsWith('POST /services/oauth2/token')).length,
    ).toBeGreaterThanOrEqual(2);
    expect(emulator.requests.filter((r) => r.startsWith('PUT'))).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('fails every record as transient when the job processed fewer rows than were sent, never as written', async () => {
    let swallowed = false;
    // An upload acknowledged but never stored: the job completes having processed nothing.
    emulator.fault = (method, path) => {
      if (method === 'PUT' && path.endsWith('/batches') && !swallowed) {
        swallowed = true;
        return { status: 201 };
      }
      return undefined;
    };
    const records = [account('acc_1'), account('acc_2'), account('acc_3')];
    const outcomes = await bulk({ ...accounts, operation: 'upsert', records });
    expect(outcomes).toHaveLength(3);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        status: 'failed',
        error: { code: 'BULK_RESULT_MISSING', transient: true },
      });
      expect(outcome.error?.message).toMatch(/processed 0 of the 3 rows sent/);
    }
    expect(emulator.store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('sends a record holding the text #N/A through Collections, so the text arrives rather than a cleared field', async () => {
    const outcomes = await bulk({
      ...accounts,
      operation: 'upsert',
      records: [account('acc_1', { Description: '#N/A' }), account('acc_2', { Description: 'plain' })],
    });
    expect(outcomes.map((o) => [o.key, o.status])).toEqual([
      ['acc_1', 'created'],
      ['acc_2', 'created'],
    ]);
    const stored = new Map(
      emulator.store
        .records('salesforce', 'Account')
        .map((r) => [r.fields.Wistia_Account_Id__c, r.fields.Description]),
    );
    expect(stored.get('acc_1')).toBe('#N/A');
    expect(stored.get('acc_2')).toBe('plain');
    expect(
      emulator.requests.some((r) => r.startsWith('PATCH /services/data/v62.0/composite/sobjects/Account')),
    ).toBe(true);
  });

  it('fails every record of a job Salesforce refuses, permanently, naming the reason', async () => {
    const missingObject = await bulk({
      object: 'Nope__c',
      match: 'Ext__c',
      operation: 'upsert',
      records: [account('a'), account('b')],
    });
    expect(missingObject.map((o) => [o.status, o.error?.code, o.error?.transient])).toEqual([
      ['failed', 'INVALIDJOB', false],
      ['failed', 'INVALIDJOB', false],
    ]);
    const unknownField = await bulk({
      ...accounts,
      operation: 'upsert',
      records: [account('a', { Nope__c: 1 }), account('b')],
    });
    expect(unknownField[0]?.error).toMatchObject({
      code: 'BULK_JOB_FAILED',
      transient: false,
      message: expect.stringContaining('InvalidBatch : Field name not found : Nope__c'),
    });
    expect(unknownField[1]?.status).toBe('failed');
  });

  it('fails every record as transient when the job does not finish in time', async () => {
    const outcomes = await bulk(
      { ...accounts, operation: 'upsert', records: [account('a')] },
      { bulkPollIntervalMs: 200, bulkPollTimeoutMs: 1 },
    );
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      error: { code: 'BULK_JOB_TIMEOUT', transient: true },
    });
  });

  it('updates and creates through Bulk only the keys the mode allows', async () => {
    await destination().write({ ...accounts, operation: 'upsert', records: [account('acc_1')] });
    const updated = await bulk({
      ...accounts,
      operation: 'update',
      records: [account('ACC_1', { Name: 'Renamed' }), account('acc_2')],
    });
    expect(updated.map((o) => [o.key, o.status, o.error?.code])).toEqual([
      ['ACC_1', 'updated', undefined],
      ['acc_2', 'skipped', 'NO_MATCH'],
    ]);
    expect(stored('acc_1')?.fields.Name).toBe('Renamed');
    const created = await bulk({
      ...accounts,
      operation: 'create',
      records: [account('acc_1'), account('acc_3')],
    });
    expect(created.map((o) => [o.key, o.status, o.error?.code])).toEqual([
      ['acc_1', 'skipped', 'ALREADY_EXISTS'],
      ['acc_3', 'created', undefined],
    ]);
    expect(created[1]?.destinationId).toBe(stored('acc_3')?.id);
  });
});

describe('Salesforce destination deletes', () => {
  async function seed(keys: string[]) {
    const outcomes = await destination().write({
      ...accounts,
      operation: 'upsert',
      records: keys.map((k) => account(k)),
    });
    return new Map(outcomes.map((o) => [o.key, o.destinationId as string]));
  }
  const gone = (key: string, destinationId?: string): OutboundRecord => ({
    key,
    values: {},
    lookups: [],
    associations: [],
    ...(destinationId ? { destinationId } : {}),
  });

  it('deletes through collections, by Id or by key, and counts records already gone as deleted', async () => {
    const ids = await seed(['acc_1', 'acc_2', 'acc_3']);
    await destination().write({
      ...accounts,
      operation: 'delete',
      records: [gone('acc_3', ids.get('acc_3'))],
    });
    emulator.requests.length = 0;
    const outcomes = await destination().write({
      ...accounts,
      operation: 'delete',
      records: [
        gone('acc_1', ids.get('acc_1')),
        gone('acc_2'),
        gone('acc_3', ids.get('acc_3')),
        gone('acc_9'),
        gone('bad', 'not-an-id'),
      ],
    });
    expect(outcomes.map((o) => [o.key, o.status, o.error?.code])).toEqual([
      ['acc_1', 'deleted', undefined],
      ['acc_2', 'deleted', undefined],
      ['acc_3', 'deleted', undefined],
      ['acc_9', 'deleted', undefined],
      ['bad', 'failed', 'MALFORMED_ID'],
    ]);
    expect(outcomes[1]?.destinationId).toBe(ids.get('acc_2'));
    expect(
      emulator.requests.some((r) => r.startsWith('DELETE /services/data/v62.0/composite/sobjects?ids=')),
    ).toBe(true);
    expect(emulator.store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('deletes through a Bulk job and is idempotent when rerun', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => keyOf(i));
    const ids = await seed(keys);
    const request: WriteRequest = {
      ...accounts,
      operation: 'delete',
      records: keys.map((k) => gone(k, ids.get(k))),
    };
    const first = await bulk(request);
    expect(jobsCreated()).toBe(1);
    expect(first.every((o) => o.status === 'deleted')).toBe(true);
    expect(emulator.store.records('salesforce', 'Account')).toHaveLength(0);
    const rerun = await bulk(request);
    expect(rerun.map((o) => o.status)).toEqual(keys.map(() => 'deleted'));
  });
});

describe('Salesforce destination create mode after a crash', () => {
  it('skips records a killed run already created instead of creating them twice', async () => {
    const records = Array.from({ length: 40 }, (_, i) => account(keyOf(i)));
    // The killed run: its writes reached Salesforce, its outcomes were never recorded.
    await destination().write({ ...accounts, operation: 'create', records: records.slice(0, 25) });
    await bulk({ ...accounts, operation: 'create', records: records.slice(25, 30) });
    for (const rerun of ['write', 'writeBulk'] as const) {
      const target = destination();
      const outcomes = await (rerun === 'write'
        ? target.write.bind(target)
        : target.writeBulk?.bind(target))?.({
        ...accounts,
        operation: 'create',
        records,
      });
      const skipped = outcomes?.filter((o) => o.status === 'skipped') ?? [];
      expect(skipped.length).toBeGreaterThanOrEqual(30);
      for (const outcome of skipped) {
        expect(outcome.error?.code).toBe('ALREADY_EXISTS');
        expect(outcome.destinationId).toBe(stored(outcome.key)?.id);
      }
    }
    expect(emulator.store.records('salesforce', 'Account')).toHaveLength(40);
    const perKey = new Set(
      emulator.store.records('salesforce', 'Account').map((r) => r.fields.Wistia_Account_Id__c),
    );
    expect(perKey.size).toBe(40);
  });
});

describe('Salesforce destination API limits', () => {
  it('reports API usage from the Sforce-Limit-Info header once a call has been made', async () => {
    const target = destination();
    expect(target.apiUsage?.()).toBeNull();
    await target.write({ ...accounts, operation: 'upsert', records: [account('acc_1')] });
    const usage = target.apiUsage?.();
    expect(usage).toMatchObject({ limit: 15000, windowUsed: 0 });
    expect(usage?.used).toBeGreaterThan(0);
  });

  it('stops the run at the daily API limit with an error that waits for the next run and says what to do', async () => {
    const limited = await createSalesforceServer({
      store: emulator.store,
      objects: (await exampleSchemas()).salesforceObjects,
      apiLimit: 2,
    });
    const limitedUrl = await limited.listen({ host: '127.0.0.1', port: 0 });
    try {
      const target = destination({ loginUrl: limitedUrl });
      await target.write({ ...accounts, operation: 'upsert', records: [account('acc_1')] });
      await target.write({ ...accounts, operation: 'upsert', records: [account('acc_2')] });
      const [refused] = await target.write({ ...accounts, operation: 'upsert', records: [account('acc_3')] });
      // Not the record's fault: never remembered as failed, and not retried within this run.
      expect(refused?.error).toMatchObject({
        code: 'REQUEST_LIMIT_EXCEEDED',
        transient: true,
        retryLater: true,
      });
      expect(refused?.error?.message).toContain('daily API request limit');
      expect(refused?.error?.message).toContain('TotalRequests Limit exceeded.');
      const later = await target.writeBulk?.({
        ...accounts,
        operation: 'upsert',
        records: [account('acc_4')],
      });
      expect(later?.[0]?.error).toEqual(refused?.error);
    } finally {
      await limited.close();
    }
  });
});

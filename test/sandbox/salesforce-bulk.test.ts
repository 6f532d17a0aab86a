import type { FastifyInstance } from 'fastify';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createSalesforceServer,
  SALESFORCE_SANDBOX_CREDENTIALS as creds,
  type SalesforceFaultResponse,
} from '../../src/sandbox/salesforce/index.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { exampleSchemas } from '../support/example-schemas.js';

let app: FastifyInstance;
let store: SandboxStore;
let conn: Connection;
let url: string;
const requests: string[] = [];
let fault: ((method: string, url: string) => SalesforceFaultResponse | undefined) | undefined;

beforeAll(async () => {
  store = await SandboxStore.open(null);
  app = await createSalesforceServer({
    store,
    objects: (await exampleSchemas()).salesforceObjects,
    faults: ({ method, url }) => {
      requests.push(`${method} ${url}`);
      return fault?.(method, url);
    },
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  conn = new Connection({
    loginUrl: url,
    version: '62.0',
    oauth2: { loginUrl: url, clientId: creds.clientId, clientSecret: creds.clientSecret },
  });
  await conn.login(creds.username, creds.password);
});
afterAll(() => app.close());
beforeEach(() => {
  requests.length = 0;
  fault = undefined;
  for (const object of ['Account', 'Contact']) {
    const table = store.table('salesforce', object);
    for (const id of Object.keys(table)) delete table[id];
  }
});

const POLL = { pollInterval: 20, pollTimeout: 10_000 };
type Row = Record<string, string>;

function load(options: Record<string, unknown>) {
  return conn.bulk2.loadAndWaitForResults({ ...POLL, ...options } as never) as unknown as Promise<{
    successfulResults: Row[];
    failedResults: Row[];
    unprocessedRecords: Row[];
  }>;
}

function account(key: string) {
  return store.records('salesforce', 'Account').find((r) => r.fields.Wistia_Account_Id__c === key);
}

describe('Salesforce sandbox Bulk API 2.0 ingest', () => {
  it('upserts records given as an array, reporting created, updated and failed rows with sf__ columns', async () => {
    await load({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Wistia_Account_Id__c',
      input: [{ Wistia_Account_Id__c: 'acc_2', Name: 'Beta' }],
    });
    const existingId = account('acc_2')?.id;
    const results = await load({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Wistia_Account_Id__c',
      input: [
        { Wistia_Account_Id__c: 'acc_1', Name: 'Acme', Plan__c: 'pro' },
        { Wistia_Account_Id__c: 'acc_2', Name: 'Beta, "Inc"', Plan__c: null },
        { Wistia_Account_Id__c: 'acc_3', Name: null, Plan__c: 'pro' },
        { Wistia_Account_Id__c: 'acc_4', Name: 'Delta', Plan__c: 'legacy' },
      ],
    });
    const byKey = new Map(results.successfulResults.map((r) => [r.Wistia_Account_Id__c, r]));
    expect(byKey.get('acc_1')).toMatchObject({ sf__Created: 'true', Name: 'Acme' });
    expect(byKey.get('acc_1')?.sf__Id).toBe(account('acc_1')?.id);
    expect(byKey.get('acc_2')).toMatchObject({
      sf__Id: existingId,
      sf__Created: 'false',
      Name: 'Beta, "Inc"',
    });
    expect(results.failedResults.map((r) => [r.Wistia_Account_Id__c, r.sf__Id, r.sf__Error])).toEqual(
      expect.arrayContaining([
        ['acc_3', '', 'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --'],
        [
          'acc_4',
          '',
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Plan: bad value for restricted picklist field: legacy:Plan__c --',
        ],
      ]),
    );
    expect(results.failedResults).toHaveLength(2);
    expect(results.unprocessedRecords).toEqual([]);
    expect(account('acc_2')?.fields).toMatchObject({ Name: 'Beta, "Inc"', Plan__c: null });
    expect(account('acc_3')).toBeUndefined();
  });

  it('inserts and deletes rows uploaded as a CSV string', async () => {
    const inserted = await load({
      object: 'Account',
      operation: 'insert',
      input: 'Name,Wistia_Account_Id__c,Seats__c\nAcme,acc_1,10\nBeta,acc_2,ten\n',
    });
    expect(inserted.successfulResults).toEqual([
      {
        sf__Id: account('acc_1')?.id,
        sf__Created: 'true',
        Name: 'Acme',
        Wistia_Account_Id__c: 'acc_1',
        Seats__c: '10',
      },
    ]);
    expect(inserted.failedResults[0]?.sf__Error).toBe(
      'INVALID_TYPE_ON_FIELD_IN_RECORD:Seats: value not of required type: ten:Seats__c --',
    );
    expect(account('acc_1')?.fields.Seats__c).toBe(10);
    const id = account('acc_1')?.id as string;
    const deleted = await load({
      object: 'Account',
      operation: 'delete',
      input: `Id\n${id}\n001000000000zzzAAA\n003000000000001AAA\n`,
    });
    expect(deleted.successfulResults).toEqual([{ sf__Id: id, sf__Created: 'false', Id: id }]);
    expect(deleted.failedResults.map((r) => r.sf__Error).sort()).toEqual([
      'ENTITY_IS_DELETED:entity is deleted:--',
      'MALFORMED_ID:malformed id 003000000000001AAA:--',
    ]);
    expect(store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('updates by Id and fails rows whose Id is missing, malformed or unknown', async () => {
    await load({ object: 'Account', operation: 'insert', input: 'Name,Wistia_Account_Id__c\nAcme,acc_1\n' });
    const id = account('acc_1')?.id as string;
    const results = await load({
      object: 'Account',
      operation: 'update',
      input: `Id,Name\n${id},Acme Inc\n,Nobody\nnot-an-id,Bad\n001000000000zzzAAA,Gone\n`,
    });
    expect(results.successfulResults.map((r) => [r.sf__Id, r.sf__Created])).toEqual([[id, 'false']]);
    expect(results.failedResults.map((r) => r.sf__Error?.split(':')[0]).sort()).toEqual([
      'INVALID_CROSS_REFERENCE_KEY',
      'MALFORMED_ID',
      'MISSING_ARGUMENT',
    ]);
    expect(account('acc_1')?.fields.Name).toBe('Acme Inc');
  });

  it('clears a field for #N/A and leaves it untouched for an empty value', async () => {
    await load({
      object: 'Account',
      operation: 'insert',
      input: 'Name,Wistia_Account_Id__c,Phone,Industry\nAcme,acc_1,555-0100,Retail\n',
    });
    await load({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Wistia_Account_Id__c',
      input: 'Wistia_Account_Id__c,Phone,Industry\nacc_1,#N/A,\n',
    });
    expect(account('acc_1')?.fields).toMatchObject({ Name: 'Acme', Phone: null, Industry: 'Retail' });
  });

  it('links parents through Relationship.ExternalId columns and clears links with #N/A', async () => {
    await load({ object: 'Account', operation: 'insert', input: 'Name,Wistia_Account_Id__c\nAcme,acc_1\n' });
    const results = await load({
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'Wistia_User_Id__c',
      input: 'Wistia_User_Id__c,LastName,Account.Wistia_Account_Id__c\nu1,Lee,acc_1\nu2,Kim,acc_404\n',
    });
    expect(results.successfulResults).toHaveLength(1);
    expect(results.failedResults[0]?.sf__Error).toBe(
      'INVALID_FIELD:Foreign key external ID: acc_404 not found for field Wistia_Account_Id__c in entity Account:Account --',
    );
    const contact = () =>
      store.records('salesforce', 'Contact').find((r) => r.fields.Wistia_User_Id__c === 'u1');
    expect(contact()?.fields.AccountId).toBe(account('acc_1')?.id);
    await load({
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'Wistia_User_Id__c',
      input: 'Wistia_User_Id__c,AccountId\nu1,#N/A\n',
    });
    expect(contact()?.fields.AccountId).toBeNull();
  });

  it('answers results in another order than the upload, yet one row per uploaded row', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `acc_${String(i).padStart(3, '0')}`);
    const results = await load({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Wistia_Account_Id__c',
      input: keys.map((key) => ({ Wistia_Account_Id__c: key, Name: key })),
    });
    const answered = results.successfulResults.map((r) => r.Wistia_Account_Id__c);
    expect(answered).not.toEqual(keys);
    expect([...answered].sort()).toEqual(keys);
  });

  it('fails the job with InvalidBatch when the header names an unknown field', async () => {
    const error = await load({
      object: 'Account',
      operation: 'insert',
      input: 'Name,Foo__c\nAcme,1\n',
    }).catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      'Ingest job failed to complete due to: InvalidBatch : Field name not found : Foo__c',
    );
    expect(store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('reports the job in progress on a poll before it completes, with processed and failed counts', async () => {
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    const states: string[] = [];
    job.on('inProgress', (info: { state: string }) => states.push(info.state));
    await job.open();
    await job.uploadData('Name\nAcme\n\n');
    await job.close();
    expect(job.getInfo().state).toBe('UploadComplete');
    await job.poll(20, 10_000);
    expect(states[0]).toBe('InProgress');
    expect(job.getInfo()).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 1,
      numberRecordsFailed: 0,
      operation: 'insert',
      object: 'Account',
      apiVersion: 62,
      contentType: 'CSV',
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    });
    expect(job.id).toMatch(/^750[a-zA-Z0-9]{15}$/);
  });

  it('refuses a job on an unknown object with INVALIDJOB and tolerates the cleanup delete jsforce sends', async () => {
    const error = await load({ object: 'Nope__c', operation: 'insert', input: 'Name\nx\n' }).catch(
      (e: unknown) => e as { errorCode?: string; message: string },
    );
    expect(error).toMatchObject({ errorCode: 'INVALIDJOB', message: 'InvalidJob : Invalid object: Nope__c' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests).toContain('DELETE /services/data/v62.0/jobs/ingest/undefined');
    const upsertWithoutKey = await load({ object: 'Account', operation: 'upsert', input: 'Name\nx\n' }).catch(
      (e: unknown) => e as { errorCode?: string },
    );
    expect(upsertWithoutKey).toMatchObject({ errorCode: 'INVALIDJOB' });
  });

  it('keeps every row of an aborted job as unprocessed and writes none of them', async () => {
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    await job.open();
    await job.uploadData('Name,Wistia_Account_Id__c\nA,acc_1\nB,acc_2\n');
    await job.abort();
    expect(job.getInfo().state).toBe('Aborted');
    const unprocessed = (await job.getUnprocessedRecords()) as unknown as Row[];
    expect(unprocessed).toEqual([
      { Name: 'A', Wistia_Account_Id__c: 'acc_1' },
      { Name: 'B', Wistia_Account_Id__c: 'acc_2' },
    ]);
    expect(store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('processes nothing when jsforce resends an empty upload after a 503, as a real org would', async () => {
    let failed = false;
    fault = (method, path) => {
      if (method === 'PUT' && path.endsWith('/batches') && !failed) {
        failed = true;
        return { status: 503 };
      }
      return undefined;
    };
    const results = await load({
      object: 'Account',
      operation: 'insert',
      input: 'Name,Wistia_Account_Id__c\nA,acc_1\n',
    });
    expect(results).toEqual({ successfulResults: [], failedResults: [], unprocessedRecords: [] });
    expect(requests.filter((r) => r.startsWith('PUT'))).toHaveLength(2);
    expect(store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('reads semicolon-delimited CRLF uploads and fails the job when the line ending does not match', async () => {
    const results = await load({
      object: 'Account',
      operation: 'insert',
      columnDelimiter: 'SEMICOLON',
      lineEnding: 'CRLF',
      input: 'Name;Description\r\nAcme;"a; b\r\nc"\r\n',
    });
    expect(results.successfulResults).toHaveLength(1);
    expect(store.records('salesforce', 'Account')[0]?.fields.Description).toBe('a; b\r\nc');
    const error = await load({ object: 'Account', operation: 'insert', input: 'Name\r\nAcme\r\n' }).catch(
      (e: unknown) => e as Error,
    );
    expect((error as Error).message).toContain('LineEnding is invalid on user data');
  });

  it('counts bulk calls as API requests and ingest batches in the org limits', async () => {
    const before = (await conn.limits()) as unknown as Record<string, { Remaining: number }>;
    await load({ object: 'Account', operation: 'insert', input: 'Name\nA\n' });
    const after = (await conn.limits()) as unknown as Record<string, { Remaining: number }>;
    expect(after.DailyBulkApiBatches?.Remaining).toBe((before.DailyBulkApiBatches?.Remaining ?? 0) - 1);
    expect(
      (before.DailyApiRequests?.Remaining ?? 0) - (after.DailyApiRequests?.Remaining ?? 0),
    ).toBeGreaterThan(6);
  });
});

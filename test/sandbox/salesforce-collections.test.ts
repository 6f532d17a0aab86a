import type { FastifyInstance } from 'fastify';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createSalesforceServer,
  SALESFORCE_SANDBOX_CREDENTIALS as creds,
} from '../../src/sandbox/salesforce/index.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { exampleSchemas } from '../support/example-schemas.js';

let app: FastifyInstance;
let store: SandboxStore;
let conn: Connection;

beforeAll(async () => {
  store = await SandboxStore.open(null);
  app = await createSalesforceServer({ store, objects: (await exampleSchemas()).salesforceObjects });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  conn = new Connection({
    loginUrl: url,
    version: '50.0',
    oauth2: { loginUrl: url, clientId: creds.clientId, clientSecret: creds.clientSecret },
  });
  await conn.login(creds.username, creds.password);
});
afterAll(() => app.close());
beforeEach(() => {
  for (const object of ['Account', 'Contact']) {
    const table = store.table('salesforce', object);
    for (const id of Object.keys(table)) delete table[id];
  }
});

type Result = {
  id?: string;
  success: boolean;
  created?: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
};

async function upsertAccounts(records: Record<string, unknown>[], allOrNone = false): Promise<Result[]> {
  return (await conn
    .sobject('Account')
    .upsert(records as never, 'Wistia_Account_Id__c', { allOrNone })) as unknown as Result[];
}

describe('Salesforce sandbox sObject Collections', () => {
  it('creates on the first upsert and updates on the second, keeping one record per key', async () => {
    const [first] = await upsertAccounts([{ Wistia_Account_Id__c: 'acc_0001', Name: 'Acme' }]);
    expect(first).toMatchObject({ success: true, created: true, errors: [] });
    expect(first?.id).toMatch(/^001[a-zA-Z0-9]{15}$/);
    const [second] = await upsertAccounts([{ Wistia_Account_Id__c: 'acc_0001', Name: 'Acme Inc' }]);
    expect(second).toEqual({ id: first?.id, success: true, created: false, errors: [] });
    const records = store.records('salesforce', 'Account');
    expect(records).toHaveLength(1);
    expect(records[0]?.fields).toMatchObject({ Name: 'Acme Inc', Wistia_Account_Id__c: 'acc_0001' });
    expect(records[0]?.fields.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });

  it('refuses more than 200 records with EXCEEDED_ID_LIMIT', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({
      Wistia_Account_Id__c: `acc_${i}`,
      Name: `A${i}`,
    }));
    await expect(upsertAccounts(records)).rejects.toMatchObject({ errorCode: 'EXCEEDED_ID_LIMIT' });
    expect(store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('answers one result per record in order, failing only the bad ones', async () => {
    const results = await upsertAccounts([
      { Wistia_Account_Id__c: 'acc_1', Name: 'One' },
      { Wistia_Account_Id__c: 'acc_2', Name: null },
      { Wistia_Account_Id__c: 'acc_3', Name: 'Three' },
    ]);
    expect(results.map((r) => r.success)).toEqual([true, false, true]);
    expect(results[1]?.errors).toEqual([
      {
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [Name]',
        fields: ['Name'],
      },
    ]);
  });

  it('rolls everything back under allOrNone when one record fails', async () => {
    const results = await upsertAccounts(
      [
        { Wistia_Account_Id__c: 'acc_1', Name: 'One' },
        { Wistia_Account_Id__c: 'acc_2', Name: 'Two', Plan__c: 'legacy_enterprise' },
      ],
      true,
    );
    expect(results[0]?.errors[0]?.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(results[1]?.errors[0]?.statusCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('matches external ids across requests after a rollback, a changed id and records removed from the store', async () => {
    const [one, two] = await upsertAccounts([
      { Wistia_Account_Id__c: 'acc_1', Name: 'One' },
      { Wistia_Account_Id__c: 'acc_2', Name: 'Two' },
    ]);
    // A rolled-back request leaves no trace of the id it would have created.
    await upsertAccounts(
      [
        { Wistia_Account_Id__c: 'acc_3', Name: 'Three' },
        { Wistia_Account_Id__c: 'acc_4', Name: 'Four', Plan__c: 'legacy_enterprise' },
      ],
      true,
    );
    // The first record's external id changes: only the new one (in any case) finds it.
    await conn.sobject('Account').update([{ Id: one?.id, Wistia_Account_Id__c: 'acc_1b' }] as never);
    // The second record is removed behind the API's back, as `spoke sandbox --reset` would.
    delete store.table('salesforce', 'Account')[two?.id as string];

    const results = await upsertAccounts([
      { Wistia_Account_Id__c: 'ACC_1B', Name: 'One renamed' },
      { Wistia_Account_Id__c: 'acc_1', Name: 'One again' },
      { Wistia_Account_Id__c: 'acc_2', Name: 'Two again' },
      { Wistia_Account_Id__c: 'acc_3', Name: 'Three' },
    ]);
    expect(results.map((r) => [r.success, r.created])).toEqual([
      [true, false],
      [true, true],
      [true, true],
      [true, true],
    ]);
    expect(results[0]?.id).toBe(one?.id);
    const keys = store.records('salesforce', 'Account').map((r) => r.fields.Wistia_Account_Id__c);
    expect(keys.sort()).toEqual(['acc_1', 'acc_1b', 'acc_2', 'acc_3']);
  });

  it('reports each validation failure with Salesforce codes and wording', async () => {
    await upsertAccounts([{ Wistia_Account_Id__c: 'acc_dup', Name: 'Dup' }]);
    const accounts = await upsertAccounts([
      { Wistia_Account_Id__c: 'acc_1', Name: 'A', Foo__c: 'x' },
      { Wistia_Account_Id__c: 'acc_2', Name: 'B', CreatedDate: '2024-01-01T00:00:00Z' },
      { Wistia_Account_Id__c: 'acc_3', Name: 'C', Plan__c: 'legacy_enterprise' },
      { Wistia_Account_Id__c: 'acc_4', Name: 'x'.repeat(256) },
      {
        Wistia_Account_Id__c: 'acc_5',
        Name: 'E',
        Industry: 'Space Mining',
        Plan__c: 'pro',
        Health_Status__c: 'At Risk',
      },
    ]);
    expect(accounts.map((r) => r.errors[0] && [r.errors[0].statusCode, r.errors[0].message])).toEqual([
      ['INVALID_FIELD', "No such column 'Foo__c' on sobject of type Account"],
      [
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        'Unable to create/update fields: CreatedDate. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
      ],
      [
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        'Plan: bad value for restricted picklist field: legacy_enterprise',
      ],
      ['STRING_TOO_LONG', `Account Name: data value too large: ${'x'.repeat(256)} (max length=255)`],
      undefined,
    ]);
    const [dup] = (await conn
      .sobject('Account')
      .create([{ Name: 'Again', Wistia_Account_Id__c: 'ACC_DUP' }] as never)) as unknown as Result[];
    const existing = store
      .records('salesforce', 'Account')
      .find((r) => r.fields.Wistia_Account_Id__c === 'acc_dup');
    expect(dup?.errors[0]).toEqual({
      statusCode: 'DUPLICATE_VALUE',
      message: `duplicate value found: Wistia_Account_Id__c duplicates value on record with id: ${existing?.id.slice(0, 15)}`,
      fields: ['Wistia_Account_Id__c'],
    });
    const contacts = (await conn.sobject('Contact').upsert(
      [
        { Wistia_User_Id__c: 'usr_1', LastName: 'Gonzalez', Email: 'maria.gonzalez@' },
        { Wistia_User_Id__c: 'usr_2', FirstName: 'No', LastName: '' },
      ] as never,
      'Wistia_User_Id__c',
    )) as unknown as Result[];
    expect(contacts[0]?.errors).toEqual([
      {
        statusCode: 'INVALID_EMAIL_ADDRESS',
        message: 'Email: invalid email address: maria.gonzalez@',
        fields: ['Email'],
      },
    ]);
    expect(contacts[1]?.errors).toEqual([
      {
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [LastName]',
        fields: ['LastName'],
      },
    ]);
  });

  it('rejects the whole request with JSON_PARSER_ERROR when a value has the wrong type', async () => {
    await expect(
      upsertAccounts([
        { Wistia_Account_Id__c: 'acc_1', Name: 'A', MRR__c: '12.5' },
        { Wistia_Account_Id__c: 'acc_2', Name: 'B', Seats__c: 'many' },
      ]),
    ).rejects.toMatchObject({
      errorCode: 'JSON_PARSER_ERROR',
      message: expect.stringMatching(
        /^Cannot deserialize instance of double from VALUE_STRING value many or request may be missing a required field at \[line:1, column:\d+\]$/,
      ),
    });
    expect(store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('stores numbers rounded to their scale and datetimes in Salesforce format; null clears a field', async () => {
    await upsertAccounts([
      {
        Wistia_Account_Id__c: 'acc_1',
        Name: 'A',
        MRR__c: '1200.456',
        Seats__c: 10.6,
        Health_Score__c: 87.125,
        Last_Active_At__c: '2024-05-01T12:30:00+02:00',
      },
    ]);
    await upsertAccounts([{ Wistia_Account_Id__c: 'acc_1', Health_Score__c: null }]);
    expect(store.records('salesforce', 'Account')[0]?.fields).toMatchObject({
      MRR__c: 1200.46,
      Seats__c: 11,
      Health_Score__c: null,
      Last_Active_At__c: '2024-05-01T10:30:00.000+0000',
    });
  });

  it('resolves a parent by external id into AccountId, and fails a missing parent', async () => {
    const [account] = await upsertAccounts([{ Wistia_Account_Id__c: 'acc_0001', Name: 'Acme' }]);
    const results = (await conn.sobject('Contact').upsert(
      [
        { Wistia_User_Id__c: 'usr_1', LastName: 'Lee', Account: { Wistia_Account_Id__c: 'acc_0001' } },
        { Wistia_User_Id__c: 'usr_2', LastName: 'Kim', Account: { Wistia_Account_Id__c: 'acc_9' } },
      ] as never,
      'Wistia_User_Id__c',
    )) as unknown as Result[];
    expect(results[0]).toMatchObject({ success: true, created: true });
    expect(results[1]?.errors).toEqual([
      {
        statusCode: 'INVALID_FIELD',
        message: 'Foreign key external ID: acc_9 not found for field Wistia_Account_Id__c in entity Account',
        fields: ['Account'],
      },
    ]);
    const contact = store.records('salesforce', 'Contact')[0];
    expect(contact?.fields).toMatchObject({ AccountId: account?.id, Name: 'Lee' });
    await conn
      .sobject('Contact')
      .upsert([{ Wistia_User_Id__c: 'usr_1', AccountId: null }] as never, 'Wistia_User_Id__c');
    expect(store.records('salesforce', 'Contact')[0]?.fields.AccountId).toBeNull();
  });

  it('creates, updates by id and deletes through the collection endpoints', async () => {
    const created = (await conn
      .sobject('Account')
      .create([{ Name: 'A' }, { Name: 'B' }] as never)) as unknown as Result[];
    expect(created.every((r) => r.success)).toBe(true);
    const ids = created.map((r) => r.id as string);
    const updated = (await conn
      .sobject('Account')
      .update([{ Id: ids[0], Name: 'A2' }] as never)) as unknown as Result[];
    expect(updated[0]).toEqual({ id: ids[0], success: true, errors: [] });
    const deleted = (await conn.sobject('Account').destroy(ids)) as unknown as Result[];
    expect(deleted.map((r) => r.success)).toEqual([true, true]);
    expect(store.records('salesforce', 'Account')).toHaveLength(0);
  });

  it('answers a single-record upsert with 201 then 200 created:false, and 204 below API 46', async () => {
    const created = await conn
      .sobject('Account')
      .upsert({ Wistia_Account_Id__c: 'acc 1', Name: 'One' } as never, 'Wistia_Account_Id__c');
    expect(created).toMatchObject({ success: true, created: true });
    const updated = await conn
      .sobject('Account')
      .upsert({ Wistia_Account_Id__c: 'acc 1', Name: 'Uno' } as never, 'Wistia_Account_Id__c');
    expect(updated).toMatchObject({ success: true, created: false });
    const old = new Connection({
      instanceUrl: conn.instanceUrl,
      accessToken: conn.accessToken as string,
      version: '45.0',
    });
    const legacy = await old
      .sobject('Account')
      .upsert({ Wistia_Account_Id__c: 'acc 1', Name: 'Eins' } as never, 'Wistia_Account_Id__c');
    expect(legacy).toEqual({ success: true, errors: [] });
    await expect(
      conn
        .sobject('Account')
        .upsert({ Wistia_Account_Id__c: 'acc 2', Name: null } as never, 'Wistia_Account_Id__c'),
    ).rejects.toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [Name]',
    });
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceObjectDef } from '../../src/sandbox/salesforce/index.js';
import {
  createSalesforceServer,
  SALESFORCE_SANDBOX_CREDENTIALS as creds,
} from '../../src/sandbox/salesforce/index.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { exampleSchemas } from '../support/example-schemas.js';

const dir = await mkdtemp(join(tmpdir(), 'spoke-sf-'));
const file = join(dir, 'sandbox.json');
const servers: FastifyInstance[] = [];

async function start(store: SandboxStore, objects?: SalesforceObjectDef[]): Promise<Connection> {
  const app = await createSalesforceServer({
    store,
    objects: [...(await exampleSchemas()).salesforceObjects, ...(objects ?? [])],
  });
  servers.push(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const conn = new Connection({
    loginUrl: url,
    version: '58.0',
    oauth2: { loginUrl: url, clientId: creds.clientId, clientSecret: creds.clientSecret },
  });
  await conn.login(creds.username, creds.password);
  return conn;
}

let conn: Connection;
const widget: SalesforceObjectDef = {
  name: 'Widget__c',
  label: 'Widget',
  keyPrefix: 'a01',
  fields: [
    { name: 'Id', label: 'Record ID', type: 'id' },
    { name: 'Name', label: 'Widget Name', type: 'string', length: 80, nillable: false },
    { name: 'Code__c', label: 'Code', type: 'string', length: 10, externalId: true, unique: true },
  ],
};

beforeAll(async () => {
  conn = await start(await SandboxStore.open(file), [widget]);
  for (let start = 0; start < 2500; start += 200) {
    const batch = Array.from({ length: Math.min(200, 2500 - start) }, (_, i) => ({
      Wistia_Account_Id__c: `acc_${String(start + i).padStart(4, '0')}`,
      Name: `Account ${start + i}`,
      Plan__c: (start + i) % 2 === 0 ? 'pro' : 'free',
    }));
    await conn.sobject('Account').upsert(batch as never, 'Wistia_Account_Id__c');
  }
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('Salesforce sandbox describe', () => {
  it('describes a known object with the fields a sync needs', async () => {
    const account = await conn.describe('Account');
    expect(account.keyPrefix).toBe('001');
    const ext = account.fields.find((f) => f.name === 'Wistia_Account_Id__c');
    expect(ext).toMatchObject({ externalId: true, unique: true, idLookup: true, length: 64, type: 'string' });
    const plan = account.fields.find((f) => f.name === 'Plan__c');
    expect(plan?.restrictedPicklist).toBe(true);
    expect(plan?.picklistValues?.map((p) => p.value)).toEqual([
      'free',
      'starter',
      'pro',
      'business',
      'enterprise',
    ]);
    const contact = await conn.describe('Contact');
    expect(contact.fields.find((f) => f.name === 'AccountId')).toMatchObject({
      type: 'reference',
      referenceTo: ['Account'],
      relationshipName: 'Account',
    });
  });

  it('serves objects given in the options next to the defaults', async () => {
    const described = await conn.describe('Widget__c');
    expect(described.fields.map((f) => f.name)).toEqual(['Id', 'Name', 'Code__c']);
    const [result] = (await conn
      .sobject('Widget__c')
      .upsert([{ Code__c: 'W-1', Name: 'Sprocket' }] as never, 'Code__c')) as unknown as Array<{
      created: boolean;
    }>;
    expect(result?.created).toBe(true);
  });

  it('answers 404 NOT_FOUND for an object it does not know', async () => {
    await expect(conn.describe('Nope__c')).rejects.toMatchObject({
      errorCode: 'NOT_FOUND',
      message: 'The requested resource does not exist',
    });
  });
});

describe('Salesforce sandbox query', () => {
  it('pages 2000 records at a time through a query locator', async () => {
    const first = await conn.query<{ Id: string }>('SELECT Id, Name FROM Account');
    expect(first.totalSize).toBe(2500);
    expect(first.records).toHaveLength(2000);
    expect(first.done).toBe(false);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v58\.0\/query\/[^/]+$/);
    const rest = await conn.queryMore(first.nextRecordsUrl as string);
    expect(rest.done).toBe(true);
    expect(rest.records).toHaveLength(500);
    const all = await conn.query('SELECT Id FROM Account', { autoFetch: true, maxFetch: 5000 });
    expect(all.records).toHaveLength(2500);
  });

  it('filters with = and IN, orders and limits', async () => {
    const result = await conn.query<{ Wistia_Account_Id__c: string; Plan__c: string }>(
      "SELECT Id, Wistia_Account_Id__c, Plan__c FROM Account WHERE Wistia_Account_Id__c IN ('acc_0003', 'ACC_0002', 'acc_0001') AND Plan__c = 'free' ORDER BY Wistia_Account_Id__c DESC LIMIT 5",
    );
    expect(result.records.map((r) => r.Wistia_Account_Id__c)).toEqual(['acc_0003', 'acc_0001']);
    expect(result.records[0]).toMatchObject({ attributes: { type: 'Account' }, Plan__c: 'free' });
  });

  it('rejects malformed SOQL with MALFORMED_QUERY and unknown columns with INVALID_FIELD', async () => {
    await expect(conn.query('SELECT FROM Account')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(conn.query('SELECT Id, Bogus__c FROM Account')).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: expect.stringContaining("No such column 'Bogus__c' on entity 'Account'."),
    });
  });
});

describe('Salesforce sandbox persistence', () => {
  it('shows the records to a second sandbox opened on the same file', async () => {
    const again = await start(await SandboxStore.open(file));
    const result = await again.query<{ Name: string }>(
      "SELECT Name FROM Account WHERE Wistia_Account_Id__c = 'acc_0042'",
    );
    expect(result.records.map((r) => r.Name)).toEqual(['Account 42']);
  });
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HUBSPOT_SANDBOX_TOKEN,
  type RunningSandbox,
  SALESFORCE_SANDBOX_CREDENTIALS,
  startSandbox,
} from '../../src/sandbox/index.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';

const subscriptionDescribe = {
  name: 'Subscription__c',
  label: 'Subscription',
  keyPrefix: 'a01',
  custom: true,
  fields: [
    { name: 'Id', type: 'id', label: 'Record ID', createable: false, updateable: false, nillable: false },
    {
      name: 'Name',
      type: 'string',
      label: 'Name',
      length: 80,
      createable: true,
      updateable: true,
      nillable: false,
    },
    {
      name: 'Subscription_Id__c',
      type: 'string',
      label: 'Subscription Id',
      length: 32,
      externalId: true,
      unique: true,
      idLookup: true,
      createable: true,
      updateable: true,
      nillable: true,
    },
    { name: 'Seats__c', type: 'double', label: 'Seats', createable: true, updateable: true, nillable: true },
  ],
};

const dealProperties = {
  results: [
    {
      name: 'dealname',
      label: 'Deal name',
      type: 'string',
      fieldType: 'text',
      groupName: 'dealinformation',
      options: [],
    },
    {
      name: 'renewal_id',
      label: 'Renewal id',
      type: 'string',
      fieldType: 'text',
      groupName: 'dealinformation',
      options: [],
      hasUniqueValue: true,
    },
  ],
};

describe('a project that saves object schemas in spoke_schemas/', () => {
  let dir: string;
  let sandbox: RunningSandbox | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spoke-schemas-'));
    await mkdir(join(dir, 'salesforce'));
    await mkdir(join(dir, 'hubspot'));
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('gets a sandbox that knows its custom Salesforce objects and HubSpot properties', async () => {
    await writeFile(join(dir, 'salesforce', 'Subscription__c.json'), JSON.stringify(subscriptionDescribe));
    await writeFile(join(dir, 'hubspot', 'deals.json'), JSON.stringify(dealProperties));
    sandbox = await startSandbox({ stateFile: null, schemaDir: dir });

    const { username, password, clientId, clientSecret } = SALESFORCE_SANDBOX_CREDENTIALS;
    const conn = new jsforce.Connection({
      loginUrl: sandbox.salesforceUrl,
      oauth2: { loginUrl: sandbox.salesforceUrl, clientId, clientSecret },
      version: '62.0',
    });
    await conn.login(username, password);
    const describeResult = await conn.describe('Subscription__c');
    expect(describeResult.fields.map((field) => field.name)).toContain('Subscription_Id__c');
    const [ok, bad] = (await conn.sobject('Subscription__c').upsert(
      [
        { Subscription_Id__c: 'sub_1', Name: 'Pro yearly', Seats__c: 12 },
        { Subscription_Id__c: 'sub_2', Name: 'Pro monthly', Unknown__c: 'x' },
      ],
      'Subscription_Id__c',
    )) as { success: boolean; errors: { statusCode?: string }[] }[];
    expect(ok!.success).toBe(true);
    expect(bad!.errors[0]!.statusCode).toBe('INVALID_FIELD');

    const hubspot = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: sandbox.hubspotUrl });
    const properties = await hubspot.crm.properties.coreApi.getAll('deals', false);
    expect(properties.results.map((property) => property.name)).toContain('renewal_id');
  });

  it('refuses a file that is not a saved API response, naming the file', async () => {
    await writeFile(join(dir, 'salesforce', 'Broken.json'), JSON.stringify({ fields: 'nope' }));
    await expect(startSandbox({ stateFile: null, schemaDir: dir })).rejects.toThrow(
      /Broken\.json is not a Salesforce describe response/,
    );
  });
});

describe('the sandbox defaults', () => {
  let sandbox: RunningSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function describeAll(schemaDir?: string) {
    sandbox = await startSandbox({ stateFile: null, ...(schemaDir ? { schemaDir } : {}) });
    const { username, password, clientId, clientSecret } = SALESFORCE_SANDBOX_CREDENTIALS;
    const conn = new jsforce.Connection({
      loginUrl: sandbox.salesforceUrl,
      oauth2: { loginUrl: sandbox.salesforceUrl, clientId, clientSecret },
      version: '62.0',
    });
    await conn.login(username, password);
    const hubspot = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: sandbox.hubspotUrl });
    const names: Record<string, string[]> = {};
    for (const object of ['Account', 'Contact']) {
      names[object] = (await conn.describe(object)).fields.map((field) => field.name);
    }
    for (const type of ['companies', 'contacts']) {
      const { results } = await hubspot.crm.properties.coreApi.getAll(type, false);
      names[type] = results.filter((p) => !p.hubspotDefined).map((p) => p.name);
    }
    return names;
  }

  it('are standard objects only: no custom field or property until spoke_schemas/ describes them', async () => {
    const names = await describeAll();
    expect(names.Account).toContain('Name');
    expect(names.Contact).toContain('LastName');
    expect([...names.Account!, ...names.Contact!].filter((name) => name.endsWith('__c'))).toEqual([]);
    expect(names.companies).toEqual([]);
    expect(names.contacts).toEqual([]);
  });

  it("grow the example project's custom fields from its spoke_schemas/", async () => {
    const names = await describeAll(EXAMPLE_SCHEMA_DIR);
    expect(names.Account).toEqual(expect.arrayContaining(['Name', 'Wistia_Account_Id__c', 'Plan__c']));
    expect(names.Contact).toEqual(expect.arrayContaining(['LastName', 'Wistia_User_Id__c']));
    expect(names.companies).toEqual(expect.arrayContaining(['wistia_account_id', 'plan_tier']));
    expect(names.contacts).toEqual(expect.arrayContaining(['wistia_user_id']));
  });
});

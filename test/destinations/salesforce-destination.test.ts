import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { SalesforceConnectionOptions } from '../../src/destinations/contract.js';
import { createSalesforceDestination } from '../../src/destinations/salesforce/destination.js';
import { SpokeError } from '../../src/errors.js';
import { SALESFORCE_SANDBOX_CREDENTIALS as creds } from '../../src/sandbox/salesforce/index.js';
import {
  account,
  accounts,
  contact,
  contacts,
  emulatorOptions,
  useSalesforceEmulator,
} from '../support/salesforce-emulator.js';

const emulator = useSalesforceEmulator();

function config(extra: Partial<SalesforceConnectionOptions> = {}): SalesforceConnectionOptions {
  return { ...emulatorOptions(emulator.url), ...extra };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Salesforce destination', () => {
  it('reports created, updated and failed records of one upsert batch with Salesforce codes', async () => {
    const destination = createSalesforceDestination(config());
    await destination.write({ ...accounts, operation: 'upsert', records: [account('acc_0001')] });
    const outcomes = await destination.write({
      ...accounts,
      operation: 'upsert',
      records: [
        account('acc_0001', { Plan__c: 'pro', MRR__c: 99.5 }),
        account('acc_0002', { Plan__c: 'enterprise', Health_Status__c: 'At Risk' }),
        account('acc_0003', { Plan__c: 'legacy_enterprise' }),
      ],
    });
    expect(outcomes.map((o) => [o.key, o.status, o.error?.code])).toEqual([
      ['acc_0001', 'updated', undefined],
      ['acc_0002', 'created', undefined],
      ['acc_0003', 'failed', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'],
    ]);
    expect(outcomes[0]?.destinationId).toMatch(/^001/);
    expect(outcomes[2]?.error).toEqual({
      code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      message: 'Plan: bad value for restricted picklist field: legacy_enterprise',
      transient: false,
      fields: ['Plan__c'],
    });
    const people = await destination.write({
      ...contacts,
      operation: 'upsert',
      records: [
        contact('usr_00001', { LastName: 'Gonzalez', Email: 'maria.gonzalez@' }),
        contact('usr_00002', { LastName: '', FirstName: 'Sam' }),
        contact('usr_00003', { LastName: 'Ito', Email: 'ito@example.com' }),
      ],
    });
    expect(people.map((o) => [o.status, o.error?.code, o.error?.message])).toEqual([
      ['failed', 'INVALID_EMAIL_ADDRESS', 'Email: invalid email address: maria.gonzalez@'],
      ['failed', 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]'],
      ['created', undefined, undefined],
    ]);
  });

  it('links contacts to accounts by external id and clears the link when the key is null', async () => {
    const destination = createSalesforceDestination(config());
    const [parent] = await destination.write({
      ...accounts,
      operation: 'upsert',
      records: [account('acc_0001')],
    });
    const linked = await destination.write({
      ...contacts,
      operation: 'upsert',
      records: [
        contact('usr_1', { LastName: 'Lee' }, 'acc_0001'),
        contact('usr_2', { LastName: 'Kim' }, 'acc_9999'),
      ],
    });
    expect(linked[0]?.status).toBe('created');
    expect(linked[1]?.error).toMatchObject({
      code: 'INVALID_FIELD',
      message: 'Foreign key external ID: acc_9999 not found for field Wistia_Account_Id__c in entity Account',
    });
    const stored = () =>
      emulator.store.records('salesforce', 'Contact').find((r) => r.fields.Wistia_User_Id__c === 'usr_1');
    expect(stored()?.fields.AccountId).toBe(parent?.destinationId);
    const cleared = await destination.write({
      ...contacts,
      operation: 'upsert',
      records: [contact('usr_1', { LastName: 'Lee' }, null)],
    });
    expect(cleared[0]?.status).toBe('updated');
    expect(stored()?.fields.AccountId).toBeNull();
  });

  it('in update mode skips keys that do not exist as NO_MATCH and never creates them', async () => {
    const destination = createSalesforceDestination(config());
    await destination.write({ ...accounts, operation: 'upsert', records: [account('acc_0001')] });
    const outcomes = await destination.write({
      ...accounts,
      operation: 'update',
      records: [account('ACC_0001', { Name: 'Renamed' }), account("acc_o'brien")],
    });
    expect(outcomes[0]).toMatchObject({ key: 'ACC_0001', status: 'updated' });
    expect(outcomes[1]).toEqual({
      key: "acc_o'brien",
      status: 'skipped',
      error: {
        code: 'NO_MATCH',
        message: "no Account with Wistia_Account_Id__c = acc_o'brien",
        transient: false,
      },
    });
    const records = emulator.store.records('salesforce', 'Account');
    expect(records.map((r) => r.fields.Name)).toEqual(['Renamed']);
  });

  it('in create mode skips keys that already exist and creates the new ones', async () => {
    const destination = createSalesforceDestination(config());
    const [existing] = await destination.write({
      ...accounts,
      operation: 'upsert',
      records: [account('acc_0001')],
    });
    const outcomes = await destination.write({
      ...accounts,
      operation: 'create',
      records: [account('acc_0001', { Name: 'Changed' }), account('acc_0002')],
    });
    expect(outcomes[0]).toMatchObject({
      status: 'skipped',
      destinationId: existing?.destinationId,
      error: { code: 'ALREADY_EXISTS' },
    });
    expect(outcomes[1]).toMatchObject({ status: 'created' });
    expect(
      emulator.store
        .records('salesforce', 'Account')
        .map((r) => r.fields.Name)
        .sort(),
    ).toEqual(['Account acc_0001', 'Account acc_0002']);
  });

  it('splits 450 records into three collection calls and answers 450 outcomes in order', async () => {
    const destination = createSalesforceDestination(config());
    const records = Array.from({ length: 450 }, (_, i) => account(`acc_${String(i).padStart(4, '0')}`));
    const outcomes = await destination.write({ ...accounts, operation: 'upsert', records });
    expect(outcomes).toHaveLength(450);
    expect(outcomes.map((o) => o.key)).toEqual(records.map((r) => r.key));
    expect(outcomes.every((o) => o.status === 'created')).toBe(true);
    expect(
      emulator.requests.filter((r) => r.startsWith('PATCH') && r.includes('/composite/sobjects/Account/')),
    ).toHaveLength(3);
  });

  it('describes objects with unique, required, picklist and reference information', async () => {
    const destination = createSalesforceDestination(config());
    const schema = await destination.describe('Contact');
    const byName = new Map(schema.fields.map((f) => [f.name, f]));
    expect(byName.get('Wistia_User_Id__c')).toMatchObject({ unique: true, required: false });
    expect(byName.get('Email')).toMatchObject({ unique: false, type: 'email' });
    expect(byName.get('LastName')).toMatchObject({ required: true });
    expect(byName.get('OwnerId')).toMatchObject({
      required: false,
      referenceTo: ['User'],
      relationshipName: 'Owner',
    });
    expect(byName.get('AccountId')).toMatchObject({ referenceTo: ['Account'], relationshipName: 'Account' });
    const plan = (await destination.describe('Account')).fields.find((f) => f.name === 'Plan__c');
    expect(plan?.picklistValues).toEqual(['free', 'starter', 'pro', 'business', 'enterprise']);
    const before = emulator.requests.length;
    await destination.describe('Contact');
    expect(emulator.requests.length).toBe(before);
    await expect(destination.describe('Nope__c')).rejects.toMatchObject({ code: 'SPOKE_DESTINATION' });
  });

  it('checks credentials with the password, client-credentials and access-token flows', async () => {
    await createSalesforceDestination(config()).check();
    await createSalesforceDestination(config({ username: undefined, password: undefined })).check();
    const token = (await (
      await fetch(`${emulator.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: creds.clientId,
          client_secret: creds.clientSecret,
        }),
      })
    ).json()) as { access_token: string };
    const byToken = createSalesforceDestination(
      config({
        username: undefined,
        password: undefined,
        clientId: undefined,
        clientSecret: undefined,
        accessToken: token.access_token,
        instanceUrl: emulator.url,
      }),
    );
    await byToken.check();
    const [outcome] = await byToken.write({
      ...accounts,
      operation: 'upsert',
      records: [account('acc_token')],
    });
    expect(outcome?.status).toBe('created');
  });

  it('fails check() with SPOKE_DESTINATION_AUTH naming the destination and login URL but not the password', async () => {
    const destination = createSalesforceDestination(config({ password: 'hunter2-wrong' }));
    const error = await destination.check().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpokeError);
    expect(error).toMatchObject({ code: 'SPOKE_DESTINATION_AUTH' });
    const message = (error as Error).message;
    expect(message).toContain('"salesforce"');
    expect(message).toContain(emulator.url);
    expect(message).toContain('authentication failure');
    expect(message).not.toContain('hunter2-wrong');
    expect(message).not.toContain(creds.clientSecret);
  });

  it('refuses API versions below 46.0, which have no collections upsert', () => {
    expect(() => createSalesforceDestination(config({ apiVersion: '45.0' }))).toThrow(/46\.0 or newer/);
  });

  it('fans a connection failure out as one transient failed outcome per record', async () => {
    const port = await closedPort();
    const destination = createSalesforceDestination(config({ loginUrl: `http://127.0.0.1:${port}` }));
    const outcomes = await destination.write({
      ...accounts,
      operation: 'upsert',
      records: [account('a'), account('b')],
    });
    expect(outcomes.map((o) => [o.key, o.status, o.error?.code, o.error?.transient])).toEqual([
      ['a', 'failed', 'ECONNREFUSED', true],
      ['b', 'failed', 'ECONNREFUSED', true],
    ]);
  });

  it('fans a request-level rejection out as one permanent failed outcome per record', async () => {
    const destination = createSalesforceDestination(config());
    const outcomes = await destination.write({
      object: 'Nope__c',
      match: 'Ext__c',
      operation: 'upsert',
      records: [account('a'), account('b'), account('c')],
    });
    expect(outcomes).toHaveLength(3);
    expect(
      outcomes.every((o) => o.status === 'failed' && o.error?.code === 'NOT_FOUND' && !o.error.transient),
    ).toBe(true);
    const typed = await destination.write({
      ...accounts,
      operation: 'upsert',
      records: [account('a', { Seats__c: 'ten' }), account('b')],
    });
    expect(typed.map((o) => o.error?.code)).toEqual(['JSON_PARSER_ERROR', 'JSON_PARSER_ERROR']);
  });

  it.each([
    [
      'a JSON array, as a REST error',
      503,
      [{ message: 'Server is temporarily unavailable.', errorCode: 'SERVER_UNAVAILABLE' }],
    ],
    ['an empty body', 500, ''],
    ['an HTML page', 502, '<html><body>Bad gateway</body></html>'],
    ['JSON without error_description', 400, { error: 'invalid_request' }],
  ])('reports a login answered with %s as SPOKE_DESTINATION_AUTH, never as a crash', async (_, status, body) => {
    emulator.fault = (method, path) =>
      method === 'POST' && path.startsWith('/services/oauth2/token')
        ? {
            status,
            headers: { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' },
            body,
          }
        : undefined;
    const error = await createSalesforceDestination(config())
      .check()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpokeError);
    expect(error).toMatchObject({
      code: 'SPOKE_DESTINATION_AUTH',
      message: expect.stringContaining('could not log in'),
    });
    // The same failure under records is transient: resent, never remembered as rejected.
    const [outcome] = await createSalesforceDestination(config()).write({
      ...accounts,
      operation: 'upsert',
      records: [account('a')],
    });
    expect(outcome).toMatchObject({ status: 'failed', error: { transient: true } });
  });
});

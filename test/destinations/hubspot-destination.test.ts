import { Client } from '@hubspot/api-client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutboundRecord } from '../../src/destinations/contract.js';
import { createHubspotDestination } from '../../src/destinations/hubspot/destination.js';
import { SpokeError } from '../../src/errors.js';
import { createHubspotServer, HUBSPOT_SANDBOX_TOKEN } from '../../src/sandbox/hubspot/server.js';
import type { HubspotFault } from '../../src/sandbox/hubspot/types.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { exampleSchemas } from '../support/example-schemas.js';

interface Seen {
  method: string;
  url: string;
  body: { inputs?: { id?: string }[] } | undefined;
}

let app: FastifyInstance;
let store: SandboxStore;
let url: string;
let seen: Seen[] = [];
let fault: HubspotFault | undefined;
let client: Client;

beforeAll(async () => {
  store = await SandboxStore.open(null);
  app = await createHubspotServer({
    store,
    rateLimit: false,
    properties: (await exampleSchemas()).hubspotProperties,
    hooks: [() => fault],
  });
  app.addHook('preHandler', async (request) => {
    seen.push({ method: request.method, url: request.url, body: request.body as Seen['body'] });
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  client = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: url });
});

afterAll(async () => {
  await app.close();
});

beforeEach(() => {
  store.clear();
  seen = [];
  fault = undefined;
});

function destination(overrides: { accessToken?: string; baseUrl?: string } = {}) {
  return createHubspotDestination({
    name: 'hubspot',
    baseUrl: overrides.baseUrl ?? url,
    accessToken: overrides.accessToken ?? HUBSPOT_SANDBOX_TOKEN,
  });
}

function record(
  key: string,
  values: Record<string, unknown>,
  associations: OutboundRecord['associations'] = [],
) {
  return { key, values, lookups: [], associations } satisfies OutboundRecord;
}

function company(key: string, values: Record<string, unknown> = {}) {
  return record(key, { name: `Company ${key}`, ...values });
}

const writes = (path: string) => seen.filter((s) => s.url.includes(path));

describe('HubSpot destination: check and describe', () => {
  it('passes check with the sandbox token', async () => {
    await expect(destination().check()).resolves.toBeUndefined();
  });

  it('fails check with SPOKE_DESTINATION_AUTH naming the destination and URL but never the token', async () => {
    const secret = 'pat-na1-very-secret-value';
    const error = await destination({ accessToken: secret })
      .check()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpokeError);
    expect((error as SpokeError).code).toBe('SPOKE_DESTINATION_AUTH');
    expect((error as SpokeError).message).toContain('"hubspot"');
    expect((error as SpokeError).message).toContain(url);
    expect((error as SpokeError).message).not.toContain(secret);
  });

  it('describes unique, read-only and enumeration properties and asks HubSpot only once per object', async () => {
    const hubspot = destination();
    const schema = await hubspot.describe('companies');
    await hubspot.describe('companies');
    const byName = new Map(schema.fields.map((f) => [f.name, f]));
    expect(byName.get('wistia_account_id')).toMatchObject({
      unique: true,
      createable: true,
      required: false,
    });
    expect(byName.get('hs_object_id')).toMatchObject({ createable: false, updateable: false });
    expect(byName.get('plan_tier')?.picklistValues).toEqual([
      'free',
      'starter',
      'pro',
      'business',
      'enterprise',
    ]);
    expect(writes('/crm/v3/properties/companies')).toHaveLength(1);
    const contacts = await hubspot.describe('contacts');
    expect(contacts.fields.find((f) => f.name === 'email')?.unique).toBe(true);
  });
});

describe('HubSpot destination: upsert', () => {
  it('gives each record of a mixed batch its own outcome and error code, in input order', async () => {
    const hubspot = destination();
    const outcomes = await hubspot.write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [
        company('acc_0001', {
          mrr: 120.5,
          seats: 10,
          plan_tier: 'pro',
          last_active_at: new Date('2024-05-01T10:00:00Z'),
        }),
        company('acc_0002', { plan_tier: 'legacy_enterprise' }),
        company('acc_0003', { health_status: null, mrr: 'lots' }),
        company('acc_0004', { favourite_colour: 'blue' }),
      ],
    });
    expect(outcomes.map((o) => [o.key, o.status, o.error?.code])).toEqual([
      ['acc_0001', 'created', undefined],
      ['acc_0002', 'failed', 'INVALID_OPTION'],
      ['acc_0003', 'failed', 'INVALID_INTEGER'],
      ['acc_0004', 'failed', 'PROPERTY_DOESNT_EXIST'],
    ]);
    expect(outcomes[0]?.destinationId).toMatch(/^\d+$/);
    expect(outcomes[1]?.error).toMatchObject({ transient: false, fields: ['plan_tier'] });
    expect(outcomes[1]?.error?.message).toContain('legacy_enterprise');
    const stored = store.records('hubspot', 'companies');
    expect(stored.map((r) => r.fields.wistia_account_id)).toEqual(['acc_0001']);
    expect(stored[0]?.fields).toMatchObject({
      mrr: '120.5',
      seats: '10',
      last_active_at: '2024-05-01T10:00:00.000Z',
    });

    const again = await hubspot.write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_0001', { mrr: 130 })],
    });
    expect(again[0]).toMatchObject({ status: 'updated', destinationId: outcomes[0]?.destinationId });
  });

  it('reports INVALID_EMAIL for a contact with a malformed address', async () => {
    const outcomes = await destination().write({
      object: 'contacts',
      operation: 'upsert',
      match: 'wistia_user_id',
      records: [
        record('usr_00001', { email: 'ann@example.com', firstname: 'Ann' }),
        record('usr_00002', { email: 'maria.gonzalez@', firstname: 'Maria' }),
      ],
    });
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'failed']);
    expect(outcomes[1]?.error).toMatchObject({ code: 'INVALID_EMAIL', fields: ['email'] });
  });

  it('splits 250 records into three requests of at most 100 and answers all 250', async () => {
    const records = Array.from({ length: 250 }, (_, i) => company(`acc_${String(i).padStart(4, '0')}`));
    const outcomes = await destination().write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records,
    });
    expect(outcomes).toHaveLength(250);
    expect(outcomes.every((o) => o.status === 'created')).toBe(true);
    expect(outcomes.map((o) => o.key)).toEqual(records.map((r) => r.key));
    expect(writes('/batch/upsert').map((s) => s.body?.inputs?.length)).toEqual([100, 100, 50]);
  });

  it('never sends the same key twice in one request and lets the later value win', async () => {
    const outcomes = await destination().write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_dup', { seats: 1 }), company('acc_other'), company('acc_dup', { seats: 2 })],
    });
    expect(outcomes.map((o) => [o.key, o.status])).toEqual([
      ['acc_dup', 'created'],
      ['acc_other', 'created'],
      ['acc_dup', 'updated'],
    ]);
    for (const request of writes('/batch/upsert')) {
      const ids = request.body?.inputs?.map((i) => i.id) ?? [];
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(
      store.records('hubspot', 'companies').find((r) => r.fields.wistia_account_id === 'acc_dup')?.fields
        .seats,
    ).toBe('2');
  });
});

describe('HubSpot destination: update and create modes', () => {
  it('updates existing records only and skips unmatched keys with NO_MATCH', async () => {
    const hubspot = destination();
    const [existing] = await hubspot.write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_here')],
    });
    const outcomes = await hubspot.write({
      object: 'companies',
      operation: 'update',
      match: 'wistia_account_id',
      records: [company('acc_here', { seats: 7 }), company('acc_nowhere', { seats: 3 })],
    });
    expect(outcomes[0]).toMatchObject({ status: 'updated', destinationId: existing?.destinationId });
    expect(outcomes[1]).toMatchObject({ status: 'skipped', error: { code: 'NO_MATCH' } });
    expect(store.records('hubspot', 'companies')).toHaveLength(1);
  });

  it('creates new keys only and skips existing ones with ALREADY_EXISTS and their id', async () => {
    const hubspot = destination();
    const [existing] = await hubspot.write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_old', { seats: 1 })],
    });
    const outcomes = await hubspot.write({
      object: 'companies',
      operation: 'create',
      match: 'wistia_account_id',
      records: [company('acc_old', { seats: 9 }), company('acc_new', { plan_tier: 'starter' })],
    });
    expect(outcomes[0]).toMatchObject({
      status: 'skipped',
      destinationId: existing?.destinationId,
      error: { code: 'ALREADY_EXISTS' },
    });
    expect(outcomes[1]?.status).toBe('created');
    const byKey = new Map(
      store.records('hubspot', 'companies').map((r) => [r.fields.wistia_account_id, r.fields]),
    );
    expect(byKey.get('acc_old')?.seats).toBe('1');
    expect(byKey.get('acc_new')?.plan_tier).toBe('starter');
  });
});

describe('HubSpot destination: associations', () => {
  it('associates contacts to companies found by their unique property and flags a missing company', async () => {
    const hubspot = destination();
    const [acme] = await hubspot.write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_0001')],
    });
    const to = (value: string | null) => [{ to: 'companies', match: 'wistia_account_id', value }];
    const outcomes = await hubspot.write({
      object: 'contacts',
      operation: 'upsert',
      match: 'wistia_user_id',
      records: [
        record('usr_1', { email: 'one@example.com' }, to('acc_0001')),
        record('usr_2', { email: 'two@example.com' }, to('acc_9999')),
        record('usr_3', { email: 'three@example.com' }, to(null)),
      ],
    });
    expect(outcomes.map((o) => [o.key, o.status, o.error?.code])).toEqual([
      ['usr_1', 'created', undefined],
      ['usr_2', 'failed', 'ASSOCIATION_TARGET_NOT_FOUND'],
      ['usr_3', 'created', undefined],
    ]);
    expect(outcomes[1]?.destinationId).toMatch(/^\d+$/);
    expect(outcomes[1]?.error?.message).toContain('acc_9999');

    const linked = await client.crm.associations.v4.basicApi.getPage(
      'contacts',
      outcomes[0]?.destinationId as string,
      'companies',
    );
    expect(linked.results.map((r) => [r.toObjectId, r.associationTypes[0]?.typeId])).toEqual([
      [acme?.destinationId, 279],
    ]);
    const none = await client.crm.associations.v4.basicApi.getPage(
      'contacts',
      outcomes[2]?.destinationId as string,
      'companies',
    );
    expect(none.results).toEqual([]);
    expect(writes('/batch/associate/default')).toHaveLength(1);
  });

  it('uses the given association type id through the typed batch endpoint', async () => {
    const hubspot = destination();
    const [acme] = await hubspot.write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_typed')],
    });
    const [contact] = await hubspot.write({
      object: 'contacts',
      operation: 'upsert',
      match: 'wistia_user_id',
      records: [
        record('usr_typed', {}, [
          { to: 'companies', match: 'wistia_account_id', value: 'acc_typed', typeId: 1 },
        ]),
      ],
    });
    expect(contact?.status).toBe('created');
    const linked = await client.crm.associations.v4.basicApi.getPage(
      'companies',
      acme?.destinationId as string,
      'contacts',
    );
    expect(linked.results[0]?.associationTypes[0]?.typeId).toBe(2);
    expect(writes('/crm/v4/associations/contacts/companies/batch/create')).toHaveLength(1);
  });
});

describe('HubSpot destination: whole-call failures', () => {
  it('fails every record as transient NETWORK_ERROR when nothing listens on the port', async () => {
    const closed = await createHubspotServer({ store: await SandboxStore.open(null), rateLimit: false });
    const closedUrl = await closed.listen({ host: '127.0.0.1', port: 0 });
    await closed.close();
    const outcomes = await destination({ baseUrl: closedUrl }).write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_a'), company('acc_b')],
    });
    expect(outcomes.map((o) => [o.key, o.status, o.error?.code, o.error?.transient])).toEqual([
      ['acc_a', 'failed', 'NETWORK_ERROR', true],
      ['acc_b', 'failed', 'NETWORK_ERROR', true],
    ]);
  });

  it('fails every record of the call with DAILY_LIMIT_REACHED, left for the next run, when the daily quota is used up', async () => {
    fault = {
      status: 429,
      body: {
        status: 'error',
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'DAILY',
      },
    };
    const outcomes = await destination().write({
      object: 'companies',
      operation: 'update',
      match: 'wistia_account_id',
      records: [company('acc_a'), company('acc_b')],
    });
    // Not the records' fault: never remembered as failed, resent by the next run.
    expect(outcomes.map((o) => [o.status, o.error?.code, o.error?.transient, o.error?.retryLater])).toEqual([
      ['failed', 'DAILY_LIMIT_REACHED', true, true],
      ['failed', 'DAILY_LIMIT_REACHED', true, true],
    ]);
  });

  it('fails every unanswered record, as transient, with an error that names no input instead of dropping it', async () => {
    const now = new Date().toISOString();
    fault = {
      status: 207,
      body: {
        status: 'COMPLETE',
        startedAt: now,
        completedAt: now,
        results: [],
        numErrors: 1,
        errors: [
          {
            status: 'error',
            category: 'VALIDATION_ERROR',
            message: 'Something went wrong',
            context: {},
            links: {},
            errors: [{ message: 'Internal validation failed', code: 'UNKNOWN_PROBLEM' }],
          },
        ],
      },
    };
    const outcomes = await destination().write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_a'), company('acc_b')],
    });
    // Not said about either record: neither is remembered as rejected.
    expect(outcomes.map((o) => [o.key, o.status, o.error?.code, o.error?.transient])).toEqual([
      ['acc_a', 'failed', 'UNKNOWN_PROBLEM', true],
      ['acc_b', 'failed', 'UNKNOWN_PROBLEM', true],
    ]);
  });

  it('fails records permanently with the category when HubSpot refuses the whole batch', async () => {
    fault = { status: 400, body: { status: 'error', message: 'Bad input', category: 'VALIDATION_ERROR' } };
    const outcomes = await destination().write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_a')],
    });
    expect(outcomes[0]?.error).toMatchObject({ code: 'VALIDATION_ERROR', transient: false });
    expect(outcomes[0]?.error?.message).toContain('Bad input');
  });

  it('fails every record as transient, naming the status, when HubSpot answers an error without a JSON body', async () => {
    fault = { status: 503 };
    const outcomes = await destination().write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: [company('acc_a'), company('acc_b')],
    });
    expect(outcomes.map((o) => [o.key, o.status, o.error?.code, o.error?.transient])).toEqual([
      ['acc_a', 'failed', 'ERROR_HTTP_503', true],
      ['acc_b', 'failed', 'ERROR_HTTP_503', true],
    ]);
    expect(outcomes[0]?.error?.message).toContain('HTTP 503');
  });
});

import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubspotServer, HUBSPOT_SANDBOX_TOKEN } from '../../src/sandbox/hubspot/server.js';
import {
  createSalesforceServer,
  SALESFORCE_SANDBOX_CREDENTIALS,
} from '../../src/sandbox/salesforce/index.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { exampleSchemas } from '../support/example-schemas.js';
import { openApiResponses } from '../support/hubspot-openapi.js';

describe('HubSpot sandbox answers as the official OpenAPI spec describes', () => {
  let app: FastifyInstance;
  let url: string;
  let validate: Awaited<ReturnType<typeof openApiResponses>>;

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HUBSPOT_SANDBOX_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const results = (body: Record<string, unknown>) =>
    body.results as { properties: Record<string, unknown>; new?: boolean }[];

  beforeAll(async () => {
    validate = await openApiResponses('objects.json');
    app = await createHubspotServer({
      store: await SandboxStore.open(null),
      rateLimit: false,
      properties: (await exampleSchemas()).hubspotProperties,
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app?.close());

  it('upsert: 200 and 207 bodies match the spec, and a cleared property echoes "" rather than null', async () => {
    const path = '/crm/v3/objects/{objectType}/batch/upsert';
    const first = await post('/crm/v3/objects/companies/batch/upsert', {
      inputs: [
        { idProperty: 'wistia_account_id', id: 'acc_1', properties: { name: 'Acme', description: 'old' } },
      ],
    });
    expect(first.status).toBe(200);
    expect(validate(path, 'POST', 200, first.body)).toEqual([]);

    const cleared = await post('/crm/v3/objects/companies/batch/upsert', {
      inputs: [{ idProperty: 'wistia_account_id', id: 'acc_1', properties: { description: '' } }],
    });
    expect(cleared.status).toBe(200);
    expect(validate(path, 'POST', 200, cleared.body)).toEqual([]);
    expect(results(cleared.body)[0]!.properties.description).toBe('');

    const partial = await post('/crm/v3/objects/companies/batch/upsert', {
      inputs: [
        { idProperty: 'wistia_account_id', id: 'acc_2', properties: { name: 'Beta', city: '' } },
        { idProperty: 'wistia_account_id', id: 'acc_3', properties: { no_such_property: 'x' } },
      ],
    });
    expect(partial.status).toBe(207);
    expect(validate(path, 'POST', 207, partial.body)).toEqual([]);
    expect(results(partial.body)[0]!.properties.city).toBe('');
  });

  it('create: 201 and 207 bodies match the spec, with "" for a property written empty', async () => {
    const path = '/crm/v3/objects/{objectType}/batch/create';
    const created = await post('/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: { email: 'a@example.com', lastname: '' }, associations: [] }],
    });
    expect(created.status).toBe(201);
    expect(validate(path, 'POST', 201, created.body)).toEqual([]);
    expect(results(created.body)[0]!.properties.lastname).toBe('');

    const partial = await post('/crm/v3/objects/contacts/batch/create', {
      inputs: [
        { properties: { email: 'b@example.com' }, associations: [], objectWriteTraceId: 't1' },
        { properties: { email: 'not-an-email' }, associations: [], objectWriteTraceId: 't2' },
      ],
    });
    expect(partial.status).toBe(207);
    expect(validate(path, 'POST', 207, partial.body)).toEqual([]);
  });

  it('update: 200 and 207 bodies match the spec, a cleared property echoes ""', async () => {
    const path = '/crm/v3/objects/{objectType}/batch/update';
    const updated = await post('/crm/v3/objects/contacts/batch/update', {
      inputs: [{ idProperty: 'email', id: 'a@example.com', properties: { firstname: '', lastname: 'Ng' } }],
    });
    expect(updated.status).toBe(200);
    expect(validate(path, 'POST', 200, updated.body)).toEqual([]);
    expect(results(updated.body)[0]!.properties).toMatchObject({ firstname: '', lastname: 'Ng' });

    const partial = await post('/crm/v3/objects/contacts/batch/update', {
      inputs: [
        { idProperty: 'email', id: 'a@example.com', properties: { lastname: 'Ng' } },
        { idProperty: 'email', id: 'nobody@example.com', properties: { lastname: 'X' } },
      ],
    });
    expect(partial.status).toBe(207);
    expect(validate(path, 'POST', 207, partial.body)).toEqual([]);
  });
});

describe('Salesforce sandbox answers as a real org does', () => {
  let app: FastifyInstance;
  let url: string;
  let connection: jsforce.Connection;

  beforeAll(async () => {
    app = await createSalesforceServer({
      store: await SandboxStore.open(null),
      objects: (await exampleSchemas()).salesforceObjects,
      requestTimeoutMs: 300,
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    const { username, password, clientId, clientSecret } = SALESFORCE_SANDBOX_CREDENTIALS;
    connection = new jsforce.Connection({
      loginUrl: url,
      oauth2: { loginUrl: url, clientId, clientSecret },
      version: '62.0',
    });
    await connection.login(username, password);
  });
  afterAll(() => app?.close());

  it('lists its API versions at /services/data/, with or without the trailing slash and without a session', async () => {
    for (const path of ['/services/data/', '/services/data']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      const versions = (await response.json()) as { label: string; url: string; version: string }[];
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 13 }, (_, i) => `${50 + i}.0`));
      expect(versions.at(-1)).toEqual({ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
      expect(versions[0]).toEqual({ label: "Winter '21", url: '/services/data/v50.0', version: '50.0' });
    }
  });

  it('reports the full set of org limits, each as { Max, Remaining }, counting the API requests made', async () => {
    const before = (await connection.limits()) as unknown as Record<
      string,
      { Max: number; Remaining: number }
    >;
    for (const name of [
      'DailyApiRequests',
      'DailyBulkApiBatches',
      'DailyBulkV2QueryJobs',
      'DailyBulkV2QueryFileStorageMB',
      'DailyAsyncApexExecutions',
      'DailyStreamingApiEvents',
      'DataStorageMB',
      'FileStorageMB',
      'HourlyODataCallout',
      'SingleEmail',
    ]) {
      expect(before[name], name).toEqual({ Max: expect.any(Number), Remaining: expect.any(Number) });
    }
    expect(Object.keys(before).length).toBeGreaterThan(40);
    for (const [name, limit] of Object.entries(before)) {
      expect(Object.keys(limit).sort(), name).toEqual(['Max', 'Remaining']);
      expect(limit.Remaining, name).toBeLessThanOrEqual(limit.Max);
    }
    await connection.describe('Account');
    const after = (await connection.limits()) as unknown as Record<string, { Remaining: number }>;
    expect(before.DailyApiRequests!.Remaining - after.DailyApiRequests!.Remaining).toBe(2);
  });

  it('answers a request that does not arrive in time with 408 and Salesforce’s error array', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      // Headers promise a body that never comes.
      socket.write(
        `POST /services/data/v62.0/sobjects/Account HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${connection.accessToken}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Name":`,
      );
    });
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head).toContain('Content-Type: application/json;charset=UTF-8');
    expect(JSON.parse(body!)).toEqual([
      {
        message: 'Your request was running for too long, and has been stopped.',
        errorCode: 'REQUEST_RUNNING_TOO_LONG',
      },
    ]);
  });
});

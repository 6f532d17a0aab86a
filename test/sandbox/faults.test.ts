import { Client } from '@hubspot/api-client';
import { Connection } from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SALESFORCE_SANDBOX_CREDENTIALS as creds,
  type FaultPlan,
  HUBSPOT_SANDBOX_TOKEN,
  type RunningSandbox,
  SANDBOX_FAULTS_ENV,
  startSandbox,
} from '../../src/sandbox/index.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';

const running: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sandbox) => sandbox.close()));
});

async function sandbox(faults?: FaultPlan): Promise<RunningSandbox> {
  const started = await startSandbox({
    schemaDir: EXAMPLE_SCHEMA_DIR,
    stateFile: null,
    hubspotRateLimit: false,
    ...(faults ? { faults } : {}),
  });
  running.push(started);
  return started;
}

async function salesforce(sb: RunningSandbox): Promise<Connection> {
  const conn = new Connection({
    loginUrl: sb.salesforceUrl,
    version: '62.0',
    oauth2: { loginUrl: sb.salesforceUrl, clientId: creds.clientId, clientSecret: creds.clientSecret },
  });
  await conn.login(creds.username, creds.password);
  return conn;
}

function hubspot(sb: RunningSandbox): Client {
  return new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: sb.hubspotUrl });
}

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to be rejected');
}

interface Stats {
  service: string;
  requests: number;
  routes: Record<string, { requests: number; statuses: Record<string, number> }>;
  faults: { requests: number; injected: Record<string, number> };
}

async function stats(baseUrl: string): Promise<Stats> {
  return (await (await fetch(`${baseUrl}/__sandbox/stats`)).json()) as Stats;
}

const upsertCompany = (client: Client, id: string) =>
  client.crm.objects.batchApi.upsert('companies', {
    inputs: [{ idProperty: 'wistia_account_id', id, properties: { name: `Company ${id}` } }],
  });

describe('sandbox faults: Salesforce through jsforce', () => {
  it('answers a GET with 503 SERVER_UNAVAILABLE, which jsforce retries until it succeeds', async () => {
    const sb = await sandbox({
      errors: [
        { status: 503, rate: 1, max: 2, paths: '^GET /services/data/v[0-9.]+/sobjects/Account/describe' },
      ],
    });
    const conn = await salesforce(sb);
    const describe = await conn.sobject('Account').describe();
    expect(describe.name).toBe('Account');
    const seen = await stats(sb.salesforceUrl);
    expect(seen.routes['GET /services/data/:version/sobjects/:object/describe']).toEqual({
      requests: 3,
      statuses: { 503: 2, 200: 1 },
    });
    expect(seen.faults.injected.error).toBe(2);
  });

  it('fails a POST with the 503 in Salesforce format, since jsforce never retries a POST', async () => {
    const sb = await sandbox({ errors: [{ status: 503, rate: 1, paths: '^POST /services/data/' }] });
    const conn = await salesforce(sb);
    const error = await rejection(conn.sobject('Account').create({ Name: 'Nope' }));
    expect(error).toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
  });

  it('expires the session every Nth REST call; jsforce logs in again and carries on', async () => {
    const sb = await sandbox({ expireSessionEvery: 3 });
    const conn = await salesforce(sb);
    for (let i = 0; i < 5; i++) {
      const result = await conn.query('SELECT Id FROM Account');
      expect(result.totalSize).toBe(0);
    }
    const seen = await stats(sb.salesforceUrl);
    const expired = seen.faults.injected.sessionExpired ?? 0;
    expect(expired).toBeGreaterThanOrEqual(2);
    expect(seen.routes['POST /services/oauth2/token']?.requests).toBe(1 + expired);
  });

  it('drops the connection of a GET without answering; jsforce retries the reset request', async () => {
    const sb = await sandbox({
      connectionResets: { rate: 1, max: 1, paths: '^GET /services/data/v[0-9.]+/query' },
    });
    const conn = await salesforce(sb);
    const result = await conn.query('SELECT Id FROM Account');
    expect(result.totalSize).toBe(0);
    const seen = await stats(sb.salesforceUrl);
    expect(seen.faults.injected.connectionReset).toBe(1);
    expect(seen.routes['GET /services/data/:version/query']?.statuses).toEqual({ reset: 1, 200: 1 });
  });

  it('answers the first Bulk API upload PUTs with 503 and lets later ones through', async () => {
    const sb = await sandbox({ bulkUploadFailures: 1 });
    const conn = await salesforce(sb);
    const put = () =>
      fetch(`${sb.salesforceUrl}/services/data/v62.0/jobs/ingest/7505g00000AbCdEAAA/batches`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'text/csv' },
        body: 'Name\nAcme\n',
      });
    const first = await put();
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual([
      { errorCode: 'SERVER_UNAVAILABLE', message: expect.stringContaining('unavailable') },
    ]);
    expect((await put()).status).not.toBe(503);
    expect((await stats(sb.salesforceUrl)).faults.injected.bulkUploadFailure).toBe(1);
  });
});

describe('sandbox faults: HubSpot through @hubspot/api-client', () => {
  it('opens a 429 TEN_SECONDLY_ROLLING window every N requests, with the policyName the client keys on', async () => {
    const sb = await sandbox({ rateLimit: { every: 2, durationMs: 60_000 } });
    const client = hubspot(sb);
    await upsertCompany(client, 'acc_1');
    const error = await rejection(upsertCompany(client, 'acc_2'));
    expect(error.code).toBe(429);
    expect(error.body).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    // Still inside the window.
    expect((await rejection(upsertCompany(client, 'acc_3'))).code).toBe(429);
    expect((await stats(sb.hubspotUrl)).faults.injected.rateLimit).toBe(2);
  });

  it('answers an injected 503 with a HubSpot error body', async () => {
    const sb = await sandbox({ errors: [{ status: 503, rate: 1, paths: 'batch/upsert' }] });
    const error = await rejection(upsertCompany(hubspot(sb), 'acc_1'));
    expect(error.code).toBe(503);
    expect(error.body).toMatchObject({
      status: 'error',
      category: expect.any(String),
      message: expect.any(String),
      correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('surfaces a reset connection as a network error, not an API answer', async () => {
    const sb = await sandbox({ connectionResets: { rate: 1 } });
    const error = await rejection(upsertCompany(hubspot(sb), 'acc_1'));
    expect(error.code).not.toBe(503);
    expect(String(error.message)).toMatch(/socket hang up|ECONNRESET|other side closed|fetch failed/i);
    expect((await stats(sb.hubspotUrl)).faults.injected.connectionReset).toBe(1);
  });

  it('delays requests by the planned latency and counts them', async () => {
    const sb = await sandbox({ latencyMs: [1, 5], seed: 3 });
    await upsertCompany(hubspot(sb), 'acc_1');
    expect((await stats(sb.hubspotUrl)).faults).toMatchObject({ requests: 1, injected: { latency: 1 } });
  });
});

describe('sandbox faults: configuration and control', () => {
  it('reads the plan from SPOKE_SANDBOX_FAULTS when none is passed', async () => {
    process.env[SANDBOX_FAULTS_ENV] = JSON.stringify({ errors: [{ status: 502, rate: 1 }] });
    try {
      const sb = await sandbox();
      expect((await rejection(upsertCompany(hubspot(sb), 'acc_1'))).code).toBe(502);
      expect(await (await fetch(`${sb.hubspotUrl}/__sandbox/faults`)).json()).toEqual({
        errors: [{ status: 502, rate: 1 }],
      });
    } finally {
      delete process.env[SANDBOX_FAULTS_ENV];
    }
  });

  it('refuses to start on an invalid plan in SPOKE_SANDBOX_FAULTS, saying which field is wrong', async () => {
    process.env[SANDBOX_FAULTS_ENV] = JSON.stringify({ errors: [{ status: 503, rate: 5 }] });
    try {
      await expect(sandbox()).rejects.toThrow(
        /SPOKE_SANDBOX_FAULTS environment variable is not a valid fault plan: errors\.0\.rate/,
      );
    } finally {
      delete process.env[SANDBOX_FAULTS_ENV];
    }
  });

  it('replaces the plan at runtime with PUT /__sandbox/faults and refuses a bad one with 400', async () => {
    const sb = await sandbox();
    const client = hubspot(sb);
    await upsertCompany(client, 'acc_1');
    const put = (plan: unknown) =>
      fetch(`${sb.salesforceUrl}/__sandbox/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(plan),
      });
    expect((await put({ errors: [{ status: 500, rate: 1, paths: 'companies' }] })).status).toBe(200);
    // One plan for the run: set through either server, it applies to both.
    expect((await rejection(upsertCompany(client, 'acc_2'))).code).toBe(500);

    const bad = await put({ errors: [{ status: 503, rate: 1, paths: '(' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/errors\.0\.paths/);
  });

  it('counts requests per route and status, and starts over after DELETE /__sandbox/stats', async () => {
    const sb = await sandbox();
    const client = hubspot(sb);
    await upsertCompany(client, 'acc_1');
    await upsertCompany(client, 'acc_2');
    await client.crm.objects.basicApi.getPage('companies', 10);
    const seen = await stats(sb.hubspotUrl);
    expect(seen).toMatchObject({
      service: 'hubspot',
      requests: 3,
      routes: {
        'POST /crm/v3/objects/:objectType/batch/upsert': { requests: 2, statuses: { 200: 2 } },
        'GET /crm/v3/objects/:objectType': { requests: 1, statuses: { 200: 1 } },
      },
    });
    expect((await fetch(`${sb.hubspotUrl}/__sandbox/stats`, { method: 'DELETE' })).status).toBe(204);
    expect(await stats(sb.hubspotUrl)).toMatchObject({ requests: 0, routes: {}, faults: { requests: 0 } });
  });

  it('injects the same faults in the same order for the same seed', async () => {
    const sb = await sandbox();
    const client = hubspot(sb);
    const pattern = async () => {
      sb.faults.replace({ seed: 42, errors: [{ status: 503, rate: 0.5 }] });
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) {
        codes.push(
          await upsertCompany(client, `acc_${i}`).then(
            () => 200,
            (e: { code: number }) => e.code,
          ),
        );
      }
      return codes;
    };
    const first = await pattern();
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(await pattern()).toEqual(first);
  });
});

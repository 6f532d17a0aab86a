import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@hubspot/api-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubspotServer, HUBSPOT_SANDBOX_TOKEN } from '../../src/sandbox/hubspot/server.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { exampleSchemas } from '../support/example-schemas.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(store: SandboxStore, rateLimit: { max: number; intervalMs: number } | false) {
  const app = await createHubspotServer({
    store,
    rateLimit,
    properties: (await exampleSchemas()).hubspotProperties,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => app.close());
  return url;
}

const auth = { authorization: `Bearer ${HUBSPOT_SANDBOX_TOKEN}` };

describe('HubSpot sandbox: rate limit', () => {
  it('counts requests down in headers and answers 429 TEN_SECONDLY_ROLLING once the window is full', async () => {
    const url = await start(await SandboxStore.open(null), { max: 3, intervalMs: 10_000 });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${url}/crm/v3/properties/contacts`, { headers: auth });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-hubspot-ratelimit-max')).toBe('3');
      expect(response.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
      expect(response.headers.get('x-hubspot-ratelimit-daily-remaining')).toMatch(/^\d+$/);
      remaining.push(response.headers.get('x-hubspot-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await fetch(`${url}/crm/v3/properties/contacts`, { headers: auth });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await refused.json()).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      message: 'You have reached your ten_secondly_rolling limit.',
    });

    const client = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: url });
    await expect(client.crm.properties.coreApi.getAll('contacts', false)).rejects.toMatchObject({
      code: 429,
      body: { policyName: 'TEN_SECONDLY_ROLLING' },
    });
  });

  it('lets requests through again once the window has rolled past them', async () => {
    const url = await start(await SandboxStore.open(null), { max: 1, intervalMs: 200 });
    expect((await fetch(`${url}/crm/v3/properties/companies`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${url}/crm/v3/properties/companies`, { headers: auth })).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await fetch(`${url}/crm/v3/properties/companies`, { headers: auth })).status).toBe(200);
  });
});

describe('HubSpot sandbox: persistence', () => {
  it('keeps written records in the state file for the next sandbox', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoke-hubspot-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'sandbox.json');

    const url = await start(await SandboxStore.open(file), false);
    const client = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: url });
    const written = await client.crm.objects.batchApi.upsert('companies', {
      inputs: [{ idProperty: 'wistia_account_id', id: 'acc_0001', properties: { name: 'Persisted' } }],
    });

    const reopened = await SandboxStore.open(file);
    const again = await start(reopened, false);
    const secondClient = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: again });
    const read = await secondClient.crm.objects.basicApi.getById(
      'companies',
      'acc_0001',
      ['name'],
      undefined,
      undefined,
      false,
      'wistia_account_id',
    );
    expect(read.id).toBe(written.results[0]?.id);
    expect(read.properties.name).toBe('Persisted');
  });
});

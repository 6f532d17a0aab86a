import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@hubspot/api-client';
import { afterEach, describe, expect, it } from 'vitest';
import { HUBSPOT_SANDBOX_TOKEN, type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sandbox(stateFile: string | null = null): Promise<{ sb: RunningSandbox; client: Client }> {
  const sb = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile, hubspotRateLimit: false });
  cleanups.push(() => sb.close());
  return { sb, client: new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: sb.hubspotUrl }) };
}

const emails = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `person${from + i}@example.com`);

async function upsertContacts(client: Client, addresses: string[]) {
  const result = await client.crm.objects.batchApi.upsert('contacts', {
    inputs: addresses.map((email) => ({ idProperty: 'email', id: email, properties: { firstname: 'P' } })),
  });
  return result.results;
}

describe('HubSpot sandbox: reads and deletes at batch size', () => {
  it('reads 100 contacts by email in one batch/read', async () => {
    const { client } = await sandbox();
    await upsertContacts(client, emails(0, 100));
    await upsertContacts(client, emails(100, 50));
    const read = await client.crm.objects.batchApi.read('contacts', {
      idProperty: 'email',
      inputs: emails(50, 100).map((id) => ({ id })),
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(read.results.map((r) => r.properties.email).sort()).toEqual(emails(50, 100).sort());
  });

  it('archives 100 contacts with batch/archive (204), hiding them from reads and dropping their associations', async () => {
    const { client } = await sandbox();
    const contacts = await upsertContacts(client, emails(0, 100));
    const company = await client.crm.objects.batchApi.upsert('companies', {
      inputs: [{ idProperty: 'wistia_account_id', id: 'acc_1', properties: { name: 'Acme' } }],
    });
    const companyId = company.results[0]?.id as string;
    await client.crm.associations.v4.batchApi.createDefault('contacts', 'companies', {
      inputs: contacts.slice(0, 2).map((c) => ({ _from: { id: c.id }, to: { id: companyId } })),
    });
    const first = contacts[0]?.id as string;

    await client.crm.objects.batchApi.archive('contacts', { inputs: contacts.map((c) => ({ id: c.id })) });

    const page = await client.crm.objects.basicApi.getPage('contacts', 100);
    expect(page.results).toEqual([]);
    const archived = await client.crm.objects.basicApi.getById(
      'contacts',
      first,
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(archived.archived).toBe(true);
    const fromCompany = await client.crm.associations.v4.basicApi.getPage('companies', companyId, 'contacts');
    expect(fromCompany.results).toEqual([]);
  });

  it('persists updates and archives to the state file as the requests are answered', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoke-hubspot-state-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'sandbox.json');
    const { client } = await sandbox(file);
    const [created] = await upsertContacts(client, emails(0, 2));
    await client.crm.objects.batchApi.upsert('contacts', {
      inputs: [{ idProperty: 'email', id: 'person1@example.com', properties: { firstname: 'Renamed' } }],
    });
    await client.crm.objects.batchApi.archive('contacts', { inputs: [{ id: created?.id as string }] });

    // What `spoke sandbox records` sees while the server still runs.
    const view = await SandboxStore.open(file, { readOnly: true });
    const byEmail = Object.fromEntries(view.records('hubspot', 'contacts').map((r) => [r.fields.email, r]));
    expect(byEmail['person0@example.com']?.archived).toBe(true);
    expect(byEmail['person1@example.com']?.fields.firstname).toBe('Renamed');
  });
});

import { Client } from '@hubspot/api-client';
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects/models/Filter.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubspotServer, HUBSPOT_SANDBOX_TOKEN } from '../../src/sandbox/hubspot/server.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { exampleSchemas } from '../support/example-schemas.js';

interface ApiError {
  code: number;
  body: { status?: string; category?: string; message?: string; errorType?: string; policyName?: string };
}

const op = (operator: string) => operator as FilterOperatorEnum;

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('expected the call to be rejected');
}

let app: FastifyInstance;
let store: SandboxStore;
let url: string;
let client: Client;

beforeAll(async () => {
  store = await SandboxStore.open(null);
  const example = (await exampleSchemas()).hubspotProperties;
  app = await createHubspotServer({
    store,
    rateLimit: false,
    properties: {
      ...example,
      companies: [
        ...(example.companies ?? []),
        { name: 'region', label: 'Region', type: 'enumeration', options: [{ label: 'EU', value: 'eu' }] },
      ],
    },
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  client = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: url });
});

afterAll(async () => {
  await app.close();
});

describe('HubSpot sandbox: properties', () => {
  it('lists contact properties with email and wistia_user_id as unique and hs_object_id read-only', async () => {
    const { results } = await client.crm.properties.coreApi.getAll('contacts', false);
    const byName = new Map(results.map((p) => [p.name, p]));
    expect(byName.get('email')?.hasUniqueValue).toBe(true);
    expect(byName.get('wistia_user_id')?.hasUniqueValue).toBe(true);
    expect(byName.get('last_seen_at')?.type).toBe('datetime');
    expect(byName.get('hs_object_id')?.modificationMetadata?.readOnlyValue).toBe(true);
  });

  it('serves the example company properties plus the ones given in options', async () => {
    const { results } = await client.crm.properties.coreApi.getAll('companies', false);
    const byName = new Map(results.map((p) => [p.name, p]));
    expect(byName.get('plan_tier')?.options.map((o) => o.value)).toEqual([
      'free',
      'starter',
      'pro',
      'business',
      'enterprise',
    ]);
    expect(byName.get('health_status')?.options.map((o) => o.value)).toEqual([
      'Healthy',
      'At Risk',
      'Churning',
    ]);
    expect(byName.get('wistia_account_id')?.hasUniqueValue).toBe(true);
    expect(byName.get('region')?.type).toBe('enumeration');
  });
});

describe('HubSpot sandbox: batch upsert', () => {
  it('creates a record on the first upsert and updates the same record on the second', async () => {
    const first = await client.crm.objects.batchApi.upsert('companies', {
      inputs: [{ idProperty: 'wistia_account_id', id: 'acc_up_1', properties: { name: 'Acme', mrr: '100' } }],
    });
    const second = await client.crm.objects.batchApi.upsert('companies', {
      inputs: [
        { idProperty: 'wistia_account_id', id: 'acc_up_1', properties: { name: 'Acme Inc', mrr: '250.5' } },
      ],
    });
    expect(first.results[0]?._new).toBe(true);
    expect(second.results[0]?._new).toBe(false);
    expect(second.results[0]?.id).toBe(first.results[0]?.id);
    const stored = store
      .records('hubspot', 'companies')
      .filter((r) => r.fields.wistia_account_id === 'acc_up_1');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.fields).toMatchObject({ name: 'Acme Inc', mrr: '250.5', hs_object_id: stored[0]?.id });
  });

  it('writes the good inputs and answers 207 with per-input codes for the bad ones', async () => {
    const response = await client.crm.objects.batchApi.upsert('contacts', {
      inputs: [
        {
          idProperty: 'wistia_user_id',
          id: 'usr_ok',
          objectWriteTraceId: 't-ok',
          properties: { email: 'ok@example.com' },
        },
        {
          idProperty: 'wistia_user_id',
          id: 'usr_bad',
          objectWriteTraceId: 't-bad',
          properties: { email: 'maria.gonzalez@' },
        },
        {
          idProperty: 'wistia_user_id',
          id: 'usr_x',
          objectWriteTraceId: 't-x',
          properties: { shoe_size: '9' },
        },
      ],
    });
    expect(response.results.map((r) => r.objectWriteTraceId)).toEqual(['t-ok']);
    expect('numErrors' in response && response.numErrors).toBe(2);
    const errors = 'errors' in response ? (response.errors ?? []) : [];
    expect(errors.map((e) => [e.context.ids, e.context.objectWriteTraceId, e.errors[0]?.code])).toEqual([
      [['usr_bad'], ['t-bad'], 'INVALID_EMAIL'],
      [['usr_x'], ['t-x'], 'PROPERTY_DOESNT_EXIST'],
    ]);
    expect(errors[0]?.errors[0]?.context?.propertyName).toEqual(['email']);
  });

  it('refuses an enumeration value that is not an option, a non-number and a bad datetime', async () => {
    const response = await client.crm.objects.batchApi.upsert('companies', {
      inputs: [
        { idProperty: 'wistia_account_id', id: 'acc_legacy', properties: { plan_tier: 'legacy_enterprise' } },
        { idProperty: 'wistia_account_id', id: 'acc_nan', properties: { mrr: 'lots' } },
        { idProperty: 'wistia_account_id', id: 'acc_when', properties: { last_active_at: 'yesterday' } },
        {
          idProperty: 'wistia_account_id',
          id: 'acc_fine',
          properties: { plan_tier: 'pro', health_status: 'At Risk', last_active_at: '2024-05-01 10:00:00' },
        },
      ],
    });
    const errors = 'errors' in response ? (response.errors ?? []) : [];
    expect(errors.map((e) => e.errors[0]?.code)).toEqual([
      'INVALID_OPTION',
      'INVALID_INTEGER',
      'INVALID_DATE',
    ]);
    expect(response.results[0]?.properties.last_active_at).toBe('2024-05-01T10:00:00.000Z');
  });

  it('refuses to set a read-only property', async () => {
    const response = await client.crm.objects.batchApi.upsert('companies', {
      inputs: [{ idProperty: 'wistia_account_id', id: 'acc_ro', properties: { createdate: '2020-01-01' } }],
    });
    const errors = 'errors' in response ? (response.errors ?? []) : [];
    expect(errors[0]?.errors[0]?.code).toBe('READ_ONLY_VALUE');
    expect(response.results).toEqual([]);
  });

  it('reports a CONFLICT when a unique value already belongs to another record', async () => {
    await client.crm.objects.batchApi.upsert('contacts', {
      inputs: [{ idProperty: 'wistia_user_id', id: 'usr_owner', properties: { email: 'taken@example.com' } }],
    });
    const response = await client.crm.objects.batchApi.upsert('contacts', {
      inputs: [{ idProperty: 'wistia_user_id', id: 'usr_thief', properties: { email: 'TAKEN@example.com' } }],
    });
    const errors = 'errors' in response ? (response.errors ?? []) : [];
    expect(errors[0]?.category).toBe('CONFLICT');
    expect(errors[0]?.errors[0]?.code).toBe('CONFLICT');
  });

  it('answers 400 VALIDATION_ERROR when one batch names the same id twice', async () => {
    const error = await rejection(
      client.crm.objects.batchApi.upsert('companies', {
        inputs: [
          { idProperty: 'wistia_account_id', id: 'acc_dup', properties: { name: 'a' } },
          { idProperty: 'wistia_account_id', id: 'acc_dup', properties: { name: 'b' } },
        ],
      }),
    );
    expect(error.code).toBe(400);
    expect(error.body.category).toBe('VALIDATION_ERROR');
    expect(error.body.message).toContain('Duplicate IDs');
    expect(store.records('hubspot', 'companies').some((r) => r.fields.wistia_account_id === 'acc_dup')).toBe(
      false,
    );
  });

  it('answers 400 when a batch has more than 100 inputs', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({
      idProperty: 'wistia_account_id',
      id: `acc_many_${i}`,
      properties: {},
    }));
    const error = await rejection(client.crm.objects.batchApi.upsert('companies', { inputs }));
    expect(error.code).toBe(400);
    expect(error.body.category).toBe('VALIDATION_ERROR');
  });

  it('answers 400 when idProperty is not a unique-value property', async () => {
    const error = await rejection(
      client.crm.objects.batchApi.upsert('contacts', {
        inputs: [{ idProperty: 'firstname', id: 'Ann', properties: {} }],
      }),
    );
    expect(error.code).toBe(400);
    expect(error.body.message).toMatch(
      /^Unable to perform update\/upsert by non-unique 0-1 property firstname/,
    );
  });

  it('accepts email as idProperty on contacts', async () => {
    const response = await client.crm.objects.batchApi.upsert('contacts', {
      inputs: [{ idProperty: 'email', id: 'by-email@example.com', properties: { firstname: 'Eve' } }],
    });
    expect(response.results[0]?._new).toBe(true);
  });
});

describe('HubSpot sandbox: create, update, read, archive', () => {
  it('creates with 201, updates by idProperty, reads unknown ids as 207 and archives with 204', async () => {
    const created = await client.crm.objects.batchApi.create('deals', {
      inputs: [{ properties: { dealname: 'Big deal', amount: '1000' }, associations: [] }],
    });
    const id = created.results[0]?.id as string;
    expect(id).toMatch(/^\d+$/);

    const updated = await client.crm.objects.batchApi.update('deals', {
      inputs: [{ id, properties: { amount: '2000', dealname: '' } }],
    });
    expect(updated.results[0]?.properties.amount).toBe('2000');

    const read = await client.crm.objects.batchApi.read(
      'deals',
      {
        inputs: [{ id }, { id: '999999999' }],
        properties: ['amount', 'dealname'],
        propertiesWithHistory: [],
      },
      false,
    );
    expect(read.results.map((r) => r.properties)).toEqual([{ amount: '2000', dealname: null }]);
    expect('errors' in read && read.errors?.[0]?.category).toBe('OBJECT_NOT_FOUND');
    expect('errors' in read && read.errors?.[0]?.context.ids).toEqual(['999999999']);

    await client.crm.objects.batchApi.archive('deals', { inputs: [{ id }] });
    const error = await rejection(client.crm.objects.basicApi.getById('deals', id));
    expect(error.code).toBe(404);
  });

  it('refuses a batch create with a bad input as a whole unless the inputs carry trace ids', async () => {
    const error = await rejection(
      client.crm.objects.batchApi.create('companies', {
        inputs: [
          { properties: { name: 'Fine', wistia_account_id: 'acc_c1' }, associations: [] },
          { properties: { plan_tier: 'gold' }, associations: [] },
        ],
      }),
    );
    expect(error.code).toBe(400);
    expect(store.records('hubspot', 'companies').some((r) => r.fields.wistia_account_id === 'acc_c1')).toBe(
      false,
    );

    const partial = await client.crm.objects.batchApi.create('companies', {
      inputs: [
        {
          properties: { name: 'Fine', wistia_account_id: 'acc_c1' },
          associations: [],
          objectWriteTraceId: 'a',
        },
        { properties: { plan_tier: 'gold' }, associations: [], objectWriteTraceId: 'b' },
      ],
    });
    expect(partial.results.map((r) => r.objectWriteTraceId)).toEqual(['a']);
    expect('errors' in partial && partial.errors?.[0]?.context.objectWriteTraceId).toEqual(['b']);
  });

  it('reads one record by a unique property with getById and idProperty', async () => {
    await client.crm.objects.batchApi.upsert('companies', {
      inputs: [{ idProperty: 'wistia_account_id', id: 'acc_get', properties: { name: 'Gettable' } }],
    });
    const record = await client.crm.objects.basicApi.getById(
      'companies',
      'acc_get',
      ['name', 'wistia_account_id'],
      undefined,
      undefined,
      false,
      'wistia_account_id',
    );
    expect(record.properties).toMatchObject({ name: 'Gettable', wistia_account_id: 'acc_get' });
  });
});

describe('HubSpot sandbox: search', () => {
  it('filters with EQ, IN and HAS_PROPERTY, counts the total and pages with after', async () => {
    await client.crm.objects.batchApi.upsert('companies', {
      inputs: ['s1', 's2', 's3'].map((id, i) => ({
        idProperty: 'wistia_account_id',
        id: `acc_${id}`,
        properties: { name: `Search ${id}`, industry: 'ONLINE_MEDIA', ...(i === 0 ? { seats: '5' } : {}) },
      })),
    });
    const eq = await client.crm.objects.searchApi.doSearch('companies', {
      filterGroups: [{ filters: [{ propertyName: 'industry', operator: op('EQ'), value: 'online_media' }] }],
      properties: ['name'],
      limit: 2,
      after: '0',
      sorts: [],
    });
    expect(eq.total).toBe(3);
    expect(eq.results).toHaveLength(2);
    expect(eq.paging?.next?.after).toBe('2');

    const inFilter = await client.crm.objects.searchApi.doSearch('companies', {
      filterGroups: [
        {
          filters: [{ propertyName: 'wistia_account_id', operator: op('IN'), values: ['acc_s2', 'acc_s3'] }],
        },
      ],
      properties: ['wistia_account_id'],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(inFilter.results.map((r) => r.properties.wistia_account_id).sort()).toEqual(['acc_s2', 'acc_s3']);

    const has = await client.crm.objects.searchApi.doSearch('companies', {
      filterGroups: [
        {
          filters: [
            { propertyName: 'industry', operator: op('EQ'), value: 'ONLINE_MEDIA' },
            { propertyName: 'seats', operator: op('HAS_PROPERTY') },
          ],
        },
      ],
      properties: ['name'],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(has.results.map((r) => r.properties.name)).toEqual(['Search s1']);
    expect(has.paging).toBeUndefined();
  });
});

describe('HubSpot sandbox: associations', () => {
  it('creates default and typed associations and reads them back from both sides', async () => {
    const company = await client.crm.objects.batchApi.upsert('companies', {
      inputs: [{ idProperty: 'wistia_account_id', id: 'acc_assoc', properties: { name: 'Assoc Co' } }],
    });
    const contacts = await client.crm.objects.batchApi.upsert('contacts', {
      inputs: [
        { idProperty: 'wistia_user_id', id: 'usr_a1', properties: {} },
        { idProperty: 'wistia_user_id', id: 'usr_a2', properties: {} },
      ],
    });
    const companyId = company.results[0]?.id as string;
    const [c1, c2] = contacts.results.map((r) => r.id);

    const byDefault = await client.crm.associations.v4.batchApi.createDefault('contacts', 'companies', {
      inputs: [{ _from: { id: c1 as string }, to: { id: companyId } }],
    });
    expect(byDefault.results[0]?.associationSpec.associationTypeId).toBe(279);

    const typed = await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: [
        {
          _from: { id: c2 as string },
          to: { id: companyId },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 279 }],
        },
        {
          _from: { id: c2 as string },
          to: { id: '42' },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 279 }],
        },
      ],
    });
    expect(typed.results).toHaveLength(1);
    expect('errors' in typed && typed.errors?.[0]?.context.fromObjectId).toEqual([c2]);

    const fromContact = await client.crm.associations.v4.basicApi.getPage(
      'contacts',
      c1 as string,
      'companies',
    );
    expect(fromContact.results.map((r) => [r.toObjectId, r.associationTypes[0]?.typeId])).toEqual([
      [companyId, 279],
    ]);
    const fromCompany = await client.crm.associations.v4.basicApi.getPage('companies', companyId, 'contacts');
    expect(fromCompany.results.map((r) => r.toObjectId)).toEqual([c1, c2]);
    expect(fromCompany.results[0]?.associationTypes[0]?.typeId).toBe(280);
  });
});

describe('HubSpot sandbox: authentication', () => {
  it('answers 401 with a JSON body the client turns into an ApiException', async () => {
    const anonymous = new Client({ accessToken: 'pat-na1-wrong', basePath: url });
    const error = await rejection(anonymous.crm.properties.coreApi.getAll('contacts', false));
    expect(error.code).toBe(401);
    expect(error.body.category).toBe('INVALID_AUTHENTICATION');

    const raw = await fetch(`${url}/crm/v3/properties/contacts`);
    expect(raw.status).toBe(401);
    expect(raw.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await raw.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
  });
});

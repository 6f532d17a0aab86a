import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyExampleSchemas } from '../support/example-schemas.js';
import { createTestDatabase } from '../support/postgres.js';
import { runSpoke } from '../support/spoke-cli.js';

const ROWS = 4;

/** Nested, tiny and timestamp values, built the native way on each warehouse. */
const MODEL = `{{ config(materialized='table') }}
select
  'v' || cast(i as varchar) as value_id,
  'b' || cast(i as varchar) as bulk_id,
  'Account ' || cast(i as varchar) as account_name,
{% if target.type == 'duckdb' %}
  {'plan': 'pro', 'seats': i} as profile,
  [i, i + 1] as tags,
{% else %}
  jsonb_build_object('plan', 'pro', 'seats', i) as profile,
  array[i, i + 1] as tags,
{% endif %}
  cast(0.0000000001 as decimal(20, 12)) as tiny_decimal,
  cast(1e-10 as double precision) as tiny_double,
  cast('2024-05-01 12:00:00' as timestamp) as seen_at,
  (i % 2 = 0) as is_even
from {% if target.type == 'duckdb' %}range(1, ${ROWS} + 1) as t(i){% else %}generate_series(1, ${ROWS}) as t(i){% endif %}
`;

const salesforceFields = `{ account_name: Name, profile: Description, tags: BillingStreet, tiny_decimal: BillingCity, tiny_double: BillingState, seen_at: BillingCountry, is_even: BillingPostalCode }`;

const SCHEMA = `models:
  - name: typed_values
    config:
      meta:
        spoke:
          - to: salesforce.Account
            key: value_id
            match: Wistia_Account_Id__c
            fields: ${salesforceFields}
          - to: salesforce_bulk.Account
            key: bulk_id
            match: Wistia_Account_Id__c
            fields: ${salesforceFields}
          - to: hubspot.companies
            key: value_id
            match: wistia_account_id
            fields: { account_name: name, profile: description, tags: city, tiny_decimal: state, tiny_double: country, seen_at: website, is_even: domain }
`;

/** What every destination path must hold for row `i`, whatever the warehouse. */
const expectedText = (i: number) => ({
  profile: `{"plan":"pro","seats":${i}}`,
  tags: `[${i},${i + 1}]`,
  tiny_decimal: '0.0000000001',
  tiny_double: '0.0000000001',
  seen_at: '2024-05-01T12:00:00.000Z',
  is_even: i % 2 === 0 ? 'true' : 'false',
});

async function writeProject(dir: string): Promise<void> {
  await mkdir(join(dir, 'models'), { recursive: true });
  await writeFile(
    join(dir, 'dbt_project.yml'),
    'name: typed\nversion: "1.0"\nconfig-version: 2\nprofile: typed\nflags: { send_anonymous_usage_stats: false }\n',
  );
  await writeFile(
    join(dir, 'profiles.yml'),
    `typed:
  target: dev
  outputs:
    dev: { type: duckdb, path: typed.duckdb, schema: main, threads: 1 }
    pg:
      type: postgres
      host: "{{ env_var('PG_HOST') }}"
      port: "{{ env_var('PG_PORT') | as_number }}"
      user: "{{ env_var('PG_USER') }}"
      password: "{{ env_var('PG_PASSWORD', '') }}"
      dbname: "{{ env_var('PG_DATABASE') }}"
      schema: analytics
      threads: 1
`,
  );
  await writeFile(join(dir, 'models', 'typed_values.sql'), MODEL);
  await writeFile(join(dir, 'models', 'schema.yml'), SCHEMA);
  await writeFile(
    join(dir, 'spoke.yml'),
    `version: 1
destinations:
  salesforce: { type: salesforce }
  salesforce_bulk: { type: salesforce, bulk_threshold: 1 }
  hubspot: { type: hubspot }
targets:
  dev: { sandbox: true }
  pg: { sandbox: true }
`,
  );
  // The sandbox serves the external ids matched on from the project's spoke_schemas/.
  await copyExampleSchemas(dir);
}

describe('values as the destinations receive them', () => {
  let parent: string;
  let dir: string;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'spoke-values-'));
    dir = join(parent, 'project');
    await writeProject(dir);
    database = await createTestDatabase(inject('databaseUrl'), 'spoke_values');
    const url = new URL(database.url);
    env = {
      PG_HOST: url.hostname,
      PG_PORT: url.port || '5432',
      PG_USER: decodeURIComponent(url.username),
      PG_PASSWORD: decodeURIComponent(url.password),
      PG_DATABASE: database.name,
    };
  });
  afterAll(async () => {
    await database?.drop();
    await rm(parent, { recursive: true, force: true });
  });

  const records = async (target: string, system: string, object: string) => {
    const result = await runSpoke(['sandbox', 'records', system, object, '--target', target, '--json'], {
      cwd: dir,
      env,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { fields: Record<string, unknown> }[];
  };

  describe.each([
    ['DuckDB', 'dev'],
    ['PostgreSQL', 'pg'],
  ])('on %s', (_name, target) => {
    it('sends JSON text for nested values, plain decimals and ISO timestamps through Collections, Bulk API 2.0 and HubSpot', async () => {
      const run = await runSpoke(['dbt', 'build', '--target', target, '--json'], { cwd: dir, env });
      expect(run.exitCode, run.stderr).toBe(0);
      const document = JSON.parse(run.stdout) as { syncs: { id: string; created: number }[] };
      for (const sync of document.syncs) expect(sync.created, sync.id).toBe(ROWS);

      const accounts = await records(target, 'salesforce', 'Account');
      const companies = await records(target, 'hubspot', 'companies');
      const salesforce = (record: { fields: Record<string, unknown> }) => ({
        profile: record.fields.Description,
        tags: record.fields.BillingStreet,
        tiny_decimal: record.fields.BillingCity,
        tiny_double: record.fields.BillingState,
        seen_at: record.fields.BillingCountry,
        is_even: record.fields.BillingPostalCode,
      });
      for (let i = 1; i <= ROWS; i++) {
        const collections = accounts.find((r) => r.fields.Wistia_Account_Id__c === `v${i}`)!;
        const bulk = accounts.find((r) => r.fields.Wistia_Account_Id__c === `b${i}`)!;
        const company = companies.find((r) => r.fields.wistia_account_id === `v${i}`)!;
        expect(salesforce(collections), `Collections v${i}`).toEqual(expectedText(i));
        expect(salesforce(bulk), `Bulk API 2.0 b${i}`).toEqual(expectedText(i));
        expect(
          {
            profile: company.fields.description,
            tags: company.fields.city,
            tiny_decimal: company.fields.state,
            tiny_double: company.fields.country,
            seen_at: company.fields.website,
            is_even: company.fields.domain,
          },
          `HubSpot v${i}`,
        ).toEqual(expectedText(i));
      }
    });

    it('finds nothing changed on the next run', async () => {
      const run = await runSpoke(['sync', '--target', target, '--json'], { cwd: dir, env });
      expect(run.exitCode, run.stderr).toBe(0);
      const document = JSON.parse(run.stdout) as { syncs: { attempted: number; unchanged: number }[] };
      for (const sync of document.syncs) expect(sync).toMatchObject({ attempted: 0, unchanged: ROWS });
    });
  });
});

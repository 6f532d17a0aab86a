import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

export interface GeneratedProjectOptions {
  rows: number;
  salesforceUrl: string;
  hubspotUrl: string;
  hubspotMode?: 'upsert' | 'create';
  /** Salesforce change sets at least this large go through Bulk API 2.0 (default 2,000). */
  bulkThreshold?: number;
  /** Where the model syncs (default both). */
  destinations?: ('salesforce' | 'hubspot')[];
  /**
   * Connect with credentials from env_var() at the sandbox's URLs, as to a real org and portal
   * (the sandbox must accept them), instead of routing the target to the sandbox.
   */
  credentialsFromEnv?: boolean;
  /** Build into this PostgreSQL database (a postgres:// URL) instead of a DuckDB file. */
  postgresUrl?: string;
}

export interface GeneratedProject {
  dir: string;
  cleanup(): Promise<void>;
}

/**
 * A dbt project with one generated model of `rows` people, synced to Salesforce Contact (Bulk
 * API 2.0 above the threshold) and HubSpot contacts, pointed at an already running sandbox.
 * Values are a pure function of the row number and the `version` var, so tests know exactly
 * what must arrive.
 */
export async function generatedProject(options: GeneratedProjectOptions): Promise<GeneratedProject> {
  const parent = await mkdtemp(join(tmpdir(), 'spoke-generated-'));
  const dir = join(parent, 'project');
  await mkdir(join(dir, 'models'), { recursive: true });
  await writeFile(
    join(dir, 'dbt_project.yml'),
    'name: generated\nversion: "1.0"\nconfig-version: 2\nprofile: generated\nflags: { send_anonymous_usage_stats: false }\n',
  );
  await writeFile(join(dir, 'profiles.yml'), profile(options.postgresUrl));
  const text = options.postgresUrl ? 'text' : 'varchar';
  await writeFile(
    join(dir, 'models', 'people.sql'),
    `{{ config(materialized='table') }}
select
  'p' || lpad(cast(i as ${text}), 7, '0') as person_id,
  'person' || cast(i as ${text}) || '@example.com' as email,
  'First' || cast(i % 1000 as ${text}) as first_name,
  'Last' || cast(i as ${text}) as last_name,
  'Title ' || cast({{ var('version', 1) }} as ${text}) as job_title
from ${options.postgresUrl ? `generate_series(1, ${options.rows}) as t(i)` : `range(1, ${options.rows} + 1) as t(i)`}
`,
  );
  const destinations = options.destinations ?? ['salesforce', 'hubspot'];
  const blocks = {
    salesforce: `          - to: salesforce.Contact
            key: person_id
            match: Wistia_User_Id__c
            fields: { email: Email, first_name: FirstName, last_name: LastName, job_title: Title }`,
    hubspot: `          - to: hubspot.contacts
            key: person_id
            match: wistia_user_id
            mode: ${options.hubspotMode ?? 'upsert'}
            fields: { email: email, first_name: firstname, last_name: lastname, job_title: jobtitle }`,
  };
  await writeFile(
    join(dir, 'models', 'schema.yml'),
    `models:
  - name: people
    config:
      meta:
        spoke:
${destinations.map((d) => blocks[d]).join('\n')}
`,
  );
  await writeFile(join(dir, 'spoke.yml'), spokeYml(options));
  return { dir, cleanup: () => rm(parent, { recursive: true, force: true }) };
}

function profile(postgresUrl: string | undefined): string {
  if (!postgresUrl) {
    return 'generated:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: generated.duckdb, schema: main, threads: 1 }\n';
  }
  const url = new URL(postgresUrl);
  return `generated:
  target: dev
  outputs:
    dev:
      type: postgres
      host: ${url.hostname}
      port: ${url.port || 5432}
      user: ${decodeURIComponent(url.username) || 'postgres'}
      password: "${decodeURIComponent(url.password)}"
      dbname: ${url.pathname.slice(1)}
      schema: analytics
      threads: 4
`;
}

function spokeYml(options: GeneratedProjectOptions): string {
  const bulk = options.bulkThreshold === undefined ? '' : `, bulk_threshold: ${options.bulkThreshold}`;
  if (!options.credentialsFromEnv) {
    return `version: 1
destinations:
  salesforce: { type: salesforce${bulk} }
  hubspot: { type: hubspot, rate_limit: { requests: 100000 } }
targets:
  dev:
    sandbox: { salesforce_url: "${options.salesforceUrl}", hubspot_url: "${options.hubspotUrl}" }
`;
  }
  return `version: 1
destinations:
  salesforce:
    type: salesforce
    login_url: "${options.salesforceUrl}"
    username: "{{ env_var('SF_USERNAME') }}"
    password: "{{ env_var('SF_PASSWORD') }}"
    client_id: "{{ env_var('SF_CLIENT_ID') }}"
    client_secret: "{{ env_var('SF_CLIENT_SECRET') }}"${bulk ? `\n    bulk_threshold: ${options.bulkThreshold}` : ''}
  hubspot:
    type: hubspot
    base_url: "${options.hubspotUrl}"
    access_token: "{{ env_var('HUBSPOT_TOKEN') }}"
    rate_limit: { requests: 100000 }
`;
}

/** What row `i` of the generated model holds. */
export function generatedPerson(i: number, version = 1) {
  return {
    person_id: `p${String(i).padStart(7, '0')}`,
    email: `person${i}@example.com`,
    first_name: `First${i % 1000}`,
    last_name: `Last${i}`,
    job_title: `Title ${version}`,
  };
}

export const SALESFORCE_PERSON_FIELDS = {
  email: 'Email',
  first_name: 'FirstName',
  last_name: 'LastName',
  job_title: 'Title',
};
export const HUBSPOT_PERSON_FIELDS = {
  email: 'email',
  first_name: 'firstname',
  last_name: 'lastname',
  job_title: 'jobtitle',
};

/**
 * Checks that a CRM object holds exactly the generated model's rows at `version`: none missing,
 * duplicated or stale. Every `step`-th row is compared field by field.
 */
export function expectGeneratedRecords(
  rows: number,
  records: { fields: Record<string, unknown>; archived?: boolean }[],
  keyField: string,
  fields: Record<string, string>,
  version: number,
  step = 1,
): void {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const record of records) {
    if (record.archived) continue;
    const key = String(record.fields[keyField]);
    expect(byKey.has(key), `duplicate ${key}`).toBe(false);
    byKey.set(key, record.fields);
  }
  expect(byKey.size).toBe(rows);
  for (let i = 1; i <= rows; i += step) {
    const expected = generatedPerson(i, version);
    const actual = byKey.get(expected.person_id)!;
    for (const [column, field] of Object.entries(fields)) {
      expect(actual?.[field], `${expected.person_id} ${field}`).toBe(
        expected[column as keyof typeof expected],
      );
    }
  }
}

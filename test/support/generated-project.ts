import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A dbt project with one generated model of `rows` people, synced to Salesforce Contact (Bulk
 * API 2.0 above the threshold) and HubSpot contacts, pointed at an already running sandbox.
 * Values are a pure function of the row number, so tests know exactly what must arrive.
 */
export async function generatedProject(options: {
  rows: number;
  salesforceUrl: string;
  hubspotUrl: string;
  hubspotMode?: 'upsert' | 'create';
}): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), 'spoke-generated-'));
  const dir = join(parent, 'project');
  await mkdir(join(dir, 'models'), { recursive: true });
  await writeFile(
    join(dir, 'dbt_project.yml'),
    'name: generated\nversion: "1.0"\nconfig-version: 2\nprofile: generated\nflags: { send_anonymous_usage_stats: false }\n',
  );
  await writeFile(
    join(dir, 'profiles.yml'),
    'generated:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: generated.duckdb, schema: main, threads: 1 }\n',
  );
  await writeFile(
    join(dir, 'models', 'people.sql'),
    `{{ config(materialized='table') }}
select
  'p' || lpad(cast(i as varchar), 7, '0') as person_id,
  'person' || cast(i as varchar) || '@example.com' as email,
  'First' || cast(i % 1000 as varchar) as first_name,
  'Last' || cast(i as varchar) as last_name,
  'Title ' || cast({{ var('version', 1) }} as varchar) as job_title
from range(1, ${options.rows} + 1) as t(i)
`,
  );
  await writeFile(
    join(dir, 'models', 'schema.yml'),
    `models:
  - name: people
    config:
      meta:
        spoke:
          - to: salesforce.Contact
            key: person_id
            match: Wistia_User_Id__c
            fields: { email: Email, first_name: FirstName, last_name: LastName, job_title: Title }
          - to: hubspot.contacts
            key: person_id
            match: wistia_user_id
            mode: ${options.hubspotMode ?? 'upsert'}
            fields: { email: email, first_name: firstname, last_name: lastname, job_title: jobtitle }
`,
  );
  await writeFile(
    join(dir, 'spoke.yml'),
    `version: 1
destinations:
  salesforce: { type: salesforce }
  hubspot: { type: hubspot, rate_limit: { requests: 100000 } }
targets:
  dev:
    sandbox: { salesforce_url: "${options.salesforceUrl}", hubspot_url: "${options.hubspotUrl}" }
`,
  );
  return { dir, cleanup: () => rm(parent, { recursive: true, force: true }) };
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

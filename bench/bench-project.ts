import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type BenchWarehouse = 'duckdb' | 'postgres';

export interface BenchProjectOptions {
  dir: string;
  warehouse: BenchWarehouse;
  rows: number;
  salesforceUrl: string;
  hubspotUrl: string;
  /** Which syncs the model declares. */
  destinations: ('salesforce' | 'hubspot')[];
  hubspotRequestsPerWindow: number;
  /** Salesforce's `bulk_threshold`; above the row count, every write goes through Collections. */
  salesforceBulkThreshold?: number;
  /** Starts every key and email, so projects sharing one sandbox create their own records (default 'p'). */
  keyPrefix?: string;
  postgres?: { host: string; port: number; user: string; password: string; database: string };
}

/**
 * A dbt project with one generated model `people`. `--vars '{changed: N}'` rewrites the job
 * title of every 100th row, so each new value of `changed` changes exactly 1% of the rows.
 */
export async function writeBenchProject(options: BenchProjectOptions): Promise<void> {
  await rm(options.dir, { recursive: true, force: true });
  await mkdir(join(options.dir, 'models'), { recursive: true });
  await writeFile(
    join(options.dir, 'dbt_project.yml'),
    'name: bench\nversion: "1.0"\nconfig-version: 2\nprofile: bench\nflags: { send_anonymous_usage_stats: false }\n',
  );
  const pg = options.postgres;
  const output =
    options.warehouse === 'duckdb'
      ? '{ type: duckdb, path: bench.duckdb, schema: main, threads: 1 }'
      : `{ type: postgres, host: "${pg!.host}", port: ${pg!.port}, user: "${pg!.user}", password: "${pg!.password}", dbname: "${pg!.database}", schema: bench, threads: 1 }`;
  await writeFile(
    join(options.dir, 'profiles.yml'),
    `bench:\n  target: dev\n  outputs:\n    dev: ${output}\n`,
  );
  const prefix = options.keyPrefix ?? 'p';
  const series =
    options.warehouse === 'duckdb'
      ? `range(1, ${options.rows} + 1) as t(i)`
      : `generate_series(1, ${options.rows}) as t(i)`;
  await writeFile(
    join(options.dir, 'models', 'people.sql'),
    `{{ config(materialized='table') }}
select
  '${prefix}' || lpad(cast(i as varchar), 8, '0') as person_id,
  '${prefix === 'p' ? '' : prefix}person' || cast(i as varchar) || '@example.com' as email,
  'First' || cast(i % 1000 as varchar) as first_name,
  'Last' || cast(i as varchar) as last_name,
  case when i % 100 = 0 then 'Title ' || cast({{ var('changed', 0) }} as varchar) else 'Title' end as job_title
from ${series}
`,
  );
  const syncs = [];
  if (options.destinations.includes('salesforce')) {
    syncs.push(`          - to: salesforce.Contact
            key: person_id
            match: Wistia_User_Id__c
            fields: { email: Email, first_name: FirstName, last_name: LastName, job_title: Title }`);
  }
  if (options.destinations.includes('hubspot')) {
    syncs.push(`          - to: hubspot.contacts
            key: person_id
            match: wistia_user_id
            fields: { email: email, first_name: firstname, last_name: lastname, job_title: jobtitle }`);
  }
  await writeFile(
    join(options.dir, 'models', 'schema.yml'),
    `models:\n  - name: people\n    config:\n      meta:\n        spoke:\n${syncs.join('\n')}\n`,
  );
  await writeFile(
    join(options.dir, 'spoke.yml'),
    `version: 1
destinations:
  salesforce: { type: salesforce${options.salesforceBulkThreshold ? `, bulk_threshold: ${options.salesforceBulkThreshold}` : ''} }
  hubspot: { type: hubspot, rate_limit: { requests: ${options.hubspotRequestsPerWindow}, window_ms: 10000 } }
targets:
  dev:
    sandbox: { salesforce_url: "${options.salesforceUrl}", hubspot_url: "${options.hubspotUrl}" }
`,
  );
}

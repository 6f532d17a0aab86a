import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { createTestDatabase } from '../support/postgres.js';
import { runSpoke } from '../support/spoke-cli.js';

const ACCOUNTS = 120;
const PEOPLE = 240;

interface SyncJson {
  id: string;
  status: string;
  attempted: number;
}
interface RunJson {
  run_id?: string;
  syncs?: SyncJson[];
  error?: { code: string; message: string };
}

function profile(url: string, threads = 4): string {
  const parsed = new URL(url);
  return `project:
  target: dev
  outputs:
    dev:
      type: postgres
      host: ${parsed.hostname}
      port: ${parsed.port || 5432}
      user: ${decodeURIComponent(parsed.username) || 'postgres'}
      password: "${decodeURIComponent(parsed.password)}"
      dbname: ${parsed.pathname.slice(1)}
      schema: analytics
      threads: ${threads}
`;
}

async function writeProject(
  dir: string,
  files: Record<string, string>,
  sandbox: RunningSandbox,
  databaseUrl: string,
  threads?: number,
) {
  await mkdir(join(dir, 'models'), { recursive: true });
  await writeFile(
    join(dir, 'dbt_project.yml'),
    'name: project\nversion: "1.0"\nconfig-version: 2\nprofile: project\nflags: { send_anonymous_usage_stats: false }\n',
  );
  await writeFile(join(dir, 'profiles.yml'), profile(databaseUrl, threads));
  await writeFile(
    join(dir, 'spoke.yml'),
    `version: 1
destinations:
  salesforce: { type: salesforce }
  hubspot: { type: hubspot, rate_limit: { requests: 100000 } }
targets:
  dev:
    sandbox: { salesforce_url: "${sandbox.salesforceUrl}", hubspot_url: "${sandbox.hubspotUrl}" }
`,
  );
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'models', name), text);
}

describe('two spoke sync runs started together on PostgreSQL', () => {
  let sandbox: RunningSandbox;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    database = await createTestDatabase(inject('databaseUrl'), 'spoke_concurrent');
    dir = await mkdtemp(join(tmpdir(), 'spoke-concurrent-'));
    await writeProject(
      dir,
      {
        'accounts.sql': `select 'a' || lpad(cast(i as text), 4, '0') as account_id, 'Account ' || i || ' v{{ var("version", 1) }}' as name
from generate_series(1, ${ACCOUNTS}) as t(i)`,
        'people.sql': `select 'u' || lpad(cast(i as text), 5, '0') as user_id, 'Last' || i || ' v{{ var("version", 1) }}' as last_name,
  'a' || lpad(cast((i % ${ACCOUNTS}) + 1 as text), 4, '0') as account_id
from generate_series(1, ${PEOPLE}) as t(i)`,
        'schema.yml': `models:
  - name: accounts
    config:
      meta:
        spoke:
          - { to: salesforce.Account, key: account_id, match: Wistia_Account_Id__c, fields: { name: Name } }
          - { to: hubspot.companies, key: account_id, match: wistia_account_id, fields: { name: name } }
  - name: people
    config:
      meta:
        spoke:
          - to: salesforce.Contact
            key: user_id
            match: Wistia_User_Id__c
            fields:
              last_name: LastName
              account_id: { lookup: Account, object: Account, match: Wistia_Account_Id__c }
          - to: hubspot.contacts
            key: user_id
            match: wistia_user_id
            fields: { last_name: lastname }
            associations: [{ to: companies, column: account_id, match: wistia_account_id }]
`,
      },
      sandbox,
      database.url,
    );
  });

  afterAll(async () => {
    await sandbox?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('always leave every sync done once and completely; the run that yielded exits 3 naming the run that holds them', async () => {
    let yielded = 0;
    for (let version = 1; version <= 3; version++) {
      expect(await dbt(dir, ['run', '--vars', `{version: ${version}}`])).toBe(0);
      const [a, b] = await Promise.all([
        runSpoke(['sync', '--json'], { cwd: dir }),
        runSpoke(['sync', '--json'], { cwd: dir }),
      ]);
      const runs = [a!, b!].map((run) => ({
        exitCode: run.exitCode,
        json: JSON.parse(run.stdout) as RunJson,
      }));
      for (const run of runs) expect([0, 3], JSON.stringify(run.json).slice(0, 800)).toContain(run.exitCode);
      expect(runs.some((run) => run.exitCode === 0)).toBe(true);

      // Every record was sent exactly once across the two runs, children included.
      const attempted = new Map<string, number>();
      for (const run of runs)
        for (const sync of run.json.syncs ?? [])
          attempted.set(sync.id, (attempted.get(sync.id) ?? 0) + sync.attempted);
      expect(Object.fromEntries(attempted)).toEqual({
        'accounts:salesforce.Account': ACCOUNTS,
        'accounts:hubspot.companies': ACCOUNTS,
        'people:salesforce.Contact': PEOPLE,
        'people:hubspot.contacts': PEOPLE,
      });

      const loser = runs.find((run) => run.exitCode === 3);
      if (loser) {
        yielded++;
        const winner = runs.find((run) => run.exitCode === 0)!;
        expect(loser.json.error?.code).toBe('SPOKE_SYNC_LOCKED');
        expect(loser.json.error?.message).toContain(`run ${winner.json.run_id}`);
      }
      const contacts = sandbox.store.records('salesforce', 'Contact');
      expect(contacts).toHaveLength(PEOPLE);
      expect(contacts.every((c) => String(c.fields.LastName).endsWith(` v${version}`))).toBe(true);
      expect(contacts.every((c) => typeof c.fields.AccountId === 'string')).toBe(true);
      const hubspotContacts = sandbox.store.records('hubspot', 'contacts');
      expect(hubspotContacts.every((c) => String(c.fields.lastname).endsWith(` v${version}`))).toBe(true);
    }
    // Started together, they met at least once (usually every time), and each yield is on record.
    expect(yielded).toBeGreaterThan(0);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rows } = await admin.query(`SELECT status, error FROM spoke.runs WHERE status = 'locked'`);
      expect(rows).toHaveLength(yielded);
      for (const row of rows)
        expect(row.error).toMatch(/^Not run: another run is syncing what this run selected/);
    } finally {
      await admin.end();
    }
  });
});

describe('a 150-sync project on PostgreSQL', () => {
  const SYNCS = 150;
  let sandbox: RunningSandbox;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    database = await createTestDatabase(inject('databaseUrl'), 'spoke_many_syncs');
    dir = await mkdtemp(join(tmpdir(), 'spoke-many-'));
    const files: Record<string, string> = {};
    const blocks: string[] = [];
    for (let i = 0; i < SYNCS; i++) {
      files[`m${i}.sql`] =
        `select 'm${i}_' || i as user_id, 'Last ' || i as last_name from generate_series(1, 3) as t(i)`;
      blocks.push(`  - name: m${i}
    config:
      meta:
        spoke:
          - { to: hubspot.contacts, key: user_id, match: wistia_user_id, fields: { last_name: lastname } }`);
    }
    files['schema.yml'] = `models:\n${blocks.join('\n')}\n`;
    await writeProject(dir, files, sandbox, database.url, 8);
    expect(await dbt(dir, ['run'])).toBe(0);
  });

  afterAll(async () => {
    await sandbox?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs within a handful of connections, far below a default max_connections of 100', async () => {
    const admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await admin.query(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'dbt-spoke'`,
          [database.name],
        );
        peak = Math.max(peak, Number(rows[0].n));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      const run = await runSpoke(['sync', '--json'], { cwd: dir });
      expect(run.exitCode, run.stdout.slice(0, 1000) + run.stderr).toBe(0);
      const json = JSON.parse(run.stdout) as RunJson;
      expect(json.syncs).toHaveLength(SYNCS);
      expect(json.syncs?.every((sync) => sync.status === 'success' && sync.attempted === 3)).toBe(true);
    } finally {
      sampling = false;
      await sampler;
      await admin.end();
    }
    // The pool (4), the run's lock connection (1) and one stream per running sync (4).
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(9);
    expect(sandbox.store.records('hubspot', 'contacts')).toHaveLength(SYNCS * 3);
  });
});

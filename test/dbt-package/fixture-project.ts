import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const venvDbt = join(repoRoot, '.venv', 'bin', 'dbt');

/** What `accounts` declares: quotes, a backslash and non-ASCII text must survive the SQL literal. */
export const ACCOUNTS_SPOKE = {
  key: 'account_id',
  destinations: [
    {
      salesforce: {
        object: 'Account',
        match: { Wistia_Account_Id__c: 'account_id' },
        note: 'it\'s a \\ backslash, "quoted", and Zoë\'s café',
      },
    },
  ],
};
export const CONTACTS_SPOKE = { key: 'user_id', destinations: [{ hubspot: { object: 'contacts' } }] };

/** Models in the order a queue row names them; only accounts and contacts should ever be queued. */
const FILES: Record<string, string> = {
  'models/accounts.sql': "select 'acc_0001' as account_id",
  // config() in SQL is the other common way to declare meta.
  'models/contacts.sql': `{{ config(meta={'spoke': ${JSON.stringify(CONTACTS_SPOKE)}}) }}\nselect 'usr_00001' as user_id`,
  'models/plain.sql': 'select 1 as id',
  'models/invalid_contacts.sql': 'select cast(null as varchar) as user_id',
  'models/orphan_orders.sql': "select 'ord_1' as order_id",
  'models/broken.sql': 'select * from no_such_table',
  'models/schema.yml': `models:
  - name: accounts
    config:
      meta:
        spoke: ${JSON.stringify(ACCOUNTS_SPOKE)}
  - name: invalid_contacts
    config:
      meta:
        spoke: {key: user_id}
    columns:
      - name: user_id
        data_tests: [not_null]
  - name: orphan_orders
    config:
      meta:
        spoke: {key: order_id}
  - name: broken
    config:
      meta:
        spoke: {key: id}
`,
  'analyses/queue.sql': 'select model from {{ spoke.sync_queue_relation() }}',
  // A singular test: attached to no model, it guards the models it reads.
  'tests/orphan_orders_are_empty.sql': "select * from {{ ref('orphan_orders') }}",
};

export interface FixtureProject {
  dir: string;
  /** Runs the venv's real dbt in the project; never throws on a dbt failure. */
  dbt(args: string[]): Promise<{ exitCode: number; output: string }>;
  /** invocation_id of the last dbt command, from target/run_results.json. */
  lastInvocationId(): Promise<string>;
  remove(): Promise<void>;
}

/**
 * A temp dbt project that installs this repository as the `spoke` package (`- local:`) and runs
 * `spoke.enqueue` on-run-end, listed twice so a repeated hook in one invocation is exercised.
 */
export async function createFixtureProject(options: {
  /** The `outputs.test` block of profiles.yml, indented by six spaces. */
  target: string;
  vars?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<FixtureProject> {
  const dir = await mkdtemp(join(tmpdir(), 'spoke-dbt-package-'));
  const vars = options.vars
    ? `vars:\n${Object.entries(options.vars)
        .map(([name, value]) => `  ${name}: ${value}\n`)
        .join('')}`
    : '';
  const files: Record<string, string> = {
    ...FILES,
    'dbt_project.yml': `name: fixture
version: '1.0'
config-version: 2
profile: fixture
${vars}on-run-end:
  - "{{ spoke.enqueue(results) }}"
  - "{{ spoke.enqueue(results) }}"
`,
    'profiles.yml': `fixture:\n  target: test\n  outputs:\n    test:\n${options.target}`,
    'packages.yml': `packages:\n  - local: ${JSON.stringify(repoRoot)}\n`,
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const dbt = async (args: string[]) => {
    const result = await execa(venvDbt, [...args, '--project-dir', dir, '--profiles-dir', dir], {
      cwd: dir,
      env: { DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DBT_USE_COLORS: 'false', ...options.env },
      reject: false,
      all: true,
    });
    return { exitCode: result.exitCode ?? -1, output: result.all ?? '' };
  };
  return {
    dir,
    dbt,
    lastInvocationId: async () => {
      const runResults = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8'));
      return runResults.metadata.invocation_id as string;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

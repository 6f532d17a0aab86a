import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { createTestDatabase } from '../support/postgres.js';
import { type ServeProcess, startServe } from '../support/serve-process.js';
import { repoRoot } from '../support/spoke-cli.js';

const ACCOUNTS = 60;
const PEOPLE = 150;
const TOKEN = 'queue-test-token-0123456789abcdef';
const venvDbt = join(repoRoot, '.venv', 'bin', 'dbt');

interface QueueRow {
  model: string;
  invocation_id: string;
  status: string;
  claimed_by: string | null;
  attempts: number;
  run_id: string | null;
  error: string | null;
}

describe('spoke serve workers draining the queue dbt filled, on PostgreSQL', () => {
  let sandbox: RunningSandbox;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  const workers: ServeProcess[] = [];

  async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async function dbt(args: string[]): Promise<void> {
    const result = await execa(venvDbt, args, {
      cwd: dir,
      env: { DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DBT_USE_COLORS: 'false' },
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
  }

  /** A `spoke serve` process (the built binary) working the queue. */
  async function startWorker(): Promise<ServeProcess> {
    const worker = await startServe(dir, {
      SPOKE_API_TOKEN: TOKEN,
      SPOKE_QUEUE_POLL_MS: '200',
      SPOKE_QUEUE_LEASE_MS: '3000',
    });
    workers.push(worker);
    return worker;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value) return value;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    throw new Error(
      `timed out waiting for ${what}; workers said:\n${workers.map((w) => w.output()).join('\n---\n')}`,
    );
  }

  const queue = () =>
    query<QueueRow>(
      'SELECT model, invocation_id, status, claimed_by, attempts::int AS attempts, run_id, error FROM spoke.sync_queue ORDER BY enqueued_at, id',
    );

  /** The claimed entry, once its run has records in flight (sent, not yet answered). */
  const sending = async () => {
    const [row] = await query<QueueRow>(
      `SELECT model, invocation_id, status, claimed_by, attempts::int AS attempts, run_id, error FROM spoke.sync_queue
       WHERE status = 'claimed' AND EXISTS (SELECT 1 FROM spoke.in_flight)`,
    );
    return row;
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    database = await createTestDatabase(inject('databaseUrl'), 'spoke_serve_queue');
    dir = await mkdtemp(join(tmpdir(), 'spoke-serve-queue-'));
    const url = new URL(database.url);
    const files: Record<string, string> = {
      'dbt_project.yml': `name: project
version: "1.0"
config-version: 2
profile: project
flags: { send_anonymous_usage_stats: false }
on-run-end:
  - "{{ spoke.enqueue(results) }}"
`,
      'packages.yml': `packages:\n  - local: ${JSON.stringify(repoRoot)}\n`,
      'profiles.yml': `project:
  target: dev
  outputs:
    dev: { type: postgres, host: ${url.hostname}, port: ${url.port || 5432}, user: postgres, password: "${decodeURIComponent(url.password)}", dbname: ${database.name}, schema: analytics, threads: 2 }
`,
      'spoke.yml': `version: 1
destinations:
  salesforce: { type: salesforce }
  hubspot: { type: hubspot, rate_limit: { requests: 100000 } }
targets:
  dev:
    sandbox: { salesforce_url: "${sandbox.salesforceUrl}", hubspot_url: "${sandbox.hubspotUrl}" }
`,
      'models/accounts.sql': `select 'a' || i as account_id, 'Account ' || i || ' v{{ var("version", 1) }}' as name from generate_series(1, ${ACCOUNTS}) as t(i)`,
      'models/people.sql': `select 'u' || i as user_id, 'Last' || i || ' v{{ var("version", 1) }}' as last_name from generate_series(1, ${PEOPLE}) as t(i)`,
      'models/schema.yml': `models:
  - name: accounts
    config:
      meta:
        spoke:
          - { to: salesforce.Account, key: account_id, match: Wistia_Account_Id__c, fields: { name: Name } }
  - name: people
    config:
      meta:
        spoke:
          - { to: hubspot.contacts, key: user_id, match: wistia_user_id, fields: { last_name: lastname } }
`,
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    await dbt(['deps']);
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      worker.process.kill('SIGTERM');
      await worker.process;
    }
  });

  afterAll(async () => {
    await sandbox?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('two workers drain what three dbt builds queued, concurrently, syncing every record exactly once', async () => {
    await dbt(['build', '--select', 'accounts']);
    await dbt(['build', '--select', 'people']);
    await dbt(['build']);
    // Only the macro has touched the table so far: its own columns.
    const queued = await query<QueueRow>(
      'SELECT model, status FROM spoke.sync_queue ORDER BY enqueued_at, id',
    );
    expect(queued.map((row) => [row.model, row.status])).toEqual([
      ['accounts', 'queued'],
      ['people', 'queued'],
      ['accounts', 'queued'],
      ['people', 'queued'],
    ]);
    // Slow answers keep each run busy long enough that the other worker takes the next invocation.
    sandbox.faults.replace({ latencyMs: 150 });
    const started = Date.now();
    await Promise.all([startWorker(), startWorker()]);
    const drained = await waitFor('the queue to drain', async () => {
      const rows = await queue();
      return rows.every((row) => row.status === 'done') && rows;
    });
    const drainMs = Date.now() - started;
    sandbox.faults.replace({});

    expect(new Set(drained.map((row) => row.claimed_by)).size).toBe(2);
    // One run per invocation: the two models of the last build were synced by one run.
    const byInvocation = new Map<string, Set<string | null>>();
    for (const row of drained)
      byInvocation.set(row.invocation_id, (byInvocation.get(row.invocation_id) ?? new Set()).add(row.run_id));
    expect([...byInvocation.values()].map((runs) => runs.size)).toEqual([1, 1, 1]);

    const sent = await query<{ sync_id: string; record_key: string; n: number }>(
      `SELECT sync_id, record_key, count(*)::int AS n FROM spoke.record_log WHERE status IN ('created', 'updated')
       GROUP BY sync_id, record_key`,
    );
    expect(sent.filter((row) => row.n !== 1)).toEqual([]);
    expect(sent.filter((row) => row.sync_id === 'accounts:salesforce.Account')).toHaveLength(ACCOUNTS);
    expect(sent.filter((row) => row.sync_id === 'people:hubspot.contacts')).toHaveLength(PEOPLE);
    expect(sandbox.store.records('salesforce', 'Account')).toHaveLength(ACCOUNTS);
    expect(sandbox.store.records('hubspot', 'contacts')).toHaveLength(PEOPLE);
    const runs = await query<{ command: string; status: string }>('SELECT command, status FROM spoke.runs');
    expect(runs).toHaveLength(3);
    for (const run of runs) {
      expect(run.status).toBe('success');
      expect(run.command).toMatch(/^serve: queue \(dbt invocation [0-9a-f-]+\)$/);
    }
    console.log(`queue: 3 invocations drained by 2 workers in ${drainMs} ms (sandbox latency 150 ms)`);

    // Neither a wrong nor the right token reaches the logs.
    const [first] = workers;
    const wrong = await fetch(`${first!.url}/v1/syncs`, {
      headers: { authorization: 'Bearer not-the-token-1234' },
    });
    expect(wrong.status).toBe(403);
    const right = await fetch(`${first!.url}/v1/syncs`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(first!.output()).toContain('"url":"/v1/syncs"');
    expect(first!.output()).not.toContain('not-the-token-1234');
    expect(first!.output()).not.toContain(TOKEN);

    // SIGTERM: both stop claiming and exit 0.
    for (const worker of workers.splice(0)) {
      worker.process.kill('SIGTERM');
      expect((await worker.process).exitCode, worker.output()).toBe(0);
    }
  });

  it('reclaims the entry of a worker SIGKILLed mid-run once its lease expired, and the other worker finishes it', async () => {
    await dbt(['parse']);
    const pair = await Promise.all([startWorker(), startWorker()]);
    // Slow answers: the run is still sending when its worker dies.
    sandbox.faults.replace({ latencyMs: 1000 });
    await dbt(['build', '--select', 'people', '--vars', '{version: 2}']);
    const claim = await waitFor('a worker to claim the entry and start sending', sending);
    // Worker ids are host:pid:random.
    const doomed = pair.find((worker) => claim.claimed_by?.includes(`:${worker.process.pid}:`))!;
    const survivor = pair.find((worker) => worker !== doomed)!;
    doomed.process.kill('SIGKILL');
    await doomed.process;
    workers.splice(workers.indexOf(doomed), 1);
    const killedAt = Date.now();
    sandbox.faults.replace({});

    const [done] = await waitFor('the entry to be finished by the other worker', async () => {
      const rows = (await queue()).filter((row) => row.invocation_id === claim.invocation_id);
      return rows.every((row) => row.status === 'done') && rows;
    });
    const reclaimMs = Date.now() - killedAt;
    expect(done!.claimed_by).not.toBe(claim.claimed_by);
    expect(survivor.output()).toContain(`claimed dbt invocation ${claim.invocation_id}`);
    expect(done!.attempts).toBe(2);
    const contacts = sandbox.store.records('hubspot', 'contacts');
    expect(contacts).toHaveLength(PEOPLE);
    expect(contacts.every((contact) => String(contact.fields.lastname).endsWith(' v2'))).toBe(true);
    const [run] = await query<{ status: string }>('SELECT status FROM spoke.runs WHERE run_id = $1', [
      done!.run_id,
    ]);
    expect(run!.status).toBe('success');
    console.log(
      `queue: killed worker's entry reclaimed and finished ${reclaimMs} ms after the kill (lease 3000 ms)`,
    );
  });

  it('on SIGTERM lets the run in progress end, finishes its entry, and exits 0', async () => {
    await dbt(['parse']);
    const worker = await startWorker();
    sandbox.faults.replace({ latencyMs: 1000 });
    await dbt(['build', '--select', 'people', '--vars', '{version: 3}']);
    const claim = await waitFor('a worker to claim the entry and start sending', sending);
    worker.process.kill('SIGTERM');
    const exit = await worker.process;
    workers.splice(workers.indexOf(worker), 1);
    sandbox.faults.replace({});
    expect(exit.exitCode, worker.output()).toBe(0);
    const [entry] = (await queue()).filter((row) => row.invocation_id === claim.invocation_id);
    expect(entry).toMatchObject({ status: 'done', attempts: 1 });
    const [run] = await query<{ status: string }>('SELECT status FROM spoke.runs WHERE run_id = $1', [
      entry!.run_id,
    ]);
    expect(run!.status).toBe('success');
    const contacts = sandbox.store.records('hubspot', 'contacts');
    expect(contacts.every((contact) => String(contact.fields.lastname).endsWith(' v3'))).toBe(true);
  });
});

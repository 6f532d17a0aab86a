import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { type HttpReceiver, httpReceiver } from '../support/alert-receivers.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { startServe } from '../support/serve-process.js';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';

const PEOPLE = 25;
const SYNC = 'people:hubspot.contacts';

describe('the queue and spoke serve on DuckDB', () => {
  let sandbox: RunningSandbox;
  let dir: string;
  let webhook: HttpReceiver;

  async function dbt(args: string[]): Promise<void> {
    const result = await execa(join(repoRoot, '.venv', 'bin', 'dbt'), args, {
      cwd: dir,
      env: { DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DBT_USE_COLORS: 'false' },
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
  }

  /** The queue's rows; before dbt-spoke migrated it, only the macro's columns exist. */
  async function queue(
    columns = 'model, status, run_id',
  ): Promise<{ model: string; status: string; run_id?: string | null }[]> {
    const instance = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT ${columns} FROM spoke.sync_queue ORDER BY enqueued_at`,
      );
      return reader.getRowObjectsJS() as { model: string; status: string; run_id?: string | null }[];
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    webhook = await httpReceiver();
    dir = await mkdtemp(join(tmpdir(), 'spoke-serve-duckdb-'));
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
      'profiles.yml':
        'project:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: warehouse.duckdb, threads: 1 }\n',
      'spoke.yml': `version: 1
destinations:
  hubspot: { type: hubspot, rate_limit: { requests: 100000 } }
targets:
  dev:
    sandbox: { salesforce_url: "${sandbox.salesforceUrl}", hubspot_url: "${sandbox.hubspotUrl}" }
alerts:
  max_staleness: 0.05m
  channels:
    - { type: webhook, url: "${webhook.url}/alerts" }
`,
      'models/people.sql': `select 'u' || i as user_id, 'Last' || i as last_name from range(1, ${PEOPLE} + 1) as t(i)`,
      'models/schema.yml': `models:
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

  afterAll(async () => {
    await sandbox?.close();
    await webhook?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('spoke sync --from-queue syncs what dbt build queued, once, and then finds the queue empty', async () => {
    await dbt(['build']);
    expect((await queue('model, status')).map((row) => row.status)).toEqual(['queued']);
    const first = await runSpoke(['sync', '--from-queue', '--json'], { cwd: dir });
    expect(first.exitCode, first.stderr).toBe(0);
    const document = JSON.parse(first.stdout) as {
      runs: { invocation_id: string; syncs: { id: string; created: number }[] }[];
    };
    expect(document.runs).toHaveLength(1);
    expect(document.runs[0]!.syncs).toEqual([expect.objectContaining({ id: SYNC, created: PEOPLE })]);
    const [entry] = await queue();
    expect(entry).toMatchObject({ model: 'people', status: 'done' });
    expect(entry!.run_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sandbox.store.records('hubspot', 'contacts')).toHaveLength(PEOPLE);

    const again = await runSpoke(['sync', '--from-queue'], { cwd: dir });
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('The sync queue holds nothing to sync.');
  });

  it('spoke serve refuses to start without a token, and --no-auth anywhere but 127.0.0.1', async () => {
    const noToken = await runSpoke(['serve', '--port', '0'], { cwd: dir });
    expect(noToken.exitCode).toBe(2);
    expect(noToken.stderr).toContain('set SPOKE_API_TOKEN');
    const exposed = await runSpoke(['serve', '--no-auth', '--host', '0.0.0.0', '--port', '0'], { cwd: dir });
    expect(exposed.exitCode).toBe(2);
    expect(exposed.stderr).toContain('--no-auth is allowed only with --host 127.0.0.1');
  });

  it('spoke serve --no-auth on 127.0.0.1 answers without a token, shows the last run, alerts on staleness between runs, and exits 0 on SIGTERM', async () => {
    const server = await startServe(dir, { SPOKE_API_TOKEN: '', SPOKE_ALERT_TICK_MS: '300' }, ['--no-auth']);
    const { url } = server;
    // The sync last succeeded more than max_staleness (3 s) ago: the server's tick turns it failing, once.
    const deadline = Date.now() + 60_000;
    while (webhook.requests.length === 0) {
      expect(Date.now(), server.output()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(webhook.requests[0]!.body).toContain(SYNC);
    const response = await fetch(`${url}/v1/syncs/${encodeURIComponent(SYNC)}`);
    expect(response.status).toBe(200);
    const sync = (await response.json()) as {
      last_run: { status: string; created: number; command: string };
    };
    expect(sync.last_run).toMatchObject({ status: 'success', created: PEOPLE });
    expect((sync as unknown as { health: { state: string } }).health).toMatchObject({ state: 'failing' });
    expect(webhook.requests).toHaveLength(1);
    expect(sync.last_run.command).toMatch(/^sync --from-queue \(dbt invocation /);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    server.process.kill('SIGTERM');
    expect((await server.process).exitCode, server.output()).toBe(0);
  });

  it('takes over at once the entry of a worker SIGKILLed mid-run, not after the run limit', async () => {
    await dbt(['build']);
    // Slow answers: the run is still sending when its process dies.
    sandbox.faults.replace({ latencyMs: 5000 });
    const doomed = execa(
      process.execPath,
      [join(repoRoot, 'dist', 'cli', 'main.js'), 'sync', '--from-queue', '--full-refresh'],
      {
        cwd: dir,
        env: { NO_COLOR: '1' },
        reject: false,
        all: true,
      },
    );
    let output = '';
    doomed.all?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 60_000;
    while (!output.includes('claimed dbt invocation')) {
      expect(Date.now(), output).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    doomed.kill('SIGKILL');
    await doomed;
    sandbox.faults.replace({});
    expect((await queue('status')).at(-1)).toEqual({ status: 'claimed' });

    // The lease on DuckDB lasts the run limit (hours): the next worker sees the holder's pid is gone.
    const next = await runSpoke(['sync', '--from-queue', '--full-refresh'], { cwd: dir });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/queue: worker \S+:\d+:\S+ died holding entries; taking them over/);
    const [entry] = (await queue('model, status, run_id, CAST(attempts AS INTEGER) AS attempts')).slice(-1);
    expect(entry).toMatchObject({ model: 'people', status: 'done', attempts: 2 });
    expect(sandbox.store.records('hubspot', 'contacts')).toHaveLength(PEOPLE);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { type GeneratedProject, generatedProject } from '../support/generated-project.js';
import { runSpoke } from '../support/spoke-cli.js';

const ROWS = 400;

async function state(dir: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(join(dir, 'generated.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Another process holding the project's DuckDB file, as a running dbt or spoke would. */
async function holdDuckdbFile(path: string, forMs: number) {
  const holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(process.argv[1]);
console.log('ready');
setTimeout(() => { db.closeSync(); process.exit(0); }, Number(process.argv[2]));`,
      path,
      String(forMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() },
  );
  const exited = once(holder, 'exit');
  const [ready] = await once(holder.stdout, 'data');
  expect(String(ready)).toContain('ready');
  return { kill: () => holder.kill(), exited };
}

describe('bounds on a run', () => {
  let sandbox: RunningSandbox;
  let project: GeneratedProject;

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null });
    project = await generatedProject({
      rows: ROWS,
      salesforceUrl: sandbox.salesforceUrl,
      hubspotUrl: sandbox.hubspotUrl,
      destinations: ['hubspot'],
    });
    expect(await dbt(project.dir, ['run'])).toBe(0);
  });

  afterAll(async () => {
    await sandbox?.close();
    await project?.cleanup();
  });

  it('a DuckDB file held by another process: exit 3 at once, or wait for it with --wait as on PostgreSQL', async () => {
    const file = join(project.dir, 'generated.duckdb');
    const holder = await holdDuckdbFile(file, 60_000);
    try {
      const yielded = await runSpoke(['sync', '--json'], { cwd: project.dir });
      expect(yielded.exitCode).toBe(3);
      expect(JSON.parse(yielded.stdout).error).toMatchObject({
        code: 'SPOKE_SYNC_LOCKED',
        message: expect.stringContaining('is open in another process'),
      });
    } finally {
      holder.kill();
      await holder.exited;
    }
    const briefly = await holdDuckdbFile(file, 1_500);
    const waited = await runSpoke(['sync', '--json', '--wait', '30'], { cwd: project.dir });
    await briefly.exited;
    expect(waited.exitCode, waited.stdout.slice(0, 1000)).toBe(0);
    expect(sandbox.store.records('hubspot', 'contacts')).toHaveLength(ROWS);
  });

  it('a 429 storm stops at --timeout, cleanly: nothing confirmed is lost, nothing is remembered as failed', async () => {
    expect(await dbt(project.dir, ['run', '--vars', '{version: 2}'])).toBe(0);
    // Every HubSpot write is refused with a rolling-window 429, which the client waits out, again
    // and again: without a bound the run would wait for hours.
    sandbox.faults.replace({
      errors: [{ status: 429, rate: 1, paths: '^POST /crm/v3/objects/contacts/batch/upsert' }],
    });
    const started = Date.now();
    const stopped = await runSpoke(['sync', '--json', '--timeout', '3s'], { cwd: project.dir });
    const elapsed = Date.now() - started;
    sandbox.faults.replace({});
    expect(stopped.exitCode).toBe(1);
    expect(elapsed).toBeLessThan(30_000);
    const [sync] = (JSON.parse(stopped.stdout) as { syncs: { status: string; reason: string }[] }).syncs;
    expect(sync).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('time limit of 3s (--timeout)'),
    });
    expect(await state(project.dir, 'SELECT * FROM spoke.failures')).toEqual([]);
    const [run] = await state(project.dir, `SELECT status FROM spoke.runs ORDER BY started_at DESC LIMIT 1`);
    expect(run).toEqual({ status: 'failed' });

    const finished = await runSpoke(['sync', '--json'], { cwd: project.dir });
    expect(finished.exitCode).toBe(0);
    const titles = sandbox.store.records('hubspot', 'contacts').map((r) => r.fields.jobtitle);
    expect(new Set(titles)).toEqual(new Set(['Title 2']));
  });

  it('a state table gone missing stops the run before its first write, naming the table', async () => {
    expect(await dbt(project.dir, ['run', '--vars', '{version: 3}'])).toBe(0);
    const instance = await DuckDBInstance.create(join(project.dir, 'generated.duckdb'));
    const connection = await instance.connect();
    await connection.run('DROP TABLE spoke.id_ledger');
    connection.closeSync();
    instance.closeSync();
    await fetch(`${sandbox.hubspotUrl}/__sandbox/stats`, { method: 'DELETE' });

    const refused = await runSpoke(['sync'], { cwd: project.dir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('table spoke.id_ledger is missing');
    const stats = (await (await fetch(`${sandbox.hubspotUrl}/__sandbox/stats`)).json()) as {
      requests: number;
    };
    expect(stats.requests).toBe(0);
    expect(new Set(sandbox.store.records('hubspot', 'contacts').map((r) => r.fields.jobtitle))).toEqual(
      new Set(['Title 2']),
    );
  });
});

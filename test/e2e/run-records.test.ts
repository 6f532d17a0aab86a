import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { type GeneratedProject, generatedProject } from '../support/generated-project.js';
import { runSpoke } from '../support/spoke-cli.js';

const ROWS = 50;
const SALESFORCE = 'people:salesforce.Contact';
const HUBSPOT = 'people:hubspot.contacts';

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

interface Run {
  exitCode: number;
  runId: string;
  syncs: Map<string, { status: string; reason?: string; attempted: number }>;
}

async function sync(dir: string, args: string[] = []): Promise<Run> {
  const result = await runSpoke(['sync', '--json', ...args], { cwd: dir });
  const json = JSON.parse(result.stdout) as {
    run_id?: string;
    syncs?: { id: string; status: string; reason?: string; attempted: number }[];
  };
  return {
    exitCode: result.exitCode,
    runId: json.run_id ?? '',
    syncs: new Map((json.syncs ?? []).map((s) => [s.id, s])),
  };
}

/** The runs table's latest row and its sync_runs rows, as a team would query them. */
async function latestRun(dir: string) {
  const [run] = await state(
    dir,
    'SELECT run_id, status, error, finished_at FROM spoke.runs ORDER BY started_at DESC LIMIT 1',
  );
  const syncs = await state(
    dir,
    `SELECT sync_id, status, error FROM spoke.sync_runs WHERE run_id = '${run?.run_id}' ORDER BY sync_id`,
  );
  return { run, syncs };
}

describe('every run is recorded, however it ends', () => {
  let sandbox: RunningSandbox;
  let project: GeneratedProject;

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    project = await generatedProject({
      rows: ROWS,
      salesforceUrl: sandbox.salesforceUrl,
      hubspotUrl: sandbox.hubspotUrl,
    });
    expect(await dbt(project.dir, ['run'])).toBe(0);
  });
  beforeEach(() => sandbox.faults.replace({}));

  afterAll(async () => {
    await sandbox?.close();
    await project?.cleanup();
  });

  it('a run stopped by a mapping mistake has its runs row with the error, and a row for every selected sync', async () => {
    const schema = join(project.dir, 'models', 'schema.yml');
    const original = await readFile(schema, 'utf8');
    await writeFile(schema, original.replace('job_title: Title', 'job_title: Titel'));
    try {
      expect(await dbt(project.dir, ['parse'])).toBe(0);
      const result = await runSpoke(['sync'], { cwd: project.dir });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain('Contact has no field "Titel"');
    } finally {
      await writeFile(schema, original);
      expect(await dbt(project.dir, ['parse'])).toBe(0);
    }
    const { run, syncs } = await latestRun(project.dir);
    expect(run).toMatchObject({ status: 'error', error: expect.stringContaining('1 mapping problem') });
    expect(run?.finished_at).not.toBeNull();
    expect(syncs).toEqual([
      { sync_id: HUBSPOT, status: 'skipped', error: expect.stringContaining('not run: 1 mapping problem') },
      {
        sync_id: SALESFORCE,
        status: 'skipped',
        error: expect.stringContaining('not run: 1 mapping problem'),
      },
    ]);
    expect(sandbox.store.records('salesforce', 'Contact')).toHaveLength(0);
  });

  it('retries a login and a describe answered 503 as it retries writes, and then syncs', async () => {
    sandbox.faults.replace({
      errors: [
        { status: 503, rate: 1, max: 2, paths: '^POST /services/oauth2/token' },
        { status: 503, rate: 1, max: 2, paths: '^GET /crm/v3/properties/' },
      ],
    });
    const run = await sync(project.dir);
    expect(run.exitCode, JSON.stringify([...run.syncs.values()])).toBe(0);
    expect(
      sandbox.faults.counters('salesforce').injected.error +
        sandbox.faults.counters('hubspot').injected.error,
    ).toBe(4);
    expect(sandbox.store.records('salesforce', 'Contact')).toHaveLength(ROWS);
    expect(sandbox.store.records('hubspot', 'contacts')).toHaveLength(ROWS);
  });

  it('a destination that keeps failing its checks fails only its own syncs, saying what happened, with rows for all', async () => {
    expect(await dbt(project.dir, ['run', '--vars', '{version: 2}'])).toBe(0);
    sandbox.faults.replace({ errors: [{ status: 503, rate: 1, paths: '^GET /crm/v3/properties/' }] });
    const run = await sync(project.dir);
    expect(run.exitCode).toBe(1);
    expect(run.syncs.get(SALESFORCE)).toMatchObject({ status: 'success', attempted: ROWS });
    const hubspot = run.syncs.get(HUBSPOT)!;
    expect(hubspot.status).toBe('failed');
    expect(hubspot.reason).toMatch(/HTTP 503/);
    expect(hubspot.reason).toMatch(/failed 4 times in a row/);
    expect(hubspot.reason).not.toMatch(/scopes|object type name/);
    const { run: recorded, syncs } = await latestRun(project.dir);
    expect(recorded).toMatchObject({ run_id: run.runId, status: 'failed' });
    expect(syncs).toEqual([
      { sync_id: HUBSPOT, status: 'failed', error: expect.stringContaining('HTTP 503') },
      { sync_id: SALESFORCE, status: 'success', error: null },
    ]);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStateStore } from '../../src/state/open-state-store.js';
import { copySyncedExampleProject } from '../support/built-example.js';
import { pgUrlToConnection } from '../support/pg-url.js';
import { createTestDatabase, examplePgEnv } from '../support/postgres.js';
import { copyExampleProject, repoRoot, runSpoke } from '../support/spoke-cli.js';

/** The state tables as a team would query them (`write` to change them, as a team could). */
async function query(projectDir: string, sql: string, write = false): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(join(projectDir, 'spoke_example.duckdb'), {
    access_mode: write ? 'READ_WRITE' : 'READ_ONLY',
  });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

interface ShowJson {
  run: { run_id: string; status: string; totals: Record<string, number> };
  syncs: {
    sync_id: string;
    status: string;
    attempted: number;
    created: number;
    failed: number;
    errors: { code: string; count: number; samples: { key: string; message: string }[] }[];
  }[];
}

type RecordJson = Record<string, string | number | boolean | null>;

/** A docs/runs.md console example's output (after its `$ command` line). */
async function documentedOutput(command: string): Promise<string> {
  const text = await readFile(join(repoRoot, 'docs', 'runs.md'), 'utf8');
  const start = text.indexOf(`$ ${command}\n`);
  expect(start, `docs/runs.md shows \`${command}\``).toBeGreaterThan(0);
  const body = text.slice(start + command.length + 3);
  return body.slice(0, body.indexOf('```'));
}

/** Lines without what differs from run to run (ids, times, durations, column widths), sorted. */
function comparable(output: string): string[] {
  return output
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<run>')
    .replace(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+Z)?/g, '<time>')
    .replace(/\b\d+\.\d+s\b/g, '<took>')
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .sort();
}

describe('spoke runs on the example project', () => {
  // After `spoke dbt build`, the demo run; the first test reads a copy that never synced.
  let project: Awaited<ReturnType<typeof copySyncedExampleProject>>;
  const spoke = (...args: string[]) => runSpoke(['runs', ...args], { cwd: project.dir });
  let runId: string;

  beforeAll(async () => {
    project = await copySyncedExampleProject();
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('says plainly that a project that never synced has no runs, and exits 0', async () => {
    const fresh = await copyExampleProject();
    try {
      const spokeFresh = (...args: string[]) => runSpoke(['runs', ...args], { cwd: fresh.dir });
      const list = await spokeFresh();
      expect(list.exitCode, list.stderr).toBe(0);
      expect(list.stdout).toContain('No runs recorded yet');
      expect(JSON.parse((await spokeFresh('--json')).stdout)).toEqual({
        recorded: false,
        runs: [],
        next_cursor: null,
      });
      const latest = await spokeFresh('show', 'latest');
      expect(latest.exitCode).toBe(0);
      expect(latest.stdout).toContain('No runs recorded yet');
    } finally {
      await fresh.cleanup();
    }
  });

  it('lists the demo run with the totals the state tables hold', async () => {
    const { build } = project;
    expect(build.exitCode, build.stderr).toBe(1);
    const [run] = await query(project.dir, 'SELECT run_id, status, command FROM spoke.runs');
    runId = String(run!.run_id);

    const listed = JSON.parse((await spoke('--json')).stdout) as {
      recorded: boolean;
      runs: {
        run_id: string;
        status: string;
        command: string;
        syncs: number;
        totals: Record<string, number>;
      }[];
    };
    expect(listed.recorded).toBe(true);
    expect(listed.runs).toHaveLength(1);
    const [sums] = await query(
      project.dir,
      `SELECT SUM(created)::INT AS created, SUM(failed)::INT AS failed, COUNT(*)::INT AS syncs FROM spoke.sync_runs WHERE run_id = '${runId}'`,
    );
    expect(listed.runs[0]).toMatchObject({
      run_id: runId,
      status: 'failed',
      command: run!.command,
      syncs: sums!.syncs,
      totals: { created: sums!.created, failed: 7 },
    });
    const table = await spoke();
    expect(table.stdout).toMatch(
      new RegExp(`${runId}\\s+\\S+ \\S+\\s+\\S+s\\s+failed\\s+4\\s+${sums!.created}\\s+0\\s+0\\s+7`),
    );
    expect((await spoke('--status', 'success', '--json')).stdout).toContain('"runs": []');
    expect((await spoke('--sync', 'crm_acounts:salesforce.Account')).stdout).toContain(
      'No run recorded sync `crm_acounts:salesforce.Account`. Did you mean `crm_accounts:salesforce.Account`?',
    );
  });

  it('shows the latest run with the counts, the 7 failed records and the destinations’ own messages the state tables hold', async () => {
    const shown = await spoke('show', 'latest', '--json');
    expect(shown.exitCode, shown.stderr).toBe(0);
    const detail = JSON.parse(shown.stdout) as ShowJson;
    expect(detail.run.run_id).toBe(runId);

    const syncRows = await query(
      project.dir,
      `SELECT sync_id, status, attempted::INT AS attempted, created::INT AS created, failed::INT AS failed
         FROM spoke.sync_runs WHERE run_id = '${runId}' ORDER BY sync_id`,
    );
    expect(
      detail.syncs
        .map(({ sync_id, status, attempted, created, failed }) => ({
          sync_id,
          status,
          attempted,
          created,
          failed,
        }))
        .sort((a, b) => a.sync_id.localeCompare(b.sync_id)),
    ).toEqual(syncRows);

    const failedRows = await query(
      project.dir,
      `SELECT sync_id, record_key, error_code, error_message FROM spoke.record_log
        WHERE run_id = '${runId}' AND status = 'failed' ORDER BY sync_id, record_key`,
    );
    expect(failedRows).toHaveLength(7);
    const shownFailures = detail.syncs
      .flatMap((sync) =>
        sync.errors.flatMap((group) =>
          group.samples.map((sample) => ({
            sync_id: sync.sync_id,
            record_key: sample.key,
            error_code: group.code,
            error_message: sample.message,
          })),
        ),
      )
      .sort((a, b) => a.sync_id.localeCompare(b.sync_id) || a.record_key.localeCompare(b.record_key));
    expect(shownFailures).toEqual(failedRows);
    for (const sync of detail.syncs)
      expect(
        sync.errors.reduce((sum, group) => sum + group.count, 0),
        sync.sync_id,
      ).toBe(sync.failed);

    const text = await spoke('show', runId);
    expect(text.exitCode).toBe(0);
    expect(comparable(text.stdout)).toEqual(comparable(await documentedOutput('spoke runs show c5ddc503')));
    expect(text.stdout).toContain('INVALID_EMAIL_ADDRESS: 2 records');
    for (const row of failedRows) expect(text.stdout).toContain(`${row.record_key}  ${row.error_message}`);
  });

  it('exports the record log as CSV that parses back to the rows --json prints, and filters by sync, status and key', async () => {
    const json = await spoke('records', 'latest', '--json');
    expect(json.exitCode, json.stderr).toBe(0);
    const records = (JSON.parse(json.stdout) as { run_id: string; records: RecordJson[] }).records;
    const [{ rows }] = (await query(
      project.dir,
      `SELECT COUNT(*)::INT AS rows FROM spoke.record_log WHERE run_id = '${runId}'`,
    )) as [{ rows: number }];
    expect(records).toHaveLength(rows);

    const csv = await spoke('records', runId.slice(0, 8), '--csv');
    expect(csv.exitCode, csv.stderr).toBe(0);
    const parsed = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    const asText = (record: RecordJson) =>
      Object.fromEntries(
        Object.entries(record).map(([key, value]) => [key, value === null ? '' : String(value)]),
      );
    expect(parsed).toEqual(records.map(asText));

    const failedCsv = await spoke('records', runId.slice(0, 8), '--status', 'failed', '--csv');
    expect(comparable(failedCsv.stdout)).toEqual(
      comparable(await documentedOutput('spoke runs records c5ddc503 --status failed --csv')),
    );
    const failed = JSON.parse((await spoke('records', 'latest', '--status', 'failed', '--json')).stdout) as {
      records: RecordJson[];
    };
    expect(failed.records).toHaveLength(7);
    const contact = await spoke(
      'records',
      'latest',
      '--sync',
      'crm_contacts:salesforce.Contact',
      '--key',
      'usr_00020',
      '--json',
    );
    expect((JSON.parse(contact.stdout) as { records: RecordJson[] }).records).toEqual([
      expect.objectContaining({
        record_key: 'usr_00020',
        status: 'failed',
        error_code: 'REQUIRED_FIELD_MISSING',
        error_message: 'Required fields are missing: [LastName]',
      }),
    ]);
  });

  it('exits 2 for an unknown run id, naming the closest ids', async () => {
    const typo = `${runId.slice(0, -1)}${runId.endsWith('0') ? '1' : '0'}`;
    const result = await spoke('show', typo);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`There is no run \`${typo}\``);
    expect(result.stderr).toContain(`Closest: \`${runId}\``);
    const records = await spoke('records', 'no-such-run', '--json');
    expect(records.exitCode).toBe(2);
    expect(JSON.parse(records.stdout)).toMatchObject({ error: { code: 'SPOKE_RUN_NOT_FOUND' } });
    const usage = await spoke('--status', 'faild');
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('Did you mean `failed`?');
  });

  it('masks credentials in what it prints, even ones a message in the state tables carries', async () => {
    await query(
      project.dir,
      `INSERT INTO spoke.record_log (run_id, sync_id, record_key, operation, attempt, status, error_code, error_message, transient, logged_at)
       VALUES ('${runId}', 'crm_accounts:salesforce.Account', 'leak', 'upsert', 2, 'failed', 'AUTH', 'token refresh sent password=hunter2-very-secret', true, now())`,
      true,
    );
    for (const format of ['--csv', '--json']) {
      const result = await spoke('records', 'latest', '--key', 'leak', format);
      expect(result.stdout).toContain('password=***');
      expect(result.stdout).not.toContain('hunter2');
    }
  });
});

describe('spoke runs on PostgreSQL', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  const spoke = (...args: string[]) =>
    runSpoke(['runs', ...args, '--target', 'pg'], { cwd: project.dir, env });

  beforeAll(async () => {
    project = await copyExampleProject();
    database = await createTestDatabase(inject('databaseUrl'), 'spoke_runs');
    env = examplePgEnv(database, 'analytics');
  });
  afterAll(async () => {
    await project?.cleanup();
    await database?.drop();
  });

  it('says a database without state has no runs, then reads one a sync recorded, without dbt artifacts', async () => {
    const empty = await spoke();
    expect(empty.exitCode, empty.stderr).toBe(0);
    expect(empty.stdout).toContain('No runs recorded yet: the state schema "spoke" of target pg');

    const store = await openStateStore(pgUrlToConnection(database.url, { type: 'postgres' }), {
      schema: 'spoke',
    });
    try {
      await store.migrate();
      const startedAt = new Date('2026-05-01T08:00:00Z');
      await store.startRun({
        runId: 'pg-run-1',
        target: 'pg',
        invocationId: null,
        command: 'sync',
        startedAt,
      });
      await store.startSyncRun('pg-run-1', 'crm_accounts:hubspot.companies', startedAt);
      await store.commitBatch({
        runId: 'pg-run-1',
        syncId: 'crm_accounts:hubspot.companies',
        destination: 'hubspot',
        object: 'companies',
        entries: [
          {
            key: 'acc_0059',
            operation: 'upsert',
            attempt: 1,
            outcome: {
              key: 'acc_0059',
              status: 'failed',
              error: {
                code: 'INVALID_OPTION',
                message: 'legacy_enterprise was not one of the allowed options',
                transient: false,
              },
            },
          },
        ],
      });
      await store.finishSyncRun('pg-run-1', {
        syncId: 'crm_accounts:hubspot.companies',
        status: 'partial',
        attempted: 1,
        created: 0,
        updated: 0,
        deleted: 0,
        failed: 1,
        invalid: 0,
        skipped: 0,
        unchanged: 0,
        stillFailing: 0,
        error: null,
        finishedAt: new Date(startedAt.getTime() + 900),
      });
      await store.finishRun('pg-run-1', 'failed', new Date(startedAt.getTime() + 1000));
    } finally {
      await store.close();
    }

    const shown = await spoke('show', 'pg-run', '--json');
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      run: { run_id: 'pg-run-1', status: 'failed', duration_ms: 1000, totals: { failed: 1 } },
      syncs: [
        {
          sync_id: 'crm_accounts:hubspot.companies',
          errors: [
            {
              code: 'INVALID_OPTION',
              count: 1,
              samples: [{ key: 'acc_0059', message: 'legacy_enterprise was not one of the allowed options' }],
            },
          ],
        },
      ],
    });
    const unknown = await spoke('records', 'pg-run-2');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Closest: `pg-run-1`');
  });
});

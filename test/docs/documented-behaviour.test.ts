import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuiltExampleProject } from '../support/built-example.js';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';

/** The values a docs table row names in backticks, e.g. the `status` row of `## runs`. */
async function documentedValues(file: string, section: string, column: string): Promise<string[]> {
  const text = await readFile(join(repoRoot, file), 'utf8');
  const body = text.split(/^## /m).find((part) => part.startsWith(`${section}\n`)) ?? '';
  const row = body.split('\n').find((line) => line.startsWith(`| ${column} |`)) ?? '';
  return [...new Set([...row.matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!))];
}

async function query(projectDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(join(projectDir, 'spoke_example.duckdb'), {
    access_mode: 'READ_ONLY',
  });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('the docs say what the code does', () => {
  let project: Awaited<ReturnType<typeof copyBuiltExampleProject>>;

  beforeAll(async () => {
    project = await copyBuiltExampleProject();
    for (let run = 0; run < 2; run++) {
      const result = await runSpoke(['sync', '--select', 'crm_accounts'], { cwd: project.dir });
      expect(result.stderr).not.toContain('SPOKE_');
    }
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('the example configures alerts, each channel off until its variable is set', async () => {
    const spokeYml = await readFile(join(repoRoot, 'dbt_project_example', 'spoke.yml'), 'utf8');
    for (const type of ['email', 'slack', 'webhook']) expect(spokeYml).toContain(`type: ${type}`);
    const status = await runSpoke(['alerts', 'status', '--json'], { cwd: project.dir });
    expect(JSON.parse(status.stdout)).toMatchObject({ configured: true, pending: [] });
  });

  it('documents the runs.status values a run writes', async () => {
    const documented = await documentedValues('docs/state-tables.md', 'runs', 'status');
    expect(documented).toEqual(['running', 'success', 'failed', 'error', 'locked']);
    const written = await query(project.dir, 'SELECT DISTINCT status FROM spoke.runs');
    for (const { status } of written) expect(documented).toContain(status);
  });

  it('documents the sync_runs.status values a run writes, every selected sync included', async () => {
    const documented = await documentedValues('docs/state-tables.md', 'sync_runs', 'status');
    expect(documented).toEqual(['running', 'success', 'partial', 'failed', 'skipped']);
    const written = await query(project.dir, 'SELECT DISTINCT status FROM spoke.sync_runs');
    for (const { status } of written) expect(documented).toContain(status);
    // crm_accounts was selected; the contacts syncs were not, so they have no rows.
    const syncs = await query(project.dir, 'SELECT DISTINCT sync_id FROM spoke.sync_runs ORDER BY 1');
    expect(syncs.map((row) => row.sync_id)).toEqual([
      'crm_accounts:hubspot.companies',
      'crm_accounts:salesforce.Account',
    ]);
  });

  it('counts in sync_runs.still_failing the unchanged row that failed before, as documented', async () => {
    const [second] = await query(
      project.dir,
      `SELECT s.skipped, s.still_failing, s.attempted, s.status FROM spoke.sync_runs s JOIN spoke.runs r USING (run_id)
       WHERE s.sync_id = 'crm_accounts:salesforce.Account' ORDER BY r.started_at DESC LIMIT 1`,
    );
    expect({
      skipped: Number(second?.skipped),
      stillFailing: Number(second?.still_failing),
      attempted: Number(second?.attempted),
      status: second?.status,
    }).toEqual({ skipped: 0, stillFailing: 1, attempted: 0, status: 'partial' });
    const text = await readFile(join(repoRoot, 'docs', 'state-tables.md'), 'utf8');
    expect(text).toMatch(
      /\| still_failing \| rows that failed permanently in an earlier run and did not change/,
    );
  });
});

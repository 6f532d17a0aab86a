import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyBuiltExampleProject } from '../support/built-example.js';
import { dbt } from '../support/example-edits.js';
import { createTestDatabase, examplePgEnv } from '../support/postgres.js';
import { runSpoke } from '../support/spoke-cli.js';

interface SyncJson {
  id: string;
  created: number;
  updated: number;
  failed: number;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('one sandbox store per dbt target', () => {
  let project: Awaited<ReturnType<typeof copyBuiltExampleProject>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pgEnv: Record<string, string>;

  const syncAccounts = async (args: string[], env: Record<string, string> = {}) => {
    const result = await runSpoke(['sync', '--select', 'crm_accounts', '--json', ...args], {
      cwd: project.dir,
      env,
    });
    const document = JSON.parse(result.stdout) as { syncs: SyncJson[] };
    return new Map(document.syncs.map((sync) => [sync.id, sync]));
  };
  const records = async (args: string[], env: Record<string, string> = {}) => {
    const result = await runSpoke(['sandbox', 'records', 'salesforce', 'Account', '--json', ...args], {
      cwd: project.dir,
      env,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as unknown[];
  };

  beforeAll(async () => {
    // Built for the default target (dev) already.
    project = await copyBuiltExampleProject();
    database = await createTestDatabase(inject('databaseUrl'), 'spoke_per_target');
    pgEnv = examplePgEnv(database);
  });
  afterAll(async () => {
    await project?.cleanup();
    await database?.drop();
  });

  it('creates the records again on a first run of another target instead of reporting updates', async () => {
    // target/ holds the artifacts of the last dbt run, so each target builds right before its sync.
    const dev = await syncAccounts([]);
    expect(dev.get('crm_accounts:salesforce.Account')).toMatchObject({ created: 59, updated: 0, failed: 1 });

    expect(await dbt(project.dir, ['build', '--target', 'pg'], pgEnv)).toBe(0);
    const pg = await syncAccounts(['--target', 'pg'], pgEnv);
    expect(pg.get('crm_accounts:salesforce.Account')).toMatchObject({ created: 59, updated: 0, failed: 1 });
    expect(pg.get('crm_accounts:hubspot.companies')).toMatchObject({ created: 59, updated: 0 });

    expect(await exists(join(project.dir, '.spoke', 'sandbox-dev.json'))).toBe(true);
    expect(await exists(join(project.dir, '.spoke', 'sandbox-pg.json'))).toBe(true);
  });

  it('shows each target its own records with `spoke sandbox records --target`, the profile default without it', async () => {
    expect(await records(['--target', 'pg'], pgEnv)).toHaveLength(59);
    expect(await records(['--target', 'dev'])).toHaveLength(59);
    expect(await records([])).toHaveLength(59);
    const empty = await runSpoke(['sandbox', 'records', 'salesforce', 'Account', '--target', 'staging'], {
      cwd: project.dir,
    });
    expect(empty.stdout).toContain('No salesforce Account records in the sandbox of target staging.');
  });
});

import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuiltExampleProject } from '../support/built-example.js';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';
import { loadedModules, tracingImports } from '../support/trace-imports.js';

const dbt = join(repoRoot, '.venv', 'bin', 'dbt');

interface Document {
  status: string;
  dry_run: boolean;
  syncs: {
    id: string;
    status: string;
    attempted: number;
    created: number;
    updated: number;
    failed: number;
    still_failing: number;
    reason?: string;
  }[];
}

/** Runs `fn` with the dev target pointed at a port where nothing listens, then restores spoke.yml. */
async function withUnreachableSandbox<T>(projectDir: string, fn: () => Promise<T>): Promise<T> {
  const spokeYml = join(projectDir, 'spoke.yml');
  const original = await readFile(spokeYml, 'utf8');
  // Port 9 (discard) has no listener: every connection is refused.
  await writeFile(
    spokeYml,
    original.replace(
      /dev:\n\s+sandbox: true/,
      "dev:\n    sandbox: { salesforce_url: 'http://127.0.0.1:9', hubspot_url: 'http://127.0.0.1:9' }",
    ),
  );
  try {
    return await fn();
  } finally {
    await writeFile(spokeYml, original);
  }
}

describe('spoke sync after a dbt build', () => {
  let project: Awaited<ReturnType<typeof copyBuiltExampleProject>>;

  beforeAll(async () => {
    project = await copyBuiltExampleProject();
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('plans every record with --dry-run and writes nothing', async () => {
    const result = await runSpoke(['sync', '--dry-run', '--json'], { cwd: project.dir });
    const document = JSON.parse(result.stdout) as Document;

    expect(result.exitCode).toBe(0);
    expect(document.dry_run).toBe(true);
    expect(document.syncs).toHaveLength(4);
    for (const sync of document.syncs) {
      expect(sync.attempted).toBeGreaterThan(50);
      expect(sync.created + sync.updated + sync.failed).toBe(0);
    }
    const sandboxFile = join(project.dir, '.spoke', 'sandbox-dev.json');
    // The in-process sandbox answered describe calls only; no synced object holds a record.
    const stored = await access(sandboxFile).then(
      async () => JSON.parse(await readFile(sandboxFile, 'utf8')),
      () => null,
    );
    const synced = ['salesforce.Account', 'salesforce.Contact', 'hubspot.companies', 'hubspot.contacts'];
    const records = synced.flatMap((object) => Object.keys(stored?.objects?.[object] ?? {}));
    expect(records).toEqual([]);
  });

  it('syncs only the selected model with --select, and sends nothing when run again unchanged', async () => {
    const first = JSON.parse(
      (await runSpoke(['sync', '--select', 'crm_accounts', '--json'], { cwd: project.dir })).stdout,
    ) as Document;
    expect(first.syncs.map((sync) => sync.id).sort()).toEqual([
      'crm_accounts:hubspot.companies',
      'crm_accounts:salesforce.Account',
    ]);
    for (const sync of first.syncs) {
      expect(sync.created).toBe(59);
      expect(sync.failed).toBe(1);
    }

    const second = await runSpoke(['sync', '--select', 'crm_accounts', '--json'], { cwd: project.dir });
    // Nothing changed: nothing is sent, and the row that failed for good is not retried, but it
    // is still reported, so the run is not a success.
    expect(second.exitCode).toBe(1);
    for (const sync of (JSON.parse(second.stdout) as Document).syncs) {
      expect(sync).toMatchObject({
        status: 'partial',
        attempted: 0,
        created: 0,
        updated: 0,
        unchanged: 59,
        skipped: 0,
        still_failing: 1,
      });
    }
  });

  it('prints one human line per sync with its counts and first errors', async () => {
    const result = await runSpoke(['sync', '--select', 'crm_contacts'], { cwd: project.dir });

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /crm_contacts:salesforce\.Contact\s+created 248, updated 0, failed 3, invalid 0/,
    );
    expect(result.stdout).toMatch(/usr_00005\s+INVALID_EMAIL_ADDRESS/);
    expect(result.stdout).toMatch(
      /crm_contacts:hubspot\.contacts\s+created 249, updated 0, failed 2, invalid 0/,
    );
  });

  it('never contacts a destination when nothing changed, even an unreachable one', async () => {
    const result = await withUnreachableSandbox(project.dir, () =>
      runSpoke(['sync', '--json'], { cwd: project.dir }),
    );
    // Exit 1 only because the example's bad rows still fail: no sync was refused.
    expect(result.exitCode).toBe(1);
    for (const sync of (JSON.parse(result.stdout) as Document).syncs) {
      expect(sync.attempted).toBe(0);
      expect(sync.status).toBe(sync.still_failing > 0 ? 'partial' : 'success');
    }
  });

  it('loads no destination client, dbt runner or sandbox when nothing changed', async () => {
    const result = await runSpoke(['sync', '--json'], {
      cwd: project.dir,
      env: { NODE_OPTIONS: tracingImports() },
    });
    expect(result.exitCode).toBe(1);
    expect((JSON.parse(result.stdout) as Document).syncs.every((sync) => sync.attempted === 0)).toBe(true);
    const loaded = loadedModules(result.stderr);
    // The DuckDB warehouse is loaded (its API through require, which this trace does not list).
    expect(loaded.some((line) => line.includes('/dist/warehouse/duckdb-api.js'))).toBe(true);
    for (const unused of ['jsforce', '@hubspot/', 'fastify', '/dist/sandbox/', 'execa']) {
      expect(loaded.filter((line) => line.includes(unused))).toEqual([]);
    }
  });

  it('fails the syncs of an unreachable destination with the reason, and skips the syncs after them', async () => {
    // --full-refresh: every sync has records to send, so every destination is needed.
    const result = await withUnreachableSandbox(project.dir, () =>
      runSpoke(['sync', '--full-refresh', '--json'], { cwd: project.dir }),
    );
    const syncs = new Map((JSON.parse(result.stdout) as Document).syncs.map((sync) => [sync.id, sync]));

    expect(result.exitCode).toBe(1);
    for (const id of ['crm_accounts:salesforce.Account', 'crm_accounts:hubspot.companies']) {
      expect(syncs.get(id)!.status).toBe('failed');
      expect(syncs.get(id)!.reason).toMatch(/127\.0\.0\.1:9/);
    }
    for (const id of ['crm_contacts:salesforce.Contact', 'crm_contacts:hubspot.contacts']) {
      expect(syncs.get(id)!.status).toBe('skipped');
      expect(syncs.get(id)!.reason).toMatch(/upstream crm_accounts/);
    }
  });

  it('does not sync a model whose dbt tests failed in the last invocation', async () => {
    // A data test on crm_accounts that fails: the example ships one account on a retired plan.
    await mkdir(join(project.dir, 'tests'), { recursive: true });
    await writeFile(
      join(project.dir, 'tests', 'crm_accounts_plans_are_current.sql'),
      "select * from {{ ref('crm_accounts') }} where plan = 'legacy_enterprise'\n",
    );
    const build = await execa(dbt, ['build', '--quiet', '--select', 'crm_accounts'], {
      cwd: project.dir,
      reject: false,
    });
    expect(build.exitCode).toBe(1);
    const result = await runSpoke(['sync', '--select', 'crm_accounts', '--json'], { cwd: project.dir });
    const document = JSON.parse(result.stdout) as Document;
    expect(result.exitCode).toBe(1);
    for (const sync of document.syncs) {
      expect(sync.status).toBe('skipped');
      expect(sync.reason).toMatch(/crm_accounts_plans_are_current/);
    }
  });
});

import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuiltExampleProject } from '../support/built-example.js';
import { editSpokeBlocks } from '../support/example-edits.js';
import { copyExampleProject, repoRoot, runSpoke } from '../support/spoke-cli.js';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('spoke --version and spoke dbt --help', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  beforeAll(async () => {
    project = await copyExampleProject();
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('prints the version from package.json', async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
    const result = await runSpoke(['--version'], { cwd: project.dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it("shows spoke's own flags for `spoke dbt --help`, without running dbt or reporting an error", async () => {
    for (const args of [['dbt', '--help'], ['dbt', '-h'], ['dbt']]) {
      const result = await runSpoke(args, { cwd: project.dir });
      expect(result.exitCode, args.join(' ')).toBe(0);
      expect(result.stderr).toBe('');
      for (const flag of ['--spoke-full-refresh', '--retry-failed', '--allow-deletes', '--json']) {
        expect(result.stdout).toContain(flag);
      }
      expect(result.stdout).toContain('Every other argument goes to dbt unchanged');
      expect(result.stdout).not.toMatch(/Usage: dbt|SPOKE_/);
    }
    expect(await exists(join(project.dir, 'target'))).toBe(false);
  });

  it('leaves `spoke dbt build --help` to dbt and syncs nothing', async () => {
    const result = await runSpoke(['dbt', 'build', '--help'], { cwd: project.dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: dbt build');
    expect(result.stderr).not.toContain('SPOKE_');
    expect(await exists(join(project.dir, '.spoke', 'sandbox-dev.json'))).toBe(false);
  });
});

describe('the meta.spoke check of `spoke dbt`', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  beforeAll(async () => {
    project = await copyBuiltExampleProject();
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('never replaces target/ with its dbt parse, even for another target, so `spoke sync` reads the last build', async () => {
    const manifestFile = join(project.dir, 'target', 'manifest.json');
    const built = JSON.parse(await readFile(manifestFile, 'utf8')).metadata;
    const schemaFile = join(project.dir, 'models', 'marts', 'schema.yml');
    const schema = await readFile(schemaFile, 'utf8');

    await editSpokeBlocks(project.dir, ({ accounts }) => {
      accounts[0]!.key = 42;
    });
    const checked = await runSpoke(['dbt', 'build', '--target', 'pg'], { cwd: project.dir });
    expect(checked.exitCode).toBe(2);
    expect(checked.stderr).toMatch(/crm_accounts.*spoke\[0\]\.key/);

    const after = JSON.parse(await readFile(manifestFile, 'utf8')).metadata;
    expect(after).toMatchObject({ invocation_id: built.invocation_id, adapter_type: 'duckdb' });

    await writeFile(schemaFile, schema);
    const sync = await runSpoke(['sync', '--select', 'crm_accounts', '--json'], { cwd: project.dir });
    expect(sync.stderr).not.toContain('SPOKE_ARTIFACTS_MISMATCH');
    const document = JSON.parse(sync.stdout) as { syncs: { created: number }[] };
    expect(document.syncs.map((s) => s.created)).toEqual([59, 59]);
  });
});

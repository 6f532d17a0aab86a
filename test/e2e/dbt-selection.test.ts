import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { dbt } from '../support/example-edits.js';
import { copyExampleProject, repoRoot, runSpoke } from '../support/spoke-cli.js';

const SYNCS_OF: Record<string, string[]> = {
  crm_accounts: ['crm_accounts:salesforce.Account', 'crm_accounts:hubspot.companies'],
  crm_contacts: ['crm_contacts:salesforce.Contact', 'crm_contacts:hubspot.contacts'],
};

/**
 * Real dbt's `ls` with each of these argument lists, in one Python process through dbt's own
 * programmatic entry point (dbtRunner): the models each selects, by name.
 */
async function dbtLs(projectDir: string, argSets: string[][]): Promise<string[][]> {
  const script = `
import json, sys
from dbt.cli.main import dbtRunner
runner = dbtRunner()
answers = []
for args in json.loads(sys.argv[1]):
    res = runner.invoke(['ls', '--resource-type', 'model', '--output', 'name', '--quiet', '--target-path', 'dbt-ls-test', *args])
    if not res.success:
        raise SystemExit(f'dbt ls {args} failed: {res.exception}')
    answers.append(list(res.result))
with open(sys.argv[2], 'w') as out:
    json.dump(answers, out)
`;
  const answers = join(projectDir, 'dbt-ls-answers.json');
  await execa(join(repoRoot, '.venv', 'bin', 'python'), ['-c', script, JSON.stringify(argSets), answers], {
    cwd: projectDir,
  });
  return JSON.parse(await readFile(answers, 'utf8')) as string[][];
}

/** The syncs `spoke sync` would run with these arguments. */
async function spokeSelects(projectDir: string, args: string[]): Promise<string[]> {
  const result = await runSpoke(['sync', '--dry-run', '--json', ...args], { cwd: projectDir });
  expect(result.exitCode, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { syncs: { id: string }[] }).syncs.map((sync) => sync.id).sort();
}

const syncsOfModels = (models: string[]) => models.flatMap((model) => SYNCS_OF[model] ?? []).sort();

describe('--select, --exclude and --selector go through dbt', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  let manifestBefore: string;

  beforeAll(async () => {
    project = await copyExampleProject();
    // crm_contacts gets a tag; a YAML selector picks crm_accounts.
    const schema = join(project.dir, 'models', 'marts', 'schema.yml');
    const document = parseDocument(await readFile(schema, 'utf8'));
    const models = document.toJS().models as { name: string }[];
    document.setIn(['models', models.findIndex((m) => m.name === 'crm_contacts'), 'config', 'tags'], ['crm']);
    await writeFile(schema, document.toString());
    await writeFile(
      join(project.dir, 'selectors.yml'),
      'selectors:\n  - name: accounts_only\n    definition:\n      method: fqn\n      value: crm_accounts\n',
    );
    expect(await dbt(project.dir, ['build'])).toBe(0);
    await cp(join(project.dir, 'target'), join(project.dir, 'base-state'), { recursive: true });
    manifestBefore = await readFile(join(project.dir, 'target', 'manifest.json'), 'utf8');
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('selects exactly the syncs of the models dbt ls selects', async () => {
    const argSets = [
      ['--select', 'tag:crm'],
      ['--select', '+crm_contacts'],
      ['--select', 'path:models/marts', '--exclude', 'crm_contacts'],
      ['--selector', 'accounts_only'],
    ];
    const selected = await dbtLs(project.dir, argSets);
    for (const [i, args] of argSets.entries()) {
      expect(await spokeSelects(project.dir, args), args.join(' ')).toEqual(syncsOfModels(selected[i]!));
    }
    // +crm_contacts is dbt's lineage: its parents have no syncs, so the accounts syncs are not in it.
    expect(await spokeSelects(project.dir, ['--select', '+crm_contacts'])).toEqual(
      SYNCS_OF.crm_contacts!.sort(),
    );
    // dbt wrote its parse elsewhere: the build's manifest is the one spoke syncs from.
    expect(await readFile(join(project.dir, 'target', 'manifest.json'), 'utf8')).toBe(manifestBefore);
  });

  it('selects state:modified+ against --state as dbt does, and mixes in sync ids and destinations', async () => {
    const sql = join(project.dir, 'models', 'marts', 'crm_accounts.sql');
    await writeFile(sql, `${await readFile(sql, 'utf8')}\n-- a change in review\n`);
    const args = ['--select', 'state:modified+', '--state', 'base-state'];
    const listed = (await dbtLs(project.dir, [args]))[0]!;
    expect(listed).toContain('crm_accounts');
    expect(await spokeSelects(project.dir, args)).toEqual(syncsOfModels(listed));

    expect(
      await spokeSelects(project.dir, [
        '--select',
        'tag:crm',
        'destination:hubspot',
        '--exclude',
        'crm_contacts:salesforce.Contact',
      ]),
    ).toEqual(['crm_accounts:hubspot.companies', 'crm_contacts:hubspot.contacts']);
  });

  it("reports dbt's own words for a selector dbt cannot read, with exit 2", async () => {
    const result = await runSpoke(['sync', '--select', 'nope:x'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("'nope' is not a valid method name");
  });
});

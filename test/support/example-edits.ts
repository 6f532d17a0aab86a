import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { execa } from 'execa';
import { parseDocument } from 'yaml';
import { repoRoot } from './spoke-cli.js';

type Blocks = { accounts: Record<string, unknown>[]; contacts: Record<string, unknown>[] };

/** Edits the `spoke` blocks of the example's marts schema.yml the way a pull request would. */
export async function editSpokeBlocks(projectDir: string, edit: (blocks: Blocks) => void): Promise<void> {
  const file = join(projectDir, 'models', 'marts', 'schema.yml');
  const document = parseDocument(await readFile(file, 'utf8'));
  const models = document.toJS().models as { name: string; config?: { meta?: { spoke?: unknown } } }[];
  const indexOf = (name: string) => models.findIndex((model) => model.name === name);
  const spokeOf = (name: string) => models[indexOf(name)]!.config!.meta!.spoke as Record<string, unknown>[];
  const blocks = { accounts: spokeOf('crm_accounts'), contacts: spokeOf('crm_contacts') };
  edit(blocks);
  document.setIn(['models', indexOf('crm_accounts'), 'config', 'meta', 'spoke'], blocks.accounts);
  document.setIn(['models', indexOf('crm_contacts'), 'config', 'meta', 'spoke'], blocks.contacts);
  await writeFile(file, document.toString());
}

/** Removes a column's documentation from a model in the example's marts schema.yml. */
export async function undocumentColumn(projectDir: string, model: string, column: string): Promise<void> {
  const file = join(projectDir, 'models', 'marts', 'schema.yml');
  const document = parseDocument(await readFile(file, 'utf8'));
  const models = document.toJS().models as { name: string; columns?: { name: string }[] }[];
  const modelIndex = models.findIndex((entry) => entry.name === model);
  const columnIndex = models[modelIndex]!.columns!.findIndex((entry) => entry.name === column);
  if (columnIndex < 0) throw new Error(`${model} documents no column ${column}`);
  document.deleteIn(['models', modelIndex, 'columns', columnIndex]);
  await writeFile(file, document.toString());
}

/** Rewrites one seed CSV of the example project through `edit`. */
export async function editSeed(
  projectDir: string,
  seed: string,
  edit: (rows: Record<string, string>[]) => Record<string, string>[],
): Promise<void> {
  const file = join(projectDir, 'seeds', `${seed}.csv`);
  const rows = parse(await readFile(file, 'utf8'), { columns: true }) as Record<string, string>[];
  const header = Object.keys(rows[0] ?? {});
  await writeFile(file, stringify(edit(rows), { header: true, columns: header }));
}

/** Real dbt from the project's virtualenv. */
export async function dbt(
  projectDir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<number> {
  const result = await execa(join(repoRoot, '.venv', 'bin', 'dbt'), [...args, '--quiet'], {
    cwd: projectDir,
    env,
    reject: false,
  });
  if (result.exitCode === 2)
    throw new Error(`dbt ${args.join(' ')} crashed: ${result.stdout}\n${result.stderr}`);
  return result.exitCode ?? -1;
}

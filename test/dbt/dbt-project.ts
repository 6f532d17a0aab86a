import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const venvDbt = join(repoRoot, '.venv', 'bin', 'dbt');

/** Keeps dbt offline and quiet in tests. */
export const dbtTestEnv = { DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DBT_USE_COLORS: 'false' };

const PROJECT = `name: fixture
version: '1.0'
profile: fixture
`;

const PROFILES = `fixture:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: warehouse.duckdb
      threads: 1
`;

/** A DuckDB dbt project in a temp dir, with its profiles.yml next to dbt_project.yml. */
export async function makeDbtProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spoke-dbt-'));
  const all = { 'dbt_project.yml': PROJECT, 'profiles.yml': PROFILES, ...files };
  for (const [path, content] of Object.entries(all)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** Runs the venv's real dbt in the project. */
export async function dbt(projectDir: string, args: string[]): Promise<{ exitCode: number; output: string }> {
  const result = await execa(venvDbt, [...args, '--project-dir', projectDir, '--profiles-dir', projectDir], {
    cwd: projectDir,
    env: dbtTestEnv,
    reject: false,
    all: true,
  });
  return { exitCode: result.exitCode ?? -1, output: result.all ?? '' };
}

export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

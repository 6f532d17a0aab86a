import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const spokeBin = join(repoRoot, 'dist', 'cli', 'main.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `spoke` binary the way a user does, in `cwd`. */
export async function runSpoke(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  const result = await execa(process.execPath, [spokeBin, ...args], {
    cwd: options.cwd,
    env: { ...options.env, NO_COLOR: '1' },
    reject: false,
  });
  // A run that never exited on its own says why, so a failing assertion shows the cause.
  const why = result.exitCode === undefined ? `\n[spoke did not exit by itself: ${result.shortMessage}]` : '';
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: `${result.stderr}${why}` };
}

const SKIPPED = new Set(['target', 'logs', 'dbt_packages', '.spoke', '.user.yml']);

/** A private copy of the example dbt project, without build output; removed by `cleanup`. */
export async function copyExampleProject(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), 'spoke-e2e-'));
  const dir = join(parent, 'project');
  await cp(join(repoRoot, 'dbt_project_example'), dir, {
    recursive: true,
    filter: (source) =>
      !SKIPPED.has(basename(source)) && !source.endsWith('.duckdb') && !source.endsWith('.wal'),
  });
  return { dir, cleanup: () => rm(parent, { recursive: true, force: true }) };
}

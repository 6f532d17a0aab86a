import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { expect, inject } from 'vitest';
import { copyExampleProject, repoRoot } from './spoke-cli.js';

interface BuildOutcome {
  exitCode: number;
  output: string;
}

const SKIPPED = new Set(['logs', '.user.yml', '.spoke']);
let built: Promise<{ dir: string; outcome: BuildOutcome }> | undefined;

/**
 * A private copy of the example project as real `dbt build` (default DuckDB target) left it:
 * target/ with that build's manifest and run results, and the DuckDB file it built. The build
 * runs once per `vitest run` and is shared by every file that needs only its artifacts, not a
 * build of its own (a dbt process costs seconds on a busy machine; a copy, milliseconds).
 * Fails the calling test unless that build exited 0.
 */
export async function copyBuiltExampleProject(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  built ??= buildOnce();
  const { dir: source, outcome } = await built;
  expect(outcome.exitCode, `dbt build of the example:\n${outcome.output}`).toBe(0);
  const parent = await mkdtemp(join(tmpdir(), 'spoke-e2e-'));
  const dir = join(parent, 'project');
  await cp(source, dir, { recursive: true, filter: (path) => !SKIPPED.has(basename(path)) });
  return { dir, cleanup: () => rm(parent, { recursive: true, force: true }) };
}

/** The first caller in the run builds; every other worker waits for its outcome. */
async function buildOnce(): Promise<{ dir: string; outcome: BuildOutcome }> {
  const root = join(inject('runDir'), 'built-example');
  const dir = join(root, 'project');
  const outcomeFile = join(root, 'outcome.json');
  const mine = await mkdir(root).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  if (mine) {
    let outcome: BuildOutcome;
    try {
      const project = await copyExampleProject();
      await cp(project.dir, dir, { recursive: true });
      await project.cleanup();
      const result = await execa(join(repoRoot, '.venv', 'bin', 'dbt'), ['build', '--quiet'], {
        cwd: dir,
        reject: false,
        all: true,
      });
      outcome = { exitCode: result.exitCode ?? -1, output: result.all ?? '' };
    } catch (error) {
      outcome = { exitCode: 2, output: String(error) };
    }
    await writeFile(outcomeFile, JSON.stringify(outcome));
    return { dir, outcome };
  }
  for (;;) {
    const text = await readFile(outcomeFile, 'utf8').catch(() => null);
    if (text) return { dir, outcome: JSON.parse(text) as BuildOutcome };
    await sleep(200);
  }
}

import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { expect, inject } from 'vitest';
import { processExists } from '../../src/util/process-exists.js';
import { type CliResult, copyExampleProject, repoRoot, runSpoke } from './spoke-cli.js';

// A dbt process costs seconds on a busy machine, a copy milliseconds: the example is built (and
// synced) once per `vitest run`, and every file that needs only the result copies it.

const SKIPPED = new Set(['logs', '.user.yml']);
const shared = new Map<string, Promise<{ dir: string; result: CliResult }>>();

/**
 * A private copy of the example project as real `dbt build` (default DuckDB target) left it:
 * target/ with that build's manifest and run results, and the DuckDB file it built. Fails the
 * calling test unless that build exited 0.
 */
export async function copyBuiltExampleProject(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const { project, result } = await copyShared('dbt-build', async (dir) => {
    const dbt = await execa(join(repoRoot, '.venv', 'bin', 'dbt'), ['build', '--quiet'], {
      cwd: dir,
      reject: false,
      all: true,
    });
    return { exitCode: dbt.exitCode ?? -1, stdout: dbt.all ?? '', stderr: '' };
  });
  expect(result.exitCode, `dbt build of the example:\n${result.stdout}`).toBe(0);
  return project;
}

/**
 * A private copy of the example project right after `spoke dbt build --json` on the default
 * target: built, synced once to the sandbox (.spoke/), with spoke's state tables in its DuckDB
 * file. `build` is what that command printed and exited with.
 */
export async function copySyncedExampleProject(): Promise<{
  dir: string;
  build: CliResult;
  cleanup(): Promise<void>;
}> {
  const { project, result } = await copyShared('spoke-dbt-build', (dir) =>
    runSpoke(['dbt', 'build', '--json'], { cwd: dir }),
  );
  return { ...project, build: result };
}

async function copyShared(name: string, make: (dir: string) => Promise<CliResult>) {
  let made = shared.get(name);
  if (!made) {
    made = makeOnce(join(inject('runDir'), name), make);
    shared.set(name, made);
  }
  const { dir: source, result } = await made;
  const parent = await mkdtemp(join(tmpdir(), 'spoke-e2e-'));
  const dir = join(parent, 'project');
  await cp(source, dir, { recursive: true, filter: (path) => !SKIPPED.has(basename(path)) });
  return { project: { dir, cleanup: () => rm(parent, { recursive: true, force: true }) }, result };
}

/**
 * The first worker to ask makes it in `root`; every other worker waits for its outcome, and
 * fails at once, instead of at the hook timeout, if that worker's process is gone without one.
 */
export async function makeOnce(
  root: string,
  make: (dir: string) => Promise<CliResult>,
): Promise<{ dir: string; result: CliResult }> {
  const dir = join(root, 'project');
  const resultFile = join(root, 'result.json');
  const ownerFile = join(root, 'owner');
  const mine = await mkdir(root).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  if (mine) {
    await writeFile(ownerFile, String(process.pid));
    let result: CliResult;
    try {
      const project = await copyExampleProject();
      await cp(project.dir, dir, { recursive: true });
      await project.cleanup();
      result = await make(dir);
    } catch (error) {
      result = { exitCode: -1, stdout: '', stderr: String(error) };
    }
    // Renamed into place: a waiting worker never reads half a file.
    await writeFile(`${resultFile}.tmp`, JSON.stringify(result));
    await rename(`${resultFile}.tmp`, resultFile);
    return { dir, result };
  }
  for (;;) {
    const text = await readFile(resultFile, 'utf8').catch(() => null);
    if (text) return { dir, result: JSON.parse(text) as CliResult };
    // Written right after the directory: missing only for that moment.
    const owner = Number(await readFile(ownerFile, 'utf8').catch(() => ''));
    if (owner > 0 && !processExists(owner) && !(await readFile(resultFile, 'utf8').catch(() => null))) {
      throw new Error(
        `The test worker (pid ${owner}) making ${root} exited without finishing it; its own test file's output says why.`,
      );
    }
    await sleep(200);
  }
}

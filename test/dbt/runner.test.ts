import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifacts } from '../../src/dbt/artifacts.js';
import { findDbt, runDbt } from '../../src/dbt/runner.js';
import { dbtTargetDir } from '../../src/dbt/target-dir.js';
import { dbtTestEnv, makeDbtProject, removeDir, repoRoot, venvDbt } from './dbt-project.js';

let projectDir: string | undefined;
let build: { exitCode: number; outcome: string };
const lines: string[] = [];

beforeAll(async () => {
  projectDir = await makeDbtProject({
    'models/good.sql': 'select 1 as id',
    'models/bad.sql': 'select * from no_such_table',
  });
  build = await runDbt(['build'], {
    projectDir,
    profilesDir: projectDir,
    runId: 'run_2026_11_28_001',
    stdio: 'pipe',
    env: dbtTestEnv,
    onLine: (line) => lines.push(line),
  });
});

afterAll(() => removeDir(projectDir));

describe('runDbt with real dbt', () => {
  it('maps a run with a failing model to exit code 1, handled errors', () => {
    expect(build).toEqual({ exitCode: 1, outcome: 'handled_errors' });
  });

  it('streams dbt output line by line', () => {
    expect(lines.some((line) => line.includes('Running with dbt='))).toBe(true);
    expect(lines.some((line) => line.includes('Error in model bad (models/bad.sql)'))).toBe(true);
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('stamps the run id into metadata.env of both artifacts', async () => {
    const { manifest, runResults } = await loadArtifacts(await dbtTargetDir(projectDir!, {}));
    expect(manifest.metadata.env.SPOKE_RUN_ID).toBe('run_2026_11_28_001');
    expect(runResults?.metadata.env.SPOKE_RUN_ID).toBe('run_2026_11_28_001');
  });

  it('reports a dbt usage error (exit code 2) as a crash', async () => {
    const result = await runDbt(['build', '--no-such-flag'], {
      projectDir: projectDir!,
      stdio: 'pipe',
      env: dbtTestEnv,
    });
    expect(result).toEqual({ exitCode: 2, outcome: 'crash' });
  });
});

describe('findDbt', () => {
  it('uses SPOKE_DBT when set, and says so when it points nowhere', async () => {
    expect(await findDbt(projectDir!, { SPOKE_DBT: venvDbt })).toBe(venvDbt);
    await expect(findDbt(projectDir!, { SPOKE_DBT: '/nowhere/dbt' })).rejects.toMatchObject({
      code: 'SPOKE_DBT',
      message: expect.stringContaining('SPOKE_DBT is set to /nowhere/dbt'),
    });
  });

  it("prefers the project's own .venv over dbt-spoke's", async () => {
    const local = join(projectDir!, '.venv', 'bin', 'dbt');
    await mkdir(join(projectDir!, '.venv', 'bin'), { recursive: true });
    await writeFile(local, '#!/bin/sh\nexit 0\n');
    await chmod(local, 0o755);
    expect(await findDbt(projectDir!, { PATH: '' })).toBe(local);
  });

  it("falls back to dbt-spoke's own .venv", async () => {
    expect(await findDbt(repoRoot, { PATH: '' })).toBe(join(repoRoot, '.venv', 'bin', 'dbt'));
  });
});

describe('dbtTargetDir', () => {
  it('uses target/ by default, target-path from dbt_project.yml, and DBT_TARGET_PATH over both', async () => {
    expect(await dbtTargetDir(projectDir!, {})).toBe(join(projectDir!, 'target'));
    const custom = await makeDbtProject({
      'dbt_project.yml': 'name: x\nprofile: x\ntarget-path: build/dbt\n',
    });
    try {
      expect(await dbtTargetDir(custom, {})).toBe(join(custom, 'build', 'dbt'));
      expect(await dbtTargetDir(custom, { DBT_TARGET_PATH: 'other' })).toBe(join(custom, 'other'));
      expect(await dbtTargetDir(custom, { DBT_TARGET_PATH: '/abs/t' })).toBe('/abs/t');
    } finally {
      await removeDir(custom);
    }
  });
});

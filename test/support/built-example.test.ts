import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeOnce } from './built-example.js';

// Test workers share one build of the example: the first makes it, the others wait for it.
describe('the shared example build', () => {
  let parent: string | undefined;
  afterEach(async () => {
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  const claimedBy = async (pid: number) => {
    parent = await mkdtemp(join(tmpdir(), 'spoke-shared-'));
    const root = join(parent, 'dbt-build');
    await mkdir(root);
    await writeFile(join(root, 'owner'), String(pid));
    return root;
  };
  const never = async () => {
    throw new Error('a waiting worker must not make it');
  };

  it('fails a waiting worker at once when the worker making it exited without a result', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']);
    const root = await claimedBy(gone.pid);
    await expect(makeOnce(root, never)).rejects.toThrow(
      `The test worker (pid ${gone.pid}) making ${root} exited without finishing it; its own test file's output says why.`,
    );
  });

  it('waits for the result of a worker still making it', async () => {
    const root = await claimedBy(process.pid);
    const result = { exitCode: 0, stdout: 'built', stderr: '' };
    setTimeout(() => void writeFile(join(root, 'result.json'), JSON.stringify(result)), 300);
    await expect(makeOnce(root, never)).resolves.toEqual({ dir: join(root, 'project'), result });
  });
});

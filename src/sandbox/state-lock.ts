import { rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SpokeError } from '../errors.js';
import { processExists } from '../util/process-exists.js';

const held = new Set<string>();
let exitHookInstalled = false;

/**
 * Takes `<stateFile>.lock` holding this process's id, so that two processes never append to
 * one journal. A lock whose process is gone (killed sandbox) is taken over.
 */
export async function acquireStateLock(stateFile: string): Promise<string> {
  const lockFile = `${stateFile}.lock`;
  await mkdir(dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx' });
      held.add(lockFile);
      installExitHook();
      return lockFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && processExists(owner)) {
      throw new SpokeError(
        'SPOKE_SANDBOX',
        `The sandbox state ${stateFile} is in use by process ${owner} (spoke sandbox?). Stop that process, or point the target's sandbox at its salesforce_url and hubspot_url instead of starting another sandbox on the same project.`,
      );
    }
    await rm(lockFile, { force: true });
  }
  throw new SpokeError(
    'SPOKE_SANDBOX',
    `Could not take the lock ${lockFile}: other processes keep taking it. Stop them and try again.`,
  );
}

export async function releaseStateLock(lockFile: string): Promise<void> {
  held.delete(lockFile);
  const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
  if (owner === process.pid) await rm(lockFile, { force: true });
}

/** A process that exits without closing its store (Ctrl+C in a test run) leaves no lock behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lockFile of held) rmSync(lockFile, { force: true });
  });
}

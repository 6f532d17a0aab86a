import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxStore } from '../../src/sandbox/store.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spoke-lock-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'sandbox.json');
}

/** The id of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.once('exit', done));
  return child.pid as number;
}

describe('sandbox store: lock file', () => {
  it('refuses to open a state file another live process holds, naming that process', async () => {
    const file = await tempFile();
    await writeFile(`${file}.lock`, `${process.ppid}\n`);
    await expect(SandboxStore.open(file)).rejects.toThrow(
      `The sandbox state ${file} is in use by process ${process.ppid} (spoke sandbox?)`,
    );
    // Reading, as `spoke sandbox records` does, needs no lock.
    await expect(SandboxStore.open(file, { readOnly: true })).resolves.toBeInstanceOf(SandboxStore);
  });

  it('takes over the lock of a process that died without closing the store', async () => {
    const file = await tempFile();
    const pid = await deadPid();
    await writeFile(`${file}.lock`, `${pid}\n`);
    const store = await SandboxStore.open(file);
    expect((await readFile(`${file}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    await store.close();
    await expect(readFile(`${file}.lock`, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('shares one store between two opens in the same process and unlocks after the last close', async () => {
    const file = await tempFile();
    const first = await SandboxStore.open(file);
    const second = await SandboxStore.open(file);
    expect(second).toBe(first);
    await first.close();
    expect((await readFile(`${file}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    await second.close();
    await expect(readFile(`${file}.lock`, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { FileChange } from './project-changes.js';

/**
 * Writes every change or none: each file goes to a temporary sibling first, and only when all
 * are on disk are they renamed into place.
 */
export async function writeChanges(changes: readonly FileChange[]): Promise<void> {
  const suffix = `.spoke-init-${randomBytes(4).toString('hex')}`;
  const staged: string[] = [];
  try {
    for (const change of changes) {
      await writeFile(change.path + suffix, change.after, { flag: 'wx' });
      staged.push(change.path);
    }
  } catch (error) {
    await Promise.all(staged.map((path) => rm(path + suffix, { force: true })));
    throw error;
  }
  for (const path of staged) await rename(path + suffix, path);
}

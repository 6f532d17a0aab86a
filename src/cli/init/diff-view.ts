import { relative } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import pc from 'picocolors';
import type { FileChange } from './project-changes.js';

/** A unified diff of one change, paths relative to the project, coloured on a terminal. */
export function diffView(change: FileChange, projectDir: string, color: boolean): string {
  const name = relative(projectDir, change.path);
  const patch = createTwoFilesPatch(
    change.before === null ? '/dev/null' : `a/${name}`,
    `b/${name}`,
    change.before ?? '',
    change.after,
    undefined,
    undefined,
    { context: 3 },
  );
  // The first line is jsdiff's "Index:"-style separator; git-style headers follow.
  const lines = patch.split('\n').filter((line) => !line.startsWith('====='));
  if (!color) return lines.join('\n');
  return lines
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return pc.bold(line);
      if (line.startsWith('+')) return pc.green(line);
      if (line.startsWith('-')) return pc.red(line);
      if (line.startsWith('@@')) return pc.cyan(line);
      return line;
    })
    .join('\n');
}

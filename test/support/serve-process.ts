import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { repoRoot } from './spoke-cli.js';

export interface ServeProcess {
  process: ResultPromise;
  /** `http://127.0.0.1:<port>` it listens on. */
  url: string;
  /** Everything it printed so far (JSON log lines and the listening line). */
  output(): string;
}

/** Starts the built `spoke serve` binary in `cwd` on a free port; resolves once it listens. */
export async function startServe(
  cwd: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<ServeProcess> {
  let output = '';
  const child = execa(
    process.execPath,
    [join(repoRoot, 'dist', 'cli', 'main.js'), 'serve', '--port', '0', ...args],
    {
      cwd,
      env: { NO_COLOR: '1', ...env },
      reject: false,
      all: true,
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.all!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /spoke serve listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.then(() => reject(new Error(`spoke serve exited: ${output}`)));
  });
  return { process: child, url, output: () => output };
}

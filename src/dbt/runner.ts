import { access, constants } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { execa } from 'execa';
import { SpokeError } from '../errors.js';
import { spokePackageRoot } from '../util/package-root.js';

const isWindows = process.platform === 'win32';
const venvDbt = isWindows ? join('.venv', 'Scripts', 'dbt.exe') : join('.venv', 'bin', 'dbt');

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, isWindows ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Locates dbt: SPOKE_DBT, the project's .venv, dbt-spoke's own .venv (`npm run venv`), then PATH.
 */
export async function findDbt(projectDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const explicit = env.SPOKE_DBT;
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new SpokeError(
      'SPOKE_DBT',
      `SPOKE_DBT is set to ${explicit}, which is not an executable. Point it at a dbt binary, or unset it.`,
    );
  }
  const root = spokePackageRoot();
  const candidates = [join(resolve(projectDir), venvDbt), ...(root ? [join(root, venvDbt)] : [])];
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean)) {
    candidates.push(join(dir, isWindows ? 'dbt.exe' : 'dbt'));
  }
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  throw new SpokeError(
    'SPOKE_DBT',
    'dbt was not found (looked at SPOKE_DBT, .venv/bin/dbt in the project and in dbt-spoke, and PATH). Install it with `npm run venv` in dbt-spoke, or `pip install -r requirements.txt` (dbt-core with your adapter), or set SPOKE_DBT=/path/to/dbt.',
  );
}

export type DbtOutcome = 'ok' | 'handled_errors' | 'crash';

export interface RunDbtOptions {
  projectDir: string;
  profilesDir?: string;
  target?: string;
  /** Added to the current environment. */
  env?: NodeJS.ProcessEnv;
  /** Lands in the artifacts' `metadata.env.SPOKE_RUN_ID`, tying them to this run. */
  runId?: string;
  /** `inherit` (default) shows dbt's output to the user; `pipe` keeps it quiet. */
  stdio?: 'inherit' | 'pipe';
  /** Called with every line dbt prints on stdout, in either stdio mode. */
  onLine?: (line: string) => void;
}

/** dbt's documented exit codes: 0 success, 1 handled errors (artifacts written), 2 crash. */
export function outcomeOf(exitCode: number): DbtOutcome {
  if (exitCode === 0) return 'ok';
  if (exitCode === 1) return 'handled_errors';
  return 'crash';
}

function withFlags(args: string[], options: RunDbtOptions): string[] {
  // Global flags like --version take no sub-command flags.
  if (args.length === 0 || args[0]?.startsWith('-')) return args;
  const out = [...args];
  const has = (flag: string) => args.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  if (!has('--project-dir')) out.push('--project-dir', resolve(options.projectDir));
  if (options.profilesDir && !has('--profiles-dir')) out.push('--profiles-dir', resolve(options.profilesDir));
  if (options.target && !has('--target') && !has('-t')) out.push('--target', options.target);
  return out;
}

/** Runs dbt with the given arguments, streaming its output, and maps its exit code. */
export async function runDbt(
  args: string[],
  options: RunDbtOptions,
): Promise<{ exitCode: number; outcome: DbtOutcome }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (options.runId !== undefined) env.DBT_ENV_CUSTOM_ENV_SPOKE_RUN_ID = options.runId;
  const dbt = await findDbt(options.projectDir, env);
  const mode = options.stdio ?? 'inherit';
  const stdout = options.onLine ? (mode === 'inherit' ? (['pipe', 'inherit'] as const) : 'pipe') : mode;
  const subprocess = execa(dbt, withFlags(args, options), {
    cwd: resolve(options.projectDir),
    env,
    extendEnv: false,
    stdin: 'ignore',
    stdout,
    stderr: mode,
    reject: false,
    buffer: false,
  });
  if (options.onLine && subprocess.stdout) {
    const onLine = options.onLine;
    let pending = '';
    subprocess.stdout.setEncoding('utf8');
    subprocess.stdout.on('data', (chunk: string) => {
      const lines = (pending + chunk).split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    subprocess.stdout.on('end', () => {
      if (pending) onLine(pending);
      pending = '';
    });
  }
  const result = await subprocess;
  if (result.failed && result.exitCode === undefined && !result.signal) {
    throw new SpokeError('SPOKE_DBT', `dbt could not be started (${dbt}): ${result.shortMessage}`);
  }
  const exitCode = result.exitCode ?? -1;
  return { exitCode, outcome: outcomeOf(exitCode) };
}

/** The dbt flags spoke reads too; they stay in the arguments passed to dbt. */
export interface DbtPassthrough {
  dbtArgs: string[];
  projectDir?: string;
  profilesDir?: string;
  target?: string;
  json: boolean;
  /** spoke's own sync flags, removed from what dbt sees. */
  sync: { fullRefresh: boolean; retryFailed: boolean; allowDeletes: boolean };
}

/** Flags `spoke dbt` keeps for itself; dbt has a `--full-refresh` of its own, hence the prefix. */
const SYNC_FLAGS = {
  '--spoke-full-refresh': 'fullRefresh',
  '--retry-failed': 'retryFailed',
  '--allow-deletes': 'allowDeletes',
} as const;

/** Splits `spoke dbt <args>`: spoke's own flags are removed, dbt's location flags are read. */
export function parseDbtArgs(args: readonly string[]): DbtPassthrough {
  const dbtArgs: string[] = [];
  const parsed: DbtPassthrough = {
    dbtArgs,
    json: false,
    sync: { fullRefresh: false, retryFailed: false, allowDeletes: false },
  };
  const flags: Record<string, 'projectDir' | 'profilesDir' | 'target'> = {
    '--project-dir': 'projectDir',
    '--profiles-dir': 'profilesDir',
    '--target': 'target',
    '-t': 'target',
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--json') {
      parsed.json = true;
      continue;
    }
    if (arg in SYNC_FLAGS) {
      parsed.sync[SYNC_FLAGS[arg as keyof typeof SYNC_FLAGS]] = true;
      continue;
    }
    dbtArgs.push(arg);
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const name = flags[flag!];
    if (!name) continue;
    const value = inline ?? args[index + 1];
    if (inline === undefined && value !== undefined) dbtArgs.push(args[++index]!);
    if (value !== undefined) parsed[name] = value;
  }
  return parsed;
}

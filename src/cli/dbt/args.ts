/** The dbt flags spoke reads too; they stay in the arguments passed to dbt. */
export interface DbtPassthrough {
  dbtArgs: string[];
  projectDir?: string;
  profilesDir?: string;
  target?: string;
  json: boolean;
  /** spoke's own sync flags, removed from what dbt sees. */
  sync: {
    fullRefresh: boolean;
    retryFailed: boolean;
    allowDeletes: boolean;
    /** `--spoke-wait <seconds>`, `--spoke-timeout <duration>` as given. */
    wait?: string;
    timeout?: string;
  };
}

/** spoke's own flags that take a value; prefixed, as dbt may grow flags of these names. */
const SYNC_VALUE_FLAGS = { '--spoke-wait': 'wait', '--spoke-timeout': 'timeout' } as const;

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
    const [own, ownValue] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (own && own in SYNC_VALUE_FLAGS) {
      const value = ownValue ?? args[++index];
      if (value !== undefined) parsed.sync[SYNC_VALUE_FLAGS[own as keyof typeof SYNC_VALUE_FLAGS]] = value;
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

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
  /** `--help` / `-h` before any dbt command: spoke's own help, not dbt's. */
  help: boolean;
  /**
   * dbt prints and builds nothing: a help flag after the command (`spoke dbt build --help`) or
   * only global flags (`spoke dbt --version`). dbt runs; nothing is synced.
   */
  dbtOnly: boolean;
}

/** Flags `spoke dbt` keeps for itself; dbt has a `--full-refresh` of its own, hence the prefix. */
export const SPOKE_DBT_FLAGS = [
  {
    flag: '--spoke-full-refresh',
    key: 'fullRefresh',
    description: "resend every row, not only changed ones (dbt's own --full-refresh rebuilds models)",
  },
  {
    flag: '--retry-failed',
    key: 'retryFailed',
    description: 'resend rows that failed permanently before, even if they did not change',
  },
  {
    flag: '--allow-deletes',
    key: 'allowDeletes',
    description: 'mirror: allow deleting more than max_delete_ratio of a sync’s records',
  },
] as const;

/** spoke's own flags that take a value; prefixed, as dbt may grow flags of these names. */
export const SPOKE_DBT_VALUE_FLAGS = [
  {
    flag: '--spoke-wait',
    key: 'wait',
    description: '<seconds> wait this long for another run holding these syncs (else exit 3)',
  },
  {
    flag: '--spoke-timeout',
    key: 'timeout',
    description: '<duration> stop syncing cleanly after this long, e.g. 90m (default 12h)',
  },
] as const;

/** dbt's location flags, read by spoke and passed on to dbt unchanged. */
const LOCATION_FLAGS: Record<string, 'projectDir' | 'profilesDir' | 'target'> = {
  '--project-dir': 'projectDir',
  '--profiles-dir': 'profilesDir',
  '--target': 'target',
  '-t': 'target',
};

const HELP_FLAGS = new Set(['--help', '-h']);

/** Splits `spoke dbt <args>`: spoke's own flags are removed, dbt's location flags are read. */
export function parseDbtArgs(args: readonly string[]): DbtPassthrough {
  const dbtArgs: string[] = [];
  const parsed: DbtPassthrough = {
    dbtArgs,
    json: false,
    sync: { fullRefresh: false, retryFailed: false, allowDeletes: false },
    help: false,
    dbtOnly: false,
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--json') {
      parsed.json = true;
      continue;
    }
    const own = SPOKE_DBT_FLAGS.find((entry) => entry.flag === arg);
    if (own) {
      parsed.sync[own.key] = true;
      continue;
    }
    const [ownName, ownValue] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const valued = SPOKE_DBT_VALUE_FLAGS.find((entry) => entry.flag === ownName);
    if (valued) {
      const value = ownValue ?? args[++index];
      if (value !== undefined) parsed.sync[valued.key] = value;
      continue;
    }
    if (HELP_FLAGS.has(arg)) {
      // Before any dbt command the help is spoke's; after one (`build --help`) it is dbt's.
      if (dbtArgs.some((earlier) => !earlier.startsWith('-'))) parsed.dbtOnly = true;
      else parsed.help = true;
    }
    dbtArgs.push(arg);
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const name = LOCATION_FLAGS[flag!];
    if (!name) continue;
    const value = inline ?? args[index + 1];
    if (inline === undefined && value !== undefined) dbtArgs.push(args[++index]!);
    if (value !== undefined) parsed[name] = value;
  }
  if (dbtArgs.every((arg) => arg.startsWith('-'))) {
    if (dbtArgs.length === 0) parsed.help = true;
    else if (!parsed.help) parsed.dbtOnly = true;
  }
  return parsed;
}

/** `spoke dbt --help`: what spoke adds to dbt, and how the rest reaches dbt. */
export function dbtCommandHelp(): string {
  const flags = [...SPOKE_DBT_FLAGS, ...SPOKE_DBT_VALUE_FLAGS];
  const width = Math.max(...flags.map((entry) => entry.flag.length), '--json'.length) + 2;
  const row = (flag: string, text: string) => `  ${flag.padEnd(width)}${text}`;
  return [
    'Usage: spoke dbt <dbt command> [dbt arguments...] [spoke flags]',
    '',
    'Runs dbt (the project’s .venv, dbt-spoke’s .venv, or dbt on PATH) with the arguments as given,',
    'then syncs the models that succeeded in that invocation and whose tests passed.',
    'meta.spoke is checked with `dbt parse` first, so a broken definition builds and writes nothing.',
    '',
    'spoke’s flags (removed before dbt sees the arguments):',
    ...flags.map((entry) => row(entry.flag, entry.description)),
    row('--json', 'print one JSON document on stdout; dbt’s own output goes to stderr'),
    '',
    'Read by spoke and passed on to dbt: --project-dir, --profiles-dir, --target (-t).',
    'Every other argument goes to dbt unchanged, e.g.',
    '  spoke dbt build --select crm_accounts+ --full-refresh',
    'dbt’s own help: spoke dbt build --help, or dbt --help.',
    '',
    'Exit codes: 0 everything synced, 1 dbt or a record or sync failed, 2 usage or configuration error,',
    '3 not run because another run holds the selected syncs (it does the work).',
    '',
  ].join('\n');
}

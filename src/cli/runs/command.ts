import type { Command } from 'commander';
import { withCommonOptions } from '../common-options.js';
import { EXIT_OK } from '../exit-codes.js';

export function registerRuns(program: Command, setExitCode: (code: number) => void): void {
  const runs = withCommonOptions(
    program
      .command('runs')
      .description('run history: recent runs, a run’s syncs and errors, its record-level log')
      .option('--limit <n>', 'runs to list (1 to 1000)', '20')
      .option('--sync <id>', 'only runs that included this sync id')
      .option('--status <status>', 'only runs that ended so: success, failed, error, locked or running')
      .option('--cursor <cursor>', 'list the runs older than the page that printed this cursor')
      // `spoke runs show x --json`: the flag belongs to `show`, not to `runs`.
      .enablePositionalOptions(),
  ).action(async (raw: Record<string, unknown>) => {
    const { listRuns } = await import('./run-commands.js');
    await listRuns(raw);
    setExitCode(EXIT_OK);
  });

  withCommonOptions(
    runs
      .command('show')
      .description('a run’s per-sync counts and timings, and its failed records grouped by error code')
      .argument('<run>', 'run id (or a unique prefix of one), or `latest`'),
  ).action(async (ref: string, raw: Record<string, unknown>) => {
    const { showRun } = await import('./run-commands.js');
    await showRun(ref, raw);
    setExitCode(EXIT_OK);
  });

  withCommonOptions(
    runs
      .command('records')
      .description('a run’s record-level log: every attempt at every record, with its outcome')
      .argument('<run>', 'run id (or a unique prefix of one), or `latest`')
      .option('--sync <id>', 'only this sync')
      .option(
        '--status <status>',
        'only attempts that ended so: created, updated, deleted, skipped or failed',
      )
      .option('--operation <op>', 'only upsert, update, create, delete or associate')
      .option('--key <key>', 'only this record key')
      .option('--csv', 'CSV with a header row, streamed (for spreadsheets and exports)', false),
  ).action(async (ref: string, raw: Record<string, unknown>) => {
    const { runRecords } = await import('./run-commands.js');
    await runRecords(ref, raw);
    setExitCode(EXIT_OK);
  });
}

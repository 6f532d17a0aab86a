import type { Command } from 'commander';
import { withCommonOptions } from '../common-options.js';
import { planArgs } from './args.js';

export function registerPlan(program: Command, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('plan')
      .description(
        'preview, read-only, what the syncs would do: definitions against a base manifest (--state) and the records each would write (--impact)',
      )
      .option(
        '--state <dir>',
        "the base branch's dbt artifacts (a target/ directory with manifest.json), as dbt's --state",
      )
      .option(
        '--impact',
        'plan every sync in the warehouse: records to create, update, delete, invalid',
        false,
      )
      .option('--samples <n>', 'with --impact: records shown per sync with their fields before → after', '3')
      .option(
        '--state-target <target>',
        "with --impact: read the confirmed state from this dbt target's state schema (e.g. production, read-only)",
      )
      .option('--format <format>', 'text, markdown (a pull-request comment) or json')
      .option('--detailed-exitcode', 'exit 0 with no changes, 1 on error, 2 with changes present', false)
      .option(
        '-s, --select <selector...>',
        'as for dbt (model, tag:, +model, state:modified+ against --state, …), or a sync id or destination:<name>',
      )
      .option('--exclude <selector...>', 'as for dbt, or a sync id or destination:<name>')
      .option('--selector <name>', "a YAML selector from the project's selectors.yml")
      .option('--full-refresh', 'plan as spoke sync --full-refresh would', false)
      .option('--retry-failed', 'plan as spoke sync --retry-failed would', false)
      .option('--allow-deletes', 'plan as spoke sync --allow-deletes would', false),
  ).action(async (raw: Record<string, unknown>) => {
    const { planCommand } = await import('./run-plan.js');
    setExitCode(await planCommand(planArgs(raw)));
  });
}

import { type Command, Option } from 'commander';
import { DESTINATION_TYPES, type DestinationType } from '../../config/spoke-yml-template.js';
import { commonOptions, withCommonOptions } from '../common-options.js';

export function registerInit(program: Command, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('init')
      .description(
        'set up dbt-spoke in a dbt project: a commented spoke.yml, the spoke dbt package in packages.yml and its on-run-end hook; shows the changes and asks first',
      )
      .addOption(
        new Option(
          '--destination <types...>',
          'destinations to configure (default: asked on a terminal, else both)',
        ).choices(DESTINATION_TYPES),
      )
      .option(
        '--sandbox-target <names...>',
        "dbt targets routed to the local sandbox (default: the profile's target)",
      )
      .option('--no-hook', 'do not add the spoke.enqueue on-run-end hook to dbt_project.yml')
      .option('--no-deps', 'do not run dbt deps afterwards')
      .option('-y, --yes', 'apply the changes without asking (for scripts)', false)
      .option('--force', 'replace an existing spoke.yml', false),
  ).action(async (raw: Record<string, unknown>) => {
    const { runInit } = await import('./run-init.js');
    await runInit(
      {
        common: commonOptions(raw),
        ...(raw.destination ? { destination: raw.destination as DestinationType[] } : {}),
        ...(raw.sandboxTarget ? { sandboxTarget: raw.sandboxTarget as string[] } : {}),
        hook: raw.hook !== false,
        deps: raw.deps !== false,
        yes: Boolean(raw.yes),
        force: Boolean(raw.force),
      },
      setExitCode,
    );
  });
}

import type { Command } from 'commander';
import { withCommonOptions } from '../common-options.js';
import { EXIT_OK } from '../exit-codes.js';

export function registerSchema(program: Command, setExitCode: (code: number) => void): void {
  const schema = program
    .command('schema')
    .description(
      'destination object schemas saved in spoke_schemas/, for offline validation and the sandbox',
    );

  withCommonOptions(
    schema
      .command('pull')
      .description(
        'save the live schema of every object the syncs map (a sandbox target: the sandbox) under spoke_schemas/',
      )
      .option('--destination <name>', 'only this destination (a name in spoke.yml)')
      .option('--object <object>', 'only this object (with --destination: also one no sync maps)'),
  ).action(async (raw: Record<string, unknown>) => {
    const { pullSchemas } = await import('./run-schema.js');
    await pullSchemas(raw);
    setExitCode(EXIT_OK);
  });

  withCommonOptions(
    schema
      .command('show')
      .description("an object's fields from spoke_schemas/, or from the live destination when none is saved")
      .argument('<destination.object>', 'e.g. salesforce.Account'),
  ).action(async (target: string, raw: Record<string, unknown>) => {
    const { showSchema } = await import('./run-schema.js');
    await showSchema(target, raw);
    setExitCode(EXIT_OK);
  });
}

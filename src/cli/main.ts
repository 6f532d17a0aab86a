#!/usr/bin/env node
import './heap-growth.js';
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { SpokeError } from '../errors.js';
import { redact } from '../util/redact.js';
import { registerAlerts } from './alerts/command.js';
import { registerDbt } from './dbt/command.js';
import { EXIT_FAILED, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { registerInit } from './init/command.js';
import { registerPlan } from './plan/command.js';
import { registerRuns } from './runs/command.js';
import { registerSandbox } from './sandbox/command.js';
import { registerSchema } from './schema/command.js';
import { registerServe } from './serve/command.js';
import { registerSync } from './sync/command.js';
import { registerValidate } from './validate/command.js';
import { errorJson, errorText } from './views/error-view.js';

// `spoke sandbox records … | head` closes stdout early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const setExitCode = (code: number) => {
  process.exitCode = code;
};

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('spoke')
  .version(version, '-V, --version', 'print the dbt-spoke version')
  .description('dbt-spoke: sync dbt models to Salesforce and HubSpot, configured in meta.spoke')
  .exitOverride()
  // `spoke sandbox records … --project-dir` must reach the subcommand, not `spoke sandbox`.
  .enablePositionalOptions()
  .showHelpAfterError();
registerInit(program, setExitCode);
registerDbt(program, setExitCode);
registerSync(program, setExitCode);
registerPlan(program, setExitCode);
registerValidate(program, setExitCode);
registerSandbox(program, setExitCode);
registerSchema(program, setExitCode);
registerAlerts(program, setExitCode);
registerRuns(program, setExitCode);
registerServe(program, setExitCode);

// The one place errors become output and exit codes.
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode =
      error.exitCode === 0 ? 0 : process.argv.includes('--detailed-exitcode') ? EXIT_FAILED : EXIT_USAGE;
  } else {
    const json = process.argv.includes('--json');
    if (json) process.stdout.write(redact(`${JSON.stringify(errorJson(error), null, 2)}\n`));
    else process.stderr.write(redact(`${errorText(error)}\n`));
    // `spoke plan --detailed-exitcode` keeps 2 for "changes present": every error is 1.
    const detailed = process.argv.includes('--detailed-exitcode');
    process.exitCode = detailed ? EXIT_FAILED : exitCodeFor(error);
    if (!(error instanceof SpokeError) && process.env.SPOKE_DEBUG) throw error;
  }
}

// The command is done (servers return only once stopped); a request abandoned at the run's time
// limit may still hold a socket open, which must not keep the process alive.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit();

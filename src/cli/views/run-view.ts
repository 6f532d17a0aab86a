import { randomUUID } from 'node:crypto';
import { type RunSyncsOptions, runSyncs } from '../../engine/run-syncs.js';
import type { RunResult } from '../../observe/lifecycle.js';
import { ConsoleReporter } from '../../observe/reporters/console-reporter.js';
import { JsonReporter } from '../../observe/reporters/json-reporter.js';
import { redact } from '../../util/redact.js';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes.js';
import { sandboxHint } from './sandbox-hint.js';

/** Runs syncs with the reporters the output mode asks for and prints the result. */
export async function runAndReport(
  options: Omit<RunSyncsOptions, 'reporters' | 'runId'> & { runId?: string; json: boolean; extra?: object },
): Promise<{ exitCode: number; run: RunResult }> {
  const json = new JsonReporter();
  const run = await runSyncs({
    ...options,
    runId: options.runId ?? randomUUID(),
    reporters: options.json
      ? [json]
      : [new ConsoleReporter({ stateSchema: options.project.config.state.schema })],
  });
  if (options.json)
    process.stdout.write(redact(`${JSON.stringify({ ...json.document, ...options.extra }, null, 2)}\n`));
  else {
    const hint = sandboxHint(run, options.project.config);
    if (hint) process.stdout.write(`${hint}\n`);
  }
  return { exitCode: run.status === 'success' ? EXIT_OK : EXIT_FAILED, run };
}

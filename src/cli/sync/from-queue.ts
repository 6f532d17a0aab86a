import { randomUUID } from 'node:crypto';
import { type LoadedProject, loadProject } from '../../engine/load-project.js';
import { runSyncs } from '../../engine/run-syncs.js';
import type { RunResult } from '../../observe/lifecycle.js';
import { JsonReporter } from '../../observe/reporters/json-reporter.js';
import { assertQueueSupported, QueueWorker } from '../../server/queue-worker.js';
import type { RunEnd } from '../../server/run-scheduler.js';
import { stateAccess } from '../../server/state-access.js';
import { SyncsLockedError } from '../../state/sync-locks.js';
import { redact } from '../../util/redact.js';
import type { CommonOptions } from '../common-options.js';
import { EXIT_FAILED, EXIT_LOCKED, EXIT_OK } from '../exit-codes.js';
import { errorJson } from '../views/error-view.js';
import { runAndReport } from '../views/run-view.js';

/**
 * `spoke sync --from-queue`: syncs what `spoke.enqueue(results)` queued, one dbt invocation per
 * run, until the queue is empty. With --json one document lists every run. Exit 0 when every run succeeded (or nothing was queued), 1
 * when one failed, 3 when one yielded to another run holding its syncs.
 */
export async function syncFromQueue(
  common: CommonOptions,
  options: { fullRefresh: boolean; retryFailed: boolean; lockWaitMs: number; timeoutMs: number },
): Promise<number> {
  const project = await loadProject(common);
  assertQueueSupported(project.connection.type, '');
  const schema = project.config.state.schema;
  const access = stateAccess(project.connection, schema);
  const log = (_level: string, message: string) => {
    if (!common.json) process.stderr.write(`${redact(message)}\n`);
  };
  let exitCode = EXIT_OK;
  const documents: object[] = [];
  try {
    await access.use(({ state }) => state.migrate());
    const worker = new QueueWorker({
      access,
      stateSchema: schema,
      project: () => loadProject(common),
      log,
      run: async (syncIds, invocationId): Promise<RunEnd> => {
        const runId = randomUUID();
        try {
          const current: LoadedProject = await loadProject(common);
          const run = { project: current, runId, select: syncIds, ...options };
          const command = `sync --from-queue (dbt invocation ${invocationId})`;
          let result: RunResult;
          if (common.json) {
            // One document for the whole drain: each run's document goes into `runs`.
            const json = new JsonReporter();
            result = await runSyncs({ ...run, command, reporters: [json] });
            documents.push({ invocation_id: invocationId, ...json.document });
          } else {
            result = (await runAndReport({ ...run, command, json: false })).run;
          }
          if (result.status !== 'success') exitCode = Math.max(exitCode, EXIT_FAILED);
          return { runId, status: result.status, error: null, result };
        } catch (error) {
          const locked = error instanceof SyncsLockedError;
          exitCode = locked ? EXIT_LOCKED : Math.max(exitCode, EXIT_FAILED);
          const message = redact(error instanceof Error ? error.message : String(error));
          if (common.json)
            documents.push({ invocation_id: invocationId, run_id: runId, error: errorJson(error).error });
          else process.stderr.write(`${message}\n`);
          return { runId, status: locked ? 'locked' : 'error', error: message, result: null };
        }
      },
    });
    const processed = await worker.drain();
    if (processed.length === 0) log('info', 'The sync queue holds nothing to sync.');
    for (const item of processed) {
      if (item.outcome !== 'released' && item.outcome.status === 'failed' && exitCode === EXIT_OK)
        exitCode = EXIT_FAILED;
    }
  } finally {
    await access.close();
  }
  if (common.json) process.stdout.write(redact(`${JSON.stringify({ runs: documents }, null, 2)}\n`));
  return exitCode;
}

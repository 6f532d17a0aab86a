import type { Command } from 'commander';
import type { Manifest, RunResults } from '../../dbt/artifacts.js';
import { isCompileOnly, succeededModels } from '../../dbt/run-selection.js';
import { loadProject } from '../../engine/load-project.js';
import { ConfigError } from '../../errors.js';
import { commonOptions, withCommonOptions } from '../common-options.js';
import { parseDuration, seconds } from '../durations.js';
import { runAndReport } from '../views/run-view.js';
import { syncFromQueue } from './from-queue.js';

export function registerSync(program: Command, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('sync')
      .description('sync models from the existing target/ artifacts (after dbt run or dbt build)')
      .option(
        '-s, --select <selector...>',
        'as for dbt (model, tag:, path:, +model, state:modified+, …), or a sync id or destination:<name>',
      )
      .option('--exclude <selector...>', 'as for dbt, or a sync id or destination:<name>')
      .option('--selector <name>', "a YAML selector from the project's selectors.yml")
      .option('--state <dir>', "dbt's --state: artifacts that state: selectors compare against")
      .option('--dry-run', 'plan in the warehouse and count what would be sent; write nothing', false)
      .option(
        '--full-refresh',
        'resend every row, not only rows that changed since the last confirmed sync',
        false,
      )
      .option(
        '--retry-failed',
        'resend rows that failed permanently before, even if they did not change',
        false,
      )
      .option(
        '--allow-deletes',
        'mirror: allow deleting more than max_delete_ratio of a sync’s records',
        false,
      )
      .option(
        '--wait <seconds>',
        'wait this long for another run holding these syncs to finish (else exit 3)',
        '0',
      )
      .option(
        '--from-queue',
        'sync what the dbt macro spoke.enqueue(results) queued, one dbt invocation at a time, until the queue is empty',
        false,
      )
      .option(
        '--timeout <duration>',
        'stop cleanly after this long, keeping what was confirmed (e.g. 90m, 2h)',
        '12h',
      ),
  ).action(async (raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    if (raw.fromQueue) {
      if (raw.select || raw.dryRun) {
        throw new ConfigError(
          '--from-queue syncs what dbt queued; it cannot be combined with --select or --dry-run.',
        );
      }
      setExitCode(
        await syncFromQueue(common, {
          fullRefresh: Boolean(raw.fullRefresh),
          retryFailed: Boolean(raw.retryFailed),
          lockWaitMs: seconds(String(raw.wait), '--wait') * 1000,
          timeoutMs: parseDuration(String(raw.timeout), '--timeout'),
        }),
      );
      return;
    }
    const project = await loadProject(common);
    let builtModels: { synced: Set<string>; excluded: Map<string, string> } | undefined;
    // After `dbt compile` or `dbt docs generate` the run results say nothing about builds.
    if (project.runResults && isCompileOnly(project.runResults)) {
      builtModels = undefined;
    } else if (project.runResults && sameInvocation(project.manifest, project.runResults)) {
      // Models that failed or whose tests failed in the last dbt invocation are not synced.
      const { excluded } = succeededModels(project.manifest, project.runResults);
      builtModels = {
        synced: new Set(project.specs.map((spec) => spec.uniqueId).filter((id) => !excluded.has(id))),
        excluded,
      };
    } else if (project.runResults) {
      process.stderr.write(
        'Note: target/run_results.json comes from another dbt invocation than manifest.json (e.g. a later `dbt parse`); ' +
          'every selected model is synced regardless of its last run status.\n',
      );
    }
    const { exitCode } = await runAndReport({
      project,
      json: common.json,
      dryRun: Boolean(raw.dryRun),
      fullRefresh: Boolean(raw.fullRefresh),
      retryFailed: Boolean(raw.retryFailed),
      allowDeletes: Boolean(raw.allowDeletes),
      lockWaitMs: seconds(String(raw.wait), '--wait') * 1000,
      timeoutMs: parseDuration(String(raw.timeout), '--timeout'),
      selection: {
        ...(raw.select ? { select: raw.select as string[] } : {}),
        ...(raw.exclude ? { exclude: raw.exclude as string[] } : {}),
        ...(raw.selector ? { selector: String(raw.selector) } : {}),
        ...(raw.state ? { state: String(raw.state) } : {}),
      },
      ...(builtModels ? { builtModels } : {}),
    });
    setExitCode(exitCode);
  });
}

function sameInvocation(manifest: Manifest, runResults: RunResults): boolean {
  return manifest.metadata.invocation_id === runResults.metadata.invocation_id;
}

import type { Command } from 'commander';
import type { Manifest, RunResults } from '../../dbt/artifacts.js';
import { isCompileOnly, succeededModels } from '../../dbt/run-selection.js';
import { commonOptions, withCommonOptions } from '../common-options.js';
import { parseDuration, seconds } from '../durations.js';

export function registerSync(program: Command, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('sync')
      .description('sync models from the existing target/ artifacts (after dbt run or dbt build)')
      .option(
        '-s, --select <selector...>',
        'model names, sync ids, destination:<name>, or +name for upstream too',
      )
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
        '--timeout <duration>',
        'stop cleanly after this long, keeping what was confirmed (e.g. 90m, 2h)',
        '12h',
      ),
  ).action(async (raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    const [{ loadProject }, { runAndReport }] = await Promise.all([
      import('../../engine/load-project.js'),
      import('../views/run-view.js'),
    ]);
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
      ...(raw.select ? { select: raw.select as string[] } : {}),
      ...(builtModels ? { builtModels } : {}),
    });
    setExitCode(exitCode);
  });
}

function sameInvocation(manifest: Manifest, runResults: RunResults): boolean {
  return manifest.metadata.invocation_id === runResults.metadata.invocation_id;
}

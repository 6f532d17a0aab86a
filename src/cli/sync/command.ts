import type { Command } from 'commander';
import type { Manifest, RunResults } from '../../dbt/artifacts.js';
import { isCompileOnly, succeededModels } from '../../dbt/run-selection.js';
import { loadProject } from '../../engine/load-project.js';
import { commonOptions, withCommonOptions } from '../common-options.js';
import { runAndReport } from '../views/run-view.js';

export function registerSync(program: Command, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('sync')
      .description('sync models from the existing target/ artifacts (after dbt run or dbt build)')
      .option(
        '-s, --select <selector...>',
        'model names, sync ids, destination:<name>, or +name for upstream too',
      )
      .option('--dry-run', 'read and plan every record, write nothing', false),
  ).action(async (raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
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
      ...(raw.select ? { select: raw.select as string[] } : {}),
      ...(builtModels ? { builtModels } : {}),
    });
    setExitCode(exitCode);
  });
}

function sameInvocation(manifest: Manifest, runResults: RunResults): boolean {
  return manifest.metadata.invocation_id === runResults.metadata.invocation_id;
}

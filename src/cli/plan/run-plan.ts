import { resolve } from 'node:path';
import { loadArtifacts } from '../../dbt/artifacts.js';
import { resolveWarehouse } from '../../dbt/profiles.js';
import { isCompileOnly, succeededModels } from '../../dbt/run-selection.js';
import { type LoadedProject, loadProject } from '../../engine/load-project.js';
import { planSyncs, type StateSource } from '../../engine/plan-syncs.js';
import type { PlanReport } from '../../review/plan-report.js';
import { redact } from '../../util/redact.js';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes.js';
import type { PlanArgs } from './args.js';
import { planMarkdown } from './markdown-view.js';
import { planText } from './text-view.js';

/** `--detailed-exitcode`: changes present. */
export const EXIT_CHANGES = 2;

/** `spoke plan`: prints the plan in the chosen format; returns the exit code. */
export async function planCommand(args: PlanArgs): Promise<number> {
  const plan = await runPlan(args);
  const output =
    args.format === 'json'
      ? `${JSON.stringify(plan, null, 2)}\n`
      : args.format === 'markdown'
        ? planMarkdown(plan)
        : planText(plan);
  process.stdout.write(redact(output));
  if (plan.status === 'failed') return EXIT_FAILED;
  return args.detailedExitcode && plan.changes_present ? EXIT_CHANGES : EXIT_OK;
}

/** What the dbt invocation of the artifacts built, when its run results are at hand. */
function invocationModels(project: LoadedProject) {
  const runResults = project.runResults;
  if (!runResults || isCompileOnly(runResults)) return undefined;
  if (runResults.metadata.invocation_id !== project.manifest.metadata.invocation_id) return undefined;
  const { synced, excluded } = succeededModels(project.manifest, runResults);
  return { built: synced, excluded };
}

async function runPlan(args: PlanArgs): Promise<PlanReport> {
  const project = await loadProject(args);
  const base = args.state
    ? { dir: args.state, manifest: (await loadArtifacts(resolve(args.state))).manifest }
    : null;
  let stateSource: StateSource | undefined;
  if (args.stateTarget) {
    const env = process.env;
    const warehouse = await resolveWarehouse({
      projectDir: project.projectDir,
      ...(args.profilesDir ? { profilesDir: args.profilesDir } : {}),
      target: args.stateTarget,
      env,
    });
    // state.schema is one for all targets in spoke.yml; the target picks the database or file.
    stateSource = {
      target: warehouse.target,
      connection: warehouse.connection,
      schema: project.config.state.schema,
    };
  }
  const invocation = invocationModels(project);
  return planSyncs({
    project,
    ...(invocation ? { invocation } : {}),
    base,
    impact: args.impact,
    samples: args.samples,
    selection: {
      select: args.select,
      exclude: args.exclude,
      ...(args.selector ? { selector: args.selector } : {}),
      // dbt's state: selectors compare against the same base artifacts the plan diffs with.
      ...(args.state ? { state: args.state } : {}),
    },
    fullRefresh: args.fullRefresh,
    retryFailed: args.retryFailed,
    allowDeletes: args.allowDeletes,
    ...(stateSource ? { stateSource } : {}),
  });
}

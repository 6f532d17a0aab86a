import type { Manifest, ManifestNode, RunResults } from './artifact-types.js';

export interface RunSelection {
  /** Unique ids of models dbt built successfully and whose own tests did not fail. */
  synced: Set<string>;
  /** Models that ran in the invocation but must not be synced, with the reason. */
  excluded: Map<string, string>;
}

const FAILED_TEST_STATUSES = new Set(['fail', 'error']);
// Commands whose `success` results mean "compiled", not "built".
const COMPILE_ONLY_COMMANDS = new Set(['compile', 'generate', 'parse', 'list', 'show']);

/**
 * Tests that check this model: generic tests attached to it, and singular tests (no
 * attached node) that depend on it. A relationships test attached to another model does not count.
 */
function testsOf(manifest: Manifest, modelId: string): ManifestNode[] {
  const tests: ManifestNode[] = [];
  for (const childId of manifest.child_map[modelId] ?? []) {
    const child = manifest.nodes[childId];
    if (!child || child.resource_type !== 'test') continue;
    const owner = child.attached_node;
    if (owner ? owner === modelId : child.depends_on.nodes.includes(modelId)) tests.push(child);
  }
  return tests;
}

/**
 * Which models of one dbt invocation may be synced: status `success`, and with `dbt build`
 * none of the model's own tests `fail` or `error` (dbt keeps such a model `success` and only
 * skips its children). Models that are not in the run results are in neither set. After a
 * compile-only command (`dbt compile`, `dbt docs generate`) every model is excluded.
 */
/** The dbt command of an invocation (`build`, `run`, `generate`, ...), if recorded. */
export function dbtCommand(runResults: RunResults): string | null {
  return typeof runResults.args.which === 'string' ? runResults.args.which : null;
}

/** True when the invocation compiled models without building them (`dbt compile`, `dbt docs generate`). */
export function isCompileOnly(runResults: RunResults): boolean {
  const command = dbtCommand(runResults);
  return command !== null && COMPILE_ONLY_COMMANDS.has(command);
}

export function succeededModels(manifest: Manifest, runResults: RunResults): RunSelection {
  const statusById = new Map(runResults.results.map((result) => [result.unique_id, result.status]));
  const synced = new Set<string>();
  const excluded = new Map<string, string>();
  const command = dbtCommand(runResults);
  const compileOnly = isCompileOnly(runResults);
  for (const result of runResults.results) {
    const node = manifest.nodes[result.unique_id];
    if (!node || node.resource_type !== 'model') continue;
    if (compileOnly) {
      excluded.set(
        node.unique_id,
        `not built: dbt ${command === 'generate' ? 'docs generate' : command} only compiles models`,
      );
      continue;
    }
    if (result.status !== 'success') {
      excluded.set(node.unique_id, result.status);
      continue;
    }
    const failures = testsOf(manifest, node.unique_id)
      .filter((test) => FAILED_TEST_STATUSES.has(statusById.get(test.unique_id) ?? ''))
      .map((test) => `test ${test.name} ${statusById.get(test.unique_id) === 'fail' ? 'failed' : 'errored'}`);
    if (failures.length > 0) excluded.set(node.unique_id, failures.join('; '));
    else synced.add(node.unique_id);
  }
  return { synced, excluded };
}

import { resolve } from 'node:path';
import { assertValid } from '../config/assert-valid.js';
import { buildSyncSpecs } from '../config/build-sync-specs.js';
import { loadSpokeConfig } from '../config/load-spoke-config.js';
import type { SpokeConfig, SyncSpec } from '../config/types.js';
import { loadArtifacts, type Manifest, type RunResults } from '../dbt/artifacts.js';
import { resolveWarehouse } from '../dbt/profiles.js';
import { modelSpokeBlocks } from '../dbt/spoke-meta.js';
import { dbtTargetDir } from '../dbt/target-dir.js';
import { type Diagnostic, SpokeError } from '../errors.js';
import { buildSyncGraph, type SyncGraph } from '../graph/sync-graph.js';
import type { WarehouseConnection } from '../warehouse/warehouse.js';

export interface ProjectOptions {
  projectDir: string;
  profilesDir?: string;
  target?: string;
  env?: NodeJS.ProcessEnv;
  /** Where dbt's artifacts are; default: the project's target path, as dbt resolves it. */
  targetDir?: string;
}

export interface LoadedProject {
  projectDir: string;
  /** As given (--profiles-dir), for the dbt commands spoke runs on the project. */
  profilesDir?: string;
  target: string;
  manifest: Manifest;
  runResults: RunResults | null;
  connection: WarehouseConnection;
  config: SpokeConfig;
  specs: SyncSpec[];
  /** Doubts about the configuration that stop nothing; `spoke validate` prints them. */
  warnings: Diagnostic[];
  graph: SyncGraph;
}

/**
 * Everything a command needs before it touches a destination: dbt's artifacts and connection,
 * spoke.yml, and the validated sync definitions in dependency order. Every configuration
 * problem is reported here at once, before anything is written.
 */
export async function loadProject(options: ProjectOptions): Promise<LoadedProject> {
  const projectDir = resolve(options.projectDir);
  const env = options.env ?? process.env;
  const { manifest, runResults } = await loadArtifacts(options.targetDir ?? (await dbtTargetDir(projectDir)));
  const warehouse = await resolveWarehouse({ ...options, projectDir, env });
  assertArtifactsMatchTarget(manifest, runResults, warehouse.connection.type, warehouse.target);
  const config = await loadSpokeConfig({ projectDir, target: warehouse.target, env });
  const models = Object.values(manifest.nodes)
    .filter((node) => node.resource_type === 'model')
    .map((node) => node.name);
  const { specs, diagnostics, warnings } = buildSyncSpecs(modelSpokeBlocks(manifest), config, { models });
  assertValid(diagnostics);
  return {
    projectDir,
    ...(options.profilesDir ? { profilesDir: options.profilesDir } : {}),
    target: warehouse.target,
    manifest,
    runResults,
    connection: warehouse.connection,
    config,
    specs,
    warnings,
    graph: buildSyncGraph(specs),
  };
}

/**
 * target/ holds whatever dbt wrote last. Syncing artifacts of another target would read
 * relations that do not exist in this warehouse, so say which target to use instead.
 */
function assertArtifactsMatchTarget(
  manifest: Manifest,
  runResults: RunResults | null,
  warehouseType: WarehouseConnection['type'],
  target: string,
): void {
  const builtWith = manifest.metadata.adapter_type;
  const sameInvocation = runResults?.metadata.invocation_id === manifest.metadata.invocation_id;
  const builtTarget =
    sameInvocation && typeof runResults?.args.target === 'string' ? runResults.args.target : undefined;
  const sameAdapter = !builtWith || builtWith === warehouseType;
  if (sameAdapter && (!builtTarget || builtTarget === target)) return;
  const built = builtTarget ? `target ${builtTarget}` : `a ${builtWith} target`;
  throw new SpokeError(
    'SPOKE_ARTIFACTS_MISMATCH',
    `target/ holds artifacts dbt wrote for ${built}, but the active target is ${target} (${warehouseType}). ` +
      `Pass --target ${builtTarget ?? '<that target>'} to spoke, or run dbt for ${target} first.`,
  );
}

/** spoke.yml for the active target, without dbt's artifacts: for commands that read no models. */
export async function loadProjectConfig(
  options: ProjectOptions,
): Promise<{ projectDir: string; target: string; config: SpokeConfig }> {
  const projectDir = resolve(options.projectDir);
  const env = options.env ?? process.env;
  const warehouse = await resolveWarehouse({ ...options, projectDir, env });
  const config = await loadSpokeConfig({ projectDir, target: warehouse.target, env });
  return { projectDir, target: warehouse.target, config };
}

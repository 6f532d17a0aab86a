import { resolve } from 'node:path';
import { assertValid } from '../config/assert-valid.js';
import { buildSyncSpecs } from '../config/build-sync-specs.js';
import { loadSpokeConfig } from '../config/load-spoke-config.js';
import type { SpokeConfig, SyncSpec } from '../config/types.js';
import { loadArtifacts, type Manifest, type RunResults } from '../dbt/artifacts.js';
import { resolveWarehouse } from '../dbt/profiles.js';
import { dbtTargetDir } from '../dbt/runner.js';
import { modelSpokeBlocks } from '../dbt/spoke-meta.js';
import { buildSyncGraph, type SyncGraph } from '../graph/sync-graph.js';
import type { WarehouseConnection } from '../warehouse/warehouse.js';

export interface ProjectOptions {
  projectDir: string;
  profilesDir?: string;
  target?: string;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedProject {
  projectDir: string;
  target: string;
  manifest: Manifest;
  runResults: RunResults | null;
  connection: WarehouseConnection;
  config: SpokeConfig;
  specs: SyncSpec[];
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
  const { manifest, runResults } = await loadArtifacts(await dbtTargetDir(projectDir));
  const warehouse = await resolveWarehouse({ ...options, projectDir, env });
  const config = await loadSpokeConfig({ projectDir, target: warehouse.target, env });
  const models = Object.values(manifest.nodes)
    .filter((node) => node.resource_type === 'model')
    .map((node) => node.name);
  const { specs, diagnostics } = buildSyncSpecs(modelSpokeBlocks(manifest), config, { models });
  assertValid(diagnostics);
  return {
    projectDir,
    target: warehouse.target,
    manifest,
    runResults,
    connection: warehouse.connection,
    config,
    specs,
    graph: buildSyncGraph(specs),
  };
}

import { buildSyncSpecs } from '../config/build-sync-specs.js';
import { ownValue } from '../config/own-value.js';
import type { SpokeConfig, SyncSpec } from '../config/types.js';
import type { Manifest } from '../dbt/artifacts.js';
import { modelSpokeBlocks } from '../dbt/spoke-meta.js';
import { SpokeError } from '../errors.js';
import { buildSyncGraph, type SyncGraph } from '../graph/sync-graph.js';
import { assemblePlanReport } from '../review/assemble-plan-report.js';
import { diffSyncs, type SyncDiff } from '../review/diff-syncs.js';
import type { PlanReport, SyncImpact, SyncPlanEntry } from '../review/plan-report.js';
import { previewImpact } from '../review/preview-impact.js';
import { openStateReader, type StateReader } from '../state/state-reader.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Warehouse, WarehouseConnection } from '../warehouse/warehouse.js';
import { configuredDestination, destinationTraits } from './destination-traits.js';
import type { LoadedProject } from './load-project.js';
import { preflightColumns } from './preflight.js';
import { hasSelection, resolveSelection, type SelectionArgs } from './resolve-selection.js';
import { planSync } from './sync-one.js';

/** Where the confirmed state is read: another dbt target's state schema (`--state-target`). */
export interface StateSource {
  target: string;
  connection: WarehouseConnection;
  schema: string;
}

export interface PlanSyncsOptions {
  project: LoadedProject;
  /** The base branch's manifest (`--state`) and where it was read from. */
  base: { dir: string; manifest: Manifest } | null;
  impact: boolean;
  samples: number;
  /** --select, --exclude, --selector (and --state for state: selectors), as spoke sync takes them. */
  selection?: SelectionArgs;
  fullRefresh?: boolean;
  retryFailed?: boolean;
  allowDeletes?: boolean;
  /** Models (unique id) the dbt invocation of these artifacts built or ran; absent: not known. */
  invocation?: {
    /** Failed, or their tests failed: sync skips them, so the plan does too. */
    excluded: ReadonlyMap<string, string>;
    /** Models the invocation built successfully. */
    built: ReadonlySet<string>;
  };
  /** Default: the project's own target and state schema. */
  stateSource?: StateSource;
}

/**
 * `spoke plan`: the sync definitions compared with a base manifest, and what each sync would
 * write, planned by `planSync`, the function `spoke sync` plans with, over a warehouse opened
 * read-only. Nothing is written anywhere: no migration, lock, run row or temporary table, and
 * no destination is called (its limits and matching rule are known without a request). A sync
 * that cannot be planned is reported with its error; the others are still planned.
 */
export async function planSyncs(options: PlanSyncsOptions): Promise<PlanReport> {
  const { project } = options;
  const selected = options.selection && hasSelection(options.selection);
  const head = selected ? await resolveSelection(project, options.selection ?? {}) : project.graph;
  const diffs: SyncDiff[] = options.base
    ? diffSyncs(
        baseGraph(options.base.manifest, project.config, selected ? head : null),
        // The order a sync waits for is read from every sync, selected or not.
        { nodes: head.nodes, edges: project.graph.edges },
      )
    : head.nodes.map((spec) => ({ spec, status: 'unchanged', changes: [] }));

  const impacts = new Map<string, Preview>();
  if (options.impact) {
    const planned = diffs.filter((diff) => diff.status !== 'removed').map((diff) => diff.spec);
    for (const [id, impact] of await previewSyncs(options, planned)) impacts.set(id, impact);
  }

  const syncs: SyncPlanEntry[] = diffs.map(({ spec, status, changes }) => {
    const impact = impacts.get(spec.id);
    return {
      id: spec.id,
      model: spec.model,
      destination: spec.destination,
      object: spec.object,
      mode: spec.mode,
      definition: options.base ? status : null,
      changes,
      impact: impact && 'rows' in impact ? impact : null,
      error: impact && 'error' in impact ? impact.error : null,
      not_planned: impact && 'notPlanned' in impact ? impact.notPlanned : null,
    };
  });
  // By id, as Terraform orders resources: dbt writes manifest nodes in no fixed order.
  return assemblePlanReport({
    target: project.target,
    stateTarget: options.stateSource?.target ?? project.target,
    base: options.base?.dir ?? null,
    impact: options.impact,
    syncs: syncs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    destination: (name) => {
      const configured = ownValue(project.config.destinations, name);
      return {
        type: configured?.type ?? 'unknown',
        dailyLimit: configured?.type === 'hubspot' ? (configured.dailyLimit ?? null) : null,
      };
    },
  });
}

/** The base's syncs; with a selection, those of the selected syncs and of the selected syncs' models. */
function baseGraph(manifest: Manifest, config: SpokeConfig, selection: SyncGraph | null): SyncGraph {
  const models = Object.values(manifest.nodes)
    .filter((node) => node.resource_type === 'model')
    .map((node) => node.name);
  // The base is read with this branch's spoke.yml: a destination it no longer defines drops that sync.
  const { specs } = buildSyncSpecs(modelSpokeBlocks(manifest), config, { models });
  let graph: SyncGraph;
  try {
    graph = buildSyncGraph(specs);
  } catch {
    graph = { nodes: specs, edges: [] };
  }
  if (!selection) return graph;
  const ids = new Set(selection.nodes.map((spec) => spec.id));
  const selectedModels = new Set(selection.nodes.map((spec) => spec.uniqueId));
  const nodes = graph.nodes.filter((spec) => ids.has(spec.id) || selectedModels.has(spec.uniqueId));
  return { nodes, edges: graph.edges };
}

async function previewSyncs(options: PlanSyncsOptions, specs: SyncSpec[]): Promise<Map<string, Preview>> {
  const { project } = options;
  const results = new Map<string, Preview>();
  if (specs.length === 0) return results;
  const warehouse = await openWarehouse(project.connection, { readOnly: true });
  try {
    const reader = await stateReader(warehouse, project, options.stateSource);
    for (const spec of specs) {
      try {
        const excluded = options.invocation?.excluded.get(spec.uniqueId);
        if (excluded) {
          results.set(spec.id, { notPlanned: `model ${spec.model} would not be synced: ${excluded}` });
          continue;
        }
        // Its limits, matching rule and Bulk support: plan loads no destination client.
        const destination = destinationTraits(configuredDestination(project.config, spec.destination));
        const columns = await warehouse.columns(spec.relation).catch((error: unknown) => {
          // A CI build with --defer builds only what changed; the rest is not in this target.
          if (options.invocation && !options.invocation.built.has(spec.uniqueId)) return null;
          throw error;
        });
        if (!columns) {
          results.set(spec.id, {
            notPlanned: `model ${spec.model} was not built by the dbt invocation of these artifacts (deferred or not selected) and is not in target ${project.target}`,
          });
          continue;
        }
        const problems = preflightColumns(spec, columns);
        if (problems.length > 0) {
          results.set(spec.id, { error: problems.map((p) => `${p.field}: ${p.message} ${p.fix}`).join(' ') });
          continue;
        }
        const plannedSync = await planSync(spec, reader, destination, {
          fullRefresh: options.fullRefresh ?? false,
          retryFailed: options.retryFailed ?? false,
        });
        results.set(
          spec.id,
          await previewImpact(spec, plannedSync.changeSet, {
            fullRefresh: options.fullRefresh ?? false,
            allowDeletes: options.allowDeletes ?? false,
            samples: options.samples,
            ignoreKeyCase: plannedSync.ignoreKeyCase,
            limits: destination.limits,
            bulk: destination.bulk,
          }),
        );
      } catch (error) {
        results.set(spec.id, { error: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    await warehouse.close();
  }
  return results;
}

type Preview = SyncImpact | { error: string } | { notPlanned: string };

/**
 * The state to plan against: the project's own, or another target's (`--state-target`) in the
 * same warehouse: the same PostgreSQL database, or a DuckDB file attached read-only.
 */
async function stateReader(
  warehouse: Warehouse,
  project: LoadedProject,
  source?: StateSource,
): Promise<StateReader> {
  if (!source) return openStateReader(warehouse, { schema: project.config.state.schema });
  const here = project.connection;
  const there = source.connection;
  if (here.type === 'duckdb' && there.type === 'duckdb') {
    if (here.path === there.path) return openStateReader(warehouse, { schema: source.schema });
    const alias = '__spoke_state';
    await warehouse.sql
      .query(`ATTACH ${sqlString(there.path)} AS ${alias} (READ_ONLY)`)
      .catch((error: unknown) => {
        throw new SpokeError(
          'SPOKE_WAREHOUSE',
          `Could not open the DuckDB file of target ${source.target} (${there.path}) to read its state: ${error instanceof Error ? error.message : String(error)}.`,
        );
      });
    return openStateReader(warehouse, { schema: source.schema, database: alias });
  }
  if (here.type !== 'duckdb' && there.type !== 'duckdb') {
    if (here.host === there.host && here.port === there.port && here.database === there.database)
      return openStateReader(warehouse, { schema: source.schema });
  }
  const where = (c: WarehouseConnection) =>
    c.type === 'duckdb'
      ? `DuckDB file ${c.path}`
      : `${c.type} database "${c.database}" on ${c.host}:${c.port}`;
  throw new SpokeError(
    'SPOKE_USAGE',
    `--state-target ${source.target} reads ${where(there)}, but the models are in ${where(here)}. The plan joins ` +
      "the models' rows to the confirmed state in one query, so both must be in one warehouse: use a state target " +
      'that points at the same database (a read-only user is enough), or build the models where the state is.',
  );
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

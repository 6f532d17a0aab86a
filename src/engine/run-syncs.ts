import pLimit from 'p-limit';
import type { SyncSpec } from '../config/types.js';
import { ConfigError, type Diagnostic, SpokeError } from '../errors.js';
import { runGraph } from '../graph/run-graph.js';
import { selectSyncs } from '../graph/select-syncs.js';
import { buildSyncGraph } from '../graph/sync-graph.js';
import { emptyCounts, type Reporter, type RunResult, type SyncResult } from '../observe/lifecycle.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { connectDestinations } from './connect-destinations.js';
import type { LoadedProject } from './load-project.js';
import { preflightSync } from './preflight.js';
import { syncOne } from './sync-one.js';
import { DEFAULT_RETRY, type RetryPolicy } from './write-with-retry.js';

export interface RunSyncsOptions {
  project: LoadedProject;
  runId: string;
  select?: string[];
  dryRun?: boolean;
  reporters?: Reporter[];
  /**
   * Models dbt built in the invocation being synced: only these sync; `excluded` ones (failed,
   * skipped, tests failed) are reported as skipped with dbt's reason. Absent: every model syncs.
   */
  builtModels?: { synced: ReadonlySet<string>; excluded: ReadonlyMap<string, string> };
  retry?: RetryPolicy;
  /** Syncs running at once across destinations. */
  concurrency?: number;
  failedRecordsRatio?: number;
}

/**
 * Runs the selected syncs in dependency order: preflight checks for every sync first (a mapping
 * mistake stops the run before anything is written), then independent syncs concurrently.
 */
export async function runSyncs(options: RunSyncsOptions): Promise<RunResult> {
  const { project, runId } = options;
  const started = Date.now();
  const reporters = options.reporters ?? [];
  const emit = <K extends keyof Reporter>(hook: K, ...args: Parameters<NonNullable<Reporter[K]>>) => {
    for (const reporter of reporters)
      (reporter[hook] as ((...a: typeof args) => void) | undefined)?.(...args);
  };

  const selected = options.select?.length ? selectSyncs(project.graph, options.select).nodes : project.specs;
  // Syncs of models this dbt invocation did not touch are left alone; failed models are reported.
  const inScope = selected.filter(
    (spec) =>
      !options.builtModels ||
      options.builtModels.synced.has(spec.uniqueId) ||
      options.builtModels.excluded.has(spec.uniqueId),
  );
  const results = new Map<string, SyncResult>();

  const info = {
    runId,
    target: project.target,
    invocationId: project.manifest.metadata.invocation_id ?? null,
    dryRun: options.dryRun ?? false,
    syncs: inScope,
  };
  emit('onRunStart', info);

  const finish = (result: SyncResult): 'ok' | 'failed' => {
    results.set(result.id, result);
    emit('onSyncEnd', result);
    return result.status === 'failed' || result.status === 'skipped' ? 'failed' : 'ok';
  };
  const runnable = inScope.filter((spec) => !options.builtModels?.excluded.has(spec.uniqueId));

  if (inScope.length > 0) {
    const warehouse = await openWarehouse(project.connection);
    const destinations = await connectDestinations(
      project.config,
      new Set(runnable.map((spec) => spec.destination)),
      project.projectDir,
    ).catch(async (error) => {
      await warehouse.close();
      throw error;
    });
    try {
      const unreachable = new Map<string, string>();
      for (const name of new Set(runnable.map((spec) => spec.destination))) {
        await destinations
          .get(name)
          .check()
          .catch((error: unknown) => {
            if (!(error instanceof SpokeError)) throw error;
            unreachable.set(name, error.message);
          });
      }

      const diagnostics: Diagnostic[] = [];
      for (const spec of runnable) {
        if (unreachable.has(spec.destination)) continue;
        const columns = await warehouse.columns(spec.relation);
        diagnostics.push(...(await preflightSync(spec, columns, destinations.get(spec.destination))));
      }
      if (diagnostics.length > 0) {
        throw new ConfigError(
          `${diagnostics.length} mapping problem${diagnostics.length === 1 ? '' : 's'} found before syncing; nothing was written.`,
          diagnostics,
        );
      }

      const limiters = new Map<string, ReturnType<typeof pLimit>>();
      const limiterFor = (name: string) => {
        let limiter = limiters.get(name);
        if (!limiter) {
          limiter = pLimit(destinations.get(name).limits.concurrency);
          limiters.set(name, limiter);
        }
        return limiter;
      };

      await runGraph(
        buildSyncGraph(inScope),
        async (spec) => {
          const excluded = options.builtModels?.excluded.get(spec.uniqueId);
          if (excluded) return finish(skipped(spec, `model ${spec.model} was not synced: ${excluded}`));
          const reason = unreachable.get(spec.destination);
          if (reason) return finish({ ...skipped(spec, reason), status: 'failed' });
          emit('onSyncStart', spec, null);
          const limiter = limiterFor(spec.destination);
          const result = await syncOne(spec, {
            warehouse,
            destination: destinations.get(spec.destination),
            limit: (task) => limiter(task),
            retry: options.retry ?? DEFAULT_RETRY,
            dryRun: options.dryRun ?? false,
            failedRecordsRatio: options.failedRecordsRatio ?? 0.05,
            emitBatch: (outcomes, invalid) => emit('onBatchResult', spec, { outcomes, invalid }),
          });
          return finish(result);
        },
        {
          concurrency: options.concurrency ?? 4,
          onSkip: (spec, reason) => {
            finish(skipped(spec, reason));
          },
        },
      );
    } finally {
      await destinations.close();
      await warehouse.close();
    }
  }

  const syncs = inScope.flatMap((spec) => results.get(spec.id) ?? []);
  const run: RunResult = {
    ...info,
    status: syncs.every((sync) => sync.status === 'success') ? 'success' : 'failed',
    syncs,
    durationMs: Date.now() - started,
  };
  for (const reporter of reporters) await reporter.onRunEnd?.(run);
  return run;
}

function skipped(spec: SyncSpec, reason: string): SyncResult {
  return {
    id: spec.id,
    model: spec.model,
    destination: spec.destination,
    object: spec.object,
    status: 'skipped',
    reason,
    ...emptyCounts(),
    errors: [],
    errorsOmitted: 0,
    durationMs: 0,
  };
}

import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { deliverPending } from '../alerts/deliver.js';
import { alertsForRun } from '../alerts/run-alerts.js';
import type { SyncSpec } from '../config/types.js';
import type { Destination } from '../destinations/contract.js';
import { ConfigError, DestinationError, type Diagnostic, SpokeError } from '../errors.js';
import { runGraph } from '../graph/run-graph.js';
import { buildSyncGraph } from '../graph/sync-graph.js';
import { emptyCounts, type Reporter, type RunResult, type SyncResult } from '../observe/lifecycle.js';
import { openStateStore } from '../state/open-state-store.js';
import type { AlertWrites, StateStore, SyncLock } from '../state/state-store.js';
import { SyncsLockedError } from '../state/sync-locks.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Warehouse, WarehouseConnection } from '../warehouse/warehouse.js';
import {
  type ConnectedDestinations,
  connectDestinations,
  type DestinationHooks,
} from './connect-destinations.js';
import {
  configuredDestination,
  type DestinationTraits,
  destinationTraits,
  unconnectedDestination,
} from './destination-traits.js';
import type { LoadedProject } from './load-project.js';
import { preflightColumns, preflightSync } from './preflight.js';
import { hasSelection, resolveSelection, type SelectionArgs } from './resolve-selection.js';
import { retryCheck } from './retry-check.js';
import { savedSchemaReader } from './saved-schemas.js';
import { needsDestination, type PlannedSync, planSync, rowsToSend, syncOne } from './sync-one.js';
import { DEFAULT_RETRY, type RetryPolicy } from './write-with-retry.js';

/** A run longer than this stops cleanly, keeping what was confirmed (a 429 storm must not hold it for days). */
export const DEFAULT_RUN_TIMEOUT_MS = 12 * 60 * 60 * 1000;

export interface RunSyncsOptions {
  project: LoadedProject;
  runId: string;
  /** What started the run, for the runs table: `sync`, `dbt build`, ... */
  command?: string;
  /** --select, --exclude, --selector, --state: dbt's selection plus sync ids and destination:<name>. */
  selection?: SelectionArgs;
  dryRun?: boolean;
  /** Resend every row, ignoring what the snapshot says the destination already holds. */
  fullRefresh?: boolean;
  /** Resend rows that failed permanently even though they did not change. */
  retryFailed?: boolean;
  /** mirror: allow deleting more than a sync's max_delete_ratio. */
  allowDeletes?: boolean;
  /** How long to wait for another run holding the selected syncs to finish (0: yield at once). */
  lockWaitMs?: number;
  /** Ends that wait early, as if it had run out (a server shutting down yields what it waits for). */
  lockWaitSignal?: AbortSignal;
  /** The run's overall time bound; afterwards it stops cleanly, recording what was confirmed. */
  timeoutMs?: number;
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

/** Where a run stands in the runs table. */
export type RunStatus = 'running' | 'success' | 'failed' | 'error' | 'locked';

/**
 * Runs the selected syncs in dependency order. The run is recorded first; then it takes the
 * locks of its whole selection at once (or yields to the run holding them), checks every sync
 * against the warehouse and, where it has something to send, against its destination (a mapping
 * mistake stops the run before anything is written), and runs independent syncs concurrently.
 * Every way a run ends is in the runs table, and every selected sync gets a sync_runs row.
 */
export async function runSyncs(options: RunSyncsOptions): Promise<RunResult> {
  const { project, runId } = options;
  const started = Date.now();
  const reporters = options.reporters ?? [];
  const emit: Emit = (hook, ...args) => {
    for (const reporter of reporters)
      (reporter[hook] as ((...a: typeof args) => void) | undefined)?.(...args);
  };

  const selected =
    options.selection && hasSelection(options.selection)
      ? (await resolveSelection(project, options.selection)).nodes
      : project.specs;
  // Syncs of models this dbt invocation did not touch are left alone; failed models are reported.
  const inScope = selected.filter(
    (spec) =>
      !options.builtModels ||
      options.builtModels.synced.has(spec.uniqueId) ||
      options.builtModels.excluded.has(spec.uniqueId),
  );
  const runnable = inScope.filter((spec) => !options.builtModels?.excluded.has(spec.uniqueId));
  const results = new Map<string, SyncResult>();
  const dryRun = options.dryRun ?? false;
  const info = {
    runId,
    target: project.target,
    invocationId: project.manifest.metadata.invocation_id ?? null,
    dryRun,
    syncs: inScope,
  };
  emit('onRunStart', info);

  const deadline = new AbortController();
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const timer = setTimeout(
    () =>
      deadline.abort(new Error(`the run's time limit of ${formatDuration(timeoutMs)} (--timeout) passed`)),
    timeoutMs,
  );
  timer.unref();

  let session: Session | null = null;
  let lock: SyncLock | null = null;
  let recorded = false;
  /** Syncs whose sync_runs row exists (inserted when they started). */
  const startedSyncs = new Set<string>();
  const finish = (result: SyncResult): 'ok' | 'failed' => {
    results.set(result.id, result);
    emit('onSyncEnd', result);
    return result.status === 'failed' || result.status === 'skipped' ? 'failed' : 'ok';
  };

  try {
    const planned = new Map<string, PlannedSync>();
    /** Syncs that cannot run (plan failed, destination unreachable), with the reason. */
    const cannotRun = new Map<string, string>();
    if (runnable.length > 0) {
      session = await openSession(project, options.lockWaitMs ?? 0);
      const open = session;
      if (!dryRun) {
        await open.state.startRun({
          runId,
          target: project.target,
          invocationId: info.invocationId,
          command: options.command ?? 'sync',
          startedAt: new Date(started),
        });
        recorded = true;
        const owner = { runId, description: `pid ${process.pid} on ${hostname()}` };
        lock = await open.state.acquireLocks(
          runnable.map((spec) => spec.id),
          owner,
          options.lockWaitMs ?? 0,
          options.lockWaitSignal,
        );
      }
      await preflight(runnable, async (spec) =>
        preflightColumns(spec, await open.warehouse.columns(spec.relation)),
      );
      // Plan every sync first: the warehouse alone decides which syncs have anything to send, so
      // a run with nothing changed makes no API call at all. Nothing else runs meanwhile, so the
      // planning statements may take every core.
      const planAll = async () => {
        for (const spec of runnable) {
          try {
            planned.set(
              spec.id,
              await planSync(spec, open.state, traitsOf(project, spec.destination), {
                fullRefresh: options.fullRefresh ?? false,
                retryFailed: options.retryFailed ?? false,
              }),
            );
          } catch (error) {
            cannotRun.set(spec.id, error instanceof Error ? error.message : String(error));
          }
        }
      };
      await (open.warehouse.withAllThreads ? open.warehouse.withAllThreads(planAll) : planAll());
      const active = runnable.filter((spec) => {
        const plan = planned.get(spec.id);
        return plan !== undefined && needsDestination(spec, plan.changeSet);
      });
      // Only the destinations of syncs with something to send are connected (their clients loaded).
      await open.connect(new Set(active.map((spec) => spec.destination)), {
        signal: deadline.signal,
        onRateLimitWait: (destination, waitedMs) => emit('onRateLimitWait', destination, waitedMs),
      });
      const retry = options.retry ?? DEFAULT_RETRY;
      for (const [name, reason] of await checkDestinations(open, active, retry, deadline.signal)) {
        for (const spec of active) if (spec.destination === name) cannotRun.set(spec.id, reason);
      }
      const savedSchemas = savedSchemaReader(project.projectDir);
      await preflight(
        active.filter((spec) => !cannotRun.has(spec.id)),
        (spec) => {
          const destination = open.destination(spec.destination);
          // A schema saved by `spoke schema pull` answers without a call; the rest is described live.
          const describe = async (object: string) =>
            (await savedSchemas.read(destination.type, object)) ??
            retryCheck(() => destination.describe(object), retry, deadline.signal);
          return preflightSync(spec, { name: destination.name, describe }, project.manifest);
        },
        cannotRun,
      );
    }
    const open = session;
    // One request limiter per destination, shared by every sync writing to it.
    const limiters = new Map<string, ReturnType<typeof pLimit>>();
    const limiterFor = (name: string) => {
      const limiter = limiters.get(name) ?? pLimit(open!.destination(name).limits.concurrency);
      limiters.set(name, limiter);
      return limiter;
    };

    await runGraph(
      buildSyncGraph(inScope),
      async (spec) => {
        const excluded = options.builtModels?.excluded.get(spec.uniqueId);
        if (excluded) return finish(skipped(spec, `model ${spec.model} was not synced: ${excluded}`));
        const reason = cannotRun.get(spec.id);
        const plan = planned.get(spec.id);
        if (reason || !open || !plan)
          return finish({ ...skipped(spec, reason ?? 'not planned'), status: 'failed' });
        if (deadline.signal.aborted) {
          return finish({
            ...skipped(spec, `not started: ${(deadline.signal.reason as Error).message}`),
            status: 'failed',
          });
        }

        const { counts } = plan.changeSet;
        // What the bar counts towards: every row the sync will send, report invalid or delete.
        const total = rowsToSend(counts) + counts.nullKey + counts.duplicateKey;
        emit('onSyncStart', spec, total + (spec.mode === 'mirror' ? counts.gone : 0));
        if (!dryRun) {
          await open.state.startSyncRun(runId, spec.id, new Date());
          startedSyncs.add(spec.id);
        }
        const limiter = limiterFor(spec.destination);
        const result = await syncOne(spec, plan, {
          runId,
          signal: deadline.signal,
          state: open.state,
          destination: open.destination(spec.destination),
          limit: (task) => limiter(task),
          retry: options.retry ?? DEFAULT_RETRY,
          dryRun,
          fullRefresh: options.fullRefresh ?? false,
          retryFailed: options.retryFailed ?? false,
          allowDeletes: options.allowDeletes ?? false,
          failedRecordsRatio: options.failedRecordsRatio ?? 0.05,
          emitBatch: (outcomes, invalid) => emit('onBatchResult', spec, { outcomes, invalid }),
        });
        if (!dryRun) await recordSyncRun(open.state, runId, result, true);
        return finish(result);
      },
      {
        concurrency: options.concurrency ?? 4,
        onSkip: (spec, reason) => {
          finish(skipped(spec, reason));
        },
        onError: (spec, error) => {
          finish({
            ...skipped(spec, error instanceof Error ? error.message : String(error)),
            status: 'failed',
          });
        },
      },
    );

    const syncs = inScope.flatMap((spec) => results.get(spec.id) ?? []);
    const run: RunResult = {
      ...info,
      status: syncs.every((sync) => sync.status === 'success') ? 'success' : 'failed',
      syncs,
      durationMs: Date.now() - started,
    };
    if (session && recorded) {
      // Syncs that ended without a row of their own (skipped, failed before starting) get one now.
      for (const sync of syncs) {
        if (!startedSyncs.has(sync.id)) await recordSyncRun(session.state, runId, sync, false);
      }
      const now = new Date();
      const alerts = await alertWrites(
        session.state,
        project,
        { runId, now, specs: inScope, results: syncs },
        emit,
      );
      await session.state.finishRun(runId, run.status, now, null, alerts);
    }
    for (const reporter of reporters) await reporter.onRunEnd?.(run);
    if (session && recorded) await deliverAlerts(session.state, project, emit);
    return run;
  } catch (error) {
    if (session && recorded) {
      await recordAbort(session.state, project, runId, runnable, results, error, emit);
      await deliverAlerts(session.state, project, emit);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    await lock?.release().catch(() => {});
    await session?.close();
  }
}

interface Session {
  warehouse: Warehouse;
  state: StateStore;
  /** Connects these destinations (after planning: only those with something to send). */
  connect(names: Set<string>, hooks: DestinationHooks): Promise<void>;
  /** A connected destination, or, for one that was not connected, its traits without a client. */
  destination(name: string): Destination;
  close(): Promise<void>;
}

/** The warehouse and the state store (migrated and verified); destinations connect later. */
async function openSession(project: LoadedProject, waitMs: number): Promise<Session> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => {});
  };
  try {
    const warehouse = await openWarehouseWaiting(project.connection, waitMs);
    closers.push(() => warehouse.close());
    const state = await openStateStore(warehouse, { schema: project.config.state.schema });
    closers.push(() => state.close());
    await state.migrate();
    let connected: ConnectedDestinations | null = null;
    return {
      warehouse,
      state,
      async connect(names, hooks) {
        if (names.size === 0) return;
        connected = await connectDestinations(project.config, names, project.projectDir, hooks);
        closers.push(() => connected!.close());
      },
      destination(name) {
        if (connected?.has(name)) return connected.get(name);
        return unconnectedDestination(configuredDestination(project.config, name));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function traitsOf(project: LoadedProject, name: string): DestinationTraits {
  return destinationTraits(configuredDestination(project.config, name));
}

/**
 * A DuckDB file admits one process: while another holds it (a run of the same project, dbt),
 * wait as long as --wait allows, as PostgreSQL waits for its locks; then yield like a locked run.
 */
async function openWarehouseWaiting(connection: WarehouseConnection, waitMs: number): Promise<Warehouse> {
  const deadline = Date.now() + waitMs;
  while (true) {
    try {
      return await openWarehouse(connection);
    } catch (error) {
      if (!(error instanceof SpokeError) || error.code !== 'SPOKE_WAREHOUSE_BUSY') throw error;
      if (Date.now() >= deadline) {
        const waited = waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)}s)` : '';
        throw new SyncsLockedError(`Not run${waited}: ${error.message}`, []);
      }
      await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
    }
  }
}

/**
 * Logs in to each destination the syncs need, trying again as writes do when it did not answer;
 * those that refuse or stay silent are returned with the reason.
 */
async function checkDestinations(
  session: Session,
  specs: SyncSpec[],
  retry: RetryPolicy,
  signal: AbortSignal,
): Promise<Map<string, string>> {
  const unreachable = new Map<string, string>();
  for (const name of new Set(specs.map((spec) => spec.destination))) {
    const destination = session.destination(name);
    await retryCheck(() => destination.check(), retry, signal).catch((error: unknown) => {
      if (!(error instanceof SpokeError)) throw error;
      unreachable.set(name, error.message);
    });
  }
  return unreachable;
}

/**
 * Runs one kind of check over every sync and stops the run, before any write, on a mapping
 * problem. A sync whose destination could not be asked (`DestinationError`) cannot run, and
 * goes into `cannotRun` with the reason; the others go on.
 */
async function preflight(
  specs: SyncSpec[],
  check: (spec: SyncSpec) => Promise<Diagnostic[]>,
  cannotRun?: Map<string, string>,
): Promise<void> {
  const diagnostics: Diagnostic[] = [];
  for (const spec of specs) {
    try {
      diagnostics.push(...(await check(spec)));
    } catch (error) {
      if (!cannotRun || !(error instanceof DestinationError)) throw error;
      cannotRun.set(spec.id, error.message);
    }
  }
  if (diagnostics.length > 0) {
    throw new ConfigError(
      `${diagnostics.length} mapping problem${diagnostics.length === 1 ? '' : 's'} found before syncing; nothing was written.`,
      diagnostics,
    );
  }
}

/** A sync's row in sync_runs: the one its start inserted, or a whole one for a sync that never started. */
async function recordSyncRun(state: StateStore, runId: string, result: SyncResult, started: boolean) {
  if (!started) await state.startSyncRun(runId, result.id, new Date());
  await state.finishSyncRun(runId, {
    ...result,
    syncId: result.id,
    error: result.reason ?? null,
    finishedAt: new Date(),
  });
}

/**
 * A run stopped by an error (a mapping problem, another run holding its syncs, the state store):
 * the run and every selected sync that has no row yet are recorded with why. A run stopped by
 * its own error counts against the health of the syncs it did not sync; one that yielded to
 * another run says nothing about them.
 */
async function recordAbort(
  state: StateStore,
  project: LoadedProject,
  runId: string,
  specs: SyncSpec[],
  results: ReadonlyMap<string, SyncResult>,
  error: unknown,
  emit: Emit,
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const locked = error instanceof SyncsLockedError;
  const status: RunStatus = locked ? 'locked' : 'error';
  try {
    const ended: SyncResult[] = [];
    for (const spec of specs) {
      const done = results.get(spec.id);
      if (done) {
        ended.push(done);
        continue;
      }
      const notRun = skipped(spec, `not run: ${message}`);
      await recordSyncRun(state, runId, notRun, false);
      ended.push({ ...notRun, status: 'failed' });
    }
    const now = new Date();
    const alerts = locked
      ? null
      : await alertWrites(state, project, { runId, now, specs, results: ended, stoppedBy: message }, emit);
    await state.finishRun(runId, status, now, message, alerts);
  } catch {
    // The error that stopped the run is what the user needs to see; it is rethrown.
  }
}

type Emit = <K extends keyof Reporter>(hook: K, ...args: Parameters<NonNullable<Reporter[K]>>) => void;

/** The health changes of this run for the run's end transaction; never fails the run. */
async function alertWrites(
  state: StateStore,
  project: LoadedProject,
  run: {
    runId: string;
    now: Date;
    specs: readonly SyncSpec[];
    results: readonly SyncResult[];
    stoppedBy?: string;
  },
  emit: Emit,
): Promise<AlertWrites | null> {
  const settings = project.config.alerts;
  if (!settings) return null;
  try {
    return await alertsForRun({
      state,
      settings,
      run: { runId: run.runId, target: project.target, now: run.now },
      specs: run.specs,
      results: run.results,
      ...(run.stoppedBy ? { stoppedBy: run.stoppedBy } : {}),
    });
  } catch (error) {
    emit('onAlertDelivery', {
      messageId: '-',
      kind: 'evaluation',
      channel: '-',
      delivered: false,
      error: `alert health could not be evaluated: ${error instanceof Error ? error.message : String(error)}`,
    });
    return null;
  }
}

/** After the run's end is recorded: what the outbox holds goes out; a channel that fails fails no sync. */
async function deliverAlerts(state: StateStore, project: LoadedProject, emit: Emit): Promise<void> {
  const settings = project.config.alerts;
  if (!settings || settings.channels.length === 0) return;
  await deliverPending(state, settings, {
    onDelivery: (delivery) => emit('onAlertDelivery', delivery),
  }).catch((error: unknown) =>
    emit('onAlertDelivery', {
      messageId: '-',
      kind: 'delivery',
      channel: '-',
      delivered: false,
      error: error instanceof Error ? error.message : String(error),
    }),
  );
}

function skipped(spec: SyncSpec, reason: string): SyncResult {
  return {
    id: spec.id,
    model: spec.model,
    destination: spec.destination,
    object: spec.object,
    status: 'skipped',
    reason,
    rows: 0,
    ...emptyCounts(),
    errors: [],
    errorsOmitted: 0,
    stillFailingErrors: [],
    planMs: 0,
    durationMs: 0,
  };
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

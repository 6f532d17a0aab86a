import { randomUUID } from 'node:crypto';
import type { LoadedProject } from '../engine/load-project.js';
import { DEFAULT_RUN_TIMEOUT_MS, type RunStatus, runSyncs } from '../engine/run-syncs.js';
import type { Reporter, RunResult } from '../observe/lifecycle.js';
import { SyncsLockedError } from '../state/sync-locks.js';
import { lockHolders } from '../state/sync-overview.js';
import { redact } from '../util/redact.js';
import type { StateAccess } from './state-access.js';

/** One run to start: these syncs (in dependency order among themselves) and how. */
export interface RunRequest {
  syncIds: string[];
  fullRefresh: boolean;
  retryFailed: boolean;
  /** What started it, for the runs table. */
  command: string;
}

export interface RunEnd {
  runId: string;
  /** `not_run`: a sequence stopped before it, or the server shut down while it waited. */
  status: RunStatus | 'not_run';
  error: string | null;
  result: RunResult | null;
}

export interface ScheduledRun {
  runId: string;
  syncIds: string[];
  /** The run it waits for: one of this server's, or one another process holds the syncs for. */
  queuedBehind: string | null;
  ended: Promise<RunEnd>;
}

export interface RunSchedulerOptions {
  access: StateAccess;
  stateSchema: string;
  /** The project as it is now on disk (dbt may have built again since the server started). */
  loadProject(): Promise<LoadedProject>;
  reporters(): Reporter[];
  log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
  /** How long a run waits for another process holding its syncs. */
  lockWaitMs?: number;
}

/**
 * Starts runs in the background, never two runs of one sync at once: a run that shares a sync
 * with one this server already started waits until that one ended (its answer names it as
 * `queued_behind`); against other processes the state store's locks decide, and the run waits
 * for their holder. A sequence runs its steps one after the other, and stops at a step that
 * did not succeed.
 */
export class RunScheduler {
  /** For each sync, the latest run this server scheduled with it, while that run has not ended. */
  private readonly tails = new Map<string, { runId: string; ended: Promise<unknown> }>();
  private readonly inFlight = new Set<Promise<RunEnd>>();
  private stopping = false;
  /** Aborted on stop: runs still waiting for another process's locks give up (their run is `locked`). */
  private readonly stopWaiting = new AbortController();

  constructor(private readonly options: RunSchedulerOptions) {}

  /** Schedules the steps of a sequence (one step: a plain run); resolves once each knows whom it waits for. */
  async submit(steps: RunRequest[]): Promise<ScheduledRun[]> {
    const scheduled: ScheduledRun[] = [];
    let previous: ScheduledRun | null = null;
    for (const step of steps) {
      const run = this.schedule(step, previous);
      scheduled.push(run);
      previous = run;
    }
    const first = scheduled[0];
    if (first && first.queuedBehind === null && this.options.access.concurrent)
      first.queuedBehind = await this.heldElsewhere(first.syncIds);
    return scheduled;
  }

  /** Number of runs scheduled here that have not ended. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Starts nothing more; resolves when every run that started has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopWaiting.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(request: RunRequest, previous: ScheduledRun | null): ScheduledRun {
    const runId = randomUUID();
    const waits = new Map<string, Promise<unknown>>();
    let queuedBehind: string | null = null;
    for (const id of request.syncIds) {
      const tail = this.tails.get(id);
      if (tail) {
        waits.set(tail.runId, tail.ended);
        queuedBehind = tail.runId;
      }
    }
    if (previous) queuedBehind ??= previous.runId;
    const ended: Promise<RunEnd> = (async () => {
      await Promise.allSettled(waits.values());
      const before = previous ? await previous.ended : null;
      if (before && before.status !== 'success') {
        return this.notRun(
          runId,
          `the previous step of the sequence, run ${before.runId}, ended ${before.status}`,
        );
      }
      if (this.stopping) return this.notRun(runId, 'the server shut down before it started');
      return this.options.access.exclusive(() => this.execute(runId, request));
    })();
    const tracked = ended.finally(() => {
      this.inFlight.delete(tracked);
      for (const id of request.syncIds) if (this.tails.get(id)?.runId === runId) this.tails.delete(id);
    });
    this.inFlight.add(tracked);
    for (const id of request.syncIds) this.tails.set(id, { runId, ended: tracked });
    return { runId, syncIds: request.syncIds, queuedBehind, ended: tracked };
  }

  private async execute(runId: string, request: RunRequest): Promise<RunEnd> {
    const { log } = this.options;
    log('info', `run ${runId} started: ${request.syncIds.join(', ')}`, { runId, command: request.command });
    try {
      const project = await this.options.loadProject();
      const result = await runSyncs({
        project,
        runId,
        command: request.command,
        selection: { select: request.syncIds },
        fullRefresh: request.fullRefresh,
        retryFailed: request.retryFailed,
        lockWaitMs: this.options.lockWaitMs ?? DEFAULT_RUN_TIMEOUT_MS,
        lockWaitSignal: this.stopWaiting.signal,
        reporters: this.options.reporters(),
      });
      log(result.status === 'success' ? 'info' : 'warn', `run ${runId} ended ${result.status}`, {
        runId,
        durationMs: result.durationMs,
      });
      return { runId, status: result.status, error: null, result };
    } catch (error) {
      const status: RunStatus = error instanceof SyncsLockedError ? 'locked' : 'error';
      const message = redact(error instanceof Error ? error.message : String(error));
      log('error', `run ${runId} ended ${status}: ${message}`, { runId });
      return { runId, status, error: message, result: null };
    }
  }

  private notRun(runId: string, why: string): RunEnd {
    this.options.log('warn', `run ${runId} not run: ${why}`, { runId });
    return { runId, status: 'not_run', error: why, result: null };
  }

  /** A run of another process holding one of these syncs now (the locks table says which). */
  private async heldElsewhere(syncIds: string[]): Promise<string | null> {
    try {
      const holders = await this.options.access.use(({ warehouse }) =>
        lockHolders(warehouse.sql, this.options.stateSchema, syncIds),
      );
      return holders.find((holder) => holder.runId !== null)?.runId ?? null;
    } catch {
      return null;
    }
  }
}

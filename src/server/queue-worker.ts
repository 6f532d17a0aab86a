import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadedProject } from '../engine/load-project.js';
import { DEFAULT_RUN_TIMEOUT_MS } from '../engine/run-syncs.js';
import { ConfigError } from '../errors.js';
import { type ClaimedInvocation, type QueueOutcome, SyncQueue } from '../state/sync-queue.js';
import { redact } from '../util/redact.js';
import type { WarehouseType } from '../warehouse/warehouse.js';
import type { RunEnd } from './run-scheduler.js';
import type { StateAccess } from './state-access.js';
import { isDeadLocalWorker, newWorkerId } from './worker-identity.js';

export interface QueueWorkerOptions {
  access: StateAccess;
  stateSchema: string;
  project(): Promise<LoadedProject>;
  /** Runs these syncs for a dbt invocation and resolves when the run ended. */
  run(syncIds: string[], invocationId: string): Promise<RunEnd>;
  log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
  /** Pause between looks at an empty queue. */
  pollMs?: number;
  /** How long a claim holds without renewal; another worker takes the entries over after it. */
  leaseMs?: number;
  workerId?: string;
}

export interface ProcessedInvocation {
  invocationId: string;
  models: string[];
  outcome: QueueOutcome | 'released';
}

export const DEFAULT_LEASE_MS = 60_000;

/**
 * Claims what `spoke.enqueue(results)` queued, one dbt invocation at a time, and syncs exactly
 * the models of that invocation. Entries are finished only once their run ended; while it
 * runs the lease is renewed, so a worker that dies leaves entries another worker reclaims.
 */
export class QueueWorker {
  readonly workerId: string;
  private readonly leaseMs: number;
  private stopped = false;
  private readonly wake = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(private readonly options: QueueWorkerOptions) {
    this.workerId = options.workerId ?? newWorkerId();
    // DuckDB: the file is not open while a run holds it, so a lease cannot be renewed and lasts
    // the run limit. The file is local, so a worker that died is told by its pid instead.
    this.leaseMs = options.leaseMs ?? (options.access.concurrent ? DEFAULT_LEASE_MS : DEFAULT_RUN_TIMEOUT_MS);
  }

  /** Works the queue in the background until stop(). */
  start(): void {
    this.loop ??= (async () => {
      while (!this.stopped) {
        const processed = await this.next().catch((error: unknown) => {
          this.options.log(
            'error',
            `queue worker: ${redact(error instanceof Error ? error.message : String(error))}`,
          );
          return null;
        });
        if (processed === null && !this.stopped) {
          await sleep(this.options.pollMs ?? 2000, undefined, { signal: this.wake.signal }).catch(() => {});
        }
      }
    })();
  }

  /** Claims nothing more; resolves once the invocation being synced (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
  }

  /** Works the queue until it is empty (`spoke sync --from-queue`). */
  async drain(): Promise<ProcessedInvocation[]> {
    const processed: ProcessedInvocation[] = [];
    while (!this.stopped) {
      const next = await this.next();
      if (!next) break;
      processed.push(next);
      // Given back (another run holds its syncs): claiming it again now would yield again.
      if (next.outcome === 'released') break;
    }
    return processed;
  }

  /** Claims and syncs the oldest waiting invocation; null when the queue is empty. */
  async next(): Promise<ProcessedInvocation | null> {
    const claim = await this.withQueue(async (queue) => {
      if (!this.options.access.concurrent) {
        for (const dead of await queue.expireLeasesOfDead(isDeadLocalWorker)) {
          this.options.log('warn', `queue: worker ${dead} died holding entries; taking them over`);
        }
      }
      return queue.claim(this.workerId, this.leaseMs);
    });
    if (!claim) return null;
    const models = claim.entries.map((entry) => entry.model);
    this.options.log('info', `queue: claimed dbt invocation ${claim.invocationId} (${models.join(', ')})`, {
      invocationId: claim.invocationId,
      worker: this.workerId,
    });
    const ids = claim.entries.map((entry) => entry.id);
    const renewal = this.options.access.concurrent ? this.renewWhileRunning(ids) : null;
    let outcome: QueueOutcome | 'released';
    try {
      outcome = await this.sync(claim);
    } finally {
      renewal?.stop();
    }
    if (outcome === 'released') await this.withQueue((queue) => queue.release(this.workerId, ids));
    else await this.withQueue((queue) => queue.finish(this.workerId, ids, outcome as QueueOutcome));
    this.options.log(
      'info',
      `queue: dbt invocation ${claim.invocationId} ${outcome === 'released' ? 'given back unsynced' : outcome.status}${
        outcome !== 'released' && outcome.error ? `: ${outcome.error}` : ''
      }`,
      { invocationId: claim.invocationId, ...(outcome === 'released' ? {} : { runId: outcome.runId }) },
    );
    return { invocationId: claim.invocationId, models, outcome };
  }

  private async sync(claim: ClaimedInvocation): Promise<QueueOutcome | 'released'> {
    let syncIds: string[];
    try {
      const project = await this.currentProject();
      const built = new Set(claim.entries.map((entry) => entry.uniqueId));
      syncIds = project.specs.filter((spec) => built.has(spec.uniqueId)).map((spec) => spec.id);
    } catch (error) {
      return { status: 'failed', runId: null, error: redact(errorText(error)) };
    }
    if (syncIds.length === 0) {
      return {
        status: 'failed',
        runId: null,
        error:
          'none of these models has a sync in the project as the worker loaded it (target/manifest.json); ' +
          'run the worker in the dbt project that queued them, after dbt parsed it',
      };
    }
    const end = await this.options.run(syncIds, claim.invocationId);
    // Not run (shutting down), or yielded to another run holding the syncs: still to be synced.
    if (end.status === 'not_run' || end.status === 'locked') return 'released';
    // A run that ended (whatever its records did) is done; its outcomes are in the run history.
    if (end.status === 'success' || end.status === 'failed')
      return { status: 'done', runId: end.runId, error: null };
    return { status: 'failed', runId: end.runId, error: end.error };
  }

  /**
   * The project as on disk. The dbt that queued the entries commits them from its on-run-end
   * hook and writes its artifacts just after, so a read that catches them half-written is tried again.
   */
  private async currentProject(): Promise<LoadedProject> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.project();
      } catch (error) {
        if (attempt >= 3) throw error;
        await sleep(1000);
      }
    }
  }

  private renewWhileRunning(ids: string[]): { stop(): void } {
    const timer = setInterval(
      () => {
        this.withQueue((queue) => queue.renew(this.workerId, ids, this.leaseMs))
          .then((held) => {
            if (!held) this.options.log('warn', `queue: another worker took over entries ${ids.join(', ')}`);
          })
          .catch((error: unknown) =>
            this.options.log('warn', `queue: lease renewal failed: ${redact(errorText(error))}`),
          );
      },
      Math.max(250, Math.floor(this.leaseMs / 3)),
    );
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  private withQueue<T>(work: (queue: SyncQueue) => Promise<T>): Promise<T> {
    return this.options.access.use(({ warehouse }) =>
      work(new SyncQueue(warehouse.sql, this.options.stateSchema)),
    );
  }
}

/** Redshift has no SKIP LOCKED, so workers there could claim one entry twice. */
export function assertQueueSupported(type: WarehouseType, howToTurnOff: string): void {
  if (type !== 'redshift') return;
  throw new ConfigError(
    'The queue worker needs PostgreSQL (row locks with SKIP LOCKED) or DuckDB, and this target is Redshift. ' +
      `Run \`spoke dbt build\` or \`spoke sync\` after dbt instead${howToTurnOff}.`,
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

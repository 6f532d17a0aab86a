import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Reporter, RunResult, SyncResult } from '../lifecycle.js';

/** Record outcomes counted per sync, as `status` label values. */
const RECORD_STATUSES = [
  'created',
  'updated',
  'deleted',
  'failed',
  'invalid',
  'skipped',
  'unchanged',
] as const;

const DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

export interface RunMetricsOptions {
  /** Entries waiting in the sync queue, read when Prometheus scrapes. */
  queueDepth?: () => Promise<number | null>;
  /** Runs started by this process that have not ended. */
  runsInProgress?: () => number;
}

/**
 * The Prometheus metrics of every run this process makes, fed as a reporter on the run
 * lifecycle like every other output. One instance lives as long as the server; `reporter()`
 * is handed to each run.
 */
export class RunMetrics {
  readonly registry = new Registry();
  private readonly records: Counter<'sync' | 'status'>;
  private readonly runs: Counter<'status'>;
  private readonly runDuration: Histogram<'status'>;
  private readonly syncDuration: Histogram<'sync' | 'status'>;
  private readonly lastSuccess: Gauge<'sync'>;
  private readonly rateLimitWaits: Histogram<'destination'>;

  constructor(options: RunMetricsOptions = {}) {
    const registers = [this.registry];
    // The process's own health: CPU, memory, event-loop lag, open handles.
    collectDefaultMetrics({ register: this.registry, prefix: 'spoke_' });
    this.records = new Counter({
      name: 'spoke_records_total',
      help: 'Records by outcome, per sync (created, updated, deleted, failed, invalid, skipped, unchanged).',
      labelNames: ['sync', 'status'],
      registers,
    });
    this.runs = new Counter({
      name: 'spoke_runs_total',
      help: 'Runs ended, by status (success, failed).',
      labelNames: ['status'],
      registers,
    });
    this.runDuration = new Histogram({
      name: 'spoke_run_duration_seconds',
      help: 'Duration of whole runs.',
      labelNames: ['status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.syncDuration = new Histogram({
      name: 'spoke_sync_duration_seconds',
      help: 'Duration of each sync within a run (planning included).',
      labelNames: ['sync', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'spoke_sync_last_success_timestamp_seconds',
      help: 'When the sync last ran to the end (success or partial), as a Unix time.',
      labelNames: ['sync'],
      registers,
    });
    this.rateLimitWaits = new Histogram({
      name: 'spoke_rate_limit_wait_seconds',
      help: "Time requests waited for a destination's rate limit (its window, or a pause after a 429) before leaving; only requests that waited are observed.",
      labelNames: ['destination'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    const { queueDepth, runsInProgress } = options;
    if (queueDepth) {
      new Gauge({
        name: 'spoke_queue_depth',
        help: 'Entries of the sync queue waiting for a worker (queued, or held by a worker whose lease expired).',
        registers,
        async collect() {
          const depth = await queueDepth().catch(() => null);
          if (depth !== null) this.set(depth);
        },
      });
    }
    if (runsInProgress) {
      new Gauge({
        name: 'spoke_runs_in_progress',
        help: 'Runs this server started or queued that have not ended.',
        registers,
        collect() {
          this.set(runsInProgress());
        },
      });
    }
  }

  /** Last successes recorded before this process started, so the gauge survives restarts. */
  seedLastSuccess(bySync: ReadonlyMap<string, number>): void {
    for (const [sync, at] of bySync) if (Number.isFinite(at)) this.lastSuccess.set({ sync }, at / 1000);
  }

  reporter(): Reporter {
    let dryRun = false;
    return {
      onRunStart: (run) => {
        dryRun = run.dryRun;
      },
      onSyncEnd: (result) => {
        if (!dryRun) this.syncEnded(result);
      },
      onRateLimitWait: (destination, waitedMs) => {
        this.rateLimitWaits.observe({ destination }, waitedMs / 1000);
      },
      onRunEnd: (result) => {
        if (!dryRun) this.runEnded(result);
      },
    };
  }

  private syncEnded(result: SyncResult): void {
    for (const status of RECORD_STATUSES) {
      if (result[status] > 0) this.records.inc({ sync: result.id, status }, result[status]);
    }
    this.syncDuration.observe({ sync: result.id, status: result.status }, result.durationMs / 1000);
    if (result.status === 'success' || result.status === 'partial')
      this.lastSuccess.set({ sync: result.id }, Date.now() / 1000);
  }

  private runEnded(result: RunResult): void {
    this.runs.inc({ status: result.status });
    this.runDuration.observe({ status: result.status }, result.durationMs / 1000);
  }
}

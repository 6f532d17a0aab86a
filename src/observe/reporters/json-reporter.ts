import type { AlertDelivery, Reporter, RunResult, SyncResult } from '../lifecycle.js';

/** The `--json` document's per-sync entry: stable field names scripts can rely on. */
export function syncJson(sync: SyncResult) {
  return {
    id: sync.id,
    model: sync.model,
    destination: sync.destination,
    object: sync.object,
    status: sync.status,
    ...(sync.reason ? { reason: sync.reason } : {}),
    attempted: sync.attempted,
    created: sync.created,
    updated: sync.updated,
    deleted: sync.deleted,
    failed: sync.failed,
    invalid: sync.invalid,
    skipped: sync.skipped,
    unchanged: sync.unchanged,
    still_failing: sync.stillFailing,
    errors: sync.errors,
    errors_omitted: sync.errorsOmitted,
    still_failing_errors: sync.stillFailingErrors.map((group) => ({
      code: group.code,
      count: group.count,
      since: group.since,
      since_run_id: group.sinceRunId,
      samples: group.samples,
    })),
    plan_ms: sync.planMs,
    duration_ms: sync.durationMs,
  };
}

export function runJson(run: RunResult) {
  return {
    run_id: run.runId,
    target: run.target,
    invocation_id: run.invocationId,
    dry_run: run.dryRun,
    status: run.status,
    duration_ms: run.durationMs,
    // Peak resident memory of this process so far: what a scheduler must provision.
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    syncs: run.syncs.map(syncJson),
  };
}

/** Collects the run and hands its JSON document to the caller once it ends. */
export class JsonReporter implements Reporter {
  document: (ReturnType<typeof runJson> & { alerts: ReturnType<typeof alertJson>[] }) | null = null;
  private readonly alerts: ReturnType<typeof alertJson>[] = [];

  onRunEnd(run: RunResult): void {
    this.document = { ...runJson(run), alerts: this.alerts };
  }

  onAlertDelivery(delivery: AlertDelivery): void {
    this.alerts.push(alertJson(delivery));
  }
}

function alertJson(delivery: AlertDelivery) {
  return {
    message_id: delivery.messageId,
    kind: delivery.kind,
    channel: delivery.channel,
    delivered: delivery.delivered,
    ...(delivery.error ? { error: delivery.error } : {}),
  };
}

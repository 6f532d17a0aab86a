import type { AlertMessage } from '../message.js';
import { title } from './summary.js';

/** The generic webhook's JSON body (version 1): the alert as data, snake_case. */
export function webhookView(message: AlertMessage, sentAt: Date) {
  return {
    version: 1,
    id: message.id,
    kind: message.kind,
    title: title(message),
    run_id: message.runId,
    target: message.target,
    created_at: message.createdAt,
    sent_at: sentAt.toISOString(),
    syncs: message.syncs.map((sync) => ({
      id: sync.id,
      model: sync.model,
      destination: sync.destination,
      object: sync.object,
      status: sync.status,
      reason: sync.reason,
      counts: {
        rows: sync.counts.rows,
        attempted: sync.counts.attempted,
        created: sync.counts.created,
        updated: sync.counts.updated,
        deleted: sync.counts.deleted,
        failed: sync.counts.failed,
        invalid: sync.counts.invalid,
        still_failing: sync.counts.stillFailing,
      },
      newly_failing: sync.newlyFailing.map(snake),
      still_failing: sync.stillFailing.map(snake),
      failing_since: sync.failingSince,
      failing_runs: sync.failingRuns,
    })),
    more_syncs: message.moreSyncs,
    command: message.command,
    url: message.url,
  };
}

function snake(error: AlertMessage['syncs'][number]['newlyFailing'][number]) {
  return { code: error.code, count: error.count, sample_keys: error.sampleKeys, message: error.message };
}

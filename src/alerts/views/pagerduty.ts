import type { AlertMessage } from '../message.js';
import { countsLine, errorLine } from './summary.js';

/**
 * PagerDuty Events API v2: one event per sync, keyed by the sync id, so a failure opens the
 * sync's incident and its recovery resolves that same incident.
 */
export function pagerdutyEvents(message: AlertMessage, routingKey: string): unknown[] {
  if (message.kind === 'test') {
    return [
      {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: `dbt-spoke-test:${message.id}`,
        payload: {
          summary: `Test alert from dbt-spoke (target ${message.target}); resolve it`,
          source: 'dbt-spoke',
          severity: 'info',
        },
      },
    ];
  }
  return message.syncs.map((sync) =>
    message.kind === 'recovery'
      ? { routing_key: routingKey, event_action: 'resolve', dedup_key: sync.id }
      : {
          routing_key: routingKey,
          event_action: 'trigger',
          dedup_key: sync.id,
          payload: {
            summary:
              `dbt-spoke sync ${sync.id} is failing on target ${message.target}: ${sync.reason ?? 'records failed'}`.slice(
                0,
                1024,
              ),
            source: `dbt-spoke/${message.target}`,
            severity: 'error',
            component: `${sync.destination}.${sync.object}`,
            group: sync.model,
            class: 'sync failure',
            custom_details: {
              run_id: message.runId,
              counts: countsLine(sync),
              newly_failing: sync.newlyFailing.map(errorLine),
              still_failing: sync.stillFailing.map(errorLine),
              see: message.command,
              url: message.url,
            },
          },
        },
  );
}

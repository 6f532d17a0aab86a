import type { AlertSettings, SyncSpec } from '../config/types.js';
import { type AlertDelivery, emptyCounts, type SyncResult } from '../observe/lifecycle.js';
import type { AlertOutboxMessage, AlertStateRow, StateStore } from '../state/state-store.js';
import { deliverPending } from './deliver.js';
import { staleness, transition } from './health.js';
import { type AlertInput, buildMessage } from './message.js';

/**
 * What `spoke serve` does between runs: a healthy sync that has not succeeded for longer than
 * `max_staleness` turns failing (one alert, like any other), and deliveries that failed are
 * tried again once their backoff has passed.
 */
export async function alertsTick(
  state: StateStore,
  settings: AlertSettings,
  options: {
    specs: readonly SyncSpec[];
    target: string;
    now?: Date;
    onDelivery?: (delivery: AlertDelivery) => void;
  },
): Promise<AlertDelivery[]> {
  const now = options.now ?? new Date();
  if (settings.maxStalenessMs !== null) {
    const bySpec = new Map(options.specs.map((spec) => [spec.id, spec]));
    const states: AlertStateRow[] = [];
    const inputs: AlertInput[] = [];
    for (const current of await state.alertStates(options.specs.map((spec) => spec.id))) {
      if (current.health !== 'healthy') continue;
      const observation = staleness(current, now, settings.maxStalenessMs);
      const changed = transition(current.syncId, current, observation, {
        now,
        runId: null,
        recoverAfter: settings.recoverAfter,
      });
      const spec = bySpec.get(current.syncId);
      if (!changed || !spec || changed.event !== 'failure') continue;
      // Staleness is about time, not a run: keep the last run and the last success as they were.
      states.push({ ...changed.next, lastRunId: current.lastRunId, lastSuccessAt: current.lastSuccessAt });
      if (!spec.alerts?.mute) {
        inputs.push({
          event: 'failure',
          result: staleResult(spec),
          before: current,
          reason: observation?.health === 'failing' ? observation.reason : null,
        });
      }
    }
    const messages: AlertOutboxMessage[] = [];
    if (inputs.length > 0) {
      const message = buildMessage('failure', inputs, {
        runId: null,
        target: options.target,
        now,
        publicUrl: settings.publicUrl,
      });
      const deliveries = settings.channels.flatMap((channel) => {
        const syncIds = inputs
          .map((i) => i.result.id)
          .filter((id) => bySpec.get(id)?.alerts?.channels?.includes(channel.name) ?? true);
        return syncIds.length > 0 ? [{ channel: channel.name, syncIds }] : [];
      });
      if (deliveries.length > 0) {
        messages.push({
          messageId: message.id,
          kind: 'failure',
          runId: null,
          createdAt: now,
          payload: JSON.stringify(message),
          deliveries,
        });
        for (const row of states)
          if (inputs.some((i) => i.result.id === row.syncId)) row.lastMessageId = message.id;
      }
    }
    if (states.length > 0) await state.commitAlerts({ states, messages });
  }
  return deliverPending(state, settings, {
    now: () => now,
    onlyDue: true,
    ...(options.onDelivery ? { onDelivery: options.onDelivery } : {}),
  });
}

function staleResult(spec: SyncSpec): SyncResult {
  return {
    id: spec.id,
    model: spec.model,
    destination: spec.destination,
    object: spec.object,
    status: 'failed',
    rows: 0,
    ...emptyCounts(),
    errors: [],
    errorsOmitted: 0,
    stillFailingErrors: [],
    planMs: 0,
    durationMs: 0,
  };
}

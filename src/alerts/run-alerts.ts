import type { AlertSettings, SyncSpec } from '../config/types.js';
import type { SyncResult } from '../observe/lifecycle.js';
import type { AlertOutboxMessage, AlertStateRow, AlertWrites, StateStore } from '../state/state-store.js';
import { type HealthEvent, type Observation, observe, transition } from './health.js';
import { type AlertInput, buildMessage } from './message.js';

export interface RunAlertsInput {
  state: Pick<StateStore, 'alertStates'>;
  settings: AlertSettings;
  run: { runId: string; target: string; now: Date };
  specs: readonly SyncSpec[];
  results: readonly SyncResult[];
  /** The run stopped before or while syncing (a mapping problem, the state store): every sync not synced is failing. */
  stoppedBy?: string;
}

/**
 * What a run's end changes for alerts: each sync's health after this run, and one message per
 * kind of change (failure, recovery) listing the syncs that changed, with a delivery per
 * channel that routes any of them. Written in the run's end transaction; sent after it.
 */
export async function alertsForRun(input: RunAlertsInput): Promise<AlertWrites> {
  const { settings, run } = input;
  const bySpec = new Map(input.specs.map((spec) => [spec.id, spec]));
  const previous = new Map(
    (await input.state.alertStates(input.results.map((result) => result.id))).map((row) => [row.syncId, row]),
  );
  const states: AlertStateRow[] = [];
  const events: Record<HealthEvent, AlertInput[]> = { failure: [], recovery: [] };
  for (const result of input.results) {
    const spec = bySpec.get(result.id);
    const ratio = spec?.alerts?.failedRecordsRatio ?? settings.failedRecordsRatio;
    const observation: Observation =
      input.stoppedBy && result.status !== 'success' && result.status !== 'partial'
        ? { health: 'failing', reason: input.stoppedBy }
        : observe(result, ratio);
    const before = previous.get(result.id) ?? null;
    const changed = transition(result.id, before, observation, {
      now: run.now,
      runId: run.runId,
      recoverAfter: settings.recoverAfter,
    });
    if (!changed) continue;
    states.push(changed.next);
    if (!changed.event || spec?.alerts?.mute) continue;
    events[changed.event].push({
      event: changed.event,
      result,
      before,
      reason: observation?.health === 'failing' ? observation.reason : null,
    });
  }

  const messages: AlertOutboxMessage[] = [];
  for (const kind of ['failure', 'recovery'] as const) {
    const inputs = events[kind];
    if (inputs.length === 0) continue;
    const deliveries = settings.channels.flatMap((channel) => {
      const syncIds = inputs
        .map((i) => i.result.id)
        .filter((id) => bySpec.get(id)?.alerts?.channels?.includes(channel.name) ?? true);
      return syncIds.length > 0 ? [{ channel: channel.name, syncIds }] : [];
    });
    if (deliveries.length === 0) continue;
    const message = buildMessage(kind, inputs, { ...run, publicUrl: settings.publicUrl });
    messages.push({
      messageId: message.id,
      kind,
      runId: run.runId,
      createdAt: run.now,
      payload: JSON.stringify(message),
      deliveries,
    });
    for (const state of states) {
      if (inputs.some((i) => i.result.id === state.syncId)) state.lastMessageId = message.id;
    }
  }
  return { states, messages };
}

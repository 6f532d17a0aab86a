import type { AlertSettings } from '../config/types.js';
import type { AlertDelivery } from '../observe/lifecycle.js';
import type { StateStore } from '../state/state-store.js';
import { redact } from '../util/redact.js';
import type { AlertMessage } from './message.js';
import { sendAlert } from './send.js';

const FIRST_RETRY_MS = 60_000;
const LONGEST_RETRY_MS = 60 * 60_000;

/** After a failed delivery, wait longer each time: 1, 2, 4 … minutes, at most an hour. */
export function nextAttempt(attempts: number, now: Date): Date {
  return new Date(
    now.getTime() + Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1)),
  );
}

/**
 * Sends what the outbox holds for each channel and records how it went. A run delivers every
 * pending message at its end (what an earlier run could not send goes out now); `spoke serve`
 * delivers those due (`onlyDue`), with the backoff. A channel that fails never fails a sync:
 * the delivery stays pending. Each message keeps its id, so a receiver that gets one twice
 * (a delivery whose answer was lost) can keep one.
 */
export async function deliverPending(
  state: StateStore,
  settings: AlertSettings,
  options: { now?: () => Date; onlyDue?: boolean; onDelivery?: (delivery: AlertDelivery) => void } = {},
): Promise<AlertDelivery[]> {
  const now = options.now ?? (() => new Date());
  const pending = await state.pendingDeliveries(options.onlyDue ? now() : undefined);
  const results: AlertDelivery[] = [];
  for (const delivery of pending) {
    const channel = settings.channels.find((candidate) => candidate.name === delivery.channel);
    const base = { messageId: delivery.messageId, kind: delivery.kind, channel: delivery.channel };
    let outcome: AlertDelivery;
    const attemptedAt = now();
    try {
      if (!channel)
        throw new Error(`channel ${delivery.channel} is no longer in spoke.yml's alerts.channels`);
      const message = JSON.parse(delivery.payload) as AlertMessage;
      await sendAlert(
        channel,
        { ...message, syncs: message.syncs.filter((s) => delivery.syncIds.includes(s.id)) },
        attemptedAt,
      );
      await state.recordDelivery({ ...base, delivered: true, attemptedAt });
      outcome = { ...base, delivered: true };
    } catch (error) {
      const text = redact(error instanceof Error ? error.message : String(error));
      outcome = { ...base, delivered: false, error: text };
      await state
        .recordDelivery({
          ...base,
          delivered: false,
          attemptedAt,
          nextAttemptAt: nextAttempt(delivery.attempts + 1, attemptedAt),
          error: text,
        })
        .catch(() => {});
    }
    results.push(outcome);
    options.onDelivery?.(outcome);
  }
  return results;
}

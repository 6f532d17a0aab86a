import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboundRecord, RecordOutcome } from '../destinations/contract.js';

export interface RetryPolicy {
  /** Total tries per record, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

/**
 * Sends records and resends only those whose failure was transient, with exponential backoff
 * and jitter. `onAttempt` sees every answer (every attempt is logged) before any retry. Returns
 * exactly one final outcome per input record, in input order, whatever the destination answered.
 * Rate limits are the destination's to wait out; they do not reach this loop as failures.
 */
export async function writeWithRetry(
  records: OutboundRecord[],
  send: (records: OutboundRecord[]) => Promise<RecordOutcome[]>,
  policy: RetryPolicy,
  onAttempt: (outcomes: RecordOutcome[], attempt: number) => Promise<void>,
): Promise<RecordOutcome[]> {
  const final = new Map<string, RecordOutcome>();
  let pending = records;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const answered = new Map((await send(pending)).map((outcome) => [outcome.key, outcome]));
    const outcomes = pending.map(
      (record): RecordOutcome =>
        answered.get(record.key) ?? {
          key: record.key,
          status: 'failed',
          error: {
            code: 'NO_OUTCOME',
            message: 'the destination returned no result for this record',
            transient: true,
          },
        },
    );
    await onAttempt(outcomes, attempt);
    const retry: OutboundRecord[] = [];
    outcomes.forEach((outcome, index) => {
      final.set(outcome.key, outcome);
      if (outcome.status === 'failed' && outcome.error?.transient && attempt < policy.attempts)
        retry.push(pending[index]!);
    });
    pending = retry;
    if (pending.length > 0) {
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(backoff / 2 + Math.random() * (backoff / 2));
    }
  }
  return records.map((record) => final.get(record.key)!);
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Destination, RecordOutcome, WriteRequest } from '../destinations/contract.js';

export interface RetryPolicy {
  /** Total tries per record, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Writes one batch and resends only the records whose failure was transient, with exponential
 * backoff and jitter. Returns exactly one outcome per input record, in input order, whatever
 * the destination answered.
 */
export async function writeWithRetry(
  destination: Destination,
  request: WriteRequest,
  policy: RetryPolicy,
  limit: Limiter,
): Promise<RecordOutcome[]> {
  const final = new Map<string, RecordOutcome>();
  let pending = request.records;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const outcomes = await limit(() => destination.write({ ...request, records: pending }));
    const byKey = new Map(outcomes.map((outcome) => [outcome.key, outcome]));
    const retry = [];
    for (const record of pending) {
      const outcome = byKey.get(record.key) ?? {
        key: record.key,
        status: 'failed' as const,
        error: {
          code: 'NO_OUTCOME',
          message: `${destination.name} returned no result for this record.`,
          transient: true,
        },
      };
      final.set(record.key, outcome);
      if (outcome.status === 'failed' && outcome.error?.transient && attempt < policy.attempts)
        retry.push(record);
    }
    pending = retry;
    if (pending.length > 0) {
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(backoff / 2 + Math.random() * (backoff / 2));
    }
  }
  return request.records.map((record) => final.get(record.key)!);
}

import { setTimeout as sleep } from 'node:timers/promises';
import { DestinationError } from '../errors.js';
import type { RetryPolicy } from './write-with-retry.js';

/**
 * Runs a check before writing (login, describe) again after a failure the destination did not
 * mean (a 5xx, a reset, a timeout), with the same policy as writes. The last error says how many
 * tries it took; a refusal (bad credentials, an unknown object) is thrown at once.
 */
export async function retryCheck<T>(
  check: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await check();
    } catch (error) {
      if (!(error instanceof DestinationError) || !error.retryable) throw error;
      if (attempt >= policy.attempts || signal?.aborted) {
        const tries = attempt === 1 ? '' : ` It failed ${attempt} times in a row; run again later.`;
        throw new DestinationError(error.code, `${error.message}${tries}`, true);
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(backoff / 2 + Math.random() * (backoff / 2), undefined, { signal }).catch(() => {});
    }
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboundRecord, OutcomeError, RecordOutcome } from '../destinations/contract.js';

export interface RetryPolicy {
  /** Total tries per record, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

/** Why a record's last try ended without an answer: the run was stopped (time limit, a failed commit). */
export function stoppedError(signal: AbortSignal): OutcomeError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'the run was stopped';
  return {
    code: 'RUN_STOPPED',
    message: `no answer before ${reason}; the record is resent by the next run`,
    transient: true,
    retryLater: true,
  };
}

/**
 * Sends records and resends only those whose failure was transient and worth another try now,
 * with exponential backoff and jitter. `onAttempt` sees every answer (every attempt is logged)
 * before any retry. Returns exactly one final outcome per input record, in input order, whatever
 * the destination answered. When `signal` aborts, a send still waiting for its answer is given
 * up (its records fail as transient and stay in flight) and nothing more is sent. Rate limits
 * are the destination's to wait out; they do not reach this loop as failures.
 */
export async function writeWithRetry(
  records: OutboundRecord[],
  send: (records: OutboundRecord[]) => Promise<RecordOutcome[]>,
  policy: RetryPolicy,
  onAttempt: (outcomes: RecordOutcome[], attempt: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<RecordOutcome[]> {
  const final = new Map<string, RecordOutcome>();
  let pending = records;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const answers = signal?.aborted ? [] : await untilStopped(send(pending), signal);
    const outcomes = inInputOrder(pending, answers) ?? matchByKey(pending, answers, signal);
    await onAttempt(outcomes, attempt);
    const retry: OutboundRecord[] = [];
    outcomes.forEach((outcome, index) => {
      const error = outcome.error;
      if (outcome.status === 'failed' && error?.transient && !error.retryLater && attempt < policy.attempts)
        retry.push(pending[index]!);
    });
    // The common case, answered at the first try: the answers are the result, in input order.
    if (attempt === 1 && retry.length === 0) return outcomes;
    for (const outcome of outcomes) final.set(outcome.key, outcome);
    pending = signal?.aborted ? [] : retry;
    if (pending.length > 0) {
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      // Stopped while waiting: the last answers stand, and nothing more is sent.
      await sleep(backoff / 2 + Math.random() * (backoff / 2), undefined, { signal }).catch(() => {});
      if (signal?.aborted) pending = [];
    }
  }
  return records.map((record) => final.get(record.key)!);
}

/** The answers when they are one per record in the records' order (as destinations answer), else null. */
function inInputOrder(records: OutboundRecord[], answers: RecordOutcome[]): RecordOutcome[] | null {
  if (answers.length !== records.length) return null;
  for (let i = 0; i < records.length; i++) if (answers[i]!.key !== records[i]!.key) return null;
  return answers;
}

/** One outcome per record, in the records' order: its answer, or a transient failure without one. */
function matchByKey(
  records: OutboundRecord[],
  answers: RecordOutcome[],
  signal: AbortSignal | undefined,
): RecordOutcome[] {
  const answered = new Map(answers.map((outcome) => [outcome.key, outcome]));
  const stopped = signal?.aborted ? stoppedError(signal) : null;
  return records.map(
    (record): RecordOutcome =>
      answered.get(record.key) ?? {
        key: record.key,
        status: 'failed',
        error: stopped ?? {
          code: 'NO_OUTCOME',
          message: 'the destination returned no result for this record',
          transient: true,
        },
      },
  );
}

/** The send's answer, or no answer at all once `signal` aborts (the request is abandoned). */
function untilStopped(
  sending: Promise<RecordOutcome[]>,
  signal: AbortSignal | undefined,
): Promise<RecordOutcome[]> {
  if (!signal) return sending;
  return new Promise((resolve, reject) => {
    const abandon = () => {
      sending.catch(() => {});
      resolve([]);
    };
    signal.addEventListener('abort', abandon, { once: true });
    sending.then(
      (outcomes) => {
        signal.removeEventListener('abort', abandon);
        resolve(outcomes);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abandon);
        reject(error);
      },
    );
  });
}

import type { OutcomeError, RecordOutcome } from '../contract.js';
import { type BatchError, batchErrorRefs, batchErrorToOutcome } from './errors.js';

/**
 * Turns one batch response into one outcome per key: results and errors are matched by what
 * they echo (never by position). An error naming no known input fails every unanswered key, but
 * as transient: it was not said about any one of them, so none is remembered as rejected.
 */
export function answerBatch<R>(
  keys: string[],
  response: { results?: R[]; errors?: BatchError[] },
  answer: (result: R) => RecordOutcome | undefined,
  keyOfRef: (ref: string) => string | undefined,
): Map<string, RecordOutcome> {
  const outcomes = new Map<string, RecordOutcome>();
  for (const result of response.results ?? []) {
    const outcome = answer(result);
    if (outcome) outcomes.set(outcome.key, outcome);
  }
  let unattributed: OutcomeError | undefined;
  for (const error of response.errors ?? []) {
    const targets = [...new Set(batchErrorRefs(error).flatMap((ref) => keyOfRef(ref) ?? []))].filter(
      (key) => !outcomes.has(key),
    );
    const detail = batchErrorToOutcome(error);
    if (targets.length === 0) unattributed ??= { ...detail, transient: true };
    for (const key of targets) outcomes.set(key, { key, status: 'failed', error: detail });
  }
  for (const key of keys) {
    if (outcomes.has(key)) continue;
    outcomes.set(key, {
      key,
      status: 'failed',
      error: unattributed ?? {
        code: 'NO_RESULT',
        message: 'HubSpot answered the batch without a result or an error for this record.',
        transient: true,
      },
    });
  }
  return outcomes;
}

export function failAll(keys: string[], error: OutcomeError): Map<string, RecordOutcome> {
  return new Map(keys.map((key) => [key, { key, status: 'failed', error }]));
}

import type { SyncResult } from '../observe/lifecycle.js';
import type { AlertStateRow } from '../state/state-store.js';

/** What one run says about a sync's health; null when the run says nothing about it. */
export type Observation = { health: 'healthy' } | { health: 'failing'; reason: string } | null;

/**
 * A sync is failing when it failed as a whole (it could not run: auth, unreachable, a plan
 * error; or too many of its rows are not synced), or when its share of rows not synced —
 * failed in this run, invalid, or still failing from earlier runs — is above `ratio`. A sync
 * skipped because its model or an upstream sync failed is not observed: the failure is reported
 * where it happened.
 */
export function observe(result: SyncResult, ratio: number): Observation {
  if (result.status === 'skipped') return null;
  if (result.status === 'failed') return { health: 'failing', reason: result.reason ?? 'the sync failed' };
  const bad = result.failed + result.invalid + result.stillFailing;
  const scope = Math.max(result.rows + result.deleted, result.attempted + result.invalid, 1);
  if (bad > 0 && bad / scope > ratio) {
    return {
      health: 'failing',
      reason: `${bad} of ${scope} records are not synced (${((bad / scope) * 100).toFixed(1)}%), above the alert threshold of ${ratio * 100}%`,
    };
  }
  return { health: 'healthy' };
}

export type HealthEvent = 'failure' | 'recovery';

export interface Transition {
  next: AlertStateRow;
  event: HealthEvent | null;
}

/**
 * The state machine over runs: healthy → failing sends one failure alert; failing → failing
 * sends nothing, whatever the errors; failing → healthy sends one recovery once the sync has
 * been healthy for `recoverAfter` runs in a row (a flapping sync stays failing until then).
 */
export function transition(
  syncId: string,
  previous: AlertStateRow | null,
  observation: Observation,
  options: { now: Date; runId: string | null; recoverAfter: number },
): Transition | null {
  if (!observation) return null;
  const { now, runId } = options;
  const base: AlertStateRow = previous ?? {
    syncId,
    health: 'healthy',
    since: now,
    failingRuns: 0,
    healthyRuns: 0,
    lastRunId: null,
    lastObservedAt: now,
    lastSuccessAt: null,
    lastMessageId: null,
  };
  const seen = { ...base, lastRunId: runId, lastObservedAt: now };
  if (observation.health === 'failing') {
    if (base.health === 'healthy') {
      return {
        next: { ...seen, health: 'failing', since: now, failingRuns: 1, healthyRuns: 0 },
        event: 'failure',
      };
    }
    return { next: { ...seen, failingRuns: base.failingRuns + 1, healthyRuns: 0 }, event: null };
  }
  const succeeded = { ...seen, lastSuccessAt: now };
  if (base.health === 'healthy') return { next: { ...succeeded, healthyRuns: 0 }, event: null };
  const healthyRuns = base.healthyRuns + 1;
  if (healthyRuns < options.recoverAfter) return { next: { ...succeeded, healthyRuns }, event: null };
  return {
    next: { ...succeeded, health: 'healthy', since: now, failingRuns: 0, healthyRuns: 0 },
    event: 'recovery',
  };
}

/** Stale: healthy, but without a success for longer than `maxStalenessMs` (checked between runs). */
export function staleness(state: AlertStateRow, now: Date, maxStalenessMs: number): Observation {
  const last = state.lastSuccessAt ?? state.since;
  if (now.getTime() - last.getTime() <= maxStalenessMs) return null;
  const hours = ((now.getTime() - last.getTime()) / 3_600_000).toFixed(1);
  return { health: 'failing', reason: `no successful run for ${hours}h, longer than max_staleness` };
}

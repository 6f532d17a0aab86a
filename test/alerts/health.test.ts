import { describe, expect, it } from 'vitest';
import { observe, transition } from '../../src/alerts/health.js';
import { emptyCounts, type SyncResult } from '../../src/observe/lifecycle.js';
import type { AlertStateRow } from '../../src/state/state-store.js';

function result(overrides: Partial<SyncResult> = {}): SyncResult {
  return {
    id: 'accounts:salesforce.Account',
    model: 'accounts',
    destination: 'salesforce',
    object: 'Account',
    status: 'success',
    rows: 100,
    ...emptyCounts(),
    errors: [],
    errorsOmitted: 0,
    stillFailingErrors: [],
    planMs: 0,
    durationMs: 0,
    ...overrides,
  };
}

describe('sync health', () => {
  it('counts failed, invalid and still-failing rows of the scope against the threshold', () => {
    expect(observe(result({ status: 'partial', failed: 5 }), 0.05)).toEqual({ health: 'healthy' });
    expect(observe(result({ status: 'partial', failed: 3, stillFailing: 3 }), 0.05)).toMatchObject({
      health: 'failing',
      reason: expect.stringContaining('6 of 100 records are not synced'),
    });
    expect(observe(result({ status: 'partial', stillFailing: 1 }), 0)).toMatchObject({ health: 'failing' });
  });

  it('is failing when the sync failed as a whole, and unobserved when it was skipped for an upstream', () => {
    expect(observe(result({ status: 'failed', reason: 'could not log in' }), 0.5)).toEqual({
      health: 'failing',
      reason: 'could not log in',
    });
    expect(observe(result({ status: 'skipped', reason: 'upstream x failed' }), 0)).toBeNull();
  });

  it('alerts once on failure, stays quiet while failing, and recovers after recover_after healthy runs', () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    const events: (string | null)[] = [];
    let state: AlertStateRow | null = null;
    const failing = { health: 'failing' as const, reason: 'x' };
    const healthy = { health: 'healthy' as const };
    const sequence = [healthy, failing, failing, healthy, failing, healthy, healthy, healthy];
    sequence.forEach((observation, minute) => {
      const next = transition('s', state, observation, {
        now: at(minute),
        runId: `r${minute}`,
        recoverAfter: 2,
      });
      events.push(next?.event ?? null);
      state = next!.next;
    });
    // A flap (healthy once, then failing again) does not recover; two healthy runs in a row do.
    expect(events).toEqual([null, 'failure', null, null, null, null, 'recovery', null]);
    expect(state).toMatchObject({ health: 'healthy', since: at(6), failingRuns: 0, lastRunId: 'r7' });
  });

  it('keeps what it knew about a sync that a run did not observe', () => {
    expect(transition('s', null, null, { now: new Date(), runId: 'r', recoverAfter: 1 })).toBeNull();
  });
});

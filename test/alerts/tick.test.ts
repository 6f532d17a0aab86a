import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsTick } from '../../src/alerts/tick.js';
import type { AlertSettings } from '../../src/config/types.js';
import type { StateStore } from '../../src/state/state-store.js';
import { accountsSpec, type StateWarehouse, stateWarehouse } from '../state/fixtures.js';
import { type HttpReceiver, httpReceiver } from '../support/alert-receivers.js';

const hour = 3_600_000;

describe('alerts between runs (spoke serve)', () => {
  let db: StateWarehouse;
  let store: StateStore;
  let webhook: HttpReceiver;
  let settings: AlertSettings;

  beforeAll(async () => {
    db = await stateWarehouse('duckdb');
    store = await db.store();
    await store.migrate();
    webhook = await httpReceiver();
    settings = {
      channels: [{ type: 'webhook', name: 'webhook', url: `${webhook.url}/hook` }],
      disabledChannels: [],
      failedRecordsRatio: 0.05,
      recoverAfter: 1,
      maxStalenessMs: 6 * hour,
      publicUrl: null,
    };
  });
  afterAll(async () => {
    await webhook?.close();
    await db?.cleanup();
  });

  it('turns a sync without a success for longer than max_staleness failing, once, and retries deliveries when due', async () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const fresh = accountsSpec(db.relation('a'), { id: 'fresh' });
    const stale = accountsSpec(db.relation('b'), { id: 'stale' });
    const row = (syncId: string, lastSuccess: Date) => ({
      syncId,
      health: 'healthy' as const,
      since: new Date(lastSuccess.getTime() - hour),
      failingRuns: 0,
      healthyRuns: 0,
      lastRunId: 'r-1',
      lastObservedAt: lastSuccess,
      lastSuccessAt: lastSuccess,
      lastMessageId: null,
    });
    await store.commitAlerts({
      states: [
        row('fresh', new Date(now.getTime() - hour)),
        row('stale', new Date(now.getTime() - 10 * hour)),
      ],
      messages: [],
    });

    webhook.status = 500;
    const first = await alertsTick(store, settings, { specs: [fresh, stale], target: 'prod', now });
    expect(first).toEqual([expect.objectContaining({ channel: 'webhook', delivered: false })]);
    const states = new Map((await store.alertStates()).map((s) => [s.syncId, s.health]));
    expect(Object.fromEntries(states)).toEqual({ fresh: 'healthy', stale: 'failing' });
    const alert = webhook.requests[0]!.json as { kind: string; syncs: { id: string; reason: string }[] };
    expect(alert.kind).toBe('failure');
    expect(alert.syncs.map((s) => [s.id, s.reason])).toEqual([
      ['stale', 'no successful run for 10.0h, longer than max_staleness'],
    ]);

    // Not due yet (the first retry waits a minute): nothing is sent.
    webhook.status = 200;
    expect(
      await alertsTick(store, settings, {
        specs: [fresh, stale],
        target: 'prod',
        now: new Date(now.getTime() + 10_000),
      }),
    ).toEqual([]);
    // Due: sent, and the stale sync, failing already, raises nothing new.
    const later = await alertsTick(store, settings, {
      specs: [fresh, stale],
      target: 'prod',
      now: new Date(now.getTime() + 2 * 60_000),
    });
    expect(later).toEqual([expect.objectContaining({ delivered: true })]);
    expect(webhook.requests).toHaveLength(2);
    expect(await store.pendingDeliveries()).toEqual([]);
  });
});

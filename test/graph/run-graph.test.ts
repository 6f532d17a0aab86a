import { describe, expect, it } from 'vitest';
import type { SyncSpec } from '../../src/config/types.js';
import { runGraph } from '../../src/graph/run-graph.js';
import { buildSyncGraph } from '../../src/graph/sync-graph.js';
import { spec } from './specs.js';

/** Resolves once `count` callers arrived; rejects if they never all arrive (no concurrency). */
function barrier(count: number, timeoutMs = 2000) {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve, reject) => {
    release = resolve;
    setTimeout(() => reject(new Error(`only ${arrived} of ${count} ran at once`)), timeoutMs).unref();
  });
  return async () => {
    arrived += 1;
    if (arrived === count) release();
    await all;
  };
}

describe('runGraph', () => {
  it('runs independent syncs at the same time and starts a dependent only after its upstreams end', async () => {
    const graph = buildSyncGraph([
      spec('accounts:salesforce.Account'),
      spec('companies:hubspot.companies'),
      spec('contacts:salesforce.Contact', { after: ['accounts', 'companies'] }),
    ]);
    const events: string[] = [];
    const together = barrier(2);
    const status = await runGraph(
      graph,
      async (s) => {
        events.push(`start ${s.model}`);
        if (s.model !== 'contacts') await together();
        events.push(`end ${s.model}`);
        return 'ok';
      },
      { concurrency: 4, onSkip: () => {} },
    );
    expect(events.slice(0, 2).sort()).toEqual(['start accounts', 'start companies']);
    expect(events.slice(4)).toEqual(['start contacts', 'end contacts']);
    expect([...status]).toEqual([
      ['accounts:salesforce.Account', 'ok'],
      ['companies:hubspot.companies', 'ok'],
      ['contacts:salesforce.Contact', 'ok'],
    ]);
  });

  it('never runs more syncs at once than the concurrency allows', async () => {
    const graph = buildSyncGraph(['a', 'b', 'c', 'd', 'e'].map((m) => spec(`${m}:hubspot.${m}`)));
    let active = 0;
    let peak = 0;
    await runGraph(
      graph,
      async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
        return 'ok';
      },
      { concurrency: 2, onSkip: () => {} },
    );
    expect(peak).toBe(2);
  });

  it('skips everything downstream of a failed sync with the reason, and still runs unrelated syncs', async () => {
    const graph = buildSyncGraph([
      spec('accounts:salesforce.Account'),
      spec('contacts:salesforce.Contact', { after: ['accounts'] }),
      spec('tasks:salesforce.Task', { after: ['contacts:salesforce.Contact'] }),
      spec('companies:hubspot.companies'),
    ]);
    const ran: string[] = [];
    const skipped: Array<[string, string]> = [];
    const status = await runGraph(
      graph,
      async (s: SyncSpec) => {
        ran.push(s.model);
        return s.model === 'accounts' ? 'failed' : 'ok';
      },
      { concurrency: 2, onSkip: (s, reason) => skipped.push([s.id, reason]) },
    );
    expect(ran.sort()).toEqual(['accounts', 'companies']);
    expect(skipped).toEqual([
      ['contacts:salesforce.Contact', 'upstream accounts:salesforce.Account failed'],
      ['tasks:salesforce.Task', 'upstream contacts:salesforce.Contact was skipped'],
    ]);
    expect(status.get('tasks:salesforce.Task')).toBe('skipped');
    expect(status.get('companies:hubspot.companies')).toBe('ok');
  });

  it('counts a sync that throws as failed and skips its dependents once', async () => {
    const graph = buildSyncGraph([
      spec('accounts:salesforce.Account'),
      spec('companies:hubspot.companies'),
      spec('contacts:salesforce.Contact', { after: ['accounts', 'companies'] }),
    ]);
    const errors: string[] = [];
    const skipped: string[] = [];
    const status = await runGraph(
      graph,
      async (s) => {
        if (s.model === 'companies') throw new Error('HubSpot is down');
        return 'ok';
      },
      {
        concurrency: 1,
        onSkip: (s, reason) => skipped.push(`${s.id}: ${reason}`),
        onError: (s, error) => errors.push(`${s.id}: ${(error as Error).message}`),
      },
    );
    expect(errors).toEqual(['companies:hubspot.companies: HubSpot is down']);
    expect(skipped).toEqual(['contacts:salesforce.Contact: upstream companies:hubspot.companies failed']);
    expect(status.get('companies:hubspot.companies')).toBe('failed');
  });
});

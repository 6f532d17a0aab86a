import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutboundRecord } from '../../src/destinations/contract.js';
import { createHubspotDestination } from '../../src/destinations/hubspot/destination.js';
import { HUBSPOT_SANDBOX_TOKEN } from '../../src/sandbox/hubspot/server.js';
import type { HubspotFault } from '../../src/sandbox/hubspot/types.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { company, type RunningEmulator, startEmulator } from './hubspot-emulator.js';

let store: SandboxStore;
let emulator: RunningEmulator;
let fault: ((url: string) => HubspotFault | undefined) | undefined;

beforeAll(async () => {
  store = await SandboxStore.open(null);
  emulator = await startEmulator(store, { fault: (request) => fault?.(request.url) });
});
afterAll(async () => {
  await emulator.close();
  await store.close();
});
beforeEach(() => {
  store.clear();
  emulator.arrivals.length = 0;
  fault = undefined;
});

const destination = () =>
  createHubspotDestination({ name: 'hubspot', baseUrl: emulator.url, accessToken: HUBSPOT_SANDBOX_TOKEN });

const request = (operation: 'upsert' | 'delete', records: OutboundRecord[]) => ({
  object: 'companies',
  operation,
  match: 'wistia_account_id',
  records,
});

const archived = () =>
  store
    .records('hubspot', 'companies')
    .filter((r) => r.archived)
    .map((r) => r.fields.wistia_account_id)
    .sort();

async function seed(keys: string[]) {
  const outcomes = await destination().write(
    request(
      'upsert',
      keys.map((k) => company(k)),
    ),
  );
  return new Map(outcomes.map((o) => [o.key, o.destinationId as string]));
}

describe('HubSpot destination: delete (mirror mode archive)', () => {
  it('archives records by their destination id and reports each deleted with its id', async () => {
    const ids = await seed(['acc_1', 'acc_2', 'acc_3']);
    const outcomes = await destination().write(
      request('delete', [
        { ...company('acc_1'), destinationId: ids.get('acc_1') as string },
        { ...company('acc_2'), destinationId: ids.get('acc_2') as string },
      ]),
    );

    expect(outcomes).toEqual([
      { key: 'acc_1', status: 'deleted', destinationId: ids.get('acc_1') },
      { key: 'acc_2', status: 'deleted', destinationId: ids.get('acc_2') },
    ]);
    expect(archived()).toEqual(['acc_1', 'acc_2']);
    expect(emulator.arrivals.filter((a) => a.url.includes('/batch/read'))).toEqual([]);
  });

  it('finds records by the match property when no id is known, and counts one that is not there as deleted', async () => {
    const ids = await seed(['acc_1']);
    const outcomes = await destination().write(request('delete', [company('acc_1'), company('acc_gone')]));

    expect(outcomes).toEqual([
      { key: 'acc_1', status: 'deleted', destinationId: ids.get('acc_1') },
      { key: 'acc_gone', status: 'deleted' },
    ]);
    expect(archived()).toEqual(['acc_1']);
  });

  it('reports the same deletes as deleted again when a run resends them after a crash', async () => {
    const ids = await seed(['acc_1', 'acc_2']);
    const deletes = [{ ...company('acc_1'), destinationId: ids.get('acc_1') as string }, company('acc_2')];
    await destination().write(request('delete', deletes));
    const again = await destination().write(request('delete', deletes));

    expect(again.map((o) => [o.key, o.status, o.error])).toEqual([
      ['acc_1', 'deleted', undefined],
      ['acc_2', 'deleted', undefined],
    ]);
    expect(archived()).toEqual(['acc_1', 'acc_2']);
  });

  it('fails deletes HubSpot could not archive as transient on a 5xx, keeping each id', async () => {
    const ids = await seed(['acc_1']);
    fault = (url) =>
      url.includes('/batch/archive')
        ? { status: 502, body: { status: 'error', message: 'Bad gateway', category: 'INTERNAL_ERROR' } }
        : undefined;
    const [outcome] = await destination().write(
      request('delete', [{ ...company('acc_1'), destinationId: ids.get('acc_1') as string }]),
    );

    expect(outcome).toMatchObject({
      status: 'failed',
      destinationId: ids.get('acc_1'),
      error: { code: 'INTERNAL_ERROR', transient: true },
    });
    expect(archived()).toEqual([]);
  });
});

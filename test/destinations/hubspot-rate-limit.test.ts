import { Client } from '@hubspot/api-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HubspotConnectionOptions, OutboundRecord } from '../../src/destinations/contract.js';
import {
  createHubspotDestination,
  type HubspotDestinationTuning,
} from '../../src/destinations/hubspot/destination.js';
import { writeWithRetry } from '../../src/engine/write-with-retry.js';
import { HUBSPOT_SANDBOX_TOKEN } from '../../src/sandbox/hubspot/server.js';
import type { HubspotFault } from '../../src/sandbox/hubspot/types.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import {
  busiestWindow,
  company,
  countsPerWindow,
  inParallel,
  type RunningEmulator,
  startEmulator,
} from './hubspot-emulator.js';

let store: SandboxStore;
let emulator: RunningEmulator | undefined;

beforeAll(async () => {
  store = await SandboxStore.open(null);
});
afterAll(async () => {
  await store.close();
});
beforeEach(() => store.clear());
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: Parameters<typeof startEmulator>[1] = {}) {
  emulator = await startEmulator(store, options);
  return emulator;
}

function destination(
  url: string,
  limits: Partial<HubspotConnectionOptions> = {},
  tuning: HubspotDestinationTuning = {},
) {
  return createHubspotDestination(
    { name: 'hubspot', baseUrl: url, accessToken: HUBSPOT_SANDBOX_TOKEN, ...limits },
    tuning,
  );
}

const upsertCompanies = (records: OutboundRecord[]) => ({
  object: 'companies',
  operation: 'upsert' as const,
  match: 'wistia_account_id',
  records,
});

const companies = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => company(`${prefix}_${i}`));

const liveCompanies = () => store.records('hubspot', 'companies').filter((r) => !r.archived);

const tenSecondly = {
  status: 'error',
  message: 'You have reached your ten_secondly_rolling limit.',
  errorType: 'RATE_LIMIT',
  policyName: 'TEN_SECONDLY_ROLLING',
};

/** Answers the first `count` matching requests with `fault`, then lets requests through. */
function firstRequests(count: number, fault: HubspotFault, matches: (url: string) => boolean = () => true) {
  let left = count;
  return (request: { url: string }) => {
    if (left === 0 || !matches(request.url)) return undefined;
    left -= 1;
    return fault;
  };
}

describe('HubSpot destination: rolling-window rate limit', () => {
  it('never lets more than requestsPerWindow requests reach HubSpot in any window, yet fills each window', async () => {
    const { url, arrivals } = await start();
    const waits: number[] = [];
    const hubspot = destination(
      url,
      { requestsPerWindow: 5, windowMs: 500 },
      { onRateLimitWait: (ms) => waits.push(ms) },
    );
    const batches = Array.from({ length: 25 }, (_, i) => companies(`b${i}`, 2));
    const outcomes = await inParallel(
      batches.map((records) => () => hubspot.write(upsertCompanies(records))),
      hubspot.limits.concurrency,
    );

    expect(outcomes.flat().every((o) => o.status === 'created')).toBe(true);
    expect(arrivals).toHaveLength(25);
    expect(busiestWindow(arrivals, 500)).toBeLessThanOrEqual(5);
    const perWindow = countsPerWindow(arrivals, 500, 4);
    expect(perWindow.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(0.9 * 5 * 4);
    // Only the first window's 5 left at once; the waits are reported (they feed the metrics).
    expect(waits.length).toBeGreaterThanOrEqual(15);
    expect(waits.length).toBeLessThanOrEqual(20);
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(300);
  });

  it('waits out a storm of TEN_SECONDLY_ROLLING 429s and syncs every record without spending a retry', async () => {
    const { url, statuses } = await start({
      fault: firstRequests(6, { status: 429, body: tenSecondly, headers: { 'Retry-After': '0.1' } }),
    });
    const waits: number[] = [];
    const hubspot = destination(
      url,
      { requestsPerWindow: 10, windowMs: 500 },
      { onRateLimitWait: (ms) => waits.push(ms) },
    );
    const records = companies('storm', 12);
    const outcomes = await inParallel(
      [0, 1, 2, 3].map(
        (part) => () =>
          writeWithRetry(
            records.slice(part * 3, part * 3 + 3),
            (pending) => hubspot.write(upsertCompanies(pending)),
            { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
            async () => {},
          ),
      ),
      3,
    );

    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    // Each resend waited out the pause the 429's Retry-After asked for.
    expect(waits.filter((ms) => ms >= 90).length).toBeGreaterThanOrEqual(1);
    expect(outcomes.flat().map((o) => o.status)).toEqual(Array(12).fill('created'));
    expect(liveCompanies()).toHaveLength(12);
  });

  it('gives up with a transient RATE_LIMIT failure only when the 429s outlast the pause cap', async () => {
    const { url } = await start({
      fault: () => ({
        status: 429,
        body: tenSecondly,
        headers: { 'X-HubSpot-RateLimit-Interval-Milliseconds': '100' },
      }),
    });
    const hubspot = destination(url, {}, { maxRateLimitPauseMs: 300 });
    const [outcome] = await hubspot.write(upsertCompanies([company('acc_1')]));
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'RATE_LIMIT', transient: true } });
    expect(outcome?.error?.message).toContain('ten_secondly_rolling');
  });

  it('slows down when HubSpot reports fewer remaining requests than it counted (another app on the token)', async () => {
    const { url, statuses } = await start({ rateLimit: { max: 5, intervalMs: 1000 } });
    const otherApp = new Client({ accessToken: HUBSPOT_SANDBOX_TOKEN, basePath: url });
    for (let i = 0; i < 4; i++) await otherApp.crm.properties.coreApi.getAll('companies', false);
    const hubspot = destination(url, { requestsPerWindow: 5, windowMs: 1000 });
    for (let i = 0; i < 3; i++) {
      const outcomes = await hubspot.write(upsertCompanies([company(`acc_${i}`)]));
      expect(outcomes[0]?.status).toBe('created');
    }
    expect(statuses.filter((s) => s === 429)).toEqual([]);
  });

  it('adopts a lower X-HubSpot-RateLimit-Max than configured instead of running into 429s', async () => {
    const { url, statuses } = await start({ rateLimit: { max: 3, intervalMs: 500 } });
    const hubspot = destination(url, { requestsPerWindow: 10, windowMs: 500 });
    for (let i = 0; i < 5; i++) {
      const outcomes = await hubspot.write(upsertCompanies([company(`acc_${i}`)]));
      expect(outcomes[0]?.status).toBe('created');
    }
    expect(statuses.filter((s) => s === 429)).toEqual([]);
  });
});

describe('HubSpot destination: daily quota', () => {
  it('fails records with DAILY_LIMIT_REACHED, left for the next run, after a DAILY 429 and sends nothing more', async () => {
    const { url, arrivals } = await start({
      fault: () => ({
        status: 429,
        body: {
          status: 'error',
          message: 'You have reached your daily limit.',
          errorType: 'RATE_LIMIT',
          policyName: 'DAILY',
        },
      }),
    });
    const hubspot = destination(url);
    const first = await hubspot.write(upsertCompanies(companies('a', 2)));
    const second = await hubspot.write(upsertCompanies(companies('b', 2)));

    for (const outcome of [...first, ...second]) {
      expect(outcome).toMatchObject({
        status: 'failed',
        error: { code: 'DAILY_LIMIT_REACHED', transient: true, retryLater: true },
      });
      expect(outcome.error?.message).toContain('next run');
    }
    expect(arrivals).toHaveLength(1);
  });

  it('stops at the configured dailyLimit and reports daily usage through apiUsage', async () => {
    const { url, arrivals } = await start({ rateLimit: { max: 100, intervalMs: 10_000 } });
    const hubspot = destination(url, { dailyLimit: 3 });
    expect(hubspot.apiUsage?.()).toEqual({ used: 0, limit: 3, windowUsed: 0 });
    for (let i = 0; i < 3; i++) {
      const [outcome] = await hubspot.write(upsertCompanies([company(`acc_${i}`)]));
      expect(outcome?.status).toBe('created');
    }
    const [refused] = await hubspot.write(upsertCompanies([company('acc_3')]));

    expect(refused).toMatchObject({
      status: 'failed',
      error: { code: 'DAILY_LIMIT_REACHED', transient: true, retryLater: true },
    });
    expect(refused?.error?.message).toContain('3 of 3 requests used');
    expect(arrivals).toHaveLength(3);
    expect(hubspot.apiUsage?.()).toEqual({ used: 3, limit: 3, windowUsed: 3 });

    const unconfigured = destination(url);
    expect(unconfigured.apiUsage?.()).toBeNull();
    await unconfigured.describe('companies');
    expect(unconfigured.apiUsage?.()).toEqual({ used: 4, limit: 1_000_000, windowUsed: 4 });
  });
});

describe('HubSpot destination: associations under the rate limit', () => {
  const contactOf = (key: string, account: string): OutboundRecord => ({
    key,
    values: { email: `${key}@example.com` },
    lookups: [],
    associations: [{ to: 'companies', match: 'wistia_account_id', value: account }],
  });
  const upsertContacts = (records: OutboundRecord[]) => ({
    object: 'contacts',
    operation: 'upsert' as const,
    match: 'wistia_user_id',
    records,
  });

  it('sends association reads and writes through the same window as object writes', async () => {
    const { url, arrivals } = await start();
    const hubspot = destination(url, { requestsPerWindow: 2, windowMs: 400 });
    await hubspot.write(upsertCompanies([company('acc_1')]));
    const [outcome] = await hubspot.write(upsertContacts([contactOf('usr_1', 'acc_1')]));

    expect(outcome?.status).toBe('created');
    expect(arrivals.map((a) => a.url.split('?')[0])).toEqual([
      '/crm/v3/objects/companies/batch/upsert',
      '/crm/v3/objects/contacts/batch/upsert',
      '/crm/v3/objects/companies/batch/read',
      '/crm/v4/associations/contacts/companies/batch/associate/default',
    ]);
    expect(busiestWindow(arrivals, 400)).toBeLessThanOrEqual(2);
  });

  it('keeps the written id and reports HubSpot code and message when the association call fails', async () => {
    const { url } = await start({
      fault: (request) =>
        request.url.includes('/crm/v4/associations/')
          ? {
              status: 400,
              body: {
                status: 'error',
                message: 'One or more associations are invalid',
                category: 'VALIDATION_ERROR',
              },
            }
          : undefined,
    });
    const hubspot = destination(url);
    await hubspot.write(upsertCompanies([company('acc_1')]));
    const [outcome] = await hubspot.write(upsertContacts([contactOf('usr_1', 'acc_1')]));

    expect(outcome).toMatchObject({
      status: 'failed',
      destinationId: expect.stringMatching(/^\d+$/),
      error: { code: 'VALIDATION_ERROR', transient: false },
    });
    expect(outcome?.error?.message).toContain('One or more associations are invalid');
  });

  it('waits out a 429 on the association call and still links the records', async () => {
    const { url, statuses } = await start({
      fault: firstRequests(2, { status: 429, body: tenSecondly, headers: { 'Retry-After': '0.05' } }, (url) =>
        url.includes('/crm/v4/associations/'),
      ),
    });
    const hubspot = destination(url);
    await hubspot.write(upsertCompanies([company('acc_1')]));
    const [outcome] = await hubspot.write(upsertContacts([contactOf('usr_1', 'acc_1')]));

    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(outcome).toMatchObject({ status: 'created', destinationId: expect.stringMatching(/^\d+$/) });
  });
});

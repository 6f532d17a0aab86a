import type { OutboundRecord } from '../../src/destinations/contract.js';
import { createHubspotServer } from '../../src/sandbox/hubspot/server.js';
import type { HubspotFault } from '../../src/sandbox/hubspot/types.js';
import type { SandboxStore } from '../../src/sandbox/store.js';
import { exampleSchemas } from '../support/example-schemas.js';

export interface Arrival {
  at: number;
  method: string;
  url: string;
}

export interface RunningEmulator {
  url: string;
  /** Requests that passed the emulator's own rate limiter, in arrival order. */
  arrivals: Arrival[];
  /** Every response status, 429s of the emulator's limiter included. */
  statuses: number[];
  close(): Promise<void>;
}

type Fault = (request: Arrival) => HubspotFault | undefined | Promise<HubspotFault | undefined>;

/** A HubSpot emulator on 127.0.0.1:0, with the example's properties, that records when each request arrived. */
export async function startEmulator(
  store: SandboxStore,
  options: { rateLimit?: { max: number; intervalMs: number } | false; fault?: Fault } = {},
): Promise<RunningEmulator> {
  const arrivals: Arrival[] = [];
  const statuses: number[] = [];
  const app = await createHubspotServer({
    store,
    properties: (await exampleSchemas()).hubspotProperties,
    rateLimit: options.rateLimit ?? false,
    hooks: [
      (request) => {
        const arrival = { at: Date.now(), method: request.method, url: request.url };
        arrivals.push(arrival);
        return options.fault?.(arrival);
      },
    ],
  });
  app.addHook('onResponse', async (_request, reply) => {
    statuses.push(reply.statusCode);
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, arrivals, statuses, close: () => app.close() };
}

/** The most requests that arrived within any `windowMs`. */
export function busiestWindow(arrivals: Arrival[], windowMs: number): number {
  let most = 0;
  for (const first of arrivals) {
    const count = arrivals.filter((a) => a.at >= first.at && a.at < first.at + windowMs).length;
    most = Math.max(most, count);
  }
  return most;
}

/** Requests in each of the first `windows` back-to-back windows from the first arrival. */
export function countsPerWindow(arrivals: Arrival[], windowMs: number, windows: number): number[] {
  const start = Math.min(...arrivals.map((a) => a.at));
  return Array.from(
    { length: windows },
    (_, k) =>
      arrivals.filter((a) => a.at >= start + k * windowMs && a.at < start + (k + 1) * windowMs).length,
  );
}

export function company(key: string, values: Record<string, unknown> = {}): OutboundRecord {
  return { key, values: { name: `Company ${key}`, ...values }, lookups: [], associations: [] };
}

/** Runs tasks with at most `concurrency` in flight, as the engine does per destination. */
export async function inParallel<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

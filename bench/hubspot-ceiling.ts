/**
 * How close the HubSpot destination gets to HubSpot's rate-limit ceiling: 100-record upserts
 * against the emulator (190 requests per 10 s, 100 ms added to every answer) for ~30 s with the
 * destination's own concurrency. Run: `npx tsx bench/hubspot-ceiling.ts [seconds] [latency ms]`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { OutboundRecord } from '../src/destinations/contract.js';
import { createHubspotDestination } from '../src/destinations/hubspot/destination.js';
import { createHubspotServer, HUBSPOT_SANDBOX_TOKEN } from '../src/sandbox/hubspot/server.js';
import { loadSandboxSchemas } from '../src/sandbox/load-schemas.js';
import { SandboxStore } from '../src/sandbox/store.js';

const CEILING = 190;
const WINDOW_MS = 10_000;
const LATENCY_MS = Number(process.argv[3] ?? 100);
const BATCH = 100;
const seconds = Number(process.argv[2] ?? 30);

const store = await SandboxStore.open(null);
const arrivals: number[] = [];
const statuses = new Map<number, number>();
const app = await createHubspotServer({
  store,
  // The example's custom properties (the unique-value ids the upserts match on).
  properties: (
    await loadSandboxSchemas(fileURLToPath(new URL('../dbt_project_example/spoke_schemas', import.meta.url)))
  ).hubspotProperties,
  rateLimit: { max: CEILING, intervalMs: WINDOW_MS },
  hooks: [
    async () => {
      arrivals.push(Date.now());
      await sleep(LATENCY_MS);
      return undefined;
    },
  ],
});
app.addHook('onResponse', async (_request, reply) => {
  statuses.set(reply.statusCode, (statuses.get(reply.statusCode) ?? 0) + 1);
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });

const hubspot = createHubspotDestination({
  name: 'bench',
  baseUrl: url,
  accessToken: HUBSPOT_SANDBOX_TOKEN,
  requestsPerWindow: CEILING,
  windowMs: WINDOW_MS,
});

const batch = (n: number): OutboundRecord[] =>
  Array.from({ length: BATCH }, (_, i) => ({
    key: `acc_${(n % 20) * BATCH + i}`,
    values: { name: `Company ${n}-${i}` },
    lookups: [],
    associations: [],
  }));

const started = Date.now();
let next = 0;
let failed = 0;
const worker = async () => {
  while (Date.now() - started < seconds * 1000) {
    const outcomes = await hubspot.write({
      object: 'companies',
      operation: 'upsert',
      match: 'wistia_account_id',
      records: batch(next++),
    });
    failed += outcomes.filter((o) => o.status === 'failed').length;
  }
};
await Promise.all(Array.from({ length: hubspot.limits.concurrency }, worker));
const elapsed = Date.now() - started;
await app.close();

const first = arrivals[0] ?? started;
const fullWindows = Math.floor((Math.max(...arrivals) - first) / WINDOW_MS);
const perWindow = Array.from(
  { length: fullWindows },
  (_, k) => arrivals.filter((t) => t >= first + k * WINDOW_MS && t < first + (k + 1) * WINDOW_MS).length,
);
let busiest = 0;
for (let i = 0, j = 0; i < arrivals.length; i++) {
  while (j < arrivals.length && (arrivals[j] as number) < (arrivals[i] as number) + WINDOW_MS) j++;
  busiest = Math.max(busiest, j - i);
}
const average = perWindow.reduce((a, b) => a + b, 0) / Math.max(1, perWindow.length);
const sustained = (arrivals.length * WINDOW_MS) / elapsed;

console.log(
  `ran ${(elapsed / 1000).toFixed(1)} s, ${hubspot.limits.concurrency} requests in flight, ${LATENCY_MS} ms latency`,
);
console.log(
  `requests that reached HubSpot: ${arrivals.length}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
);
console.log(`requests per full 10 s window: ${perWindow.join(', ')} (ceiling ${CEILING})`);
console.log(
  `achieved ${average.toFixed(1)} requests per full window = ${((100 * average) / CEILING).toFixed(1)}% of the ceiling; busiest sliding window ${busiest}; failed records ${failed}`,
);
console.log(
  `sustained over the whole run: ${sustained.toFixed(1)} requests/10 s = ${((100 * sustained) / CEILING).toFixed(1)}% of the ceiling (${((arrivals.length * BATCH * 1000) / elapsed).toFixed(0)} records/s)`,
);

// `npm run bench`: dbt-spoke against generated models of 10k, 100k and 1M rows in DuckDB and
// PostgreSQL, synced to sandboxes running in their own processes. Writes bench/results.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import pg from 'pg';
import { type BenchWarehouse, writeBenchProject } from './bench-project.js';
import { perRecordBaseline } from './per-record-baseline.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = join(root, 'bench', 'data');
const spokeBin = join(root, 'dist', 'cli', 'main.js');
const dbtBin = join(root, '.venv', 'bin', 'dbt');

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1]! : fallback;
};
const sizes = option('sizes', '10000,100000,1000000').split(',').map(Number);
const warehouses = option('warehouses', 'duckdb,postgres').split(',') as BenchWarehouse[];
const pgUrl = new URL(process.env.SPOKE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

interface Sandbox {
  salesforceUrl: string;
  hubspotUrl: string;
  process: ChildProcess;
}

async function startSandboxProcess(limited: boolean): Promise<Sandbox> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'bench', 'sandbox-process.ts'),
      ...(limited ? ['--hubspot-rate-limit'] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = await createInterface({ input: child.stdout! })
    [Symbol.asyncIterator]()
    .next()
    .then((r) => [r.value as string]);
  return { ...JSON.parse(line!), process: child };
}

/** API requests the sandboxes answered since the last reset: those that move data, and all. */
async function apiCalls(sandbox: Sandbox): Promise<{ data: number; all: number }> {
  let data = 0;
  let all = 0;
  for (const url of [sandbox.salesforceUrl, sandbox.hubspotUrl]) {
    const stats = (await (await fetch(`${url}/__sandbox/stats`)).json()) as {
      routes: Record<string, { requests: number }>;
    };
    for (const [route, count] of Object.entries(stats.routes)) {
      all += count.requests;
      if (/composite|jobs\/ingest|batch\/|associations/.test(route)) data += count.requests;
    }
    await fetch(`${url}/__sandbox/stats`, { method: 'DELETE' });
  }
  return { data, all };
}

interface SyncMeasure {
  /** The spoke process, start to exit. */
  seconds: number;
  /** The longest sync inside it (without process start, login and preflight). */
  syncSeconds: number;
  records: number;
  apiCalls: { data: number; all: number };
  peakRssMb: number;
  planMs: number;
}

async function spokeSync(dir: string, sandbox: Sandbox): Promise<SyncMeasure> {
  await apiCalls(sandbox);
  const started = performance.now();
  const result = await execa(process.execPath, [spokeBin, 'sync', '--json'], { cwd: dir, reject: false });
  const seconds = (performance.now() - started) / 1000;
  const document = JSON.parse(result.stdout) as {
    peak_rss_mb?: number;
    syncs?: { attempted: number; failed: number; plan_ms?: number; duration_ms: number }[];
  };
  if (!document.syncs || document.syncs.some((sync) => sync.failed > 0)) {
    throw new Error(
      `spoke sync failed in ${dir}:\n${result.stdout.slice(0, 2000)}\n${result.stderr.slice(0, 2000)}`,
    );
  }
  return {
    seconds,
    syncSeconds: Math.max(...document.syncs.map((sync) => sync.duration_ms)) / 1000,
    records: document.syncs.reduce((sum, sync) => sum + sync.attempted, 0),
    apiCalls: await apiCalls(sandbox),
    peakRssMb: document.peak_rss_mb ?? Number.NaN,
    planMs: Math.max(...document.syncs.map((sync) => sync.plan_ms ?? 0)),
  };
}

async function dbtRun(dir: string, changed: number): Promise<void> {
  await execa(dbtBin, ['run', '--quiet', '--vars', `{changed: ${changed}}`], { cwd: dir });
}

async function createDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
}

const rows: string[] = [];
const line = (cells: (string | number)[]) => rows.push(`| ${cells.join(' | ')} |`);
const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';

const sandbox = await startSandboxProcess(false);
try {
  for (const warehouse of warehouses) {
    for (const size of sizes) {
      const dir = join(dataDir, `${warehouse}-${size}`);
      const database = `spoke_bench_${size}`;
      if (warehouse === 'postgres') await createDatabase(database);
      await writeBenchProject({
        dir,
        warehouse,
        rows: size,
        salesforceUrl: sandbox.salesforceUrl,
        hubspotUrl: sandbox.hubspotUrl,
        destinations: ['salesforce', 'hubspot'],
        hubspotRequestsPerWindow: 1_000_000,
        postgres: {
          host: pgUrl.hostname,
          port: Number(pgUrl.port || 5432),
          user: decodeURIComponent(pgUrl.username),
          password: decodeURIComponent(pgUrl.password),
          database,
        },
      });
      await dbtRun(dir, 0);
      const first = await spokeSync(dir, sandbox);
      const unchanged = await spokeSync(dir, sandbox);
      await dbtRun(dir, 1);
      const onePercent = await spokeSync(dir, sandbox);
      for (const [label, measure] of [
        ['(a) first full sync', first],
        ['(b) rerun, nothing changed', unchanged],
        ['(c) rerun, 1% changed', onePercent],
      ] as const) {
        line([
          warehouse,
          fmt(size),
          label,
          fmt(measure.records),
          fmt(measure.seconds, 1),
          measure.records ? fmt(measure.records / measure.seconds) : '–',
          `${fmt(measure.apiCalls.data)} / ${fmt(measure.apiCalls.all)}`,
          measure.records ? fmt(measure.apiCalls.data / measure.records, 4) : '–',
          fmt(measure.planMs),
          fmt(measure.peakRssMb),
        ]);
        console.log(rows.at(-1));
      }
    }
  }
} finally {
  sandbox.process.kill('SIGTERM');
}

// (d) HubSpot under its real limit: 190 requests per 10 s with 100 ms latency per request.
const limited = await startSandboxProcess(true);
let ceilingLine = '';
try {
  const size = 100_000;
  const dir = join(dataDir, `hubspot-ceiling-${size}`);
  await writeBenchProject({
    dir,
    warehouse: 'duckdb',
    rows: size,
    salesforceUrl: limited.salesforceUrl,
    hubspotUrl: limited.hubspotUrl,
    destinations: ['hubspot'],
    hubspotRequestsPerWindow: 190,
  });
  await dbtRun(dir, 0);
  const measure = await spokeSync(dir, limited);
  const ceilingRecordsPerSecond = (190 / 10) * 100;
  const achieved = measure.records / measure.syncSeconds;
  ceilingLine = `| HubSpot, 190 req/10 s, 100 ms latency | ${fmt(size)} | ${fmt(measure.syncSeconds, 1)} (process ${fmt(measure.seconds, 1)}) | ${fmt(measure.apiCalls.data)} | ${fmt(achieved)} | ${fmt(ceilingRecordsPerSecond)} | ${fmt((achieved / ceilingRecordsPerSecond) * 100, 1)}% |`;
  console.log(ceilingLine);
} finally {
  limited.process.kill('SIGTERM');
}

// (e) The same records, one API call per record, as a hand-written integration would send them.
const baselineSandbox = await startSandboxProcess(false);
let baselineLines: string[] = [];
try {
  baselineLines = await perRecordBaseline(baselineSandbox.salesforceUrl, baselineSandbox.hubspotUrl, 2_000);
  for (const entry of baselineLines) console.log(entry);
} finally {
  baselineSandbox.process.kill('SIGTERM');
}

const report = `# dbt-spoke benchmark

Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (${process.platform}, Node ${process.version}, ${
  (await import('node:os')).cpus().length
} cores). Sandboxes run in their own processes; "peak RSS" is the spoke process. Each run syncs the
model to Salesforce Contact (Bulk API 2.0 above 2,000 records) and HubSpot contacts (batches of
100), so records = 2 × rows for a full sync. "data" calls move records (batch writes, Bulk job
steps); "all" adds login, describe and properties calls made before planning.

| warehouse | rows | run | records sent | seconds | records/s | API calls: data / all | data calls per record | plan ms (max) | peak RSS MB |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

## HubSpot under the real rate limit

| setup | rows | sync seconds | batch requests | records/s | ceiling records/s | share of ceiling |
| --- | --- | --- | --- | --- | --- | --- |
${ceilingLine}

## One API call per record (a hand-written integration), for comparison

| destination | records | seconds | records/s | API calls |
| --- | --- | --- | --- | --- |
${baselineLines.join('\n')}
`;
await writeFile(join(root, 'bench', 'results.md'), report);
console.log('\nwrote bench/results.md');

// `npm run bench`: dbt-spoke against generated models in DuckDB and PostgreSQL, synced to
// sandboxes running in their own process, side by side with the raw client libraries against
// the same process; then the records API and /metrics of `spoke serve` over a large record log.
// Writes bench/results.md from the run. Options (docs/benchmarks.md):
//   --rows 100000            model sizes for every path (comma-separated; --sizes is the same)
//   --large 1000000          one more size, run only on the --large-on paths (default none)
//   --large-on postgres:bulk warehouse:path pairs the large size runs on
//   --warehouses duckdb,postgres   --paths hubspot,bulk,collections
//                            (duckdb@128MB: DuckDB under SPOKE_DUCKDB_MEMORY_LIMIT=128MB)
//   --sections sync,ceiling,per-record,records-api   which parts run
//   --log-rows 1000000       record_log rows the records API is paged over
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import pg from 'pg';
import { type BenchWarehouse, writeBenchProject } from './bench-project.js';
import { cpuOf, parseTimeOutput, postgresCpuOf, timeArgs } from './cpu.js';
import { perRecordBaseline } from './per-record-baseline.js';
import { barePlanningSeconds } from './planning-sql.js';
import { rawClientRate, type SyncPath } from './raw-clients.js';
import { type RecordsApiResult, recordsApiBench } from './records-api.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = join(root, 'bench', 'data');
const spokeBin = join(root, 'dist', 'cli', 'main.js');
const dbtBin = join(root, '.venv', 'bin', 'dbt');

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? (args[index + 1] ?? '') : fallback;
};
const list = (value: string) => value.split(',').filter((item) => item.trim() !== '');
const sizes = list(option('rows', option('sizes', '100000'))).map(Number);
const largeSize = Number(option('large', '')) || 0;
const largeOn = new Set(list(option('large-on', 'postgres:bulk')));
/** A warehouse as `--warehouses` names it: `duckdb@128MB` is DuckDB under that memory limit. */
interface WarehouseRun {
  label: string;
  warehouse: BenchWarehouse;
  env: Record<string, string>;
}
const warehouseRuns: WarehouseRun[] = list(option('warehouses', 'duckdb,postgres')).map((label) => {
  const [warehouse, limit] = label.split('@') as [BenchWarehouse, string | undefined];
  const env: Record<string, string> = limit ? { SPOKE_DUCKDB_MEMORY_LIMIT: limit } : {};
  return { label, warehouse, env };
});
const warehouses = [...new Set(warehouseRuns.map((run) => run.warehouse))];
const paths = list(option('paths', 'hubspot,bulk,collections')) as SyncPath[];
const sections = new Set(list(option('sections', 'sync,ceiling,per-record,records-api')));
const logRows = Number(option('log-rows', '1000000'));
const pgUrl = new URL(process.env.SPOKE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const pgConnection = {
  host: pgUrl.hostname,
  port: Number(pgUrl.port || 5432),
  user: decodeURIComponent(pgUrl.username),
  password: decodeURIComponent(pgUrl.password),
};
const load = () => loadavg()[0]!.toFixed(1);
const benchStarted = performance.now();

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
  cpu: { spoke: number; sandbox: number; postgres: number | null };
  /** 1-minute load average when it ended: the machine is shared. */
  load: string;
  /** Why the sync failed, where the run allowed it to. */
  failure: string | null;
}

interface SpokeRun {
  database?: string;
  env?: Record<string, string>;
  args?: string[];
  /** Report a failed sync in the measure instead of stopping the bench. */
  mayFail?: boolean;
}

async function spokeSync(dir: string, sandbox: Sandbox, run: SpokeRun = {}): Promise<SyncMeasure> {
  const { database } = run;
  await apiCalls(sandbox);
  const timeFile = join(await mkdtemp(join(tmpdir(), 'spoke-bench-')), 'time');
  const sandboxCpu = cpuOf(sandbox.process.pid!);
  const postgresCpu = database ? await postgresCpuOf(pgConnection, database) : null;
  const started = performance.now();
  const result = await execa(
    '/usr/bin/time',
    [...timeArgs(timeFile), process.execPath, spokeBin, 'sync', '--json', ...(run.args ?? [])],
    {
      cwd: dir,
      reject: false,
      env: run.env ?? {},
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = {
    spoke: parseTimeOutput(await readFile(timeFile, 'utf8')).cpuSeconds,
    sandbox: sandboxCpu.stop(),
    postgres: postgresCpu ? await postgresCpu.stop() : null,
  };
  await rm(timeFile, { force: true });
  const document = JSON.parse(result.stdout) as {
    peak_rss_mb?: number;
    syncs?: {
      status: string;
      reason?: string;
      attempted: number;
      failed: number;
      plan_ms?: number;
      duration_ms: number;
    }[];
  };
  const failure = document.syncs?.find((sync) => sync.status === 'failed' && sync.reason);
  if (!document.syncs || (!run.mayFail && (failure || document.syncs.some((sync) => sync.failed > 0)))) {
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
    cpu,
    load: load(),
    failure: failure?.reason?.split('\n')[0] ?? null,
  };
}

/** Runs `work` with the environment variables set in this process, as spoke's runs get them. */
async function withEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
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
const rawRows: string[] = [];
const rerunRows: string[] = [];
const line = (target: string[], cells: (string | number)[]) => {
  target.push(`| ${cells.join(' | ')} |`);
  console.log(target.at(-1));
};
const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const pathLabel: Record<SyncPath, string> = {
  hubspot: 'HubSpot batch upsert',
  bulk: 'Salesforce Bulk 2.0',
  collections: 'Salesforce Collections',
};

/** Every (warehouse, path, rows) the sync section runs, the large size only where asked. */
const runs: { target: WarehouseRun; path: SyncPath; size: number }[] = [];
for (const size of [...sizes, ...(largeSize ? [largeSize] : [])]) {
  for (const target of warehouseRuns) {
    for (const path of paths) {
      if (size === largeSize && !sizes.includes(size) && !largeOn.has(`${target.label}:${path}`)) continue;
      runs.push({ target, path, size });
    }
  }
}

let ceilingLine = '';
let baselineLines: string[] = [];
const apiResults: RecordsApiResult[] = [];
/** Sections done so far: results.md is rewritten after each, so a long run stopped midway keeps them. */
const done: string[] = [];

if (sections.has('sync')) {
  let round = 0;
  for (const { target, path, size } of runs) {
    const { warehouse, label: warehouseLabel } = target;
    // A sandbox process of its own for each row, the raw client measured in it just before
    // spoke: both then write into a store of the same size (spoke's on top of the raw client's
    // records). One sandbox for the whole section held every earlier row's records by the later
    // rows, and collecting that heap's garbage cost the sandbox seconds of CPU that the raw
    // client, measured early on a small store, never paid.
    const sandbox = await startSandboxProcess(false);
    try {
      const sandboxCpu = cpuOf(sandbox.process.pid!);
      const rawMeasure = await rawClientRate(path, sandbox, size, `raw${round++}_`);
      if (rawMeasure.failed > 0)
        throw new Error(`the raw ${path} client had ${rawMeasure.failed} failed records`);
      line(rawRows, [
        warehouseLabel,
        pathLabel[path],
        fmt(size),
        fmt(rawMeasure.seconds, 1),
        fmt(rawMeasure.records / rawMeasure.seconds),
        fmt(sandboxCpu.stop(), 1),
        load(),
      ]);
      const dir = join(dataDir, `${warehouseLabel}-${path}-${size}`);
      const database = `spoke_bench_${path}_${size}`;
      if (warehouse === 'postgres') await createDatabase(database);
      await writeBenchProject({
        dir,
        warehouse,
        rows: size,
        salesforceUrl: sandbox.salesforceUrl,
        hubspotUrl: sandbox.hubspotUrl,
        destinations: [path === 'hubspot' ? 'hubspot' : 'salesforce'],
        hubspotRequestsPerWindow: 1_000_000,
        ...(path === 'collections' ? { salesforceBulkThreshold: size * 10 } : {}),
        // Its own keys and emails: the first sync creates every record, as the raw client did.
        keyPrefix: `${warehouse}_${path}_${size}_`,
        postgres: { ...pgConnection, database },
      });
      const spoke: SpokeRun = {
        ...(warehouse === 'postgres' ? { database } : {}),
        env: target.env,
      };
      await dbtRun(dir, 0);
      const first = await spokeSync(dir, sandbox, spoke);
      const unchanged = await spokeSync(dir, sandbox, spoke);
      const planning = await withEnv(target.env, () => barePlanningSeconds(dir));
      await dbtRun(dir, 1);
      const onePercent = await spokeSync(dir, sandbox, spoke);
      // Every row rewritten in the state tables: what a memory limit has to leave room for.
      const refreshed = await spokeSync(dir, sandbox, { ...spoke, args: ['--full-refresh'], mayFail: true });
      const rawRate = rawMeasure.records / rawMeasure.seconds;
      for (const [label, measure] of [
        ['(a) first full sync', first],
        ['(b) rerun, nothing changed', unchanged],
        ['(c) rerun, 1% changed', onePercent],
        ['(d) --full-refresh', refreshed],
      ] as const) {
        const rate = measure.records / measure.seconds;
        line(rows, [
          warehouseLabel,
          pathLabel[path],
          fmt(size),
          measure.failure
            ? `${label}: failed after ${fmt(measure.records)} records: ${measure.failure}`
            : label,
          fmt(measure.records),
          fmt(measure.seconds, 1),
          measure.records ? fmt(rate) : '–',
          label.startsWith('(a)')
            ? `${fmt((100 * rate) / rawRate)}% (sync alone ${fmt((100 * measure.records) / measure.syncSeconds / rawRate)}%) of ${fmt(rawRate)}`
            : '–',
          `${fmt(measure.apiCalls.data)} / ${fmt(measure.apiCalls.all)}`,
          fmt(measure.planMs),
          fmt(measure.peakRssMb),
          `${fmt(measure.cpu.spoke, 1)} / ${fmt(measure.cpu.sandbox, 1)} / ${measure.cpu.postgres === null ? '–' : fmt(measure.cpu.postgres, 1)}`,
          measure.load,
        ]);
      }
      line(rerunRows, [
        warehouseLabel,
        pathLabel[path],
        fmt(size),
        fmt(unchanged.seconds, 2),
        fmt(planning, 2),
        `${fmt(unchanged.seconds / planning, 2)}×`,
        unchanged.load,
      ]);
    } finally {
      sandbox.process.kill('SIGTERM');
    }
  }
}

if (sections.has('sync')) await writeReport('sync');

// (d) HubSpot under its real limit: 190 requests per 10 s with 100 ms latency per request.
if (sections.has('ceiling')) {
  const limited = await startSandboxProcess(true);
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
    ceilingLine = `| HubSpot, 190 req/10 s, 100 ms latency | ${fmt(size)} | ${fmt(measure.syncSeconds, 1)} (process ${fmt(measure.seconds, 1)}) | ${fmt(measure.apiCalls.data)} | ${fmt(achieved)} | ${fmt(ceilingRecordsPerSecond)} | ${fmt((achieved / ceilingRecordsPerSecond) * 100, 1)}% | ${measure.load} |`;
    console.log(ceilingLine);
  } finally {
    limited.process.kill('SIGTERM');
  }
}

if (sections.has('ceiling')) await writeReport('ceiling');

// (e) The same records, one API call per record, as a hand-written integration would send them.
if (sections.has('per-record')) {
  const baselineSandbox = await startSandboxProcess(false);
  try {
    baselineLines = await perRecordBaseline(baselineSandbox.salesforceUrl, baselineSandbox.hubspotUrl, 2_000);
    for (const entry of baselineLines) console.log(entry);
  } finally {
    baselineSandbox.process.kill('SIGTERM');
  }
}

if (sections.has('per-record')) await writeReport('per-record');

// (f) `spoke serve`: record-log pages and /metrics over a large record_log.
if (sections.has('records-api')) {
  const sandbox = await startSandboxProcess(false);
  try {
    for (const warehouse of warehouses) {
      const database = 'spoke_bench_records';
      if (warehouse === 'postgres') await createDatabase(database);
      const result = await recordsApiBench({
        root,
        dir: join(dataDir, `records-api-${warehouse}`),
        warehouse,
        logRows,
        salesforceUrl: sandbox.salesforceUrl,
        hubspotUrl: sandbox.hubspotUrl,
        postgres: { ...pgConnection, database },
      });
      apiResults.push(result);
      for (const entry of result.lines) console.log(warehouse, JSON.stringify(entry));
    }
  } finally {
    sandbox.process.kill('SIGTERM');
  }
}

if (sections.has('records-api')) await writeReport('records-api');

async function writeReport(section: string): Promise<void> {
  done.push(section);
  const minutes = (performance.now() - benchStarted) / 60_000;
  const ran = [
    `sections: ${[...sections].join(', ')}`,
    `rows: ${sizes.map((size) => fmt(size)).join(', ')}${largeSize ? `; ${fmt(largeSize)} on ${[...largeOn].join(', ') || 'none'}` : ''}`,
    `warehouses: ${warehouseRuns.map((run) => run.label).join(', ')}`,
    `paths: ${paths.join(', ')}`,
    `record log: ${fmt(logRows)} rows`,
  ];
  const report = `# dbt-spoke benchmark${done.length < sections.size ? ` (partial: ${done.join(', ') || 'nothing'} done so far)` : ''}

  Generated by \`npm run bench ${args.join(' ')}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
  (${process.platform}, Node ${process.version}, ${cpus().length} cores, ${fmt(minutes, 1)} minutes; the cores are
  shared, so each row gives the 1-minute load average when it was measured). Ran: ${ran.join('; ')}.
  Options and how to read the tables: [docs/benchmarks.md](../docs/benchmarks.md).
  ${
    sections.has('sync')
      ? `
  ## Full syncs and reruns, beside the raw clients

  Each row has a sandbox process of its own, in which the raw client (below) runs first, so both
  write into stores of the same size. Each spoke run syncs the model \`people\`
  through one path; records = rows for a full sync. "vs raw" is spoke's records/s (whole process:
  start, login, preflight, planning, sending) as a share of the raw client's (below) on the same
  path and rows; "sync alone" counts only the sync's own duration. CPU seconds: the spoke process (user + system,
  \`/usr/bin/time\`), the sandbox process and the PostgreSQL backends serving the bench database
  (from /proc, sampled every 200 ms; DuckDB runs inside the spoke process).

  | warehouse | path | rows | run | records sent | seconds | records/s | vs raw | API calls: data / all | plan ms | peak RSS MB | CPU s: spoke / sandbox / PostgreSQL | load |
  | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
  ${rows.join('\n')}

  ### The raw clients alone

  \`@hubspot/api-client\` \`batchApi.upsert\` of 100 with 8 in flight (spoke's HubSpot concurrency);
  jsforce \`bulk2.loadAndWaitForResults\`, one upsert job per 100,000 rows (spoke's job size), polled
  every 500 ms; jsforce sObject Collections \`upsert\` of 200 with \`allOrNone: false\`, 4 in flight.
  Same values as the model, new keys, so every record is created as in spoke's first sync.

  | in the sandbox of | path | rows | seconds | records/s | sandbox CPU s | load |
  | --- | --- | --- | --- | --- | --- | --- |
  ${rawRows.join('\n')}

  ### Rerun with nothing changed against the bare planning query

  The planning query is each sync's counts statement (src/state/plan-sql.ts) run alone on the same
  warehouse, best of 3 after a warm-up; the rerun is the whole \`spoke sync\` process.

  | warehouse | path | rows | no-change rerun s | planning query s | ratio | load |
  | --- | --- | --- | --- | --- | --- | --- |
  ${rerunRows.join('\n')}
  `
      : ''
  }${
    ceilingLine
      ? `
  ## HubSpot under the real rate limit

  | setup | rows | sync seconds | batch requests | records/s | ceiling records/s | share of ceiling | load |
  | --- | --- | --- | --- | --- | --- | --- | --- |
  ${ceilingLine}
  `
      : ''
  }${
    baselineLines.length
      ? `
  ## One API call per record (a hand-written integration), for comparison

  | destination | records | seconds | records/s | API calls |
  | --- | --- | --- | --- | --- |
  ${baselineLines.join('\n')}
  `
      : ''
  }${
    apiResults.length
      ? `
  ## spoke serve: record log pages and /metrics

  \`GET /v1/runs/{id}/records\` (500 rows a page) of one run holding ${fmt(logRows)} logged records over two
  syncs, 1% failed, written straight into record_log; each figure is one HTTP request to a
  \`spoke serve\` process, timed by the client. Target: p95 under 100 ms per page.

  | warehouse | requests | count | rows/page | p50 ms | p95 ms | max ms | load |
  | --- | --- | --- | --- | --- | --- | --- | --- |
  ${apiResults
    .flatMap((result) =>
      result.lines.map(
        (entry) =>
          `| ${result.warehouse} | ${entry.label} | ${entry.requests} | ${entry.rowsPerPage} | ${fmt(entry.p50, 1)} | ${fmt(entry.p95, 1)} | ${fmt(entry.max, 1)} | ${result.load} |`,
      ),
    )
    .join('\n')}
  `
      : ''
  }`;
  // The template is indented with this function; the markdown is not.
  await writeFile(join(root, 'bench', 'results.md'), report.replace(/^ {2}/gm, ''));
  console.log(`\nwrote bench/results.md (${section} done)`);
}

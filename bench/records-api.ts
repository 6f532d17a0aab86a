// `GET /v1/runs/{id}/records` page latency over a large record_log, and `/metrics` scrape time,
// against a real `spoke serve` process. The log is filled by one INSERT … SELECT into the state
// table the migrations created (after one real sync made the run), so a million rows take
// seconds instead of a million-record sync.
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import pg from 'pg';
import { encodeCursor } from '../src/state/history/cursor.js';
import { type BenchWarehouse, writeBenchProject } from './bench-project.js';

export interface RecordsApiOptions {
  root: string;
  dir: string;
  warehouse: BenchWarehouse;
  /** Rows put in record_log for the run that is paged. */
  logRows: number;
  salesforceUrl: string;
  hubspotUrl: string;
  postgres?: { host: string; port: number; user: string; password: string; database: string };
}

export interface LatencyLine {
  label: string;
  requests: number;
  rowsPerPage: number;
  p50: number;
  p95: number;
  max: number;
}

export interface RecordsApiResult {
  warehouse: BenchWarehouse;
  logRows: number;
  lines: LatencyLine[];
  /** 1-minute load average when it ended: the machine is shared. */
  load: string;
}

const SCHEMA = 'spoke';
const FAILED_EVERY = 100;

/** Run ids are the real sync's; the big run is a copy of it with `logRows` logged records. */
export async function recordsApiBench(options: RecordsApiOptions): Promise<RecordsApiResult> {
  const spokeBin = join(options.root, 'dist', 'cli', 'main.js');
  await writeBenchProject({
    dir: options.dir,
    warehouse: options.warehouse,
    rows: 100,
    salesforceUrl: options.salesforceUrl,
    hubspotUrl: options.hubspotUrl,
    destinations: ['salesforce', 'hubspot'],
    hubspotRequestsPerWindow: 1_000_000,
    ...(options.postgres ? { postgres: options.postgres } : {}),
  });
  await execa(join(options.root, '.venv', 'bin', 'dbt'), ['run', '--quiet'], { cwd: options.dir });
  await execa(process.execPath, [spokeBin, 'sync', '--json'], { cwd: options.dir });

  const runId = await fillRecordLog(options);
  const serve = await startServe(spokeBin, options.dir);
  try {
    return {
      warehouse: options.warehouse,
      logRows: options.logRows,
      lines: await measure(serve.url, runId, options.logRows / 2),
      load: loadavg()[0]!.toFixed(1),
    };
  } finally {
    serve.child.kill('SIGTERM');
    await new Promise((resolve) => serve.child.once('exit', resolve));
  }
}

/**
 * A run with `logRows` records over two syncs, logged interleaved as two syncs running at once
 * write them (so the page order is not the insertion order), every 100th failed.
 */
function fillSql(warehouse: BenchWarehouse, rows: number): string[] {
  const series = warehouse === 'duckdb' ? `range(0, ${rows}) t(i)` : `generate_series(0, ${rows - 1}) t(i)`;
  const half = warehouse === 'duckdb' ? 'i // 2' : 'i / 2';
  const now = warehouse === 'duckdb' ? 'CAST(now() AS TIMESTAMP)' : 'now()';
  return [
    `INSERT INTO ${SCHEMA}.runs (run_id, target, invocation_id, command, status, started_at, finished_at)
       SELECT 'bench-big-run', target, invocation_id, command, status, started_at, finished_at
         FROM ${SCHEMA}.runs ORDER BY started_at LIMIT 1`,
    `INSERT INTO ${SCHEMA}.sync_runs (run_id, sync_id, status, attempted, created, updated, deleted, failed,
        invalid, skipped, unchanged, still_failing, started_at, finished_at)
       SELECT 'bench-big-run', sync_id, status, ${rows / 2}, ${rows / 2}, 0, 0, ${rows / FAILED_EVERY / 2}, 0, 0, 0, 0,
              started_at, finished_at
         FROM ${SCHEMA}.sync_runs`,
    `INSERT INTO ${SCHEMA}.record_log (run_id, sync_id, record_key, operation, attempt, status, destination_id,
        error_code, error_message, transient, logged_at)
       SELECT 'bench-big-run',
              CASE WHEN i % 2 = 0 THEN 'people:salesforce.Contact' ELSE 'people:hubspot.contacts' END,
              'p' || lpad(CAST(${half} AS VARCHAR), 8, '0'),
              'upsert', 1,
              CASE WHEN i % ${FAILED_EVERY} = 1 THEN 'failed' ELSE 'created' END,
              CASE WHEN i % ${FAILED_EVERY} = 1 THEN NULL ELSE 'id' || CAST(i AS VARCHAR) END,
              CASE WHEN i % ${FAILED_EVERY} = 1 THEN 'INVALID_EMAIL' ELSE NULL END,
              CASE WHEN i % ${FAILED_EVERY} = 1 THEN 'Email is not a valid address' ELSE NULL END,
              CASE WHEN i % ${FAILED_EVERY} = 1 THEN false ELSE NULL END,
              ${now}
         FROM ${series}`,
    ...(warehouse === 'postgres' ? [`ANALYZE ${SCHEMA}.record_log`] : ['CHECKPOINT']),
  ];
}

async function fillRecordLog(options: RecordsApiOptions): Promise<string> {
  const statements = fillSql(options.warehouse, options.logRows);
  if (options.warehouse === 'duckdb') {
    const instance = await DuckDBInstance.create(join(options.dir, 'bench.duckdb'));
    const connection = await instance.connect();
    try {
      for (const statement of statements) await connection.run(statement);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } else {
    const client = new pg.Client({ ...options.postgres! });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  }
  return 'bench-big-run';
}

async function startServe(spokeBin: string, cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [spokeBin, 'serve', '--port', '0', '--no-auth', '--no-worker'], {
    cwd,
    env: { ...process.env, SPOKE_LOG_LEVEL: 'warn', NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /spoke serve listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(`spoke serve exited: ${output}`)));
  });
  return { child, url };
}

interface PageAnswer {
  records: { sync_id: string; record_key: string; status: string }[];
  next_cursor: string | null;
}

async function timedGet(url: string): Promise<{ ms: number; body: PageAnswer }> {
  const started = performance.now();
  const response = await fetch(url);
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return { ms, body: JSON.parse(text) as PageAnswer };
}

function percentiles(label: string, times: number[], rows: number[]): LatencyLine {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return {
    label,
    requests: times.length,
    rowsPerPage: Math.round(rows.reduce((a, b) => a + b, 0) / rows.length),
    p50: at(0.5),
    p95: at(0.95),
    max: sorted.at(-1)!,
  };
}

/** Follows `next_cursor` for `pages` pages from `query`, timing each request. */
async function follow(base: string, query: string, pages: number, label: string): Promise<LatencyLine> {
  const times: number[] = [];
  const rows: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < pages; i++) {
    const { ms, body }: { ms: number; body: PageAnswer } = await timedGet(
      `${base}?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    times.push(ms);
    rows.push(body.records.length);
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return percentiles(label, times, rows);
}

async function measure(url: string, runId: string, perSync: number): Promise<LatencyLine[]> {
  const base = `${url}/v1/runs/${runId}/records`;
  // One request to warm the process (lazy imports, first connection) before timing.
  await timedGet(`${base}?limit=1`);
  const lines: LatencyLine[] = [];
  lines.push(await follow(base, '', 20, 'first 20 pages, following next_cursor'));
  const deep = (fraction: number) => {
    const sync = fraction < 0.5 ? 'people:hubspot.contacts' : 'people:salesforce.Contact';
    const key = `p${String(Math.floor((fraction < 0.5 ? fraction * 2 : (fraction - 0.5) * 2) * perSync)).padStart(8, '0')}`;
    return encodeCursor('records', [sync, key, 'upsert', 1]);
  };
  const deepTimes: number[] = [];
  const deepRows: number[] = [];
  for (let i = 0; i < 20; i++) {
    const { ms, body } = await timedGet(`${base}?limit=500&cursor=${deep(0.05 + (0.9 * i) / 19)}`);
    deepTimes.push(ms);
    deepRows.push(body.records.length);
  }
  lines.push(percentiles('deep pages (cursor 5%–95% into the log)', deepTimes, deepRows));
  lines.push(await follow(base, '&status=failed', 20, 'status=failed, following next_cursor'));
  lines.push(
    await follow(base, '&sync=people:salesforce.Contact', 20, 'sync=<one of two>, following next_cursor'),
  );
  const keyTimes: number[] = [];
  const keyRows: number[] = [];
  for (let i = 0; i < 20; i++) {
    const { ms, body } = await timedGet(
      `${base}?key=p${String(Math.floor((i * perSync) / 20)).padStart(8, '0')}`,
    );
    keyTimes.push(ms);
    keyRows.push(body.records.length);
  }
  lines.push(percentiles('key=K (one record, both syncs)', keyTimes, keyRows));
  const scrapes: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/metrics`);
    await response.text();
    scrapes.push(performance.now() - started);
  }
  lines.push(percentiles('GET /metrics scrape', scrapes, [0]));
  return lines;
}

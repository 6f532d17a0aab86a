import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { createTestDatabase } from '../support/postgres.js';
import { writePostgresProject } from '../support/postgres-project.js';
import { parsePrometheus } from '../support/prometheus.js';

const TOKEN = 'test-token-0123456789abcdef0123456789';
const ACCOUNTS = 30;
const PEOPLE = 40;
const ACCOUNT_SYNC = 'accounts:salesforce.Account';
const PEOPLE_SYNC = 'people:hubspot.contacts';

/** The fields of the API's JSON answers the tests read (the schema check covers the rest). */
interface ApiBody {
  error: { code: string; message: string; field?: string; closest?: string[] };
  run_id: string;
  queued_behind: string | null;
  runs: { run_id: string; syncs: string[]; queued_behind: string | null }[];
  syncs: { id: string }[];
}

interface RunRow {
  run_id: string;
  status: string;
  command: string;
  sync_id: string;
  started_at: Date;
  finished_at: Date;
  attempted: number;
}

interface OpenApi {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
}

describe('spoke serve over HTTP on PostgreSQL', () => {
  let sandbox: RunningSandbox;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let server: RunningServer;
  let openapi: OpenApi;
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);

  async function call(
    method: string,
    path: string,
    options: { token?: string | null; body?: unknown } = {},
  ): Promise<{ status: number; body: ApiBody; text: string; headers: Headers }> {
    const token = options.token === undefined ? TOKEN : options.token;
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
    return { status: response.status, body: json, text, headers: response.headers };
  }

  /** The answer matches what /openapi.json documents for this route and status. */
  function expectDocumented(method: string, route: string, answer: { status: number; body: unknown }) {
    const documented = openapi.paths[route]?.[method.toLowerCase()]?.responses[String(answer.status)];
    expect(documented, `${method} ${route} ${answer.status} is documented`).toBeDefined();
    const schema = documented!.content?.['application/json']?.schema;
    if (!schema) return;
    const validate = ajv.compile(schema);
    expect(validate(answer.body), JSON.stringify(validate.errors)).toBe(true);
  }

  async function runsTable(): Promise<RunRow[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT r.run_id, r.status, r.command, s.sync_id, s.started_at, s.finished_at, s.attempted
         FROM spoke.runs r JOIN spoke.sync_runs s ON s.run_id = r.run_id ORDER BY s.started_at`,
      );
      return rows.map((row) => ({ ...row, attempted: Number(row.attempted) }) as RunRow);
    } finally {
      await client.end();
    }
  }

  async function ended(runIds: string[]): Promise<RunRow[]> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const rows = (await runsTable()).filter((row) => runIds.includes(row.run_id));
      const done = new Set(rows.filter((row) => row.status !== 'running').map((row) => row.run_id));
      if (runIds.every((id) => done.has(id))) return rows;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`runs ${runIds.join(', ')} did not end`);
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    database = await createTestDatabase(inject('databaseUrl'), 'spoke_serve_api');
    dir = await mkdtemp(join(tmpdir(), 'spoke-serve-api-'));
    await writePostgresProject(dir, database, {
      'spoke.yml': `version: 1
destinations:
  salesforce: { type: salesforce }
  hubspot: { type: hubspot, rate_limit: { requests: 100000 } }
targets:
  dev:
    sandbox: { salesforce_url: "${sandbox.salesforceUrl}", hubspot_url: "${sandbox.hubspotUrl}" }
`,
      'models/accounts.sql': `select 'a' || i as account_id, 'Account ' || i as name from generate_series(1, ${ACCOUNTS}) as t(i)`,
      'models/people.sql': `select 'u' || i as user_id, 'Last' || i as last_name from generate_series(1, ${PEOPLE}) as t(i)`,
      'models/schema.yml': `models:
  - name: accounts
    config:
      meta:
        spoke:
          - { to: salesforce.Account, key: account_id, match: Wistia_Account_Id__c, fields: { name: Name } }
  - name: people
    config:
      meta:
        spoke:
          - { to: hubspot.contacts, key: user_id, match: wistia_user_id, fields: { last_name: lastname }, after: [accounts] }
`,
    });
    expect(await dbt(dir, ['run'])).toBe(0);
    server = await startServer({
      project: { projectDir: dir, profilesDir: dir },
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      worker: false,
      version: '0.0.0-test',
      logLevel: 'warn',
    });
    openapi = (await call('GET', '/openapi.json')).body as unknown as OpenApi;
  });

  afterAll(async () => {
    await server?.stop();
    await sandbox?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('documents every route in an OpenAPI 3.1 document', () => {
    expect((openapi as unknown as { openapi: string }).openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths).sort()).toEqual([
      '/healthz',
      '/metrics',
      '/openapi.json',
      '/readyz',
      '/v1/runs',
      '/v1/runs/{id}',
      '/v1/runs/{id}/records',
      '/v1/syncs',
      '/v1/syncs/{id}',
      '/v1/syncs/{id}/runs',
    ]);
  });

  it('answers 401 without a token and 403 with a wrong one on every route but the probes', async () => {
    const routes: [string, string][] = [
      ['GET', '/openapi.json'],
      ['GET', '/metrics'],
      ['GET', '/v1/syncs'],
      ['GET', `/v1/syncs/${encodeURIComponent(ACCOUNT_SYNC)}`],
      ['POST', '/v1/runs'],
      ['POST', `/v1/syncs/${encodeURIComponent(ACCOUNT_SYNC)}/runs`],
    ];
    for (const [method, path] of routes) {
      const missing = await call(method, path, { token: null, body: method === 'POST' ? {} : undefined });
      expect(missing.status, `${method} ${path}`).toBe(401);
      expect(missing.body.error.code).toBe('SPOKE_API_UNAUTHORIZED');
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      const wrong = await call(method, path, {
        token: `${TOKEN}x`,
        body: method === 'POST' ? {} : undefined,
      });
      expect(wrong.status, `${method} ${path}`).toBe(403);
      expect(wrong.text).not.toContain(TOKEN);
      expectDocumented(method, path.replace(encodeURIComponent(ACCOUNT_SYNC), '{id}'), wrong);
    }
    expect((await call('GET', '/healthz', { token: null })).status).toBe(200);
    const ready = await call('GET', '/readyz', { token: null });
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { warehouse: { ok: true }, migrations: { ok: true } },
    });
    expectDocumented('GET', '/readyz', ready);
  });

  it('answers 400 naming the field of a bad body, and 404 with the closest ids for an unknown sync', async () => {
    const wrongType = await call('POST', '/v1/runs', { body: { syncs: [ACCOUNT_SYNC, 5] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.field).toBe('body.syncs[1]');
    expectDocumented('POST', '/v1/runs', wrongType);
    const unknownKey = await call('POST', '/v1/runs', { body: { fullRefresh: true } });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.error.field).toBe('body.fullRefresh');
    const flag = await call('POST', `/v1/syncs/${encodeURIComponent(ACCOUNT_SYNC)}/runs`, {
      body: { full_refresh: 'yes' },
    });
    expect(flag.status).toBe(400);
    expect(flag.body.error.field).toBe('body.full_refresh');
    const select = await call('POST', '/v1/runs', { body: { select: ['acounts'] } });
    expect(select.status).toBe(400);
    expect(select.body.error).toMatchObject({ field: 'body.select' });
    expect(select.body.error.message).toContain('accounts');

    const typo = await call('POST', `/v1/syncs/${encodeURIComponent('accounts:salesforce.Acount')}/runs`);
    expect(typo.status, typo.text).toBe(404);
    expect(typo.body.error).toMatchObject({ code: 'SPOKE_API_UNKNOWN_SYNC', closest: [ACCOUNT_SYNC] });
    expectDocumented('POST', '/v1/syncs/{id}/runs', typo);
    const inSequence = await call('POST', '/v1/runs', {
      body: { syncs: [ACCOUNT_SYNC, 'people:hubspot.contact'] },
    });
    expect(inSequence.status).toBe(404);
    expect(inSequence.body.error).toMatchObject({ field: 'body.syncs[1]', closest: [PEOPLE_SYNC] });
    const detail = await call('GET', '/v1/syncs/nothing-like-it');
    expect(detail.status).toBe(404);
    expectDocumented('GET', '/v1/syncs/{id}', detail);
  });

  it('queues a second trigger of a running sync behind the first, and runs them one after the other', async () => {
    const path = `/v1/syncs/${encodeURIComponent(ACCOUNT_SYNC)}/runs`;
    const triggered = performance.now();
    const [first, second] = await Promise.all([call('POST', path), call('POST', path)]);
    const answerMs = performance.now() - triggered;
    for (const answer of [first!, second!]) {
      expect(answer.status).toBe(202);
      expectDocumented('POST', '/v1/syncs/{id}/runs', answer);
    }
    const ids = [first!.body.run_id, second!.body.run_id];
    const queued = [first!, second!].filter((answer) => answer.body.queued_behind !== null);
    expect(queued).toHaveLength(1);
    const behind = queued[0]!.body.queued_behind as string;
    expect(ids).toContain(behind);
    const rows = await ended(ids);
    const waited = rows.find((row) => row.run_id === queued[0]!.body.run_id)!;
    const held = rows.find((row) => row.run_id === behind)!;
    expect(held.status).toBe('success');
    expect(waited.status).toBe('success');
    expect(new Date(waited.started_at).getTime()).toBeGreaterThanOrEqual(
      new Date(held.finished_at).getTime(),
    );
    expect(held.attempted + waited.attempted).toBe(ACCOUNTS);
    // Answered at once: long before the runs ended.
    expect(answerMs).toBeLessThan(
      new Date(waited.finished_at).getTime() - new Date(held.started_at).getTime(),
    );
    console.log(`serve: two triggers answered 202 in ${answerMs.toFixed(0)} ms`);
  });

  it('runs a sequence in order: the second sync starts only after the first ended', async () => {
    const answer = await call('POST', '/v1/runs', {
      body: { syncs: [PEOPLE_SYNC, ACCOUNT_SYNC], full_refresh: true },
    });
    expect(answer.status).toBe(202);
    expectDocumented('POST', '/v1/runs', answer);
    const [people, accounts] = answer.body.runs as {
      run_id: string;
      syncs: string[];
      queued_behind: string;
    }[];
    expect(people!.syncs).toEqual([PEOPLE_SYNC]);
    expect(accounts!.syncs).toEqual([ACCOUNT_SYNC]);
    expect(accounts!.queued_behind).toBe(people!.run_id);
    const rows = await ended([people!.run_id, accounts!.run_id]);
    const a = rows.find((row) => row.run_id === people!.run_id)!;
    const b = rows.find((row) => row.run_id === accounts!.run_id)!;
    expect([a.attempted, b.attempted]).toEqual([PEOPLE, ACCOUNTS]);
    expect(new Date(b.started_at).getTime()).toBeGreaterThanOrEqual(new Date(a.finished_at).getTime());
  });

  it('lists every sync with its order, last run and health, and exports metrics that reflect the runs', async () => {
    const list = await call('GET', '/v1/syncs');
    expect(list.status).toBe(200);
    expectDocumented('GET', '/v1/syncs', list);
    const people = list.body.syncs.find((sync) => sync.id === PEOPLE_SYNC);
    expect(people).toMatchObject({
      destination: 'hubspot',
      object: 'contacts',
      mode: 'upsert',
      key: 'user_id',
      order: { after: ['accounts'], upstream: [{ sync: ACCOUNT_SYNC, origin: 'after' }] },
      last_run: { status: 'success', attempted: PEOPLE },
    });
    const one = await call('GET', `/v1/syncs/${encodeURIComponent(PEOPLE_SYNC)}`);
    expectDocumented('GET', '/v1/syncs/{id}', one);
    expect(one.body).toEqual(people);

    const metrics = await call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const samples = parsePrometheus(metrics.text);
    expect(samples.get(`spoke_records_total{sync="${PEOPLE_SYNC}",status="created"}`)).toBe(PEOPLE);
    expect(samples.get(`spoke_records_total{sync="${ACCOUNT_SYNC}",status="created"}`)).toBe(ACCOUNTS);
    expect(samples.get('spoke_runs_total{status="success"}')).toBe(4);
    expect(samples.get('spoke_run_duration_seconds_count{status="success"}')).toBe(4);
    expect(samples.get(`spoke_sync_last_success_timestamp_seconds{sync="${PEOPLE_SYNC}"}`)).toBeGreaterThan(
      Date.now() / 1000 - 600,
    );
    expect(samples.get('spoke_queue_depth')).toBe(0);
    const scrapes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      expect((await call('GET', '/metrics')).status).toBe(200);
      scrapes.push(performance.now() - started);
    }
    scrapes.sort((a, b) => a - b);
    console.log(
      `serve: /metrics scrape p50 ${scrapes[10]!.toFixed(1)} ms, max ${scrapes[19]!.toFixed(1)} ms`,
    );
  });

  it('stops a sequence at a step that failed: the syncs after it are not run', async () => {
    // HubSpot refuses every contact write: the people sync fails.
    sandbox.faults.replace({ errors: [{ status: 400, rate: 1, paths: 'contacts' }] });
    try {
      const answer = await call('POST', '/v1/runs', {
        body: { syncs: [PEOPLE_SYNC, ACCOUNT_SYNC], full_refresh: true },
      });
      expect(answer.status).toBe(202);
      const [people, accounts] = answer.body.runs;
      const [failed] = await ended([people!.run_id]);
      expect(failed!.status).toBe('failed');
      // Once nothing is in progress, the accounts step has been given up without a run.
      const deadline = Date.now() + 60_000;
      while (parsePrometheus((await call('GET', '/metrics')).text).get('spoke_runs_in_progress') !== 0) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await runsTable()).filter((row) => row.run_id === accounts!.run_id)).toEqual([]);
    } finally {
      sandbox.faults.replace({});
    }
  });
});

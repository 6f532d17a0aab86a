import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import { dbt } from '../support/example-edits.js';
import { createTestDatabase } from '../support/postgres.js';
import { writePostgresProject } from '../support/postgres-project.js';
import { parsePrometheus } from '../support/prometheus.js';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';
const CONTACTS = 500;
const SYNC = 'contacts:hubspot.contacts';

describe('spoke serve /metrics: time spent waiting for a destination rate limit', () => {
  let sandbox: RunningSandbox;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let server: RunningServer;

  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) },
    });
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    // The sandbox does not limit: every wait below is spoke keeping to the configured window.
    sandbox = await startSandbox({ stateFile: null, hubspotRateLimit: false });
    database = await createTestDatabase(inject('databaseUrl'), 'spoke_metrics_rate_limit');
    dir = await mkdtemp(join(tmpdir(), 'spoke-metrics-rate-'));
    // Two requests per 400 ms: five batches of 100 contacts and the schema reads must queue.
    await writePostgresProject(dir, database, {
      'spoke.yml': `version: 1
destinations:
  hubspot: { type: hubspot, rate_limit: { requests: 2, window_ms: 400 } }
targets:
  dev:
    sandbox: { salesforce_url: "${sandbox.salesforceUrl}", hubspot_url: "${sandbox.hubspotUrl}" }
`,
      'models/contacts.sql': `select 'person' || i || '@example.com' as email, 'Last' || i as last_name
         from generate_series(1, ${CONTACTS}) as t(i)`,
      'models/schema.yml': `models:
  - name: contacts
    config:
      meta:
        spoke:
          - { to: hubspot.contacts, key: email, match: email, fields: { last_name: lastname } }
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
  });

  afterAll(async () => {
    await server?.stop();
    await sandbox?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('exports how long requests waited, per destination, once a rate-limited run ends', async () => {
    const before = parsePrometheus((await call('/metrics')).text);
    expect(before.get('spoke_rate_limit_wait_seconds_count{destination="hubspot"}') ?? 0).toBe(0);

    const trigger = await call(`/v1/syncs/${encodeURIComponent(SYNC)}/runs`, { method: 'POST' });
    expect(trigger.status).toBe(202);
    const runId = (JSON.parse(trigger.text) as { run_id: string }).run_id;
    const deadline = Date.now() + 120_000;
    let status = 'running';
    while (status === 'running') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const run = await call(`/v1/runs/${runId}`);
      if (run.status === 200) status = (JSON.parse(run.text) as { run: { status: string } }).run.status;
    }
    expect(status).toBe('success');
    expect(sandbox.store.records('hubspot', 'contacts')).toHaveLength(CONTACTS);

    const after = parsePrometheus((await call('/metrics')).text);
    const waited = after.get('spoke_rate_limit_wait_seconds_count{destination="hubspot"}') ?? 0;
    const seconds = after.get('spoke_rate_limit_wait_seconds_sum{destination="hubspot"}') ?? 0;
    // At least the batches beyond the first window's two requests waited for a window to open.
    expect(waited).toBeGreaterThanOrEqual(3);
    expect(seconds).toBeGreaterThan(0.3);
    expect(after.get('spoke_rate_limit_wait_seconds_bucket{le="+Inf",destination="hubspot"}')).toBe(waited);
  });
});

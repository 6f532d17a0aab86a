import { createHmac } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import {
  type HttpReceiver,
  httpReceiver,
  type SmtpReceiver,
  smtpReceiver,
} from '../support/alert-receivers.js';
import { dbt } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { type GeneratedProject, generatedProject } from '../support/generated-project.js';
import { createTestDatabase } from '../support/postgres.js';
import { repoRoot, runSpoke } from '../support/spoke-cli.js';

const ROWS = 20;
const WEBHOOK_SECRET = 'whsec-alert-test-4471';
const UPSERT = '^POST /crm/v3/objects/contacts/batch/upsert';

const ALERTS_YML = `alerts:
  failed_records_ratio: 0
  public_url: https://spoke.example.com
  channels:
    - { type: email, name: team-email, to: [data-alerts@example.com], smtp_url: "{{ env_var('SMTP_URL') }}", from: "dbt-spoke <spoke@example.com>" }
    - { type: slack, webhook_url: "{{ env_var('SLACK_WEBHOOK_URL') }}" }
    - { type: webhook, url: "{{ env_var('ALERT_WEBHOOK_URL') }}", secret: "{{ env_var('ALERT_WEBHOOK_SECRET') }}" }
    - { type: pagerduty, routing_key: "{{ env_var('PAGERDUTY_ROUTING_KEY') }}", events_url: "{{ env_var('PAGERDUTY_EVENTS_URL') }}" }
`;

interface Receivers {
  smtp: SmtpReceiver;
  slack: HttpReceiver;
  webhook: HttpReceiver;
  pagerduty: HttpReceiver;
  env: Record<string, string>;
}

async function receivers(): Promise<Receivers> {
  const [smtp, slack, webhook, pagerduty] = await Promise.all([
    smtpReceiver(),
    httpReceiver(),
    httpReceiver(),
    httpReceiver(202),
  ]);
  return {
    smtp,
    slack,
    webhook,
    pagerduty,
    env: {
      SMTP_URL: smtp.url,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/slack-hook-secret-77`,
      ALERT_WEBHOOK_URL: `${webhook.url}/hooks/spoke`,
      ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PAGERDUTY_ROUTING_KEY: 'pd-routing-key-secret-99',
      PAGERDUTY_EVENTS_URL: `${pagerduty.url}/v2/enqueue`,
    },
  };
}

/** Verifies a webhook delivery as a receiver would: the signature over the exact body. */
function signed(request: HttpReceiver['requests'][number]): boolean {
  const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(request.body).digest('hex')}`;
  return request.headers['x-spoke-signature'] === expected;
}

interface WebhookAlert {
  id: string;
  kind: string;
  run_id: string;
  syncs: {
    id: string;
    reason: string | null;
    newly_failing: { code: string; count: number; sample_keys: string[] }[];
    still_failing: { code: string; count: number; sample_keys: string[] }[];
    failing_runs: number | null;
    failing_since: string | null;
  }[];
  command: string;
  url: string;
}

describe('alerts on a sync that breaks and recovers', () => {
  let sandbox: RunningSandbox;
  let project: GeneratedProject;
  let r: Receivers;
  const sync = (args: string[] = []) =>
    runSpoke(['sync', '--json', ...args], { cwd: project.dir, env: r.env });

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    r = await receivers();
    project = await generatedProject({
      rows: ROWS,
      salesforceUrl: sandbox.salesforceUrl,
      hubspotUrl: sandbox.hubspotUrl,
      destinations: ['hubspot'],
    });
    await appendFile(join(project.dir, 'spoke.yml'), ALERTS_YML);
    expect(await dbt(project.dir, ['run'])).toBe(0);
  });
  beforeEach(() => {
    sandbox.faults.replace({});
  });
  afterAll(async () => {
    await Promise.all([
      sandbox?.close(),
      r?.smtp.close(),
      r?.slack.close(),
      r?.webhook.close(),
      r?.pagerduty.close(),
    ]);
    await project?.cleanup();
  });

  it('ten failing runs and then a good one send exactly one failure and one recovery per channel', async () => {
    // HubSpot refuses every record: they fail for good, and then still fail run after run.
    sandbox.faults.replace({ errors: [{ status: 400, rate: 1, paths: UPSERT }] });
    for (let run = 0; run < 10; run++) {
      const result = await sync();
      expect(result.exitCode, result.stdout.slice(0, 500)).toBe(1);
    }
    sandbox.faults.replace({});
    const good = await sync(['--retry-failed']);
    expect(good.exitCode, good.stdout.slice(0, 500)).toBe(0);

    expect(r.smtp.mails.map((mail) => mail.subject)).toEqual([
      '[dbt-spoke] people:hubspot.contacts is failing on target dev',
      '[dbt-spoke] people:hubspot.contacts recovered on target dev',
    ]);
    expect(r.slack.requests).toHaveLength(2);
    expect(r.webhook.requests).toHaveLength(2);
    expect(r.pagerduty.requests).toHaveLength(2);

    const [failure, recovery] = r.webhook.requests.map((request) => request.json as WebhookAlert);
    expect(r.webhook.requests.every(signed)).toBe(true);
    expect(r.webhook.requests[0]!.headers['x-spoke-message-id']).toBe(failure!.id);
    expect(failure).toMatchObject({ kind: 'failure', command: `spoke runs show ${failure!.run_id}` });
    expect(failure!.url).toBe(`https://spoke.example.com/#/runs/${failure!.run_id}`);
    expect(failure!.syncs).toHaveLength(1);
    expect(failure!.syncs[0]!.newly_failing).toEqual([
      expect.objectContaining({
        code: 'VALIDATION_ERROR',
        count: ROWS,
        sample_keys: expect.arrayContaining(['p0000001']),
      }),
    ]);
    expect(failure!.syncs[0]!.newly_failing[0]!.sample_keys).toHaveLength(5);
    expect(recovery).toMatchObject({ kind: 'recovery' });
    expect(recovery!.syncs[0]).toMatchObject({ id: 'people:hubspot.contacts', failing_runs: 10 });

    const mail = r.smtp.mails[0]!;
    expect(mail.text).toContain('VALIDATION_ERROR ×20');
    expect(mail.text).toContain(`spoke runs show ${failure!.run_id}`);
    expect(String(mail.html)).toContain('<h3>people:hubspot.contacts</h3>');
    expect(r.smtp.mails[1]!.text).toMatch(/was failing for \d+m \(10 failing runs, since /);

    const slack = r.slack.requests[0]!.json as { blocks: { type: string; text?: { text: string } }[] };
    expect(slack.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: 'people:hubspot.contacts is failing on target dev' },
    });
    expect(slack.blocks.some((block) => block.text?.text.includes('VALIDATION_ERROR ×20'))).toBe(true);

    const events = r.pagerduty.requests.map(
      (request) => request.json as { event_action: string; dedup_key: string; routing_key: string },
    );
    expect(events.map((event) => [event.event_action, event.dedup_key])).toEqual([
      ['trigger', 'people:hubspot.contacts'],
      ['resolve', 'people:hubspot.contacts'],
    ]);
    expect(events[0]!.routing_key).toBe('pd-routing-key-secret-99');

    const status = await runSpoke(['alerts', 'status', '--json'], { cwd: project.dir, env: r.env });
    expect(JSON.parse(status.stdout)).toMatchObject({
      configured: true,
      syncs: [{ id: 'people:hubspot.contacts', health: 'healthy', last_alert_id: recovery!.id }],
      pending: [],
    });
  });

  it('a channel that is down fails no sync, and gets its message once when it is back', async () => {
    expect(await dbt(project.dir, ['run', '--vars', '{version: 2}'])).toBe(0);
    r.webhook.status = 500;
    const before = r.webhook.requests.length;
    const plain = r.slack.requests.length;
    sandbox.faults.replace({ errors: [{ status: 400, rate: 1, paths: UPSERT }] });
    const failing = await sync();
    // The same exit code and counts as without alerts.
    expect(failing.exitCode).toBe(1);
    const document = JSON.parse(failing.stdout) as {
      syncs: { failed: number; attempted: number }[];
      alerts: { channel: string; delivered: boolean; error?: string }[];
    };
    expect(document.syncs[0]).toMatchObject({ attempted: ROWS, failed: ROWS });
    expect(document.alerts.find((a) => a.channel === 'webhook')).toMatchObject({
      delivered: false,
      error: expect.stringContaining('HTTP 500'),
    });
    expect(document.alerts.find((a) => a.channel === 'slack')).toMatchObject({ delivered: true });
    const pending = JSON.parse(
      (await runSpoke(['alerts', 'status', '--json'], { cwd: project.dir, env: r.env })).stdout,
    );
    expect(pending.pending).toEqual([expect.objectContaining({ channel: 'webhook', attempts: 1 })]);

    r.webhook.status = 200;
    // Still failing: no new message, but the pending one goes out now, once.
    await sync();
    await sync();
    const delivered = r.webhook.requests.slice(before).map((request) => (request.json as WebhookAlert).id);
    expect(delivered).toHaveLength(2);
    expect(new Set(delivered).size).toBe(1);
    expect(r.slack.requests.length - plain).toBe(1);
  });

  it('sends a clearly marked test message to a channel, and names the closest channel for a typo', async () => {
    const before = r.slack.requests.length;
    const test = await runSpoke(['alerts', 'test', '--channel', 'slack'], { cwd: project.dir, env: r.env });
    expect(test.exitCode).toBe(0);
    expect(test.stdout).toContain('test alert sent to slack');
    expect(r.slack.requests.slice(before).map((request) => (request.json as { text: string }).text)).toEqual([
      'Test alert from dbt-spoke (target dev): this channel works',
    ]);
    const typo = await runSpoke(['alerts', 'test', '--channel', 'slak'], { cwd: project.dir, env: r.env });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('Did you mean `slack`?');
    // Channel credentials never show, in any output.
    for (const secret of [
      'slack-hook-secret-77',
      'pd-routing-key-secret-99',
      'smtp-secret-Xy9',
      WEBHOOK_SECRET,
    ]) {
      expect(test.stdout + test.stderr + typo.stdout + typo.stderr).not.toContain(secret);
    }
  });
});

describe('alerts across a crash', () => {
  let sandbox: RunningSandbox;
  let project: GeneratedProject;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let r: Receivers;

  beforeAll(async () => {
    sandbox = await startSandbox({ schemaDir: EXAMPLE_SCHEMA_DIR, stateFile: null, hubspotRateLimit: false });
    r = await receivers();
    database = await createTestDatabase(inject('databaseUrl'), 'spoke_alert_crash');
    project = await generatedProject({
      rows: ROWS,
      salesforceUrl: sandbox.salesforceUrl,
      hubspotUrl: sandbox.hubspotUrl,
      destinations: ['hubspot'],
      postgresUrl: database.url,
    });
    await appendFile(join(project.dir, 'spoke.yml'), ALERTS_YML);
    expect(await dbt(project.dir, ['run'])).toBe(0);
  });
  afterAll(async () => {
    await Promise.all([
      sandbox?.close(),
      r?.smtp.close(),
      r?.slack.close(),
      r?.webhook.close(),
      r?.pagerduty.close(),
    ]);
    await database?.drop();
    await project?.cleanup();
  });

  it('a process killed right after a failing run ended neither loses nor repeats the failure alert', async () => {
    sandbox.faults.replace({ errors: [{ status: 400, rate: 1, paths: UPSERT }] });
    // Every channel holds its answer, so the kill lands while the alerts are going out.
    for (const receiver of [r.slack, r.webhook, r.pagerduty]) receiver.delayMs = 5_000;
    const child = execa(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), 'sync'], {
      cwd: project.dir,
      env: r.env,
      reject: false,
    });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const outbox = async () =>
        (await admin.query('SELECT message_id FROM spoke.alert_outbox').catch(() => ({ rows: [] }))).rows;
      for (let waited = 0; (await outbox()).length === 0 && waited < 60_000; waited += 50) await sleep(50);
      child.kill('SIGKILL');
      await child;
      expect(await outbox()).toHaveLength(1);
    } finally {
      await admin.end();
    }
    for (const receiver of [r.slack, r.webhook, r.pagerduty]) receiver.delayMs = 0;

    // The next run (still failing: nothing new to say) sends what the killed one did not confirm.
    const next = await runSpoke(['sync'], { cwd: project.dir, env: r.env });
    expect(next.exitCode).toBe(1);
    await runSpoke(['sync'], { cwd: project.dir, env: r.env });
    const ids = (receiver: HttpReceiver) =>
      receiver.requests.map(
        (request) => (request.json as { id?: string }).id ?? request.headers['x-spoke-message-id'],
      );
    // One failure alert: delivered at least once, every copy with the same id for the receiver to keep one.
    expect(new Set(ids(r.webhook)).size).toBe(1);
    expect(r.webhook.requests.length).toBeGreaterThanOrEqual(1);
    expect(r.webhook.requests.every(signed)).toBe(true);
    expect(r.smtp.mails.length).toBeGreaterThanOrEqual(1);
    expect(new Set(r.smtp.mails.map((mail) => mail.headers.get('x-spoke-message-id'))).size).toBe(1);
    const triggers = r.pagerduty.requests.map(
      (request) => (request.json as { event_action: string }).event_action,
    );
    expect(new Set(triggers)).toEqual(new Set(['trigger']));
  });
});

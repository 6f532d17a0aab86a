import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpReceiver, httpReceiver } from '../support/alert-receivers.js';
import { editSeed } from '../support/example-edits.js';
import { copyExampleProject, runSpoke } from '../support/spoke-cli.js';

interface Alert {
  id: string;
  kind: string;
  syncs: {
    id: string;
    newly_failing: { code: string; count: number; sample_keys: string[] }[];
    still_failing: { code: string; count: number }[];
    failing_runs: number | null;
  }[];
}

describe('alerts on the example project', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  let webhook: HttpReceiver;
  const build = () =>
    runSpoke(['dbt', 'build'], {
      cwd: project.dir,
      env: { SPOKE_ALERT_WEBHOOK_URL: `${webhook.url}/spoke` },
    });

  beforeAll(async () => {
    project = await copyExampleProject();
    webhook = await httpReceiver();
  });
  afterAll(async () => {
    await webhook?.close();
    await project?.cleanup();
  });

  it('lists the 7 failing records by code once, stays quiet while they fail, and says once that they recovered', async () => {
    expect((await build()).exitCode).toBe(1);
    expect(webhook.requests).toHaveLength(1);
    const failure = webhook.requests[0]!.json as Alert;
    expect(failure.kind).toBe('failure');
    const codes = Object.fromEntries(
      failure.syncs.map((sync) => [
        sync.id,
        sync.newly_failing.map((e) => `${e.code} ×${e.count} ${e.sample_keys.join(',')}`),
      ]),
    );
    expect(codes).toEqual({
      'crm_accounts:salesforce.Account': ['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST ×1 acc_0059'],
      'crm_accounts:hubspot.companies': ['INVALID_OPTION ×1 acc_0059'],
      'crm_contacts:salesforce.Contact': [
        'INVALID_EMAIL_ADDRESS ×2 usr_00005,usr_00014',
        'REQUIRED_FIELD_MISSING ×1 usr_00020',
      ],
      'crm_contacts:hubspot.contacts': ['INVALID_EMAIL ×2 usr_00005,usr_00014'],
    });

    // One more bad row: the syncs were failing already, so nothing is sent.
    await editSeed(project.dir, 'raw_users', (rows) => [
      ...rows,
      { ...rows[1]!, user_id: 'usr_09998', email: 'broken@' },
    ]);
    expect((await build()).exitCode).toBe(1);
    expect(webhook.requests).toHaveLength(1);

    // The data is fixed: one recovery, naming every sync that recovered.
    await editSeed(project.dir, 'raw_users', (rows) =>
      rows.map((row) => {
        const email = row.email ?? '';
        return {
          ...row,
          email: email.includes('@') && !email.endsWith('@') ? email : `${row.user_id}@example.com`,
          last_name: row.last_name || 'Unknown',
        };
      }),
    );
    for (const seed of ['raw_accounts', 'raw_subscriptions']) {
      await editSeed(project.dir, seed, (rows) =>
        rows.map((row) => (row.plan === 'legacy_enterprise' ? { ...row, plan: 'enterprise' } : row)),
      );
    }
    const fixed = await build();
    expect(fixed.exitCode, fixed.stdout.slice(-2000)).toBe(0);
    expect(webhook.requests).toHaveLength(2);
    const recovery = webhook.requests[1]!.json as Alert;
    expect(recovery.kind).toBe('recovery');
    expect(recovery.syncs.map((sync) => [sync.id, sync.failing_runs]).sort()).toEqual([
      ['crm_accounts:hubspot.companies', 2],
      ['crm_accounts:salesforce.Account', 2],
      ['crm_contacts:hubspot.contacts', 2],
      ['crm_contacts:salesforce.Contact', 2],
    ]);
    expect((await build()).exitCode).toBe(0);
    expect(webhook.requests).toHaveLength(2);
  });
});

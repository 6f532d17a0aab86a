import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyBuiltExampleProject } from '../support/built-example.js';
import { CrmReadback } from '../support/crm-readback.js';
import { dbt, editSeed, editSpokeBlocks } from '../support/example-edits.js';
import { createTestDatabase, examplePgEnv } from '../support/postgres.js';
import { copyExampleProject, runSpoke } from '../support/spoke-cli.js';

interface SyncJson {
  id: string;
  status: string;
  reason?: string;
  attempted: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  skipped: number;
  unchanged: number;
  still_failing: number;
  still_failing_errors: { code: string; count: number; since_run_id: string; samples: { key: string }[] }[];
  errors: { key: string; code: string }[];
}

const ACCOUNTS_SF = 'crm_accounts:salesforce.Account';
const ACCOUNTS_HS = 'crm_accounts:hubspot.companies';
const CONTACTS_SF = 'crm_contacts:salesforce.Contact';
const CONTACTS_HS = 'crm_contacts:hubspot.contacts';

/** Where a test's dbt project builds: the default DuckDB target, or a fresh PostgreSQL database. */
interface Target {
  name: string;
  args: string[];
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function useTarget(warehouse: 'duckdb' | 'postgres'): Promise<Target> {
  if (warehouse === 'duckdb') return { name: 'dev', args: [], env: {}, drop: async () => {} };
  const database = await createTestDatabase(inject('databaseUrl'), 'spoke_mirror');
  return {
    name: 'pg',
    args: ['--target', 'pg'],
    env: examplePgEnv(database),
    drop: database.drop,
  };
}

async function sync(projectDir: string, args: string[] = [], target?: Target) {
  const result = await runSpoke(['sync', '--json', ...args, ...(target?.args ?? [])], {
    cwd: projectDir,
    env: target?.env ?? {},
  });
  const document = JSON.parse(result.stdout) as {
    run_id: string;
    syncs?: SyncJson[];
    error?: { message: string };
  };
  if (!document.syncs) throw new Error(`spoke sync failed: ${result.stdout}\n${result.stderr}`);
  return {
    exitCode: result.exitCode,
    runId: document.run_id,
    syncs: new Map(document.syncs.map((s) => [s.id, s])),
  };
}

/** Reads spoke's state tables the way a team would, with SQL on the warehouse. */
async function stateQuery(projectDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(join(projectDir, 'spoke_example.duckdb'), {
    access_mode: 'READ_ONLY',
  });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('incremental syncs of the example project', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;

  beforeAll(async () => {
    project = await copyBuiltExampleProject();
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('sends nothing on a rerun when nothing changed, and reports rows that failed permanently as still failing', async () => {
    const first = await sync(project.dir);
    expect(first.syncs.get(ACCOUNTS_SF)!.created).toBe(59);
    const failedFirst = [...first.syncs.values()].reduce((sum, s) => sum + s.failed, 0);
    expect(failedFirst).toBe(7);

    const second = await sync(project.dir);

    // Not resent, and not hidden: the run is not a success while records are still wrong.
    expect(second.exitCode).toBe(1);
    for (const [id, result] of second.syncs) {
      expect(result.attempted, id).toBe(0);
      expect(result.unchanged + result.still_failing, id).toBe(first.syncs.get(id)!.attempted);
      expect(result.still_failing, id).toBe(first.syncs.get(id)!.failed);
      expect(result.status, id).toBe(result.still_failing > 0 ? 'partial' : 'success');
      const codes = result.still_failing_errors.map((group) => [group.code, group.count]);
      const firstCodes = new Map<string, number>();
      for (const error of first.syncs.get(id)!.errors)
        firstCodes.set(error.code, (firstCodes.get(error.code) ?? 0) + 1);
      expect(Object.fromEntries(codes), id).toEqual(Object.fromEntries(firstCodes));
      for (const group of result.still_failing_errors) {
        expect(group.since_run_id, id).toBe(first.runId);
        expect(group.samples.length).toBeGreaterThan(0);
      }
    }
  });

  it('says on a rerun which records still fail, since which run, with their codes, and exits 1', async () => {
    const rerun = await runSpoke(['sync'], { cwd: project.dir });
    expect(rerun.exitCode).toBe(1);
    expect(rerun.stdout).toMatch(/0 created, 0 updated, 0 failed, 0 invalid, 7 still failing\./);
    expect(rerun.stdout).toMatch(
      /crm_contacts:salesforce\.Contact .*still failing 3 \(since run [0-9a-f]{8}, \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/,
    );
    expect(rerun.stdout).toMatch(/still failing\s+INVALID_EMAIL_ADDRESS ×2\s+usr_00005, usr_00014/);
    expect(rerun.stdout).toMatch(/still failing\s+REQUIRED_FIELD_MISSING ×1\s+usr_00020/);
  });

  it('updates only the row whose values changed, sending only the changed fields', async () => {
    const crm = await CrmReadback.open(project.dir);
    try {
      // A salesperson edits a field that the sync also maps, on a record whose name will change.
      await crm.updateSalesforce('Account', 'Wistia_Account_Id__c', 'acc_0003', {
        Industry: 'Manufacturing',
      });
    } finally {
      await crm.close();
    }
    await editSeed(project.dir, 'raw_accounts', (rows) =>
      rows.map((row) =>
        row.account_id === 'acc_0003' ? { ...row, company_name: 'Cobalt Analytics GmbH' } : row,
      ),
    );
    expect(await dbt(project.dir, ['build'])).toBe(0);

    const run = await sync(project.dir);

    // Exit 1: the example's bad rows still fail; the changed row went out.
    expect(run.exitCode).toBe(1);
    for (const id of [ACCOUNTS_SF, ACCOUNTS_HS]) {
      expect(run.syncs.get(id)).toMatchObject({ attempted: 1, updated: 1, created: 0, still_failing: 1 });
    }
    for (const id of [CONTACTS_SF, CONTACTS_HS]) expect(run.syncs.get(id)!.attempted).toBe(0);
    const after = await CrmReadback.open(project.dir);
    try {
      const [account] = (
        await after.salesforceRecords('Account', ['Wistia_Account_Id__c', 'Name', 'Industry'])
      ).filter((record) => record.Wistia_Account_Id__c === 'acc_0003');
      expect(account!.Name).toBe('Cobalt Analytics GmbH');
      expect(account!.Industry).toBe('Manufacturing');
    } finally {
      await after.close();
    }
  });

  it('resends permanently failed rows with --retry-failed, and they fail again', async () => {
    const run = await sync(project.dir, ['--retry-failed', '--select', 'crm_accounts']);
    for (const id of [ACCOUNTS_SF, ACCOUNTS_HS]) {
      expect(run.syncs.get(id)).toMatchObject({ attempted: 1, failed: 1 });
      expect(run.syncs.get(id)!.errors[0]!.key).toBe('acc_0059');
    }
  });

  it('does not skip the syncs after a healthy sync whose one retried record fails again', async () => {
    // 1 of the 60 accounts is wrong: the accounts syncs are partial, and the contacts syncs run.
    const run = await sync(project.dir, ['--retry-failed', '--select', 'crm_accounts', 'crm_contacts']);
    for (const id of [ACCOUNTS_SF, ACCOUNTS_HS]) {
      expect(run.syncs.get(id)).toMatchObject({ status: 'partial', attempted: 1, failed: 1 });
    }
    for (const id of [CONTACTS_SF, CONTACTS_HS]) {
      expect(run.syncs.get(id)!.status, id).toBe('partial');
      expect(run.syncs.get(id)!.attempted, id).toBeGreaterThan(0);
    }
  });

  it('re-syncs every row with --full-refresh', async () => {
    const run = await sync(project.dir, ['--full-refresh', '--select', 'crm_accounts:hubspot.companies']);
    expect(run.syncs.get(ACCOUNTS_HS)).toMatchObject({ attempted: 60, updated: 59, failed: 1 });
  });

  it('keeps every run and every attempt in the warehouse state tables', async () => {
    const runs = await stateQuery(project.dir, 'SELECT count(*)::INTEGER AS n FROM spoke.runs');
    expect(runs[0]!.n).toBe(7);
    const perSync = await stateQuery(
      project.dir,
      `SELECT sync_id, count(*)::INTEGER AS runs, sum(attempted)::INTEGER AS attempted
       FROM spoke.sync_runs GROUP BY sync_id ORDER BY sync_id`,
    );
    expect(perSync.find((row) => row.sync_id === ACCOUNTS_HS)).toMatchObject({
      runs: 7,
      attempted: 60 + 0 + 0 + 1 + 1 + 1 + 60,
    });
    const logged = await stateQuery(
      project.dir,
      `SELECT count(*)::INTEGER AS n FROM spoke.record_log WHERE sync_id = '${ACCOUNTS_HS}'`,
    );
    expect(logged[0]!.n).toBe(60 + 0 + 1 + 1 + 1 + 60);
    const ledger = await stateQuery(
      project.dir,
      `SELECT count(*)::INTEGER AS n FROM spoke.id_ledger WHERE destination = 'salesforce' AND object = 'Account'`,
    );
    expect(ledger[0]!.n).toBe(59);
  });
});

for (const warehouse of ['duckdb', 'postgres'] as const) {
  describe(`mirror mode and its delete guard on ${warehouse}`, () => {
    let project: Awaited<ReturnType<typeof copyExampleProject>>;
    let target: Target;
    const build = () => dbt(project.dir, ['build', ...target.args], target.env);

    beforeAll(async () => {
      project = await copyExampleProject();
      target = await useTarget(warehouse);
      await editSpokeBlocks(project.dir, ({ contacts }) => {
        contacts[1]!.mode = 'mirror';
      });
      expect(await build()).toBe(0);
      await sync(project.dir, [], target);
    });
    afterAll(async () => {
      await project?.cleanup();
      await target?.drop();
    });

    const hubspotContactKeys = async () => {
      const crm = await CrmReadback.open(project.dir, target.name);
      try {
        return (await crm.hubspotRecords('contacts', ['wistia_user_id'])).map(
          (record) => record.properties.wistia_user_id,
        );
      } finally {
        await crm.close();
      }
    };

    it('archives exactly the records whose rows left the model, and only in the mirror sync', async () => {
      const removed = ['usr_00001', 'usr_00002', 'usr_00003'];
      await editSeed(project.dir, 'raw_users', (rows) =>
        rows.filter((row) => !removed.includes(row.user_id!)),
      );
      expect(await build()).toBe(0);

      const run = await sync(project.dir, [], target);

      expect(run.syncs.get(CONTACTS_HS)).toMatchObject({ deleted: 3, failed: 0, created: 0 });
      expect(run.syncs.get(CONTACTS_SF)!.deleted).toBe(0);
      const keys = await hubspotContactKeys();
      for (const key of removed) expect(keys).not.toContain(key);
      expect(keys).toHaveLength(249 - 3);
    });

    it('refuses to delete more than max_delete_ratio without --allow-deletes, then deletes with it', async () => {
      await editSeed(project.dir, 'raw_users', (rows) => rows.filter((_, index) => index % 2 === 0));
      expect(await build()).toBe(0);
      const before = await hubspotContactKeys();

      const refused = await sync(project.dir, ['--select', CONTACTS_HS], target);

      expect(refused.exitCode).toBe(1);
      expect(refused.syncs.get(CONTACTS_HS)!.status).toBe('failed');
      expect(refused.syncs.get(CONTACTS_HS)!.reason).toMatch(
        /would delete \d+ of the \d+ records.*--allow-deletes/,
      );
      expect(await hubspotContactKeys()).toEqual(before);

      const allowed = await sync(project.dir, ['--select', CONTACTS_HS, '--allow-deletes'], target);
      expect(allowed.syncs.get(CONTACTS_HS)!.deleted).toBeGreaterThan(100);
      expect((await hubspotContactKeys()).length).toBe(
        before.length - allowed.syncs.get(CONTACTS_HS)!.deleted,
      );
    });
  });
}

describe('syncs under SPOKE_DUCKDB_MEMORY_LIMIT', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  const limited = { SPOKE_DUCKDB_MEMORY_LIMIT: '64MB' };

  beforeAll(async () => {
    project = await copyBuiltExampleProject();
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  // Under a limit every sync reads its changes from a copy made while planning, a first sync too.
  it('creates, updates only what changed, and re-syncs everything with --full-refresh', async () => {
    const run = (args: string[]) =>
      sync(project.dir, [...args, '--select', 'crm_accounts'], {
        name: 'dev',
        args: [],
        env: limited,
        drop: async () => {},
      });
    const first = await run([]);
    for (const id of [ACCOUNTS_SF, ACCOUNTS_HS]) {
      expect(first.syncs.get(id)).toMatchObject({ attempted: 60, created: 59, failed: 1 });
    }
    await editSeed(project.dir, 'raw_accounts', (rows) =>
      rows.map((row) => (row.account_id === 'acc_0007' ? { ...row, company_name: 'Renamed Ltd' } : row)),
    );
    expect(await dbt(project.dir, ['build'])).toBe(0);
    const changed = await run([]);
    for (const id of [ACCOUNTS_SF, ACCOUNTS_HS]) {
      expect(changed.syncs.get(id)).toMatchObject({ attempted: 1, updated: 1, still_failing: 1 });
    }
    const refreshed = await run(['--full-refresh']);
    for (const id of [ACCOUNTS_SF, ACCOUNTS_HS]) {
      expect(refreshed.syncs.get(id)).toMatchObject({ attempted: 60, updated: 59, failed: 1 });
    }
  });
});

describe('update and create modes', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;

  beforeAll(async () => {
    project = await copyBuiltExampleProject();
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  const salesforceContacts = async () => {
    const crm = await CrmReadback.open(project.dir);
    try {
      return await crm.salesforceRecords('Contact', ['Wistia_User_Id__c', 'Title']);
    } finally {
      await crm.close();
    }
  };

  it('update never creates: unmatched rows are reported as skipped with NO_MATCH', async () => {
    await editSpokeBlocks(project.dir, ({ contacts }) => {
      contacts[0]!.mode = 'update';
    });
    await dbt(project.dir, ['parse']);

    const run = await sync(project.dir, ['--select', 'crm_accounts', CONTACTS_SF]);

    expect(run.syncs.get(CONTACTS_SF)).toMatchObject({ created: 0, updated: 0, skipped: 251 });
    expect(await salesforceContacts()).toHaveLength(0);
  });

  it('create adds only new keys and never touches a record that already exists', async () => {
    await editSpokeBlocks(project.dir, ({ contacts }) => {
      contacts[0]!.mode = 'create';
    });
    await dbt(project.dir, ['parse']);
    const first = await sync(project.dir, ['--select', CONTACTS_SF]);
    expect(first.syncs.get(CONTACTS_SF)).toMatchObject({ created: 248, failed: 3 });

    await editSeed(project.dir, 'raw_users', (rows) => [
      ...rows.map((row) =>
        row.user_id === 'usr_00002' ? { ...row, job_title: 'Chief Video Officer' } : row,
      ),
      {
        ...rows[1]!,
        user_id: 'usr_09999',
        email: 'new.person@brightlane.edu',
        first_name: 'New',
        last_name: 'Person',
      },
    ]);
    expect(await dbt(project.dir, ['build'])).toBe(0);
    const second = await sync(project.dir, ['--select', CONTACTS_SF]);

    // The existing record is skipped; the three rows that failed before still fail.
    expect(second.syncs.get(CONTACTS_SF)).toMatchObject({
      attempted: 2,
      created: 1,
      skipped: 1,
      still_failing: 3,
    });
    const contacts = await salesforceContacts();
    expect(contacts).toHaveLength(249);
    expect(contacts.find((record) => record.Wistia_User_Id__c === 'usr_00002')!.Title).not.toBe(
      'Chief Video Officer',
    );
  });
});

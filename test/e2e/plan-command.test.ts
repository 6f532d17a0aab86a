import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Ajv2020 } from 'ajv/dist/2020.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GITHUB_COMMENT_LIMIT } from '../../src/cli/plan/markdown-view.js';
import type { PlanReport } from '../../src/review/plan-report.js';
import { STATE_COLUMNS } from '../../src/state/state-tables.js';
import { dbt, editSpokeBlocks } from '../support/example-edits.js';
import { createTestDatabase } from '../support/postgres.js';
import { copyExampleProject, repoRoot, runSpoke } from '../support/spoke-cli.js';

const CONTACTS_SF = 'crm_contacts:salesforce.Contact';
const CONTACTS_HS = 'crm_contacts:hubspot.contacts';
const BILLING_CONTACTS = 'crm_accounts:billing_contacts';

interface Warehouse {
  target: string;
  env: Record<string, string>;
  args: string[];
  /** Every state table's rows, sorted, as text: equal dumps mean an unchanged state. */
  dumpState(): Promise<string>;
  /** The warehouse's bytes when it is a file (DuckDB), else null. */
  fileHash(): Promise<string | null>;
  recordLog(runId: string): Promise<{ sync_id: string; record_key: string; status: string }[]>;
  done(): Promise<void>;
}

/**
 * The pull request the example's review shows: one mapping changed (Contact job titles go to
 * Department), one sync added (a Salesforce billing contact per account), one removed (HubSpot contacts).
 */
async function editBranch(projectDir: string): Promise<void> {
  await editSpokeBlocks(projectDir, (blocks) => {
    const sfContacts = blocks.contacts.find((block) => block.to === 'salesforce.Contact')!;
    const fields = sfContacts.fields as Record<string, unknown>;
    delete fields.job_title;
    fields.job_title = 'Department';
    blocks.contacts = blocks.contacts.filter((block) => block.to !== 'hubspot.contacts');
    blocks.accounts.push({
      name: BILLING_CONTACTS,
      to: 'salesforce.Contact',
      key: 'account_id',
      match: 'Wistia_User_Id__c',
      fields: { account_name: 'LastName', domain: 'Department' },
    });
  });
}

function sha(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const ajv = new Ajv2020({ strict: true, allErrors: true });

async function planSchemaValidator() {
  const schema = JSON.parse(await readFile(join(repoRoot, 'schemas', 'spoke-plan.schema.json'), 'utf8'));
  return ajv.compile(schema);
}

function describePlanOn(name: string, setup: (projectDir: string) => Promise<Warehouse>) {
  describe(`spoke plan on the example project (${name})`, () => {
    let project: Awaited<ReturnType<typeof copyExampleProject>>;
    let warehouse: Warehouse;
    let baseDir: string;
    const spoke = (args: string[]) =>
      runSpoke([...args, ...warehouse.args], { cwd: project.dir, env: warehouse.env });

    beforeAll(async () => {
      project = await copyExampleProject();
      warehouse = await setup(project.dir);
      const built = await spoke(['dbt', 'build', '--json']);
      expect(built.exitCode, built.stderr).toBe(1); // the example's deliberately bad rows
      baseDir = join(project.dir, '..', 'base-target');
      await cp(join(project.dir, 'target'), baseDir, { recursive: true });
    });

    afterAll(async () => {
      await warehouse?.done();
      await project?.cleanup();
    });

    it('exits 0 with --detailed-exitcode on the artifacts it was synced from, and says there are no changes', async () => {
      const plan = await spoke(['plan', '--state', baseDir, '--impact', '--detailed-exitcode']);
      expect(plan.exitCode, plan.stderr).toBe(0);
      expect(plan.stdout).toContain(
        'Plan: 0 to create, 0 to update, 0 to delete, 0 invalid, 0 syncs added, 0 changed, 0 removed, 4 syncs unchanged.',
      );
      expect(plan.stdout).toContain('No changes.');
    });

    it('previews a branch read-only, and spoke sync then does exactly what it previewed, record for record', async () => {
      await editBranch(project.dir);
      expect(await dbt(project.dir, ['build', ...warehouse.args], warehouse.env)).toBe(0);

      const definitions = await spoke(['plan', '--state', baseDir, '--detailed-exitcode']);
      expect(definitions.exitCode, definitions.stderr).toBe(2);
      expect(definitions.stdout).toContain(`+ ${BILLING_CONTACTS}`);
      expect(definitions.stdout).toContain(`- ${CONTACTS_HS}`);
      expect(definitions.stdout).toContain('~ fields.job_title: "Title" → "Department"');

      const stateBefore = await warehouse.dumpState();
      const fileBefore = await warehouse.fileHash();
      const sandboxFile = join(project.dir, '.spoke', `sandbox-${warehouse.target}.json`);
      const sandboxBefore = sha(await readFile(sandboxFile));
      const planned = await spoke([
        'plan',
        '--state',
        baseDir,
        '--impact',
        '--samples',
        '100000',
        '--format',
        'json',
      ]);
      expect(planned.exitCode, planned.stderr).toBe(0);
      expect(await warehouse.dumpState()).toBe(stateBefore);
      expect(await warehouse.fileHash()).toBe(fileBefore);
      expect(sha(await readFile(sandboxFile))).toBe(sandboxBefore);

      const plan = JSON.parse(planned.stdout) as PlanReport;
      const validate = await planSchemaValidator();
      expect(validate(plan), ajv.errorsText(validate.errors)).toBe(true);
      const byId = new Map(plan.syncs.map((sync) => [sync.id, sync]));
      expect(byId.get(BILLING_CONTACTS)?.definition).toBe('added');
      expect(byId.get(CONTACTS_HS)?.definition).toBe('removed');
      expect(byId.get(CONTACTS_SF)?.definition).toBe('changed');
      expect(byId.get(CONTACTS_SF)?.impact?.fields_changed).toHaveProperty('Department');

      const synced = await spoke(['sync', '--json']);
      const run = JSON.parse(synced.stdout) as {
        run_id: string;
        syncs: {
          id: string;
          attempted: number;
          created: number;
          updated: number;
          deleted: number;
          failed: number;
          invalid: number;
          unchanged: number;
          still_failing: number;
        }[];
      };
      const logged = await warehouse.recordLog(run.run_id);
      expect(run.syncs.map((sync) => sync.id).sort()).toEqual(
        plan.syncs
          .filter((sync) => sync.definition !== 'removed')
          .map((sync) => sync.id)
          .sort(),
      );
      for (const result of run.syncs) {
        const impact = byId.get(result.id)!.impact!;
        expect({
          id: result.id,
          sent: result.attempted,
          deleted: result.deleted,
          invalid: result.invalid,
          unchanged: result.unchanged,
          stillFailing: result.still_failing,
        }).toEqual({
          id: result.id,
          sent: impact.create + impact.update + impact.skip + impact.delete,
          deleted: impact.delete,
          invalid: impact.invalid,
          unchanged: impact.unchanged,
          stillFailing: impact.still_failing,
        });
        // Record for record: the keys the plan listed are the keys the run sent, and every
        // record the destination created or updated was planned as that.
        const sent = logged.filter((entry) => entry.sync_id === result.id);
        const samples = impact.samples.filter((sample) => sample.action !== 'invalid');
        expect(sent.map((entry) => entry.record_key).sort()).toEqual(
          samples.map((sample) => sample.key).sort(),
        );
        const action = new Map(samples.map((sample) => [sample.key, sample.action]));
        for (const entry of sent) {
          if (entry.status === 'created' || entry.status === 'updated')
            expect([entry.record_key, action.get(entry.record_key)]).toEqual([
              entry.record_key,
              entry.status.replace(/d$/, ''),
            ]);
        }
      }
      expect(run.syncs.find((sync) => sync.id === BILLING_CONTACTS)!.created).toBeGreaterThan(0);
      expect(run.syncs.find((sync) => sync.id === CONTACTS_SF)!.updated).toBeGreaterThan(0);

      const after = await spoke([
        'plan',
        '--state',
        join(project.dir, 'target'),
        '--impact',
        '--detailed-exitcode',
      ]);
      expect(after.exitCode, after.stdout + after.stderr).toBe(0);
    });
  });
}

describePlanOn('DuckDB', async (projectDir) => {
  const file = join(projectDir, 'spoke_example.duckdb');
  const withDb = async <T>(
    use: (c: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>,
  ): Promise<T> => {
    const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      return await use(connection);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  };
  return {
    target: 'dev',
    env: {},
    args: [],
    dumpState: () =>
      withDb(async (connection) => {
        const dumps: string[] = [];
        for (const table of Object.keys(STATE_COLUMNS)) {
          const reader = await connection.runAndReadAll(`SELECT * FROM spoke.${table} ORDER BY ALL`);
          dumps.push(`${table}: ${JSON.stringify(reader.getRowsJson())}`);
        }
        return dumps.join('\n');
      }),
    fileHash: async () => sha(await readFile(file)),
    recordLog: (runId) =>
      withDb(async (connection) => {
        const reader = await connection.runAndReadAll(
          'SELECT sync_id, record_key, status FROM spoke.record_log WHERE run_id = $1 AND attempt = 1',
          [runId],
        );
        return reader.getRowObjectsJson() as { sync_id: string; record_key: string; status: string }[];
      }),
    done: async () => {},
  };
});

describePlanOn('PostgreSQL', async () => {
  const database = await createTestDatabase(inject('databaseUrl'), 'spoke_plan');
  const url = new URL(database.url);
  const query = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    target: 'pg',
    env: {
      SPOKE_PG_HOST: url.hostname,
      SPOKE_PG_PORT: url.port || '5432',
      SPOKE_PG_USER: decodeURIComponent(url.username),
      SPOKE_PG_PASSWORD: decodeURIComponent(url.password),
      SPOKE_PG_DATABASE: database.name,
      SPOKE_PG_SCHEMA: 'analytics',
    },
    args: ['--target', 'pg'],
    dumpState: async () => {
      const dumps: string[] = [];
      for (const table of Object.keys(STATE_COLUMNS)) {
        const rows = await query(`SELECT to_jsonb(t)::text AS row FROM spoke.${table} t ORDER BY 1`);
        dumps.push(`${table}: ${rows.map((row) => row.row).join('\n')}`);
      }
      return dumps.join('\n');
    },
    fileHash: async () => null,
    recordLog: async (runId) =>
      (await query(
        'SELECT sync_id, record_key, status FROM spoke.record_log WHERE run_id = $1 AND attempt = 1',
        [runId],
      )) as { sync_id: string; record_key: string; status: string }[],
    done: () => database.drop(),
  };
});

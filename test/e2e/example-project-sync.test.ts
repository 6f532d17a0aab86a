import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copySyncedExampleProject } from '../support/built-example.js';
import { CrmReadback } from '../support/crm-readback.js';
import {
  accountFieldsHubspot,
  accountFieldsSalesforce,
  contactFieldsHubspot,
  contactFieldsSalesforce,
  expectedAccountError,
  expectedContactError,
  type ModelRow,
  sameValue,
} from '../support/expected-crm.js';
import { createTestDatabase, examplePgEnv } from '../support/postgres.js';
import { type CliResult, copyExampleProject, runSpoke } from '../support/spoke-cli.js';

interface SyncJson {
  id: string;
  status: string;
  attempted: number;
  created: number;
  updated: number;
  failed: number;
  invalid: number;
  errors: { key: string; code: string; message: string }[];
}

const ACCOUNTS_SF = 'crm_accounts:salesforce.Account';
const ACCOUNTS_HS = 'crm_accounts:hubspot.companies';
const CONTACTS_SF = 'crm_contacts:salesforce.Contact';
const CONTACTS_HS = 'crm_contacts:hubspot.contacts';

/** The relation dbt built for a model, as dbt quoted it. */
async function relationName(projectDir: string, model: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(projectDir, 'target', 'manifest.json'), 'utf8'));
  return manifest.nodes[`model.spoke_example.${model}`].relation_name;
}

async function readDuckdb(projectDir: string, model: string): Promise<ModelRow[]> {
  const instance = await DuckDBInstance.create(join(projectDir, 'spoke_example.duckdb'), {
    access_mode: 'READ_ONLY',
  });
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(`SELECT * FROM ${await relationName(projectDir, model)}`);
  const rows = reader.getRowObjectsJson() as ModelRow[];
  connection.closeSync();
  instance.closeSync();
  return rows;
}

async function readPostgres(url: string, projectDir: string, model: string): Promise<ModelRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT * FROM ${await relationName(projectDir, model)}`);
    return rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [key, value instanceof Date ? value.toISOString() : value]),
      ),
    );
  } finally {
    await client.end();
  }
}

function syncById(result: CliResult): Map<string, SyncJson> {
  const document = JSON.parse(result.stdout) as { syncs: SyncJson[] };
  return new Map(document.syncs.map((sync) => [sync.id, sync]));
}

/** Runs the whole example through `spoke dbt build` and checks every row landed as mapped. */
function describeExampleOn(
  name: string,
  setup: (projectDir: string) => Promise<{
    target: string;
    env: Record<string, string>;
    args: string[];
    rows(model: string): Promise<ModelRow[]>;
    done(): Promise<void>;
  }>,
  /** A fresh copy, or one that the run's shared `spoke dbt build --json` (default target) left. */
  copyProject: () => Promise<{ dir: string; build?: CliResult; cleanup(): Promise<void> }>,
) {
  describe(`the example project on ${name}`, () => {
    let project: Awaited<ReturnType<typeof copyProject>>;
    let environment: Awaited<ReturnType<typeof setup>>;
    let result: CliResult;
    let syncs: Map<string, SyncJson>;
    let accounts: ModelRow[];
    let contacts: ModelRow[];
    let crm: CrmReadback;

    beforeAll(async () => {
      project = await copyProject();
      environment = await setup(project.dir);
      result =
        project.build ??
        (await runSpoke(['dbt', 'build', ...environment.args, '--json'], {
          cwd: project.dir,
          env: environment.env,
        }));
      syncs = syncById(result);
      accounts = await environment.rows('crm_accounts');
      contacts = await environment.rows('crm_contacts');
      crm = await CrmReadback.open(project.dir, environment.target);
    });

    afterAll(async () => {
      await crm?.close();
      await environment?.done();
      await project?.cleanup();
    });

    it('builds with dbt, runs all four syncs parents first, and exits 1 because some rows are meant to fail', () => {
      expect(result.exitCode, result.stderr).toBe(1);
      expect([...syncs.keys()].sort()).toEqual([ACCOUNTS_HS, ACCOUNTS_SF, CONTACTS_HS, CONTACTS_SF].sort());
      for (const sync of syncs.values()) expect(sync.status).toBe('partial');
      expect(syncs.get(ACCOUNTS_SF)!.attempted).toBe(accounts.length);
      expect(syncs.get(CONTACTS_HS)!.attempted).toBe(contacts.length);
    });

    it('reports exactly the rows the destinations reject, with the destination’s own error code', () => {
      const cases: [string, ModelRow[], string, (row: ModelRow) => string | null][] = [
        [ACCOUNTS_SF, accounts, 'account_id', (row) => expectedAccountError(row, 'salesforce')],
        [ACCOUNTS_HS, accounts, 'account_id', (row) => expectedAccountError(row, 'hubspot')],
        [CONTACTS_SF, contacts, 'user_id', (row) => expectedContactError(row, 'salesforce')],
        [CONTACTS_HS, contacts, 'user_id', (row) => expectedContactError(row, 'hubspot')],
      ];
      for (const [id, rows, key, expectedError] of cases) {
        const expected = rows
          .flatMap((row) => {
            const code = expectedError(row);
            return code ? [{ key: String(row[key]), code }] : [];
          })
          .sort((a, b) => a.key.localeCompare(b.key));
        const sync = syncs.get(id)!;
        const reported = sync.errors
          .map(({ key: k, code }) => ({ key: k, code }))
          .sort((a, b) => a.key.localeCompare(b.key));
        expect(expected.length, `${id} should have rows meant to fail`).toBeGreaterThan(0);
        expect(reported, id).toEqual(expected);
        expect(sync.failed).toBe(expected.length);
        expect(sync.created + sync.updated).toBe(rows.length - expected.length);
        for (const error of sync.errors) expect(error.message.length).toBeGreaterThan(10);
      }
    });

    it('puts every valid account into Salesforce and HubSpot with the mapped values', async () => {
      const sfAccounts = await crm.salesforceRecords('Account', [
        'Wistia_Account_Id__c',
        ...Object.values(accountFieldsSalesforce),
      ]);
      const hsCompanies = await crm.hubspotRecords('companies', [
        'wistia_account_id',
        ...Object.values(accountFieldsHubspot),
      ]);
      const valid = accounts.filter((row) => !expectedAccountError(row, 'salesforce'));
      expect(sfAccounts).toHaveLength(valid.length);
      expect(hsCompanies).toHaveLength(valid.length);
      const sfByKey = new Map(sfAccounts.map((record) => [record.Wistia_Account_Id__c, record]));
      const hsByKey = new Map(
        hsCompanies.map((record) => [record.properties.wistia_account_id, record.properties]),
      );
      for (const row of valid) {
        const sf = sfByKey.get(row.account_id)!;
        const hs = hsByKey.get(String(row.account_id))!;
        for (const [column, field] of Object.entries(accountFieldsSalesforce)) {
          expect(
            sameValue(row[column], sf[field]),
            `${row.account_id} ${field}: ${row[column]} vs ${sf[field]}`,
          ).toBe(true);
        }
        for (const [column, property] of Object.entries(accountFieldsHubspot)) {
          expect(
            sameValue(row[column], hs[property]),
            `${row.account_id} ${property}: ${row[column]} vs ${hs[property]}`,
          ).toBe(true);
        }
      }
    });

    it('links each Salesforce contact to its account through the external-id lookup', async () => {
      const sfAccounts = await crm.salesforceRecords('Account', ['Wistia_Account_Id__c']);
      const accountIdByKey = new Map(sfAccounts.map((record) => [record.Wistia_Account_Id__c, record.Id]));
      const sfContacts = await crm.salesforceRecords('Contact', [
        'Wistia_User_Id__c',
        'AccountId',
        ...Object.values(contactFieldsSalesforce),
      ]);
      const byKey = new Map(sfContacts.map((record) => [record.Wistia_User_Id__c, record]));
      const valid = contacts.filter((row) => !expectedContactError(row, 'salesforce'));
      expect(sfContacts).toHaveLength(valid.length);
      for (const row of valid) {
        const record = byKey.get(row.user_id)!;
        expect(record, String(row.user_id)).toBeDefined();
        expect(record.AccountId).toBe(accountIdByKey.get(row.account_id) ?? null);
        for (const [column, field] of Object.entries(contactFieldsSalesforce)) {
          expect(sameValue(row[column], record[field]), `${row.user_id} ${field}`).toBe(true);
        }
      }
    });

    it('associates each HubSpot contact with its company', async () => {
      const companies = await crm.hubspotRecords('companies', ['wistia_account_id']);
      const companyIdByKey = new Map(
        companies.map((record) => [record.properties.wistia_account_id, record.id]),
      );
      const hsContacts = await crm.hubspotRecords('contacts', [
        'wistia_user_id',
        ...Object.values(contactFieldsHubspot),
      ]);
      const byKey = new Map(hsContacts.map((record) => [record.properties.wistia_user_id, record]));
      const valid = contacts.filter((row) => !expectedContactError(row, 'hubspot'));
      expect(hsContacts).toHaveLength(valid.length);
      for (const row of valid.slice(0, 40)) {
        const record = byKey.get(String(row.user_id))!;
        for (const [column, property] of Object.entries(contactFieldsHubspot)) {
          expect(sameValue(row[column], record.properties[property]), `${row.user_id} ${property}`).toBe(
            true,
          );
        }
        const company = companyIdByKey.get(String(row.account_id));
        const associated = await crm.hubspotAssociations('contacts', record.id, 'companies');
        expect(associated).toEqual(company ? [company] : []);
      }
    });
  });
}

describeExampleOn(
  'DuckDB (the default target)',
  async (projectDir) => ({
    target: 'dev',
    env: {},
    args: [],
    rows: (model) => readDuckdb(projectDir, model),
    done: async () => {},
  }),
  copySyncedExampleProject,
);

describeExampleOn(
  'PostgreSQL',
  async (projectDir) => {
    const database = await createTestDatabase(inject('databaseUrl'), 'spoke_e2e');
    const env = examplePgEnv(database, 'analytics');
    return {
      target: 'pg',
      env,
      args: ['--target', 'pg'],
      rows: (model) => readPostgres(database.url, projectDir, model),
      done: database.drop,
    };
  },
  copyExampleProject,
);

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { startSandbox } from '../../src/sandbox/index.js';
import { dbt, editSpokeBlocks } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { copyExampleProject, runSpoke } from '../support/spoke-cli.js';

type Fields = Record<string, unknown>;

async function savedFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const type of await readdir(join(dir, 'spoke_schemas'))) {
    for (const name of await readdir(join(dir, 'spoke_schemas', type))) {
      files[`${type}/${name}`] = await readFile(join(dir, 'spoke_schemas', type, name), 'utf8');
    }
  }
  return files;
}

/** Declares a column's data_type in the example's marts schema.yml, as a project documenting types would. */
async function declareColumnType(dir: string, model: string, column: string, dataType: string) {
  const file = join(dir, 'models', 'marts', 'schema.yml');
  const document = parseDocument(await readFile(file, 'utf8'));
  const models = document.toJS().models as { name: string; columns: { name: string }[] }[];
  const modelIndex = models.findIndex((entry) => entry.name === model);
  const columnIndex = models[modelIndex]!.columns.findIndex((entry) => entry.name === column);
  document.setIn(['models', modelIndex, 'columns', columnIndex, 'data_type'], dataType);
  await writeFile(file, document.toString());
}

describe('spoke schema and offline validation', () => {
  let project: Awaited<ReturnType<typeof copyExampleProject>>;

  beforeAll(async () => {
    project = await copyExampleProject();
    // A build, not a parse: one test syncs.
    expect(await dbt(project.dir, ['build'])).toBe(0);
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('says which syncs have no saved schema before any pull', async () => {
    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('No saved schema (');
    expect(result.stdout).toContain('`spoke schema pull` saves them for offline checks.');
    expect(result.stdout).not.toContain('checked offline');
  });

  it('pulls every synced object from the sandbox into stable files, and a second pull changes no byte', async () => {
    const first = await runSpoke(['schema', 'pull'], { cwd: project.dir });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain('Pulled 4 object schemas from the sandbox (target dev):');
    expect(first.stdout).toMatch(
      /✓ salesforce\.Account → spoke_schemas\/salesforce\/Account\.json \(\d+ fields\)/,
    );
    expect(first.stdout).toContain('hubspot.companies → spoke_schemas/hubspot/companies.json');
    const files = await savedFiles(project.dir);
    expect(Object.keys(files).sort()).toEqual([
      'hubspot/companies.json',
      'hubspot/contacts.json',
      'salesforce/Account.json',
      'salesforce/Contact.json',
    ]);
    const account = JSON.parse(files['salesforce/Account.json']!) as { fields: { name: string }[] };
    const names = account.fields.map((field) => field.name);
    expect(names).toEqual([...names].sort());
    expect(account.fields.find((field) => field.name === 'Wistia_Account_Id__c')).toMatchObject({
      externalId: true,
    });
    expect(Object.keys(account.fields[0]!)).not.toContain('soapType');

    const second = await runSpoke(['schema', 'pull'], { cwd: project.dir });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(await savedFiles(project.dir)).toEqual(files);
  });

  it('checks the unmodified example offline against the saved schemas and passes', async () => {
    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /✓ Destination fields checked offline against spoke_schemas\/: .*crm_accounts:salesforce\.Account/,
    );
    expect(result.stdout).not.toContain('No saved schema');
  });

  it('shows an object from the saved schema, and one not saved from the sandbox, saying which', async () => {
    const saved = await runSpoke(['schema', 'show', 'salesforce.Contact'], { cwd: project.dir });
    expect(saved.exitCode, saved.stderr).toBe(0);
    expect(saved.stdout).toContain('salesforce.Contact: ');
    expect(saved.stdout).toContain('saved in spoke_schemas/salesforce/Contact.json');
    expect(saved.stdout).toMatch(/Wistia_User_Id__c +string +external id \/ unique +yes +yes +-/);
    expect(saved.stdout).toMatch(/LastName +string +- +yes +yes +yes/);
    expect(saved.stdout).toMatch(/CreatedDate +datetime +- +- +- +-/);

    const live = await runSpoke(['schema', 'show', 'hubspot.deals'], { cwd: project.dir });
    expect(live.exitCode, live.stderr).toBe(0);
    expect(live.stdout).toContain('live from the sandbox (target dev; nothing saved');
    expect(live.stdout).toMatch(/\namount +number /);
  });

  it("checks a sync before writing against the saved schema, not the destination's live one", async () => {
    // A sandbox started before the schema below was saved: live, Plan__c is writable.
    const live = await startSandbox({
      schemaDir: EXAMPLE_SCHEMA_DIR,
      stateFile: null,
      hubspotRateLimit: false,
    });
    const spokeYml = join(project.dir, 'spoke.yml');
    const accountFile = join(project.dir, 'spoke_schemas', 'salesforce', 'Account.json');
    const [originalYml, originalAccount] = [
      await readFile(spokeYml, 'utf8'),
      await readFile(accountFile, 'utf8'),
    ];
    try {
      await writeFile(
        spokeYml,
        originalYml.replace(
          /dev:\n\s+sandbox: true/,
          `dev:\n    sandbox: { salesforce_url: '${live.salesforceUrl}', hubspot_url: '${live.hubspotUrl}' }`,
        ),
      );
      const account = JSON.parse(originalAccount) as { fields: Fields[] };
      Object.assign(account.fields.find((field) => field.name === 'Plan__c')!, {
        createable: false,
        updateable: false,
      });
      await writeFile(accountFile, JSON.stringify(account, null, 2));
      const result = await runSpoke(['sync', '--select', 'crm_accounts:salesforce.Account'], {
        cwd: project.dir,
      });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain('spoke[0].fields.plan: Account.Plan__c is read-only in salesforce.');
      expect(live.store.records('salesforce', 'Account')).toHaveLength(0);
    } finally {
      await writeFile(spokeYml, originalYml);
      await writeFile(accountFile, originalAccount);
      await live.close();
    }
  });

  it('reports each mapping mistake offline with file, model, field and fix, and exits 2', async () => {
    await editSpokeBlocks(project.dir, ({ accounts, contacts }) => {
      const account = accounts[0]!.fields as Fields;
      account.account_name = 'Nmae';
      account.domain = 'CreatedDate';
      account.plan = 'AnnualRevenue';
      accounts[1]!.match = 'city';
      const contact = contacts[0]!.fields as Fields;
      delete contact.last_name;
      contact.account_id = { lookup: 'Account', object: 'Account', match: 'Name' };
    });
    await declareColumnType(project.dir, 'crm_accounts', 'plan', 'varchar');
    expect(await dbt(project.dir, ['parse'])).toBe(0);

    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('6 problems against the destination schemas saved in spoke_schemas/');
    const at = 'models/marts/schema.yml: model crm_accounts: ';
    expect(result.stderr).toContain(
      `${at}spoke[0].fields.account_name: Account has no field "Nmae". Fix: did you mean "Name"?`,
    );
    expect(result.stderr).toContain(
      `${at}spoke[0].fields.domain: Account.CreatedDate is read-only in salesforce.`,
    );
    expect(result.stderr).toContain(
      `${at}spoke[0].fields.plan: column "plan" is varchar (text) but Account.AnnualRevenue is a currency field. Fix: cast the column to a number`,
    );
    expect(result.stderr).toContain(
      `${at}spoke[1].match: companies.city cannot identify records: it is not an external id / unique-value field.`,
    );
    const contact = 'models/marts/schema.yml: model crm_contacts: ';
    expect(result.stderr).toContain(
      `${contact}spoke[0].fields: Contact.LastName is required to create a record, and no column maps to it. Fix: map a column to LastName`,
    );
    expect(result.stderr).toContain(
      `${contact}spoke[0].fields.account_id.match: Account.Name cannot identify records`,
    );
  });
});

import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { startSandbox } from '../../src/sandbox/index.js';
import { copyBuiltExampleProject } from '../support/built-example.js';
import { dbt, editSpokeBlocks } from '../support/example-edits.js';
import { EXAMPLE_SCHEMA_DIR } from '../support/example-schemas.js';
import { runSpoke } from '../support/spoke-cli.js';

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

/** Sets a key of a column in the example's marts schema.yml (its data_type, its data_tests). */
async function setColumn(dir: string, model: string, column: string, key: string, value: unknown) {
  const file = join(dir, 'models', 'marts', 'schema.yml');
  const document = parseDocument(await readFile(file, 'utf8'));
  const models = document.toJS().models as { name: string; columns: { name: string }[] }[];
  const modelIndex = models.findIndex((entry) => entry.name === model);
  const columnIndex = models[modelIndex]!.columns.findIndex((entry) => entry.name === column);
  document.setIn(['models', modelIndex, 'columns', columnIndex, key], value);
  await writeFile(file, document.toString());
}

describe('spoke schema and offline validation', () => {
  let project: Awaited<ReturnType<typeof copyBuiltExampleProject>>;

  let originalSchemaYml: string;
  const schemaYml = () => join(project.dir, 'models', 'marts', 'schema.yml');
  /** Undoes the previous test's edits to the example's marts schema.yml. */
  const restoreSchemaYml = () => writeFile(schemaYml(), originalSchemaYml);

  beforeAll(async () => {
    // Built, not only parsed: one test syncs.
    project = await copyBuiltExampleProject();
    originalSchemaYml = await readFile(schemaYml(), 'utf8');
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('says which syncs have no saved schema when spoke_schemas/ is missing', async () => {
    const schemas = join(project.dir, 'spoke_schemas');
    await rename(schemas, `${schemas}.aside`);
    try {
      const result = await runSpoke(['validate'], { cwd: project.dir });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toContain('No saved schema (');
      expect(result.stdout).toContain('`spoke schema pull` saves them for offline checks.');
      expect(result.stdout).not.toContain('checked offline');
    } finally {
      await rename(`${schemas}.aside`, schemas);
    }
  });

  it('pulls every synced object from the sandbox into stable files, and a second pull changes no byte', async () => {
    // The example's committed files are what a pull writes: the sandbox serves them as its org.
    const committed = await savedFiles(project.dir);
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

    expect(files).toEqual(committed);

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
    await setColumn(project.dir, 'crm_accounts', 'plan', 'data_type', 'varchar');
    expect(await dbt(project.dir, ['parse'])).toBe(0);

    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('6 problems against the destination schemas saved in spoke_schemas/');
    const at = 'models/marts/schema.yml: model crm_accounts: ';
    expect(result.stderr).toContain(
      `${at}spoke[0].fields.account_name: Account has no field "Nmae" in spoke_schemas/salesforce/Account.json ` +
        '(saved by `spoke schema pull`; the file may be out of date). Fix: did you mean "Name"? If Nmae was added ' +
        'in salesforce after the pull, run `spoke schema pull --destination salesforce --object Account` and commit the diff.',
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

  it('refuses accepted_values a restricted picklist or enumeration lacks, naming the values and the fix', async () => {
    await restoreSchemaYml();
    await setColumn(project.dir, 'crm_accounts', 'plan', 'data_tests', [
      { accepted_values: { arguments: { values: ['free', 'pro', 'legacy_enterprise'] } } },
    ]);
    expect(await dbt(project.dir, ['parse'])).toBe(0);

    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode).toBe(2);
    const at = 'models/marts/schema.yml: model crm_accounts: ';
    expect(result.stderr).toContain(
      `${at}spoke[0].fields.plan: column "plan" accepts "legacy_enterprise" (its accepted_values test), but ` +
        'Account.Plan__c (spoke_schemas/salesforce/Account.json) is a restricted picklist whose active values are ' +
        '"free", "starter", "pro", "business", "enterprise", so salesforce would refuse those records. Fix: add the value ' +
        'to the picklist in salesforce and run `spoke schema pull --destination salesforce --object Account`',
    );
    expect(result.stderr).toContain(`${at}spoke[1].fields.plan: column "plan" accepts "legacy_enterprise"`);
    expect(result.stderr).toContain(
      'companies.plan_tier (spoke_schemas/hubspot/companies.json) is an enumeration whose options are "free", "starter", "pro", "business", "enterprise", so hubspot would refuse those records.',
    );
    // health_status's accepted values are all in Health_Status__c's picklist and health_status's options.
    expect(result.stderr).not.toContain('fields.health_status');
  });

  it('warns, without failing, about a key column dbt does not test as unique and not null', async () => {
    await restoreSchemaYml();
    await setColumn(project.dir, 'crm_contacts', 'user_id', 'data_tests', ['not_null']);
    expect(await dbt(project.dir, ['parse'])).toBe(0);

    const result = await runSpoke(['validate'], { cwd: project.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'models/marts/schema.yml: model crm_contacts: spoke[0].key: key column "user_id" has no dbt unique test, ' +
        'so duplicate or null keys reach the sync unchecked. Fix: add data_tests: [unique] to column user_id',
    );
    expect(result.stdout).toContain('spoke[1].key: key column "user_id" has no dbt unique test');
    expect(result.stdout).not.toContain('key column "account_id"');
  });

  it('stops spoke sync before writing with the same message as validate for a field added after the pull', async () => {
    await restoreSchemaYml();
    await editSpokeBlocks(project.dir, ({ accounts }) => {
      (accounts[0]!.fields as Fields).seats = 'Seat_Count__c';
    });
    expect(await dbt(project.dir, ['parse'])).toBe(0);

    const message =
      'spoke[0].fields.seats: Account has no field "Seat_Count__c" in spoke_schemas/salesforce/Account.json';
    const pull = 'run `spoke schema pull --destination salesforce --object Account` and commit the diff.';
    const validate = await runSpoke(['validate'], { cwd: project.dir });
    expect(validate.exitCode).toBe(2);
    expect(validate.stderr).toContain(message);
    expect(validate.stderr).toContain(pull);
    const sync = await runSpoke(['sync', '--select', 'crm_accounts:salesforce.Account'], {
      cwd: project.dir,
    });
    expect(sync.exitCode).toBe(2);
    expect(sync.stderr).toContain(message);
    expect(sync.stderr).toContain(pull);
    expect(sync.stderr).toContain('nothing was written');
  });
});

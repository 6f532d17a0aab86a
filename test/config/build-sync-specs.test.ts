import { describe, expect, it } from 'vitest';
import { assertValid } from '../../src/config/assert-valid.js';
import { buildSyncSpecs } from '../../src/config/build-sync-specs.js';
import type { SpokeConfig } from '../../src/config/types.js';
import { ConfigError, type Diagnostic } from '../../src/errors.js';
import { crmAccounts, crmContacts, exampleConfig, modelBlock } from './model-block.js';

const only = (diagnostics: Diagnostic[], field: string) => diagnostics.filter((d) => d.field === field);

describe('buildSyncSpecs', () => {
  it('turns the example mapping into one sync per block with lookups and associations split out', () => {
    const { specs, diagnostics } = buildSyncSpecs([crmAccounts(), crmContacts()], exampleConfig);
    expect(diagnostics).toEqual([]);
    expect(specs.map((s) => s.id)).toEqual([
      'crm_accounts:salesforce.Account',
      'crm_accounts:hubspot.companies',
      'crm_contacts:salesforce.Contact',
      'crm_contacts:hubspot.contacts',
    ]);
    const contact = specs[2]!;
    expect(contact).toMatchObject({
      model: 'crm_contacts',
      uniqueId: 'model.example.crm_contacts',
      relation: { database: 'example', schema: 'main', identifier: 'crm_contacts' },
      destination: 'salesforce',
      object: 'Contact',
      key: 'user_id',
      match: 'Wistia_User_Id__c',
      mode: 'upsert',
      onNull: 'clear',
      after: ['crm_accounts'],
      source: { file: 'models/crm/schema.yml', index: 0 },
    });
    expect(contact.fields).toEqual([
      { column: 'email', field: 'Email' },
      { column: 'last_name', field: 'LastName' },
    ]);
    expect(contact.lookups).toEqual([
      { column: 'account_id', relationship: 'Account', object: 'Account', match: 'Wistia_Account_Id__c' },
    ]);
    expect(specs[3]!.associations).toEqual([
      { to: 'companies', column: 'account_id', match: 'wistia_account_id' },
    ]);
  });

  it('accepts a single block instead of a list and takes an explicit name as the sync id', () => {
    const block = modelBlock(
      'crm_contacts',
      `
to: hubspot.contacts
key: user_id
match: wistia_user_id
mode: mirror
name: contacts_to_hubspot
on_null: skip
associations: [{ to: companies, column: account_id, match: wistia_account_id, type: 279 }]
`,
    );
    const { specs, diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(diagnostics).toEqual([]);
    expect(specs).toHaveLength(1);
    expect(specs[0]).toMatchObject({ id: 'contacts_to_hubspot', mode: 'mirror', onNull: 'skip', fields: [] });
    expect(specs[0]!.associations[0]!.typeId).toBe(279);
  });

  it('reports every problem of a malformed block at once, each with file, model, field and fix', () => {
    const block = modelBlock(
      'crm_accounts',
      `
- to: salesforce
  match: Wistia_Account_Id__c
  mode: merge
  feilds: { account_name: Name }
- to: hubspot.companies
  key: account_id
  match: wistia_account_id
  fields: [account_name, name]
`,
    );
    const { specs, diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(specs).toEqual([]);
    for (const d of diagnostics) {
      expect(d).toMatchObject({ file: 'models/crm/schema.yml', model: 'crm_accounts' });
      expect(d.fix).toBeTruthy();
    }
    expect(only(diagnostics, 'spoke[0].to')[0]!.message).toContain('`<destination>.<object>`');
    expect(only(diagnostics, 'spoke[0].key')[0]).toMatchObject({ message: '`key` is required.' });
    expect(only(diagnostics, 'spoke[0].key')[0]!.fix).toContain('unique and not null');
    expect(only(diagnostics, 'spoke[0].mode')[0]!.message).toBe(
      'must be one of `upsert`, `update`, `create`, `mirror`, got `merge`.',
    );
    expect(only(diagnostics, 'spoke[0].feilds')[0]).toMatchObject({
      message: 'unknown key `feilds`. Did you mean `fields`?',
      fix: 'rename it to `fields`',
    });
    expect(only(diagnostics, 'spoke[1].fields')[0]!.message).toBe('expected a mapping, got a list.');
    expect(diagnostics).toHaveLength(5);
  });

  it('points at the exact key inside a malformed lookup', () => {
    const block = modelBlock(
      'crm_contacts',
      `
- to: salesforce.Contact
  key: user_id
  match: Wistia_User_Id__c
  fields:
    owner_email: { lookup: Owner, obj: User, match: Email }
    seats: 12
`,
    );
    const { diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(diagnostics.map((d) => [d.field, d.message])).toEqual([
      ['spoke[0].fields.owner_email.object', '`object` is required.'],
      ['spoke[0].fields.owner_email.obj', 'unknown key `obj`. Did you mean `object`?'],
      ['spoke[0].fields.seats', 'expected a string or a mapping, got a number.'],
    ]);
  });

  it('refuses a spoke value that is neither a block nor a list', () => {
    const { diagnostics } = buildSyncSpecs([modelBlock('crm_accounts', 'salesforce.Account')], exampleConfig);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        field: 'spoke',
        message: 'expected a sync block or a list of them, got string.',
      }),
    ]);
  });

  it('names the known destinations when a block writes to one spoke.yml does not define', () => {
    const block = modelBlock('crm_accounts', '{ to: salesfroce.Account, key: account_id, match: Ext__c }');
    const { diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(diagnostics).toEqual([
      {
        file: 'models/crm/schema.yml',
        model: 'crm_accounts',
        field: 'spoke[0].to',
        message:
          'destination `salesfroce` is not defined in spoke.yml (known: `salesforce`, `hubspot`). Did you mean `salesforce`?',
        fix: 'add `salesfroce` under `destinations` in spoke.yml, or write `to: <destination>.Account` with one of `salesforce`, `hubspot`',
      },
    ]);
  });

  it('tells a project without spoke.yml to create one', () => {
    const noFile: SpokeConfig = {
      file: null,
      target: 'dev',
      destinations: {},
      sandbox: null,
      state: { schema: 'spoke' },
      alerts: null,
    };
    const { diagnostics } = buildSyncSpecs([crmAccounts()], noFile);
    expect(diagnostics).toHaveLength(2);
    expect(diagnostics[0]!.fix).toContain('create spoke.yml beside dbt_project.yml with `version: 1`');
  });

  it('refuses lookups on HubSpot and associations on Salesforce', () => {
    const block = modelBlock(
      'crm_contacts',
      `
- to: hubspot.contacts
  key: user_id
  match: wistia_user_id
  fields: { account_id: { lookup: Account, object: Account, match: Wistia_Account_Id__c } }
- to: salesforce.Contact
  key: user_id
  match: Wistia_User_Id__c
  associations: [{ to: companies, column: account_id, match: wistia_account_id }]
`,
    );
    const { diagnostics, specs } = buildSyncSpecs([block], exampleConfig);
    expect(specs).toEqual([]);
    expect(diagnostics.map((d) => [d.field, d.message])).toEqual([
      [
        'spoke[0].fields.account_id.lookup',
        'lookups are a Salesforce feature; `hubspot` is a hubspot destination.',
      ],
      [
        'spoke[1].associations',
        'associations are a HubSpot feature; `salesforce` is a salesforce destination.',
      ],
    ]);
    expect(diagnostics[0]!.fix).toContain('associations');
    expect(diagnostics[1]!.fix).toContain('lookup');
  });

  it('refuses two columns filling one destination field, including through a lookup and the match field', () => {
    const block = modelBlock(
      'crm_contacts',
      `
- to: salesforce.Contact
  key: user_id
  match: Wistia_User_Id__c
  fields:
    user_id: Wistia_User_Id__c
    email: Email
    work_email: email
    legacy_id: Wistia_User_Id__c
    account_sfid: AccountId
    account_id: { lookup: Account, object: Account, match: Wistia_Account_Id__c }
`,
    );
    const { diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(diagnostics.map((d) => [d.field, d.message])).toEqual([
      [
        'spoke[0].fields.work_email',
        'field `email` is already written from column `email` (fields.email); two columns cannot fill one field.',
      ],
      [
        'spoke[0].fields.legacy_id',
        'field `Wistia_User_Id__c` is already written from column `user_id` (key); two columns cannot fill one field.',
      ],
      [
        'spoke[0].fields.account_id.lookup',
        'lookup `Account` sets field `AccountId` is already written from column `account_sfid` (fields.account_sfid); two columns cannot fill one field.',
      ],
    ]);
  });

  it('refuses an association declared twice', () => {
    const block = modelBlock(
      'crm_contacts',
      `
to: hubspot.contacts
key: user_id
match: wistia_user_id
associations:
  - { to: companies, column: account_id, match: wistia_account_id }
  - { to: companies, column: account_id, match: wistia_account_id }
`,
    );
    const { diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(diagnostics).toEqual([
      expect.objectContaining({ field: 'spoke[0].associations[1]', fix: 'remove the duplicate' }),
    ]);
  });

  it('refuses two syncs with the same id across models and keeps the first', () => {
    const other = modelBlock(
      'crm_companies',
      '{ to: hubspot.companies, key: id, match: wistia_account_id, name: "crm_accounts:hubspot.companies" }',
      { file: 'models/other.yml' },
    );
    const { specs, diagnostics } = buildSyncSpecs([crmAccounts(), other], exampleConfig);
    expect(specs.map((s) => s.id)).toEqual([
      'crm_accounts:salesforce.Account',
      'crm_accounts:hubspot.companies',
    ]);
    expect(diagnostics).toEqual([
      {
        file: 'models/other.yml',
        model: 'crm_companies',
        field: 'spoke[0].name',
        message:
          'sync id `crm_accounts:hubspot.companies` is already used by model crm_accounts (models/crm/schema.yml, spoke[1]); ids key state and history, so they must be unique.',
        fix: 'give one of them a distinct `name:`, e.g. `name: crm_companies_companies`',
      },
    ]);
  });

  it('checks that every `after` names a model with syncs or a sync id', () => {
    const block = modelBlock(
      'crm_contacts',
      `
- to: salesforce.Contact
  key: user_id
  match: Wistia_User_Id__c
  after: [crm_acounts, stg_accounts, "crm_accounts:salesforce.Account", crm_contacts]
`,
    );
    const { diagnostics } = buildSyncSpecs([crmAccounts(), block], exampleConfig, {
      models: ['stg_accounts', 'crm_accounts', 'crm_contacts'],
    });
    expect(diagnostics.map((d) => [d.field, d.message])).toEqual([
      ['spoke[0].after', 'a sync of crm_contacts cannot run after its own model `crm_contacts`.'],
      [
        'spoke[0].after[0]',
        '`crm_acounts` is neither a model with spoke syncs nor a sync id. Did you mean `crm_accounts`?',
      ],
      [
        'spoke[0].after[1]',
        'model `stg_accounts` has no spoke syncs, so there is nothing to wait for; `after` orders syncs, and dbt already builds models in order.',
      ],
    ]);
    expect(diagnostics[1]!.fix).toBe('use `crm_accounts`');
  });

  it('refuses an ephemeral model because there is no relation to read', () => {
    const block = modelBlock('crm_accounts', '{ to: salesforce.Account, key: account_id, match: Ext__c }', {
      materialized: 'ephemeral',
    });
    const { specs, diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(specs).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        field: 'spoke',
        message: 'crm_accounts is ephemeral: dbt builds no relation that rows could be read from.',
      }),
    ]);
    expect(diagnostics[0]!.fix).toContain("materialized='view'");
  });

  it('warns about mapped columns schema.yml does not document, and still builds the sync', () => {
    const spoke = `
to: hubspot.contacts
key: user_id
match: wistia_user_id
fields: { emial: email, first_name: firstname }
associations: [{ to: companies, column: account, match: wistia_account_id }]
`;
    const documented = modelBlock('crm_contacts', spoke, {
      columns: ['user_id', 'email', 'first_name', 'account_id'],
    });
    const { specs, diagnostics, warnings } = buildSyncSpecs([documented], exampleConfig);
    // The warehouse decides which columns exist: the run checks them before writing.
    expect(diagnostics).toEqual([]);
    expect(specs.map((spec) => spec.id)).toEqual(['crm_contacts:hubspot.contacts']);
    expect(warnings.map((d) => [d.field, d.message])).toEqual([
      [
        'spoke[0].fields.emial',
        "column `emial` is not among the documented columns of crm_contacts (`user_id`, `email`, `first_name`, `account_id`). Did you mean `email`? Syncs check the model's columns in the warehouse before writing.",
      ],
      [
        'spoke[0].associations[0].column',
        "column `account` is not among the documented columns of crm_contacts (`user_id`, `email`, `first_name`, `account_id`). Did you mean `account_id`? Syncs check the model's columns in the warehouse before writing.",
      ],
    ]);
    expect(buildSyncSpecs([modelBlock('crm_contacts', spoke)], exampleConfig).warnings).toEqual([]);
  });

  it('still builds the other models when one model is broken', () => {
    const broken = modelBlock('crm_contacts', '[{ to: salesforce.Contact, key: user_id }]');
    const { specs, diagnostics } = buildSyncSpecs([crmAccounts(), broken], exampleConfig);
    expect(specs.map((s) => s.model)).toEqual(['crm_accounts', 'crm_accounts']);
    expect(diagnostics).toEqual([
      expect.objectContaining({ model: 'crm_contacts', field: 'spoke[0].match' }),
    ]);
  });
});

describe('assertValid', () => {
  it('throws one ConfigError carrying every diagnostic', () => {
    const block = modelBlock('crm_accounts', '[{ to: nowhere.Account }, { key: 1 }]');
    const { diagnostics } = buildSyncSpecs([block], exampleConfig);
    expect(diagnostics.length).toBeGreaterThan(2);
    let caught: unknown;
    try {
      assertValid(diagnostics);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toBe(`${diagnostics.length} problems in dbt-spoke configuration`);
    expect((caught as ConfigError).code).toBe('SPOKE_CONFIG_INVALID');
    expect((caught as ConfigError).diagnostics).toEqual(diagnostics);
  });

  it('passes when there is nothing to report', () => {
    expect(() => assertValid([])).not.toThrow();
  });
});

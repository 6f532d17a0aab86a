import { parse } from 'yaml';
import type { SpokeConfig } from '../../src/config/types.js';
import type { ModelSpokeBlock } from '../../src/dbt/spoke-meta.js';

/** A model's spoke meta as dbt-spoke reads it from the manifest; `spoke` is YAML as a user writes it. */
export function modelBlock(
  name: string,
  spoke: string,
  overrides: Partial<ModelSpokeBlock> = {},
): ModelSpokeBlock {
  return {
    uniqueId: `model.example.${name}`,
    name,
    packageName: 'example',
    file: 'models/crm/schema.yml',
    relation: { database: 'example', schema: 'main', identifier: name },
    relationName: `"example"."main"."${name}"`,
    materialized: 'table',
    raw: parse(spoke),
    columns: [],
    ...overrides,
  };
}

export const exampleConfig: SpokeConfig = {
  file: '/project/spoke.yml',
  target: 'dev',
  destinations: {
    salesforce: {
      name: 'salesforce',
      type: 'salesforce',
      loginUrl: 'https://login.salesforce.com',
      apiVersion: '62.0',
    },
    hubspot: { name: 'hubspot', type: 'hubspot', baseUrl: 'https://api.hubapi.com' },
  },
  sandbox: {},
  state: { schema: 'spoke' },
  alerts: null,
};

export const crmAccounts = () =>
  modelBlock(
    'crm_accounts',
    `
- to: salesforce.Account
  key: account_id
  match: Wistia_Account_Id__c
  fields:
    account_name: Name
    domain: Website
    plan: Plan__c
    mrr: MRR__c
- to: hubspot.companies
  key: account_id
  match: wistia_account_id
  fields: { account_name: name, domain: domain, plan: plan_tier }
`,
    { columns: ['account_id', 'account_name', 'domain', 'plan', 'mrr'] },
  );

export const crmContacts = () =>
  modelBlock(
    'crm_contacts',
    `
- to: salesforce.Contact
  key: user_id
  match: Wistia_User_Id__c
  fields:
    email: Email
    last_name: LastName
    account_id: { lookup: Account, object: Account, match: Wistia_Account_Id__c }
  after: crm_accounts
- to: hubspot.contacts
  key: user_id
  match: wistia_user_id
  fields: { email: email, last_name: lastname }
  associations:
    - { to: companies, column: account_id, match: wistia_account_id }
  after: [crm_accounts]
`,
  );

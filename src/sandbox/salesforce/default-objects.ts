import type { SalesforceFieldDef, SalesforceObjectDef, SalesforcePicklistValue } from './types.js';

const LENGTHS: Record<string, number> = {
  id: 18,
  reference: 18,
  email: 80,
  phone: 40,
  url: 255,
  picklist: 255,
};

function field(
  name: string,
  label: string,
  type: string,
  extra: Partial<SalesforceFieldDef> = {},
): SalesforceFieldDef {
  return {
    name,
    label,
    type,
    length: LENGTHS[type] ?? (type === 'string' ? 255 : 0),
    precision: 0,
    scale: 0,
    externalId: false,
    idLookup: false,
    unique: false,
    createable: true,
    updateable: true,
    nillable: true,
    defaultedOnCreate: false,
    picklistValues: [],
    restrictedPicklist: false,
    referenceTo: [],
    relationshipName: null,
    custom: false,
    ...extra,
  };
}

function picklist(values: string[]): SalesforcePicklistValue[] {
  return values.map((value) => ({ value, label: value, active: true, defaultValue: false }));
}

const readOnly = { createable: false, updateable: false, nillable: false, defaultedOnCreate: true };

function systemFields(object: string): SalesforceFieldDef[] {
  return [
    field('Id', `${object} ID`, 'id', { ...readOnly, idLookup: true }),
    field('IsDeleted', 'Deleted', 'boolean', readOnly),
    field('OwnerId', 'Owner ID', 'reference', {
      nillable: false,
      defaultedOnCreate: true,
      referenceTo: ['User'],
      relationshipName: 'Owner',
    }),
    field('CreatedDate', 'Created Date', 'datetime', readOnly),
    field('CreatedById', 'Created By ID', 'reference', {
      ...readOnly,
      referenceTo: ['User'],
      relationshipName: 'CreatedBy',
    }),
    field('LastModifiedDate', 'Last Modified Date', 'datetime', readOnly),
    field('LastModifiedById', 'Last Modified By ID', 'reference', {
      ...readOnly,
      referenceTo: ['User'],
      relationshipName: 'LastModifiedBy',
    }),
    field('SystemModstamp', 'System Modstamp', 'datetime', readOnly),
  ];
}

const INDUSTRIES = [
  'Agriculture',
  'Banking',
  'Communications',
  'Consulting',
  'Education',
  'Entertainment',
  'Finance',
  'Healthcare',
  'Insurance',
  'Manufacturing',
  'Media',
  'Retail',
  'Technology',
  'Other',
];

function account(): SalesforceObjectDef {
  return {
    name: 'Account',
    label: 'Account',
    labelPlural: 'Accounts',
    keyPrefix: '001',
    custom: false,
    fields: [
      ...systemFields('Account'),
      field('Name', 'Account Name', 'string', { nillable: false }),
      field('Type', 'Account Type', 'picklist', {
        length: 40,
        picklistValues: picklist(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other']),
      }),
      field('ParentId', 'Parent Account ID', 'reference', {
        referenceTo: ['Account'],
        relationshipName: 'Parent',
      }),
      field('Phone', 'Account Phone', 'phone'),
      field('Website', 'Website', 'url'),
      field('Industry', 'Industry', 'picklist', { length: 40, picklistValues: picklist(INDUSTRIES) }),
      field('NumberOfEmployees', 'Employees', 'int', { precision: 8 }),
      field('AnnualRevenue', 'Annual Revenue', 'currency', { precision: 18 }),
      field('Description', 'Account Description', 'textarea', { length: 32000 }),
      field('BillingStreet', 'Billing Street', 'textarea'),
      field('BillingCity', 'Billing City', 'string', { length: 40 }),
      field('BillingState', 'Billing State/Province', 'string', { length: 80 }),
      field('BillingPostalCode', 'Billing Zip/Postal Code', 'string', { length: 20 }),
      field('BillingCountry', 'Billing Country', 'string', { length: 80 }),
    ],
  };
}

function contact(): SalesforceObjectDef {
  return {
    name: 'Contact',
    label: 'Contact',
    labelPlural: 'Contacts',
    keyPrefix: '003',
    custom: false,
    fields: [
      ...systemFields('Contact'),
      field('AccountId', 'Account ID', 'reference', {
        referenceTo: ['Account'],
        relationshipName: 'Account',
      }),
      field('LastName', 'Last Name', 'string', { length: 80, nillable: false }),
      field('FirstName', 'First Name', 'string', { length: 40 }),
      field('Salutation', 'Salutation', 'picklist', {
        length: 40,
        picklistValues: picklist(['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.']),
      }),
      field('Name', 'Full Name', 'string', {
        length: 121,
        createable: false,
        updateable: false,
        nillable: false,
      }),
      field('Email', 'Email', 'email', { idLookup: true }),
      field('Title', 'Title', 'string', { length: 128 }),
      field('Phone', 'Business Phone', 'phone'),
      field('MobilePhone', 'Mobile Phone', 'phone'),
      field('Department', 'Department', 'string', { length: 80 }),
      field('ReportsToId', 'Reports To ID', 'reference', {
        referenceTo: ['Contact'],
        relationshipName: 'ReportsTo',
      }),
      field('HasOptedOutOfEmail', 'Email Opt Out', 'boolean', { nillable: false, defaultedOnCreate: true }),
      field('Birthdate', 'Birthdate', 'date'),
    ],
  };
}

function user(): SalesforceObjectDef {
  return {
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    keyPrefix: '005',
    custom: false,
    fields: [
      field('Id', 'User ID', 'id', { ...readOnly, idLookup: true }),
      field('Username', 'Username', 'string', { length: 80, nillable: false, idLookup: true, unique: true }),
      field('LastName', 'Last Name', 'string', { length: 80, nillable: false }),
      field('FirstName', 'First Name', 'string', { length: 40 }),
      field('Name', 'Full Name', 'string', {
        length: 121,
        createable: false,
        updateable: false,
        nillable: false,
      }),
      field('Email', 'Email', 'email', { nillable: false }),
      field('Alias', 'Alias', 'string', { length: 8, nillable: false }),
      field('IsActive', 'Active', 'boolean', { nillable: false, defaultedOnCreate: true }),
      field('CreatedDate', 'Created Date', 'datetime', readOnly),
      field('LastModifiedDate', 'Last Modified Date', 'datetime', readOnly),
      field('SystemModstamp', 'System Modstamp', 'datetime', readOnly),
    ],
  };
}

/**
 * Account, Contact and User with standard fields only, as in a new org. Custom fields (an external
 * id to match on, say) come from the project's saved schemas in spoke_schemas/, as in a real org.
 */
export function defaultSalesforceObjects(): SalesforceObjectDef[] {
  return [account(), contact(), user()];
}

import type { HubspotPropertyDef } from './types.js';

type Shorthand = {
  type?: string;
  fieldType?: string;
  label?: string;
  unique?: boolean;
  readOnly?: boolean;
  calculated?: boolean;
  options?: string[] | [string, string][];
  custom?: boolean;
};

function def(name: string, group: string, s: Shorthand = {}): HubspotPropertyDef {
  const type = s.type ?? 'string';
  const fieldType =
    s.fieldType ??
    ({ number: 'number', datetime: 'date', date: 'date', enumeration: 'select', bool: 'booleancheckbox' }[
      type
    ] as string | undefined) ??
    'text';
  return {
    name,
    label: s.label ?? name,
    type,
    fieldType,
    groupName: group,
    description: '',
    options: (s.options ?? []).map((o, i) =>
      Array.isArray(o)
        ? { label: o[1], value: o[0], displayOrder: i, hidden: false }
        : { label: o, value: o, displayOrder: i, hidden: false },
    ),
    hasUniqueValue: s.unique ?? false,
    calculated: s.calculated ?? false,
    externalOptions: false,
    hidden: false,
    formField: !s.readOnly,
    hubspotDefined: !s.custom,
    modificationMetadata: {
      archivable: true,
      readOnlyDefinition: !s.custom,
      readOnlyValue: s.readOnly ?? false,
    },
  };
}

const LIFECYCLE_STAGES: [string, string][] = [
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
];

const PLAN_TIERS: [string, string][] = [
  ['free', 'Free'],
  ['starter', 'Starter'],
  ['pro', 'Pro'],
  ['business', 'Business'],
  ['enterprise', 'Enterprise'],
];

function companies(): HubspotPropertyDef[] {
  const g = 'companyinformation';
  return [
    def('name', g, { label: 'Company name' }),
    def('domain', g, { label: 'Company Domain Name' }),
    def('website', g, { label: 'Website URL' }),
    // Free text: HubSpot's own is an enumeration of LinkedIn industries, which the example's
    // values (plain words like "Media") are not.
    def('industry', g, { label: 'Industry' }),
    def('description', g, { label: 'Description', fieldType: 'textarea' }),
    def('city', g, { label: 'City' }),
    def('state', g, { label: 'State/Region' }),
    def('country', g, { label: 'Country/Region' }),
    def('phone', g, { label: 'Phone Number', fieldType: 'phonenumber' }),
    def('numberofemployees', g, { label: 'Number of Employees', type: 'number' }),
    def('annualrevenue', g, { label: 'Annual Revenue', type: 'number' }),
    def('lifecyclestage', g, {
      label: 'Lifecycle Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: LIFECYCLE_STAGES,
    }),
    def('hs_object_id', g, { label: 'Record ID', type: 'number', readOnly: true }),
    def('createdate', g, { label: 'Create Date', type: 'datetime', readOnly: true }),
    def('hs_lastmodifieddate', 'company_activity', {
      label: 'Last Modified Date',
      type: 'datetime',
      readOnly: true,
    }),
    def('hs_unique_creation_key', g, { label: 'Unique creation key', unique: true, readOnly: true }),
    def('num_associated_contacts', g, {
      label: 'Number of Associated Contacts',
      type: 'number',
      readOnly: true,
      calculated: true,
    }),
    def('wistia_account_id', g, { label: 'Wistia Account ID', unique: true, custom: true }),
    def('plan_tier', g, { label: 'Plan Tier', type: 'enumeration', options: PLAN_TIERS, custom: true }),
    def('mrr', g, { label: 'MRR', type: 'number', custom: true }),
    def('seats', g, { label: 'Seats', type: 'number', custom: true }),
    def('health_score', g, { label: 'Health Score', type: 'number', custom: true }),
    def('health_status', g, {
      label: 'Health Status',
      type: 'enumeration',
      options: ['Healthy', 'At Risk', 'Churning'],
      custom: true,
    }),
    def('last_active_at', g, { label: 'Last Active At', type: 'datetime', custom: true }),
  ];
}

function contacts(): HubspotPropertyDef[] {
  const g = 'contactinformation';
  return [
    def('email', g, { label: 'Email', unique: true }),
    def('firstname', g, { label: 'First Name' }),
    def('lastname', g, { label: 'Last Name' }),
    def('jobtitle', g, { label: 'Job Title' }),
    def('phone', g, { label: 'Phone Number', fieldType: 'phonenumber' }),
    def('company', g, { label: 'Company Name' }),
    def('website', g, { label: 'Website URL' }),
    def('city', g, { label: 'City' }),
    def('country', g, { label: 'Country/Region' }),
    def('lifecyclestage', g, {
      label: 'Lifecycle Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: LIFECYCLE_STAGES,
    }),
    def('hs_object_id', g, { label: 'Record ID', type: 'number', readOnly: true }),
    def('createdate', g, { label: 'Create Date', type: 'datetime', readOnly: true }),
    def('lastmodifieddate', g, { label: 'Last Modified Date', type: 'datetime', readOnly: true }),
    def('hs_lastmodifieddate', g, {
      label: 'Object last modified date/time',
      type: 'datetime',
      readOnly: true,
    }),
    def('hs_unique_creation_key', g, { label: 'Unique creation key', unique: true, readOnly: true }),
    def('associatedcompanyid', g, { label: 'Primary Associated Company ID', type: 'number' }),
    def('wistia_user_id', g, { label: 'Wistia User ID', unique: true, custom: true }),
    def('last_seen_at', g, { label: 'Last Seen At', type: 'datetime', custom: true }),
  ];
}

function deals(): HubspotPropertyDef[] {
  const g = 'dealinformation';
  return [
    def('dealname', g, { label: 'Deal Name' }),
    def('amount', 'deal_revenue', { label: 'Amount', type: 'number' }),
    def('closedate', g, { label: 'Close Date', type: 'datetime' }),
    def('pipeline', 'deal_activity', {
      label: 'Pipeline',
      type: 'enumeration',
      options: [['default', 'Sales Pipeline']],
    }),
    def('dealstage', 'deal_activity', {
      label: 'Deal Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: [
        ['appointmentscheduled', 'Appointment Scheduled'],
        ['qualifiedtobuy', 'Qualified To Buy'],
        ['presentationscheduled', 'Presentation Scheduled'],
        ['decisionmakerboughtin', 'Decision Maker Bought-In'],
        ['contractsent', 'Contract Sent'],
        ['closedwon', 'Closed Won'],
        ['closedlost', 'Closed Lost'],
      ],
    }),
    def('hs_object_id', g, { label: 'Record ID', type: 'number', readOnly: true }),
    def('createdate', g, { label: 'Create Date', type: 'datetime', readOnly: true }),
    def('hs_lastmodifieddate', 'deal_activity', {
      label: 'Last Modified Date',
      type: 'datetime',
      readOnly: true,
    }),
    def('hs_unique_creation_key', g, { label: 'Unique creation key', unique: true, readOnly: true }),
  ];
}

/** Object type -> properties the sandbox knows without configuration (incl. the example's custom ones). */
export function defaultHubspotProperties(): Record<string, HubspotPropertyDef[]> {
  return { companies: companies(), contacts: contacts(), deals: deals() };
}

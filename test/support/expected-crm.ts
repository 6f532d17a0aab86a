/** What a row of the example project must look like in each CRM, derived from the model rows. */

export const PLANS = ['free', 'starter', 'pro', 'business', 'enterprise'];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export type ModelRow = Record<string, unknown>;

export const accountFieldsSalesforce: Record<string, string> = {
  account_name: 'Name',
  domain: 'Website',
  industry: 'Industry',
  plan: 'Plan__c',
  mrr: 'MRR__c',
  seats: 'Seats__c',
  health_score: 'Health_Score__c',
  health_status: 'Health_Status__c',
  last_active_at: 'Last_Active_At__c',
};
export const accountFieldsHubspot: Record<string, string> = {
  account_name: 'name',
  domain: 'domain',
  hubspot_industry: 'industry',
  plan: 'plan_tier',
  mrr: 'mrr',
  seats: 'seats',
  health_score: 'health_score',
  health_status: 'health_status',
  last_active_at: 'last_active_at',
};
export const contactFieldsSalesforce: Record<string, string> = {
  email: 'Email',
  first_name: 'FirstName',
  last_name: 'LastName',
  job_title: 'Title',
  last_seen_at: 'Last_Seen_At__c',
};
export const contactFieldsHubspot: Record<string, string> = {
  email: 'email',
  first_name: 'firstname',
  last_name: 'lastname',
  job_title: 'jobtitle',
  last_seen_at: 'last_seen_at',
};

/** The error code each destination must report for a row, or null when the row is valid there. */
export function expectedAccountError(row: ModelRow, destination: 'salesforce' | 'hubspot'): string | null {
  if (!PLANS.includes(String(row.plan))) {
    return destination === 'salesforce' ? 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' : 'INVALID_OPTION';
  }
  return null;
}

export function expectedContactError(row: ModelRow, destination: 'salesforce' | 'hubspot'): string | null {
  if (!EMAIL.test(String(row.email ?? '')))
    return destination === 'salesforce' ? 'INVALID_EMAIL_ADDRESS' : 'INVALID_EMAIL';
  if (destination === 'salesforce' && !String(row.last_name ?? '').trim()) return 'REQUIRED_FIELD_MISSING';
  return null;
}

/** Equality across the warehouse's and a CRM's representation of one value. */
export function sameValue(expected: unknown, actual: unknown): boolean {
  const blank = (value: unknown) => value === null || value === undefined || value === '';
  if (blank(expected) || blank(actual)) return blank(expected) && blank(actual);
  if (typeof expected === 'number' || (typeof expected === 'string' && /^-?\d+(\.\d+)?$/.test(expected))) {
    return Number(expected) === Number(actual);
  }
  if (typeof expected === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d/.test(expected)) {
    return Date.parse(asUtc(expected)) === Date.parse(normaliseOffset(String(actual)));
  }
  return String(expected) === String(actual);
}

/** Warehouse timestamps without a zone are UTC (DuckDB prints them with a space). */
function asUtc(value: string): string {
  const iso = value.replace(' ', 'T');
  return /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`;
}

function normaliseOffset(value: string): string {
  return value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

import type { SandboxStore } from '../store.js';

export interface SalesforcePicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue?: boolean;
}

/**
 * The part of a real describe field the sandbox uses. A field taken from a saved describe JSON
 * fits as is (extra keys are ignored); omitted flags take the values of a plain custom field.
 */
export interface SalesforceFieldDef {
  name: string;
  label: string;
  type: string;
  length?: number;
  precision?: number;
  scale?: number;
  externalId?: boolean;
  idLookup?: boolean;
  unique?: boolean;
  createable?: boolean;
  updateable?: boolean;
  nillable?: boolean;
  defaultedOnCreate?: boolean;
  picklistValues?: SalesforcePicklistValue[];
  restrictedPicklist?: boolean;
  referenceTo?: string[];
  relationshipName?: string | null;
  custom?: boolean;
}

/** A subset of a describe response; a saved `GET …/sobjects/X/describe` body loads as one. */
export interface SalesforceObjectDef {
  name: string;
  label: string;
  labelPlural?: string;
  keyPrefix: string;
  custom?: boolean;
  fields: SalesforceFieldDef[];
}

/** A field with every flag decided. */
export type SalesforceField = Required<Omit<SalesforceFieldDef, 'relationshipName'>> & {
  relationshipName: string | null;
};

export interface SalesforceObject {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  fields: SalesforceField[];
}

/** A canned answer a fault hook returns instead of the normal response. */
export interface SalesforceFaultResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Consulted before every request is routed; returning a response short-circuits it. The place
 * where 503s, 401s mid-run or REQUEST_LIMIT_EXCEEDED get injected.
 */
export type SalesforceFaults = (request: {
  method: string;
  url: string;
}) => SalesforceFaultResponse | undefined | Promise<SalesforceFaultResponse | undefined>;

export interface SalesforceServerOptions {
  store: SandboxStore;
  /** Added to the defaults; a def with the name of a default replaces it. */
  objects?: SalesforceObjectDef[];
  /** Host name advertised in `instance_url` when a request carries no Host header. */
  host?: string;
  faults?: SalesforceFaults;
  /**
   * The org's daily API request limit (default 15,000). Once used up, data requests answer 403
   * REQUEST_LIMIT_EXCEEDED, as a real org does until its 24-hour window frees up.
   */
  apiLimit?: number;
  /** Credentials to accept instead of the sandbox's own (a project's own secrets). */
  credentials?: Partial<SalesforceSandboxCredentials>;
  /**
   * How long a client may take to send a whole request before it is answered 408 (default:
   * Node's own limits). Tests shorten it to see the answer.
   */
  requestTimeoutMs?: number;
}

export interface SalesforceSandboxCredentials {
  username: string;
  password: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

import type { SandboxStore } from '../store.js';

/**
 * A HubSpot property definition: the subset of the real `Property` shape the emulator uses, so
 * a saved `GET /crm/v3/properties/{objectType}` response (its `results`) loads as-is.
 */
export interface HubspotPropertyDef {
  name: string;
  label?: string;
  /** `string`, `number`, `date`, `datetime`, `enumeration`, `bool`, `phone_number`, ... */
  type: string;
  fieldType?: string;
  groupName?: string;
  description?: string;
  options?: { label: string; value: string; hidden?: boolean; displayOrder?: number }[];
  hasUniqueValue?: boolean;
  calculated?: boolean;
  externalOptions?: boolean;
  hidden?: boolean;
  formField?: boolean;
  displayOrder?: number;
  hubspotDefined?: boolean;
  modificationMetadata?: {
    readOnlyValue?: boolean;
    readOnlyDefinition?: boolean;
    archivable?: boolean;
    readOnlyOptions?: boolean;
  };
}

/**
 * Runs before every authenticated request's handler. Returning a reply description answers the
 * request with it instead (fault injection: 5xx, 423, 429 DAILY, ...); undefined lets it through.
 */
export type HubspotRequestHook = (request: {
  method: string;
  url: string;
  token: string;
}) => HubspotFault | undefined | Promise<HubspotFault | undefined>;

export interface HubspotFault {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HubspotServerOptions {
  store: SandboxStore;
  /** Per object type, added to (or overriding by name) the default properties. */
  properties?: Record<string, HubspotPropertyDef[]>;
  /** Rolling per-token limit; default 190 requests per 10 s. `false` turns it off. */
  rateLimit?: { max: number; intervalMs: number } | false;
  host?: string;
  hooks?: HubspotRequestHook[];
  /** The private-app token to accept instead of the sandbox's own (a project's own secret). */
  accessToken?: string;
}

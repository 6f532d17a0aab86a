/** Normalised, validated configuration: what the rest of dbt-spoke works with. */

import type { Relation } from '../warehouse/warehouse.js';

export type { Relation };

export type SyncMode = 'upsert' | 'update' | 'create' | 'mirror';

/** A model column copied into a destination field. */
export interface FieldMapping {
  column: string;
  field: string;
}

/**
 * A Salesforce lookup by external id: the column's value is matched against `match` on
 * `object`, and the record is linked through the relationship `relationship` (e.g. `Account`,
 * whose id field is `AccountId`).
 */
export interface LookupMapping {
  column: string;
  relationship: string;
  object: string;
  match: string;
}

/** A HubSpot association to a record of `to` whose unique property `match` equals `column`. */
export interface AssociationMapping {
  to: string;
  column: string;
  match: string;
  /** HubSpot association type id; the default type between the two objects when absent. */
  typeId?: number;
}

export interface SyncSpec {
  /** Stable id: explicit `name`, else `<model>:<destination>.<object>`. Key of state and history. */
  id: string;
  model: string;
  /** dbt unique id, e.g. `model.example.crm_accounts`. */
  uniqueId: string;
  /** Where dbt built the model. */
  relation: Relation;
  destination: string;
  object: string;
  key: string;
  match: string;
  mode: SyncMode;
  fields: FieldMapping[];
  lookups: LookupMapping[];
  associations: AssociationMapping[];
  /** Model names or sync ids this sync must run after, as written. */
  after: string[];
  /** A null column value: `clear` empties the destination field, `skip` leaves it unchanged. Absent means clear. */
  onNull?: 'clear' | 'skip';
  /** mirror: largest share of the sync's records one run may delete without --allow-deletes. */
  maxDeleteRatio?: number;
  /** This sync's alert settings, over spoke.yml's `alerts`. */
  alerts?: { failedRecordsRatio?: number; channels?: string[]; mute?: boolean };
  /** Where it was declared, for diagnostics. */
  source: { file: string; index: number };
}

export type DestinationType = 'salesforce' | 'hubspot';

export interface SalesforceDestinationConfig {
  name: string;
  type: 'salesforce';
  loginUrl: string;
  instanceUrl?: string;
  apiVersion: string;
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
  /** Change sets at least this large go through Bulk API 2.0. */
  bulkThreshold?: number;
  /** Records per Bulk API 2.0 job (spoke.yml `bulk_job_size`). */
  maxBulkSize?: number;
}

export interface HubspotDestinationConfig {
  name: string;
  type: 'hubspot';
  baseUrl: string;
  accessToken?: string;
  requestsPerWindow?: number;
  windowMs?: number;
  dailyLimit?: number;
}

export type DestinationConfig = SalesforceDestinationConfig | HubspotDestinationConfig;

export interface SandboxRouting {
  /** Explicit endpoints of a running `spoke sandbox`; when absent one is started in-process. */
  salesforceUrl?: string;
  hubspotUrl?: string;
}

export interface SpokeConfig {
  /** Absolute path of spoke.yml, or null when the project has none. */
  file: string | null;
  /** The dbt target it was read for: it picks `targets.<target>` and the target's sandbox store. */
  target: string;
  destinations: Record<string, DestinationConfig>;
  /** Set when the active dbt target routes every destination to the sandbox. */
  sandbox: SandboxRouting | null;
  state: { schema: string };
  /** Alerting; null when spoke.yml configures no alerts. */
  alerts: AlertSettings | null;
}

export type AlertChannelConfig =
  | { type: 'email'; name: string; to: string[]; smtpUrl: string; from?: string }
  | { type: 'slack'; name: string; webhookUrl: string }
  | { type: 'webhook'; name: string; url: string; secret?: string }
  | { type: 'pagerduty'; name: string; routingKey: string; eventsUrl?: string };

export interface AlertSettings {
  /** Channels alerts go to. */
  channels: AlertChannelConfig[];
  /** Channels configured but off here: their endpoint rendered empty (an unset `env_var('X', '')`). */
  disabledChannels: string[];
  /** A sync whose share of rows not synced is above this counts as failing. */
  failedRecordsRatio: number;
  /** Healthy runs in a row before a failing sync counts as recovered. */
  recoverAfter: number;
  /** A sync not successful for longer than this counts as failing; null: no such check. */
  maxStalenessMs: number | null;
  /** Base URL of `spoke serve`, for links to a run's page. */
  publicUrl: string | null;
}

/**
 * What every destination (Salesforce, HubSpot) offers the engine. Destinations know nothing of
 * dbt or of spoke's configuration files; the engine is the only place both meet.
 */

export interface FieldSchema {
  name: string;
  label?: string;
  /** Destination type as the API names it (`string`, `email`, `picklist`, `enumeration`, ...). */
  type: string;
  /** Usable as the upsert key (Salesforce external id, HubSpot unique-value property). */
  unique: boolean;
  /** Salesforce: values differing only in case are distinct (a "case sensitive" unique field). */
  caseSensitive?: boolean;
  createable: boolean;
  updateable: boolean;
  /** Must be present when creating a record. */
  required: boolean;
  picklistValues?: string[];
  /**
   * The destination refuses a value not in `picklistValues`: a restricted Salesforce picklist, a
   * HubSpot enumeration with its own options.
   */
  restrictedPicklist?: boolean;
  /** Salesforce reference fields: target objects and relationship name (`Account` for `AccountId`). */
  referenceTo?: string[];
  relationshipName?: string | null;
}

export interface ObjectSchema {
  object: string;
  fields: FieldSchema[];
  /** Set when read from a file saved by `spoke schema pull` (its path in the project), not described live. */
  savedFile?: string;
}

export type WriteOperation = 'upsert' | 'update' | 'create' | 'delete';

/** A Salesforce relationship set by the parent's external id, e.g. Account.Wistia_Account_Id__c. */
export interface OutboundLookup {
  relationship: string;
  object: string;
  match: string;
  value: string | null;
}

/** A HubSpot association to a record of `to` found by its unique property `match`. */
export interface OutboundAssociation {
  to: string;
  match: string;
  value: string | null;
  typeId?: number;
}

export interface OutboundRecord {
  /** The model key, as a string. Outcomes are matched back by it. */
  key: string;
  /** Destination field -> value. Does not contain the match field (the writer adds it). */
  values: Record<string, unknown>;
  /** The record's id in the destination when a confirmed earlier sync learned it (deletes need it). */
  destinationId?: string;
  lookups: OutboundLookup[];
  associations: OutboundAssociation[];
}

export interface WriteRequest {
  /** Aborted when the run's time is up: waits (rate limits, polling) stop and records fail as transient. */
  signal?: AbortSignal;
  object: string;
  operation: WriteOperation;
  /** Destination field holding the key (external id / unique property). */
  match: string;
  /** At most `limits.maxBatchSize` records with distinct keys. */
  records: OutboundRecord[];
}

export type OutcomeStatus = 'created' | 'updated' | 'deleted' | 'skipped' | 'failed';

export interface OutcomeError {
  /** Normalised code: the destination's own (`INVALID_EMAIL_ADDRESS`, `PROPERTY_DOESNT_EXIST`) where it gives one. */
  code: string;
  /** The destination's own message. */
  message: string;
  /**
   * False only when the destination rejected this record (a validation answer about it, or
   * about the request that carried it): such failures are remembered and not resent until the
   * row changes. Everything else (transport, auth refresh, 5xx, timeouts, quotas, anything
   * unknown) is transient: resent within the run, and by the next run if it still fails.
   */
  transient: boolean;
  /** Transient, but resending within this run cannot help (a spent daily quota): the next run does. */
  retryLater?: boolean;
  fields?: string[];
}

export interface RecordOutcome {
  key: string;
  status: OutcomeStatus;
  destinationId?: string;
  error?: OutcomeError;
}

export interface DestinationLimits {
  maxBatchSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** With `writeBulk`: change sets of at least this many records go through it. */
  bulkThreshold?: number;
  /** With `writeBulk`: records per bulk job. */
  maxBulkSize?: number;
  /** With `writeBulk`: jobs of one sync out at once (default 1). */
  maxBulkJobs?: number;
}

export interface ApiUsage {
  /** Requests used today. */
  used: number;
  /** Requests allowed per day. */
  limit: number;
  /** Requests counted in the current rate-limit window. */
  windowUsed: number;
}

export interface Destination {
  readonly name: string;
  readonly type: 'salesforce' | 'hubspot';
  readonly limits: DestinationLimits;
  /** Verifies credentials; throws SpokeError SPOKE_DESTINATION_AUTH with the fix. */
  check(): Promise<void>;
  /**
   * Whether the destination finds a record by `match` without regard to case (Salesforce
   * external ids, HubSpot email): keys differing only in case then name one record.
   */
  matchesIgnoringCase(object: string, match: string): boolean;
  describe(object: string): Promise<ObjectSchema>;
  /**
   * The destination's own description of `object` (Salesforce describe, HubSpot properties),
   * trimmed to the keys spoke and the sandbox read and sorted by field name, as saved in
   * `spoke_schemas/<type>/<object>.json`.
   */
  describeForSaving(object: string): Promise<object>;
  /**
   * Exactly one outcome per input record, in input order. Never throws for record- or
   * batch-level API errors: a batch-level error becomes a failed outcome for every record.
   */
  write(request: WriteRequest): Promise<RecordOutcome[]>;
  /** Optional capability: the same contract as `write` for large change sets (Salesforce Bulk API 2.0). */
  writeBulk?(request: WriteRequest): Promise<RecordOutcome[]>;
  /** Optional capability: the API quota used today, or null while the destination cannot tell. */
  apiUsage?(): ApiUsage | null;
  close(): Promise<void>;
}

/** How to reach a Salesforce org: OAuth password or client-credentials flow, or a given token. */
export interface SalesforceConnectionOptions {
  /** The destination's name in spoke.yml, for messages. */
  name: string;
  loginUrl: string;
  instanceUrl?: string;
  apiVersion: string;
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
}

/** How to reach a HubSpot portal: a private-app or OAuth access token. */
export interface HubspotConnectionOptions {
  name: string;
  baseUrl: string;
  accessToken?: string;
  /** Requests allowed in any window of `windowMs` (default 100; Professional/Enterprise allow 190). */
  requestsPerWindow?: number;
  /** Default 10,000 ms, HubSpot's rolling window. */
  windowMs?: number;
  /** Requests per day this destination may use; HubSpot's own daily figures apply as well. */
  dailyLimit?: number;
}

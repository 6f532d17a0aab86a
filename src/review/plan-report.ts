/**
 * What `spoke plan` found: a plain value, rendered by the views (text, markdown, JSON). Its JSON
 * form is `schemas/spoke-plan.schema.json`; `format_version` changes when a field's meaning does.
 */
export const PLAN_FORMAT_VERSION = '1';

export type DefinitionStatus = 'added' | 'removed' | 'changed' | 'unchanged';

/** One difference in a sync's definition between the base manifest and this one. */
export interface DefinitionChange {
  /** What changed: `mode`, `fields.<column>`, `lookups.<column>`, `associations.<to>`, `after`, `alerts`, ... */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before: unknown;
  after: unknown;
}

export type SampleAction = 'create' | 'update' | 'delete' | 'skip' | 'invalid';

export interface FieldValueChange {
  field: string;
  /** The value last confirmed in the destination (the snapshot's), null when none. */
  before: unknown;
  after: unknown;
}

export interface RecordSample {
  key: string | null;
  action: SampleAction;
  /** Why: `new`, `changed`, `uncertain` (in flight from a run whose answer was lost), or the invalid code. */
  reason: string;
  fields: FieldValueChange[];
}

export interface SyncImpact {
  /** Rows in the model. */
  rows: number;
  create: number;
  update: number;
  delete: number;
  /** Rows sent but left alone by the mode: create mode's changed rows. */
  skip: number;
  invalid: number;
  unchanged: number;
  /** Rows that failed permanently before and did not change: not resent, as sync does. */
  still_failing: number;
  /** Of create + update: rows in flight from a run whose answer never came, resent whole. */
  uncertain: number;
  /** mirror: the deletions exceed max_delete_ratio; sync would refuse the whole sync and write nothing. */
  refused: string | null;
  /** Destination field (or `lookup:…`, `association:…`) → updates that would change it. */
  fields_changed: Record<string, number>;
  samples: RecordSample[];
  /** Approximate API requests the writes take. */
  api_calls: number;
}

export interface SyncPlanEntry {
  id: string;
  model: string;
  destination: string;
  object: string;
  mode: string;
  /** Null without `--state`. */
  definition: DefinitionStatus | null;
  changes: DefinitionChange[];
  /** Null without `--impact`, for a removed sync, and when planning it failed (`error`). */
  impact: SyncImpact | null;
  error: string | null;
  /** Why it was not planned (its model was not built by the dbt invocation of these artifacts), or null. */
  not_planned: string | null;
}

export interface DestinationCalls {
  destination: string;
  type: string;
  api_calls: number;
  /** The daily request limit configured for it, when spoke.yml sets one. */
  daily_limit: number | null;
}

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  invalid: number;
  syncs_added: number;
  syncs_removed: number;
  syncs_changed: number;
  /** Syncs with no definition change and nothing to write. */
  syncs_unchanged: number;
  /** mirror syncs whose deletions sync would refuse. */
  syncs_refused: number;
  syncs_failed: number;
  /** Syncs whose model the dbt invocation did not build (deferred, not selected, failed). */
  syncs_not_planned: number;
}

export interface PlanReport {
  format_version: typeof PLAN_FORMAT_VERSION;
  target: string;
  /** The target whose state schema was read (`--state-target`), else `target`. */
  state_target: string;
  /** The base artifacts directory (`--state`), or null. */
  base: string | null;
  impact: boolean;
  /** `failed` when some sync could not be planned: the plan is partial. */
  status: 'complete' | 'failed';
  /** Something would be written, or a sync definition differs from the base. */
  changes_present: boolean;
  summary: PlanSummary;
  syncs: SyncPlanEntry[];
  destinations: DestinationCalls[];
}

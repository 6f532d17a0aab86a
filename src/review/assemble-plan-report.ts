import {
  type DestinationCalls,
  PLAN_FORMAT_VERSION,
  type PlanReport,
  type SyncImpact,
  type SyncPlanEntry,
} from './plan-report.js';

export interface PlanReportInput {
  target: string;
  stateTarget: string;
  base: string | null;
  impact: boolean;
  /** In the order they are shown. */
  syncs: SyncPlanEntry[];
  /** A destination's type and configured daily request limit. */
  destination(name: string): { type: string; dailyLimit: number | null };
}

/**
 * The plan's totals from its syncs: what the summary line counts, whether changes are present
 * (`--detailed-exitcode`), and approximate requests per destination. Pure. A refused sync
 * writes nothing, so its records count in no total.
 */
export function assemblePlanReport(input: PlanReportInput): PlanReport {
  const { syncs } = input;
  const sum = (pick: (impact: SyncImpact) => number) =>
    syncs.reduce((total, sync) => total + (sync.impact && !sync.impact.refused ? pick(sync.impact) : 0), 0);
  const writes = (sync: SyncPlanEntry) =>
    sync.impact !== null &&
    !sync.impact.refused &&
    sync.impact.create + sync.impact.update + sync.impact.delete > 0;
  const changed = (sync: SyncPlanEntry) => sync.definition !== null && sync.definition !== 'unchanged';
  const calls = new Map<string, DestinationCalls>();
  for (const sync of syncs) {
    if (!sync.impact || sync.impact.refused) continue;
    const known = input.destination(sync.destination);
    const entry = calls.get(sync.destination) ?? {
      destination: sync.destination,
      type: known.type,
      api_calls: 0,
      daily_limit: known.dailyLimit,
    };
    entry.api_calls += sync.impact.api_calls;
    calls.set(sync.destination, entry);
  }
  const summary = {
    create: sum((i) => i.create),
    update: sum((i) => i.update),
    delete: sum((i) => i.delete),
    invalid: sum((i) => i.invalid),
    syncs_added: syncs.filter((s) => s.definition === 'added').length,
    syncs_removed: syncs.filter((s) => s.definition === 'removed').length,
    syncs_changed: syncs.filter((s) => s.definition === 'changed').length,
    syncs_unchanged: syncs.filter(
      (s) => !changed(s) && !writes(s) && s.error === null && s.not_planned === null && !s.impact?.refused,
    ).length,
    syncs_refused: syncs.filter((s) => s.impact?.refused).length,
    syncs_failed: syncs.filter((s) => s.error !== null).length,
    syncs_not_planned: syncs.filter((s) => s.not_planned !== null).length,
  };
  return {
    format_version: PLAN_FORMAT_VERSION,
    target: input.target,
    state_target: input.stateTarget,
    base: input.base,
    impact: input.impact,
    status: summary.syncs_failed > 0 ? 'failed' : 'complete',
    changes_present: syncs.some((sync) => changed(sync) || writes(sync) || sync.impact?.refused),
    summary,
    syncs,
    destinations: [...calls.values()],
  };
}

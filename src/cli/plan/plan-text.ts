import type { PlanReport, RecordSample, SyncPlanEntry } from '../../review/plan-report.js';

/**
 * Wording both human views share: the summary line and the closing sentences, so the terminal
 * and the pull-request comment say the same thing.
 */

export const SYMBOLS = {
  create: { mark: '+', meaning: 'create' },
  update: { mark: '~', meaning: 'update' },
  delete: { mark: '-', meaning: 'delete' },
  invalid: { mark: '!', meaning: 'invalid, never sent' },
  skip: { mark: '=', meaning: 'sent, left as it is by the mode' },
  refused: { mark: 'x', meaning: 'would be refused' },
} as const;

export type SymbolName = keyof typeof SYMBOLS;

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** "Plan: 120 to create, 37 to update, 4 to delete, 2 invalid, 3 syncs unchanged." */
export function summaryLine(plan: PlanReport): string {
  const s = plan.summary;
  const parts: string[] = [];
  if (plan.impact)
    parts.push(
      `${s.create} to create`,
      `${s.update} to update`,
      `${s.delete} to delete`,
      `${s.invalid} invalid`,
    );
  if (plan.base) {
    parts.push(
      `${plural(s.syncs_added, 'sync')} added`,
      `${s.syncs_changed} changed`,
      `${s.syncs_removed} removed`,
    );
  }
  if (s.syncs_refused > 0) parts.push(`${plural(s.syncs_refused, 'sync')} refused`);
  if (s.syncs_not_planned > 0) parts.push(`${plural(s.syncs_not_planned, 'sync')} not planned`);
  parts.push(`${plural(s.syncs_unchanged, 'sync')} unchanged`);
  return `Plan: ${parts.join(', ')}.`;
}

/** The closing sentence: no changes, changes, or a plan that failed part-way. */
export function verdict(plan: PlanReport): string {
  if (plan.status === 'failed') {
    return `The plan failed part-way: ${plural(plan.summary.syncs_failed, 'sync')} could not be planned (see above); the counts cover the others only.`;
  }
  if (!plan.base && !plan.impact) {
    return 'Nothing was compared: pass --state <dir> to compare the sync definitions with a base, and --impact to plan the records.';
  }
  if (!plan.changes_present) {
    return plan.impact
      ? 'No changes. The syncs match the base and every destination already holds what the models say.'
      : 'No changes. The sync definitions match the base.';
  }
  return plan.impact
    ? 'spoke sync would make these changes; nothing was written.'
    : 'The sync definitions differ from the base; run with --impact to count the records they change.';
}

/** The symbols a plan uses, in legend order. */
export function usedSymbols(plan: PlanReport): SymbolName[] {
  const used = new Set<SymbolName>();
  for (const sync of plan.syncs) {
    if (sync.definition === 'added') used.add('create');
    if (sync.definition === 'removed') used.add('delete');
    if (sync.definition === 'changed') used.add('update');
    for (const change of sync.changes)
      used.add(change.kind === 'added' ? 'create' : change.kind === 'removed' ? 'delete' : 'update');
    const impact = sync.impact;
    if (!impact) continue;
    if (impact.refused) used.add('refused');
    if (impact.create) used.add('create');
    if (impact.update) used.add('update');
    if (impact.delete) used.add('delete');
    if (impact.invalid) used.add('invalid');
    if (impact.skip) used.add('skip');
  }
  return (Object.keys(SYMBOLS) as SymbolName[]).filter((name) => used.has(name));
}

/** The mark of a sync's header line. */
export function syncMark(sync: SyncPlanEntry): string {
  if (sync.impact?.refused) return SYMBOLS.refused.mark;
  if (sync.definition === 'added') return SYMBOLS.create.mark;
  if (sync.definition === 'removed') return SYMBOLS.delete.mark;
  return SYMBOLS.update.mark;
}

/** Whether a sync has anything worth a block of its own. */
export function hasSomethingToShow(sync: SyncPlanEntry): boolean {
  if (sync.error || (sync.definition && sync.definition !== 'unchanged')) return true;
  const i = sync.impact;
  return i !== null && (i.refused !== null || i.create + i.update + i.delete + i.invalid + i.skip > 0);
}

export function definitionWord(sync: SyncPlanEntry): string {
  return sync.definition === 'added'
    ? 'added'
    : sync.definition === 'removed'
      ? 'removed (its records stay in the destination; its state is kept)'
      : sync.definition === 'changed'
        ? 'definition changed'
        : '';
}

/** "12 to create, 3 to update, 1 invalid (40 unchanged, 2 still failing)". */
export function impactCounts(sync: SyncPlanEntry): string {
  const i = sync.impact;
  if (!i) return '';
  const parts = [
    ...(i.create ? [`${i.create} to create`] : []),
    ...(i.update ? [`${i.update} to update`] : []),
    ...(i.delete ? [`${i.delete} to delete`] : []),
    ...(i.skip ? [`${i.skip} sent but left as is (mode ${sync.mode})`] : []),
    ...(i.invalid ? [`${i.invalid} invalid`] : []),
  ];
  const quiet = [
    `${i.unchanged} unchanged`,
    ...(i.still_failing ? [`${i.still_failing} still failing, not resent`] : []),
    ...(i.uncertain ? [`${i.uncertain} resent whole after a lost answer`] : []),
  ];
  return `${parts.length > 0 ? parts.join(', ') : 'nothing to write'} (${quiet.join(', ')})`;
}

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

export function sampleMark(sample: RecordSample): string {
  return SYMBOLS[sample.action === 'skip' ? 'skip' : sample.action].mark;
}

export function fieldsChangedLine(sync: SyncPlanEntry): string | null {
  const fields = Object.entries(sync.impact?.fields_changed ?? {}).sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  );
  if (fields.length === 0) return null;
  return `fields the updates change: ${fields.map(([field, n]) => `${field} (${n})`).join(', ')}`;
}

export function apiCallsLine(plan: PlanReport): string | null {
  const used = plan.destinations.filter((d) => d.api_calls > 0);
  if (!plan.impact || used.length === 0) return null;
  return `Approximate API requests: ${used
    .map(
      (d) =>
        `${d.destination} ~${d.api_calls}${d.daily_limit ? ` (${((d.api_calls / d.daily_limit) * 100).toFixed(2)}% of its daily ${d.daily_limit})` : ''}`,
    )
    .join(', ')}.`;
}

export function changeLine(change: SyncPlanEntry['changes'][number]): string {
  const mark =
    change.kind === 'added'
      ? SYMBOLS.create.mark
      : change.kind === 'removed'
        ? SYMBOLS.delete.mark
        : SYMBOLS.update.mark;
  if (change.kind === 'added') return `${mark} ${change.path}: ${formatValue(jsonish(change.after))}`;
  if (change.kind === 'removed') return `${mark} ${change.path}: ${formatValue(jsonish(change.before))}`;
  return `${mark} ${change.path}: ${formatValue(jsonish(change.before))} → ${formatValue(jsonish(change.after))}`;
}

function jsonish(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
}

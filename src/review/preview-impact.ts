import type { SyncSpec } from '../config/types.js';
import type { DestinationLimits } from '../destinations/contract.js';
import { deleteGuard } from '../plan/delete-guard.js';
import { type PlannedWrite, planChanges } from '../plan/plan-changes.js';
import type { ChangeSet } from '../state/state-store.js';
import type { FieldValueChange, RecordSample, SampleAction, SyncImpact } from './plan-report.js';

export interface ImpactOptions {
  /** As `spoke sync --full-refresh`: whole records resent. */
  fullRefresh: boolean;
  allowDeletes: boolean;
  /** Records shown with their field values, at most. */
  samples: number;
  /** Whether `abc` and `ABC` name one record at the destination, as the sync was planned. */
  ignoreKeyCase: boolean;
  limits: DestinationLimits;
  /** Whether the destination has a bulk API for large change sets. */
  bulk: boolean;
}

/** Requests one Bulk API 2.0 job takes: create, upload, close, and at least one status poll. */
export const REQUESTS_PER_BULK_JOB = 4;

/**
 * What a sync would do, from the change set `spoke sync` would work through: the same rows,
 * streamed in the same batches, turned into records by the same `planChanges`. Only the sending
 * is left out, so the destination's answer (a create refused, an update of a record that is not
 * there) is what a preview cannot know.
 */
export async function previewImpact(
  spec: SyncSpec,
  changeSet: ChangeSet,
  options: ImpactOptions,
): Promise<SyncImpact> {
  const { counts } = changeSet;
  const impact: SyncImpact = {
    rows: counts.total,
    create: 0,
    update: 0,
    delete: 0,
    skip: 0,
    invalid: 0,
    unchanged: counts.unchanged,
    still_failing: counts.failedUnchanged,
    uncertain: 0,
    refused: null,
    fields_changed: {},
    samples: [],
    api_calls: 0,
  };
  const refusal = deleteGuard(spec, counts, options.allowDeletes);
  if (refusal) {
    // sync stops such a sync before it writes anything at all.
    impact.refused = refusal.replace('; nothing was written.', '; sync would refuse it and write nothing.');
    impact.delete = counts.gone;
    return impact;
  }

  const samples = new SampleQuota(options.samples);
  const toSend = counts.new + counts.changed + counts.uncertain;
  const bulk = options.bulk && toSend >= (options.limits.bulkThreshold ?? Number.POSITIVE_INFINITY);
  const calls = (records: number, useBulk: boolean) =>
    useBulk
      ? Math.ceil(records / (options.limits.maxBulkSize ?? options.limits.maxBatchSize)) *
        REQUESTS_PER_BULK_JOB
      : Math.ceil(records / options.limits.maxBatchSize);

  for await (const changes of changeSet.changes()) {
    const plan = planChanges(spec, changes, {
      allFields: options.fullRefresh,
      ignoreKeyCase: options.ignoreKeyCase,
    });
    impact.invalid += plan.invalid.length;
    for (const invalid of plan.invalid)
      samples.offer('invalid', invalid.key, () => ({
        key: invalid.key,
        action: 'invalid',
        reason: invalid.code,
        fields: [],
      }));
    for (const write of plan.writes) {
      const action = actionOf(spec, write);
      impact[action]++;
      if (write.kind === 'uncertain') impact.uncertain++;
      const fields = sentFields(write);
      if (action === 'update') {
        for (const field of fields)
          impact.fields_changed[field.field] = (impact.fields_changed[field.field] ?? 0) + 1;
      }
      samples.offer(action, write.record.key, () => ({
        key: write.record.key,
        action,
        reason: write.kind,
        fields,
      }));
    }
    impact.api_calls += calls(plan.writes.length, bulk);
  }

  if (spec.mode === 'mirror' && counts.gone > 0) {
    const bulkDelete =
      options.bulk && counts.gone >= (options.limits.bulkThreshold ?? Number.POSITIVE_INFINITY);
    for await (const deletions of changeSet.deletions()) {
      impact.delete += deletions.length;
      for (const deletion of deletions) {
        samples.offer('delete', deletion.key, () => ({
          key: deletion.key,
          action: 'delete',
          reason: 'left the model',
          fields: Object.entries(deletion.values).map(([field, before]) => ({ field, before, after: null })),
        }));
      }
      impact.api_calls += calls(deletions.length, bulkDelete);
    }
  }
  impact.samples = samples.picked();
  return impact;
}

/** What the destination is asked to do with a record, by the sync's mode and what the state knows of it. */
function actionOf(spec: SyncSpec, write: PlannedWrite): 'create' | 'update' | 'skip' {
  const known =
    write.kind === 'changed' || (write.kind === 'uncertain' && write.record.destinationId !== undefined);
  if (spec.mode === 'update') return 'update';
  if (spec.mode === 'create') return write.kind === 'changed' ? 'skip' : 'create';
  return known ? 'update' : 'create';
}

/** The fields a write sends, with what the destination was last confirmed to hold. */
function sentFields(write: PlannedWrite): FieldValueChange[] {
  const confirmed = write.confirmed;
  const before = (name: string) => (confirmed && name in confirmed ? confirmed[name] : null);
  const names = [
    ...Object.keys(write.record.values),
    ...write.record.lookups.map((lookup) => `lookup:${lookup.relationship}`),
    ...write.record.associations.map((association) => `association:${association.to}.${association.match}`),
  ];
  return names.map((field) => ({ field, before: before(field), after: write.values[field] ?? null }));
}

/**
 * Up to `max` samples, shared fairly between actions so a thousand creates do not hide the one
 * delete. Per action the smallest keys are kept, so the same rows give the same samples whatever
 * order the warehouse streams them in.
 */
class SampleQuota {
  private readonly byAction = new Map<SampleAction, RecordSample[]>();

  constructor(private readonly max: number) {}

  offer(action: SampleAction, key: string | null, make: () => RecordSample): void {
    if (this.max === 0) return;
    const list = this.byAction.get(action) ?? [];
    this.byAction.set(action, list);
    const last = list[list.length - 1];
    if (list.length >= this.max && last && compareKeys(key, last.key) >= 0) return;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compareKeys(list[mid]!.key, key) <= 0) low = mid + 1;
      else high = mid;
    }
    list.splice(low, 0, make());
    if (list.length > this.max) list.pop();
  }

  picked(): RecordSample[] {
    const order: SampleAction[] = ['delete', 'update', 'create', 'skip', 'invalid'];
    const lists = order.map((action) => this.byAction.get(action) ?? []);
    const out: RecordSample[] = [];
    for (let i = 0; out.length < this.max && lists.some((list) => i < list.length); i++) {
      for (const list of lists) if (i < list.length && out.length < this.max) out.push(list[i]!);
    }
    return out;
  }
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

import type { SyncSpec } from '../config/types.js';
import type { Destination, RecordOutcome } from '../destinations/contract.js';
import { emptyCounts, type RecordError, type SyncCounts, type SyncResult } from '../observe/lifecycle.js';
import { type InvalidRecord, planRecords } from '../plan/plan-records.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { type RetryPolicy, writeWithRetry } from './write-with-retry.js';

/** Errors listed per sync; the rest are counted. */
const MAX_LISTED_ERRORS = 1_000;
/** Keys with duplicates we name; beyond that the sync fails as a whole. */
const MAX_DUPLICATE_KEYS = 10_000;

export interface SyncContext {
  warehouse: Warehouse;
  destination: Destination;
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  retry: RetryPolicy;
  dryRun: boolean;
  /** Share of failed or invalid records above which the sync counts as failed. */
  failedRecordsRatio: number;
  emitBatch(outcomes: RecordOutcome[], invalid: InvalidRecord[]): void;
}

/** Reads a model, plans its records and writes them batch by batch. Never throws. */
export async function syncOne(spec: SyncSpec, context: SyncContext): Promise<SyncResult> {
  const started = Date.now();
  const counts: SyncCounts = emptyCounts();
  const errors: RecordError[] = [];
  let errorsOmitted = 0;
  const noteError = (error: RecordError) => {
    if (errors.length < MAX_LISTED_ERRORS) errors.push(error);
    else errorsOmitted++;
  };
  const result = (status: SyncResult['status'], reason?: string): SyncResult => ({
    id: spec.id,
    model: spec.model,
    destination: spec.destination,
    object: spec.object,
    status,
    ...(reason ? { reason } : {}),
    ...counts,
    errors,
    errorsOmitted,
    durationMs: Date.now() - started,
  });

  try {
    const duplicates = await context.warehouse.duplicateKeys(spec.relation, spec.key, MAX_DUPLICATE_KEYS);
    if (duplicates.length >= MAX_DUPLICATE_KEYS) {
      return result(
        'failed',
        `more than ${MAX_DUPLICATE_KEYS} values of ${spec.key} repeat in ${spec.model}; add a unique test.`,
      );
    }
    const duplicateKeys = new Set(duplicates);
    const { maxBatchSize, concurrency } = context.destination.limits;
    for await (const rows of context.warehouse.readRows(
      spec.relation,
      columnsOf(spec),
      maxBatchSize * concurrency,
    )) {
      const plan = planRecords(spec, rows, duplicateKeys);
      counts.invalid += plan.invalid.length;
      for (const invalid of plan.invalid) noteError(invalid);
      if (context.dryRun) {
        counts.attempted += plan.records.length;
        context.emitBatch([], plan.invalid);
        continue;
      }
      const outcomes = (
        await Promise.all(
          chunk(plan.records, maxBatchSize).map((records) =>
            writeWithRetry(
              context.destination,
              {
                object: spec.object,
                operation: spec.mode === 'mirror' ? 'upsert' : spec.mode,
                match: spec.match,
                records,
              },
              context.retry,
              context.limit,
            ),
          ),
        )
      ).flat();
      counts.attempted += outcomes.length;
      for (const outcome of outcomes) {
        if (outcome.status === 'failed') {
          counts.failed++;
          noteError({
            key: outcome.key,
            code: outcome.error?.code ?? 'UNKNOWN',
            message: outcome.error?.message ?? '',
          });
        } else {
          counts[outcome.status]++;
        }
      }
      context.emitBatch(outcomes, plan.invalid);
    }
  } catch (error) {
    return result('failed', error instanceof Error ? error.message : String(error));
  }

  const bad = counts.failed + counts.invalid;
  if (bad === 0) return result('success');
  const total = counts.attempted + counts.invalid;
  return bad / total > context.failedRecordsRatio
    ? result(
        'failed',
        `${bad} of ${total} records failed, above the ${context.failedRecordsRatio * 100}% threshold`,
      )
    : result('partial');
}

function columnsOf(spec: SyncSpec): string[] {
  return [
    ...new Set([
      spec.key,
      ...spec.fields.map((field) => field.column),
      ...spec.lookups.map((lookup) => lookup.column),
      ...spec.associations.map((association) => association.column),
    ]),
  ];
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

import type { SyncSpec } from '../config/types.js';
import type { Destination, OutboundRecord, RecordOutcome, WriteOperation } from '../destinations/contract.js';
import { emptyCounts, type RecordError, type SyncCounts, type SyncResult } from '../observe/lifecycle.js';
import { type InvalidRecord, type PlannedWrite, planChanges } from '../plan/plan-changes.js';
import type { ChangeSet, LoggedOperation, StateStore } from '../state/state-store.js';
import { chunk } from '../util/chunk.js';
import { type RetryPolicy, writeWithRetry } from './write-with-retry.js';

/** Errors listed per sync; the rest are counted. */
const MAX_LISTED_ERRORS = 1_000;

export interface SyncContext {
  runId: string;
  state: StateStore;
  destination: Destination;
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  retry: RetryPolicy;
  dryRun: boolean;
  fullRefresh: boolean;
  retryFailed: boolean;
  allowDeletes: boolean;
  /** Share of failed or invalid records above which the sync counts as failed. */
  failedRecordsRatio: number;
  emitBatch(outcomes: RecordOutcome[], invalid: InvalidRecord[]): void;
}

const OPERATION: Record<SyncSpec['mode'], WriteOperation> = {
  upsert: 'upsert',
  update: 'update',
  create: 'create',
  mirror: 'upsert',
};

export interface PlannedSync {
  changeSet: ChangeSet;
  planMs: number;
}

/** Plans one sync in the warehouse: counts now, rows streamed later by `syncOne`. */
export async function planSync(
  spec: SyncSpec,
  state: StateStore,
  limits: Destination['limits'],
  options: { fullRefresh: boolean; retryFailed: boolean },
): Promise<PlannedSync> {
  const started = Date.now();
  const changeSet = await state.planChanges(spec, {
    ...options,
    batchSize: Math.max(limits.maxBatchSize * limits.concurrency, limits.maxBulkSize ?? 0),
  });
  return { changeSet, planMs: Date.now() - started };
}

/** Whether the sync has anything to send or delete, i.e. needs its destination at all. */
export function needsDestination(spec: SyncSpec, { counts }: ChangeSet): boolean {
  return counts.new + counts.changed > 0 || (spec.mode === 'mirror' && counts.gone > 0);
}

/**
 * One planned sync: sends only new and changed rows (and, for mirror, deletes records whose
 * rows left the model), and commits every answered batch to the state store before the next,
 * so a crash loses at most the batch in flight. Never throws.
 */
export async function syncOne(
  spec: SyncSpec,
  planned: PlannedSync,
  context: SyncContext,
): Promise<SyncResult> {
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
    planMs: planned.planMs,
    durationMs: Date.now() - started + planned.planMs,
  });

  try {
    const { destination } = context;
    const { maxBatchSize } = destination.limits;
    const { changeSet } = planned;
    counts.unchanged = changeSet.counts.unchanged;
    counts.skipped = changeSet.counts.failedUnchanged;

    const refusal = deleteGuard(spec, changeSet, context.allowDeletes);
    if (refusal) return result('failed', refusal);

    if (context.dryRun) {
      counts.attempted = changeSet.counts.new + changeSet.counts.changed;
      counts.invalid = changeSet.counts.nullKey + changeSet.counts.duplicateKey;
      counts.deleted = spec.mode === 'mirror' ? changeSet.counts.gone : 0;
      return result('success');
    }

    const toSend = changeSet.counts.new + changeSet.counts.changed;
    const bulk =
      destination.writeBulk && toSend >= (destination.limits.bulkThreshold ?? Number.POSITIVE_INFINITY)
        ? destination.writeBulk.bind(destination)
        : null;
    const chunkSize = bulk ? (destination.limits.maxBulkSize ?? maxBatchSize) : maxBatchSize;
    const operation = OPERATION[spec.mode];

    const tally = (outcomes: RecordOutcome[]) => {
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
    };

    for await (const changes of changeSet.changes()) {
      const plan = planChanges(spec, changes, { allFields: context.fullRefresh });
      counts.invalid += plan.invalid.length;
      for (const invalid of plan.invalid) noteError(invalid);
      const planned = new Map(plan.writes.map((write) => [write.record.key, write]));
      const outcomes = (
        await Promise.all(
          chunk(plan.writes, chunkSize).map((writes) =>
            send(
              context,
              spec,
              operation,
              writes.map((write) => write.record),
              bulk,
              planned,
            ),
          ),
        )
      ).flat();
      tally(outcomes);
      context.emitBatch(outcomes, plan.invalid);
    }

    if (spec.mode === 'mirror' && changeSet.counts.gone > 0) {
      for await (const deletions of changeSet.deletions()) {
        const records: OutboundRecord[] = deletions.map((deletion) => ({
          key: deletion.key,
          values: {},
          ...(deletion.destinationId ? { destinationId: deletion.destinationId } : {}),
          lookups: [],
          associations: [],
        }));
        const bulkDelete =
          destination.writeBulk &&
          changeSet.counts.gone >= (destination.limits.bulkThreshold ?? Number.POSITIVE_INFINITY)
            ? destination.writeBulk.bind(destination)
            : null;
        const size = bulkDelete ? (destination.limits.maxBulkSize ?? maxBatchSize) : maxBatchSize;
        const outcomes = (
          await Promise.all(
            chunk(records, size).map((batch) => send(context, spec, 'delete', batch, bulkDelete, new Map())),
          )
        ).flat();
        tally(outcomes);
        context.emitBatch(outcomes, []);
      }
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

/** Writes one chunk with retries; every attempt's answers are committed before the next. */
function send(
  context: SyncContext,
  spec: SyncSpec,
  operation: WriteOperation,
  records: OutboundRecord[],
  bulk: Destination['writeBulk'] | null,
  planned: ReadonlyMap<string, PlannedWrite>,
): Promise<RecordOutcome[]> {
  const { destination } = context;
  const request = (batch: OutboundRecord[]) => ({
    object: spec.object,
    operation,
    match: spec.match,
    records: batch,
  });
  return writeWithRetry(
    records,
    (batch) => context.limit(() => (bulk ? bulk(request(batch)) : destination.write(request(batch)))),
    context.retry,
    (outcomes, attempt) =>
      context.state.commitBatch({
        runId: context.runId,
        syncId: spec.id,
        destination: spec.destination,
        object: spec.object,
        entries: outcomes.map((outcome) => {
          const write = planned.get(outcome.key);
          return {
            key: outcome.key,
            operation: operation as LoggedOperation,
            outcome,
            attempt,
            ...(write ? { hash: write.hash, values: write.values } : {}),
          };
        }),
      }),
  );
}

/** mirror: refuses a run that would delete more than the allowed share of the sync's records. */
function deleteGuard(spec: SyncSpec, changeSet: ChangeSet, allowDeletes: boolean): string | null {
  const { gone, synced } = changeSet.counts;
  const limit = spec.maxDeleteRatio ?? 0.2;
  if (spec.mode !== 'mirror' || allowDeletes || gone === 0 || gone <= limit * synced) return null;
  const share = ((gone / Math.max(synced, 1)) * 100).toFixed(1);
  return (
    `would delete ${gone} of the ${synced} records this sync manages (${share}%), above max_delete_ratio ` +
    `${limit * 100}%; nothing was written. If the model is right, rerun with --allow-deletes.`
  );
}

import { setMaxListeners } from 'node:events';
import type { SyncSpec } from '../config/types.js';
import type { Destination, OutboundRecord, RecordOutcome, WriteOperation } from '../destinations/contract.js';
import {
  emptyCounts,
  type FailureGroup,
  type RecordError,
  type SyncCounts,
  type SyncResult,
} from '../observe/lifecycle.js';
import { deleteGuard } from '../plan/delete-guard.js';
import { type InvalidRecord, type PlannedWrite, planChanges } from '../plan/plan-changes.js';
import type { ChangeSet, LoggedOperation, StateStore } from '../state/state-store.js';
import { chunk } from '../util/chunk.js';
import { type RetryPolicy, writeWithRetry } from './write-with-retry.js';

/** Errors listed per sync; the rest are counted. */
const MAX_LISTED_ERRORS = 1_000;
/**
 * Rounds of request slots out at once, and read (and marked in flight) at a time. An answer
 * holds its slot until its commit, and what is answered while one commit runs is committed in
 * the next, so a wider window makes fewer, larger commits, each with a fixed cost (statements,
 * the log's flush): on DuckDB, 1M rows to HubSpot, 6 and 3 sent 17% more records in 40 s than
 * 2 and 1 (groups of ~1,150 records instead of ~320).
 */
const SEND_ROUNDS = 6;
const READ_ROUNDS = 3;

export interface SyncContext {
  runId: string;
  /** Aborts when the run's time is up: nothing more is sent, answers awaited are given up. */
  signal: AbortSignal;
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
  /** Keys were compared without regard to case, as the destination matches them. */
  ignoreKeyCase: boolean;
}

/**
 * Plans one sync in the warehouse: counts now, rows streamed later by `syncOne`. Duplicate keys
 * follow the destination's matching rule, so keys that it would take for one record (`abc`,
 * `ABC` for a Salesforce external id) are reported as duplicates on every destination alike.
 */
export async function planSync(
  spec: SyncSpec,
  state: Pick<StateStore, 'planChanges'>,
  destination: Pick<Destination, 'limits' | 'matchesIgnoringCase'>,
  options: { fullRefresh: boolean; retryFailed: boolean },
): Promise<PlannedSync> {
  const started = Date.now();
  const { limits } = destination;
  const ignoreKeyCase = destination.matchesIgnoringCase(spec.object, spec.match);
  const changeSet = await state.planChanges(spec, {
    ...options,
    batchSize: Math.max(limits.maxBatchSize * limits.concurrency, limits.maxBulkSize ?? 0),
    ignoreKeyCase,
  });
  return { changeSet, planMs: Date.now() - started, ignoreKeyCase };
}

/** Rows the plan sends: new, changed, and uncertain ones from runs whose answers were lost. */
export function rowsToSend(counts: ChangeSet['counts']): number {
  return counts.new + counts.changed + counts.uncertain;
}

/** Whether the sync has anything to send or delete, i.e. needs its destination at all. */
export function needsDestination(spec: SyncSpec, { counts }: ChangeSet): boolean {
  return rowsToSend(counts) > 0 || (spec.mode === 'mirror' && counts.gone > 0);
}

/**
 * One planned sync: sends only new, changed and uncertain rows (and, for mirror, deletes records
 * it created whose rows left the model). What is about to be sent is committed as in flight
 * first, and every answered batch is committed before its records count as done, so a crash or
 * a lost answer leaves each record either confirmed or in flight (resent next run). Never throws.
 */
export async function syncOne(
  spec: SyncSpec,
  plannedSync: PlannedSync,
  context: SyncContext,
): Promise<SyncResult> {
  const started = Date.now();
  const counts: SyncCounts = emptyCounts();
  const errors: RecordError[] = [];
  let errorsOmitted = 0;
  let stillFailingErrors: FailureGroup[] = [];
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
    rows: plannedSync.changeSet.counts.total,
    ...counts,
    errors,
    errorsOmitted,
    stillFailingErrors,
    planMs: plannedSync.planMs,
    durationMs: Date.now() - started + plannedSync.planMs,
  });

  try {
    const { destination } = context;
    const { maxBatchSize } = destination.limits;
    const { changeSet } = plannedSync;
    counts.unchanged = changeSet.counts.unchanged;
    // Not resent, and not in the destination as the model says: reported every run until fixed.
    counts.stillFailing = changeSet.counts.failedUnchanged;
    stillFailingErrors = await changeSet.stillFailing();

    const refusal = deleteGuard(spec, changeSet.counts, context.allowDeletes);
    if (refusal) return result('failed', refusal);

    if (context.dryRun) {
      counts.attempted = rowsToSend(changeSet.counts);
      counts.invalid = changeSet.counts.nullKey + changeSet.counts.duplicateKey;
      counts.deleted = spec.mode === 'mirror' ? changeSet.counts.gone : 0;
      return result('success');
    }

    const toSend = rowsToSend(changeSet.counts);
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

    // One failed commit stops the sync's other sends: what they would confirm could not be kept.
    const halt = new AbortController();
    const stop = AbortSignal.any([context.signal, halt.signal]);
    // Sends run while the next rows are read, each chunk on its own: its request slot frees when
    // its answer arrives, not when its read's other chunks answer. Out at once: SEND_ROUNDS
    // rounds of request slots, or a few Bulk jobs (the next uploads while the last is processed),
    // so memory is bounded by the batch and job size, whatever the model's size.
    const maxSending = SEND_ROUNDS * maxBatchSize * destination.limits.concurrency;
    const bulkJobs = Math.max(1, destination.limits.maxBulkJobs ?? 1);
    // Every send out at once listens on `stop` while it waits (for its answer, its rate-limit
    // turn or its backoff, at most two at a time) and stops listening when it settles: many
    // listeners, but a bounded number, which Node's default of 10 would report as a leak.
    setMaxListeners(2 * Math.max(maxSending, bulkJobs) + 10, stop);
    const sending = new Set<Promise<void>>();
    let sendingRecords = 0;
    let failure: { error: unknown } | null = null;
    const launch = async (
      records: OutboundRecord[],
      op: WriteOperation,
      through: Destination['writeBulk'] | null,
      planned: ReadonlyMap<string, PlannedWrite>,
    ) => {
      const full = () => (through ? sending.size >= bulkJobs : sendingRecords + records.length > maxSending);
      while (sending.size > 0 && full()) await Promise.race(sending);
      sendingRecords += records.length;
      const task: Promise<void> = send({ ...context, signal: stop }, spec, op, records, through, planned)
        .then((outcomes) => {
          tally(outcomes);
          context.emitBatch(outcomes, []);
        })
        .catch((error: unknown) => {
          failure ??= { error };
          halt.abort(error);
        })
        .finally(() => {
          sending.delete(task);
          sendingRecords -= records.length;
        });
      sending.add(task);
    };
    const settle = async () => {
      await Promise.all(sending);
      if (failure) throw failure.error;
    };
    // A read or in-flight mark that fails stops the sends already out before the sync ends.
    const abandon = async (error: unknown): Promise<never> => {
      halt.abort(error);
      await Promise.all(sending);
      throw error;
    };

    const sendChanges = async () => {
      // A Bulk job is read whole; requests READ_ROUNDS rounds of request slots at a time, so the
      // first request leaves once a few thousand rows are read and marked, not the whole model,
      // and rows do not outlive their requests by much.
      const readSize = bulk ? undefined : READ_ROUNDS * maxBatchSize * destination.limits.concurrency;
      for await (const changes of changeSet.changes(readSize)) {
        if (stop.aborted) break;
        const plan = planChanges(spec, changes, {
          allFields: context.fullRefresh,
          ignoreKeyCase: plannedSync.ignoreKeyCase,
        });
        counts.invalid += plan.invalid.length;
        for (const invalid of plan.invalid) noteError(invalid);
        if (plan.invalid.length > 0) context.emitBatch([], plan.invalid);
        if (plan.writes.length === 0) continue;
        await context.state.markInFlight({
          runId: context.runId,
          syncId: spec.id,
          entries: plan.writes.map((write) => ({ key: write.record.key, operation, hash: write.hash })),
        });
        const planned = new Map<string, PlannedWrite>();
        for (const write of plan.writes) planned.set(write.record.key, write);
        for (const writes of chunk(plan.writes, chunkSize)) {
          await launch(
            writes.map((write) => write.record),
            operation,
            bulk,
            planned,
          );
        }
      }
      await settle();
    };
    const sendDeletions = async () => {
      if (spec.mode !== 'mirror' || changeSet.counts.gone === 0 || stop.aborted) return;
      const bulkDelete =
        destination.writeBulk &&
        changeSet.counts.gone >= (destination.limits.bulkThreshold ?? Number.POSITIVE_INFINITY)
          ? destination.writeBulk.bind(destination)
          : null;
      const size = bulkDelete ? (destination.limits.maxBulkSize ?? maxBatchSize) : maxBatchSize;
      for await (const deletions of changeSet.deletions()) {
        if (stop.aborted) break;
        const records: OutboundRecord[] = deletions.map((deletion) => ({
          key: deletion.key,
          values: {},
          ...(deletion.destinationId ? { destinationId: deletion.destinationId } : {}),
          lookups: [],
          associations: [],
        }));
        await context.state.markInFlight({
          runId: context.runId,
          syncId: spec.id,
          entries: records.map((record) => ({ key: record.key, operation: 'delete', hash: null })),
        });
        for (const part of chunk(records, size)) await launch(part, 'delete', bulkDelete, new Map());
      }
      await settle();
    };
    await sendChanges().catch(abandon);
    await sendDeletions().catch(abandon);

    if (context.signal.aborted) return result('failed', stoppedReason(context.signal, counts));
  } catch (error) {
    return result('failed', error instanceof Error ? error.message : String(error));
  }

  const verdict = thresholdVerdict(counts, plannedSync.changeSet.counts.total, context.failedRecordsRatio);
  return verdict ? result(verdict.status, verdict.reason) : result('success');
}

/**
 * A sync with records that are not in the destination as the model says (failed in this run,
 * invalid, or still failing from an earlier one) is `partial`, or `failed` once they are more than
 * `ratio` of the rows in its scope: the model's rows, plus the records a mirror deletes. The
 * share is of the scope, not of what this run happened to send, so resending one bad record
 * does not fail a healthy sync and skip everything after it.
 */
export function thresholdVerdict(
  counts: SyncCounts,
  modelRows: number,
  ratio: number,
): { status: 'partial' | 'failed'; reason?: string } | null {
  const bad = counts.failed + counts.invalid + counts.stillFailing;
  if (bad === 0) return null;
  const scope = Math.max(modelRows + counts.deleted, counts.attempted + counts.invalid, 1);
  if (bad / scope <= ratio) return { status: 'partial' };
  const share = ((bad / scope) * 100).toFixed(1);
  return {
    status: 'failed',
    reason: `${bad} of ${scope} records are not synced (${share}%), above the ${ratio * 100}% threshold`,
  };
}

function stoppedReason(signal: AbortSignal, counts: SyncCounts): string {
  const why = signal.reason instanceof Error ? signal.reason.message : 'the run was stopped';
  return `stopped: ${why}. ${counts.created + counts.updated + counts.deleted} records were confirmed; the next run sends the rest.`;
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
    signal: context.signal,
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
          const logged = operation as LoggedOperation;
          return write
            ? {
                key: outcome.key,
                operation: logged,
                outcome,
                attempt,
                hash: write.hash,
                values: write.values,
              }
            : { key: outcome.key, operation: logged, outcome, attempt };
        }),
      }),
    context.signal,
  );
}

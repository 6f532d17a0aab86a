import { z } from 'zod';
import type {
  LoggedRecord,
  RecordCounts,
  RunDetail,
  RunSummary,
  SyncRunDetail,
} from '../state/history/run-history.js';
import { redactDeep } from '../util/redact.js';

/**
 * The run history as the API answers it: the read model's data in snake_case, with Census's
 * names for the counts beside spoke's own, so tools written against Census read it unchanged.
 */
const Counts = {
  attempted: z.number().describe('Records sent to the destination (each once, however many retries)'),
  created: z.number(),
  updated: z.number(),
  deleted: z.number(),
  failed: z.number().describe('Records that ended failed (after retries)'),
  invalid: z.number().describe('Rows rejected before sending'),
  skipped: z.number().describe('Records the mode does not touch'),
  unchanged: z.number().describe('Rows equal to the last confirmed values: not sent'),
  still_failing: z.number().describe('Rows that failed in an earlier run and did not change: not resent'),
  records_processed: z.number().describe('Census name: attempted + invalid'),
  records_updated: z.number().describe('Census name: created + updated + deleted'),
  records_failed: z.number().describe('Census name: failed'),
  records_invalid: z.number().describe('Census name: invalid'),
};

export const RunView = z.object({
  run_id: z.string(),
  target: z.string(),
  invocation_id: z.string().nullable(),
  command: z.string(),
  status: z.string().describe('running, success, failed, error or locked'),
  started_at: z.string(),
  finished_at: z.string().nullable().describe('Null while running, or after the process was killed'),
  duration_ms: z.number().nullable(),
  error: z.string().nullable().describe('Why the run stopped before or while syncing'),
  syncs: z.number().describe('Syncs recorded for the run'),
  totals: z.object(Counts).describe("Sums over the run's syncs"),
  sync_counts: z
    .array(z.object({ sync_id: z.string(), status: z.string(), ...Counts }))
    .optional()
    .describe("Each sync's status and counts, by sync id; only with `include=syncs`"),
});

const SyncRunView = z.object({
  sync_id: z.string(),
  status: z.string().describe('running, success, partial, failed or skipped'),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  error: z.string().nullable().describe('Why the sync failed as a whole or did not run'),
  ...Counts,
  errors: z
    .array(
      z.object({
        code: z.string().nullable(),
        count: z.number(),
        samples: z.array(z.object({ key: z.string(), message: z.string().nullable() })),
      }),
    )
    .describe('Records whose last attempt failed, grouped by error code, most frequent first (5 keys each)'),
});

export const RunDetailView = z.object({ run: RunView, syncs: z.array(SyncRunView) });

export const RecordView = z.object({
  sync_id: z.string(),
  record_key: z.string(),
  operation: z.string(),
  attempt: z.number(),
  status: z.string(),
  destination_id: z.string().nullable(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  transient: z.boolean().nullable(),
  logged_at: z.string(),
});

/** record_log's columns in its order: the CSV header and the JSON keys alike. */
export const RECORD_COLUMNS = Object.keys(RecordView.shape) as (keyof z.infer<typeof RecordView>)[];

function counts(c: RecordCounts): z.infer<z.ZodObject<typeof Counts>> {
  return {
    attempted: c.attempted,
    created: c.created,
    updated: c.updated,
    deleted: c.deleted,
    failed: c.failed,
    invalid: c.invalid,
    skipped: c.skipped,
    unchanged: c.unchanged,
    still_failing: c.stillFailing,
    records_processed: c.attempted + c.invalid,
    records_updated: c.created + c.updated + c.deleted,
    records_failed: c.failed,
    records_invalid: c.invalid,
  };
}

export function runView(run: RunSummary, options: { perSync?: boolean } = {}): z.infer<typeof RunView> {
  return redactDeep({
    run_id: run.runId,
    target: run.target,
    invocation_id: run.invocationId,
    command: run.command,
    status: run.status,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    duration_ms: run.durationMs,
    error: run.error,
    syncs: run.syncs,
    totals: counts(run.totals),
    ...(options.perSync
      ? {
          sync_counts: run.bySync.map((sync) => ({
            sync_id: sync.syncId,
            status: sync.status,
            ...counts(sync),
          })),
        }
      : {}),
  });
}

function syncRunView(sync: SyncRunDetail): z.infer<typeof SyncRunView> {
  return {
    sync_id: sync.syncId,
    status: sync.status,
    started_at: sync.startedAt,
    finished_at: sync.finishedAt,
    duration_ms: sync.durationMs,
    error: sync.error,
    ...counts(sync),
    errors: sync.errors,
  };
}

export function runDetailView(detail: RunDetail): z.infer<typeof RunDetailView> {
  return redactDeep({ run: runView(detail.run), syncs: detail.syncs.map(syncRunView) });
}

export function recordView(record: LoggedRecord): z.infer<typeof RecordView> {
  return redactDeep({
    sync_id: record.syncId,
    record_key: record.recordKey,
    operation: record.operation,
    attempt: record.attempt,
    status: record.status,
    destination_id: record.destinationId,
    error_code: record.errorCode,
    error_message: record.errorMessage,
    transient: record.transient,
    logged_at: record.loggedAt,
  });
}

import type { Connection } from 'jsforce';
import type { OutcomeError } from '../contract.js';
import { thrownError } from './outcomes.js';

export type BulkOperation = 'insert' | 'update' | 'upsert' | 'delete';
export type ResultRow = Record<string, string | undefined>;

export interface BulkPolling {
  intervalMs: number;
  timeoutMs: number;
}

export interface BulkJobResult {
  jobId: string;
  successful: ResultRow[];
  failed: ResultRow[];
  unprocessed: ResultRow[];
  /** `numberRecordsProcessed` of the finished job. */
  processed: number | undefined;
}

/** A Bulk job that failed as a whole: every record of it fails with `error`. */
export class BulkJobError extends Error {
  constructor(readonly error: OutcomeError) {
    super(error.message);
  }
}

const FAILED_PREFIX = 'Ingest job failed to complete due to: ';
/** Job failures caused by the upload itself; resending the same data fails the same way. */
const PERMANENT_REASON = /^(InvalidBatch|InvalidJob|ClientInputError)\b/;

function jobError(error: unknown, jobId: string | undefined, polling: BulkPolling): OutcomeError {
  const e = error as { name?: string; message?: string };
  const job = jobId ? `Bulk job ${jobId}` : 'Bulk job';
  if (e?.name === 'JobPollingTimeout') {
    return {
      code: 'BULK_JOB_TIMEOUT',
      message: `${job} did not finish within ${Math.round(polling.timeoutMs / 1000)} s; its records are resent`,
      transient: true,
    };
  }
  const message = typeof e?.message === 'string' ? e.message : '';
  if (message.startsWith(FAILED_PREFIX)) {
    const reason = message.slice(FAILED_PREFIX.length);
    return {
      code: 'BULK_JOB_FAILED',
      message: `${job} failed: ${reason}`,
      transient: !PERMANENT_REASON.test(reason),
    };
  }
  if (message === 'Job has been aborted') {
    return { code: 'BULK_JOB_ABORTED', message: `${job} was aborted in Salesforce`, transient: true };
  }
  return thrownError(error);
}

/**
 * One Bulk API 2.0 ingest job, step by step as `bulk2.loadAndWaitForResults` runs it (create,
 * upload, close, poll, read the three result sets), so that the finished job's processed count
 * can be checked against the rows sent. A job that ends badly is aborted, so that Salesforce does
 * not go on writing records reported as failed.
 */
export async function runBulkJob(
  conn: Connection,
  spec: { object: string; operation: BulkOperation; externalIdFieldName?: string },
  csv: string,
  polling: BulkPolling,
): Promise<BulkJobResult> {
  const job = conn.bulk2.createJob({ ...spec, lineEnding: 'LF' } as never);
  let opened = false;
  try {
    await job.open();
    opened = true;
    await job.uploadData(csv);
    await job.close();
    await job.poll(polling.intervalMs, polling.timeoutMs);
    const results = await job.getAllResults();
    return {
      jobId: job.id as string,
      successful: results.successfulResults as unknown as ResultRow[],
      failed: results.failedResults as unknown as ResultRow[],
      unprocessed: results.unprocessedRecords as unknown as ResultRow[],
      processed: (job.getInfo() as { numberRecordsProcessed?: number }).numberRecordsProcessed,
    };
  } catch (error) {
    if (opened) job.abort().catch(() => undefined);
    throw new BulkJobError(jobError(error, opened ? job.id : undefined, polling));
  }
}

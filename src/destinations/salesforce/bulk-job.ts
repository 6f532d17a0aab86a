import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse';
import type { Connection } from 'jsforce';
import type { OutcomeError } from '../contract.js';
import { thrownError } from './outcomes.js';

export type BulkOperation = 'insert' | 'update' | 'upsert' | 'delete';
export type ResultRow = Record<string, string | undefined>;

export interface BulkPolling {
  intervalMs: number;
  timeoutMs: number;
}

/** The three result sets of a finished job. */
export type ResultSet = 'successful' | 'failed' | 'unprocessed';

/** Takes each result row as it is parsed, so no set is ever held as rows. */
export type ResultReader = (set: ResultSet, row: ResultRow) => void;

export interface BulkJobResult {
  jobId: string;
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
  if (e?.name === 'JobPollingStopped') {
    return {
      code: 'RUN_STOPPED',
      message: `${job} was still processing when the run was stopped; its records are resent by the next run`,
      transient: true,
      retryLater: true,
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
 * can be checked against the rows sent. Each step is retried on its own after a transient
 * failure, so one dropped connection does not cost the whole job. The CSV is uploaded as a
 * string, which can be resent whole after a session refresh or a 5xx (jsforce's job upload
 * streams, and a resent stream is empty or hangs). Polling stops when `signal` aborts. A job
 * that ends badly is aborted, so that Salesforce does not go on writing records reported as
 * failed; records of a job that may have been processed stay in flight, so they are resent.
 */
export async function runBulkJob(
  conn: Connection,
  spec: { object: string; operation: BulkOperation; externalIdFieldName?: string },
  csv: string,
  polling: BulkPolling,
  read: ResultReader,
  signal?: AbortSignal,
): Promise<BulkJobResult> {
  let job: IngestJob | null = null;
  try {
    // A job whose creation answer was lost stays open and empty: harmless, and never closed.
    const opened = await retrying(signal, async () => {
      const created = conn.bulk2.createJob({ ...spec, lineEnding: 'LF' } as never);
      await created.open();
      return created;
    });
    job = opened;
    await retrying(signal, () => uploadCsv(conn, opened.id as string, csv));
    await retrying(signal, () => closeJob(opened));
    await waitForJob(opened, polling, signal);
    // One set at a time, each parsed row by row once its text arrived (a retried fetch reads
    // nothing twice: rows are handed on only after the whole set was received).
    for (const [set, fetch] of RESULT_SETS) {
      const text = await retrying(signal, () => fetch(opened));
      await readResults(text, (row) => read(set, row));
    }
    return {
      jobId: opened.id as string,
      processed: (opened.getInfo() as { numberRecordsProcessed?: number }).numberRecordsProcessed,
    };
  } catch (error) {
    job?.abort().catch(() => undefined);
    throw new BulkJobError(jobError(error, job?.id, polling));
  }
}

type IngestJob = ReturnType<Connection['bulk2']['createJob']>;

/** Each result set as the raw CSV text (jsforce would parse it into an array of every row). */
const RESULT_SETS: [ResultSet, (job: IngestJob) => Promise<unknown>][] = [
  ['successful', (job) => job.getSuccessfulResults(true)],
  ['failed', (job) => job.getFailedResults(true)],
  ['unprocessed', (job) => job.getUnprocessedRecords(true)],
];

/** Parses a result set's CSV, handing on each row as an object keyed by the header. */
async function readResults(text: unknown, read: (row: ResultRow) => void): Promise<void> {
  if (typeof text !== 'string' || text.trim() === '') return;
  const parser = parse(text, { columns: true });
  for await (const row of parser) read(row as ResultRow);
}

const STEP_ATTEMPTS = 5;
const STEP_BACKOFF_MS = 500;

/** Runs one step of a job again after a transient failure, with backoff, until `signal` aborts. */
async function retrying<T>(signal: AbortSignal | undefined, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= STEP_ATTEMPTS || signal?.aborted || !thrownError(error).transient) throw error;
      await sleep(STEP_BACKOFF_MS * 2 ** (attempt - 1), undefined, { signal }).catch(() => {});
    }
  }
}

/**
 * Puts the job's data. jsforce turns every body into a one-shot stream, so its own transport
 * retry would send it empty or hang: that retry is off, and `retrying` sends a new request with
 * the same CSV. A 401 still makes jsforce log in again and resend (from the string).
 */
async function uploadCsv(conn: Connection, jobId: string, csv: string): Promise<void> {
  await conn.request(
    {
      method: 'PUT',
      url: `/jobs/ingest/${jobId}/batches`,
      body: csv,
      headers: { 'Content-Type': 'text/csv' },
    },
    { retry: { maxRetries: 0 } } as never,
  );
}

/** Marks the upload complete; a close whose answer was lost may already have taken effect. */
async function closeJob(job: IngestJob): Promise<void> {
  try {
    await job.close();
  } catch (error) {
    const info = (await job.check().catch(() => null)) as { state?: string } | null;
    if (!info || info.state === 'Open') throw error;
  }
}

/** Polls the job until it completes, fails, is aborted, times out or `signal` aborts. */
async function waitForJob(job: IngestJob, polling: BulkPolling, signal: AbortSignal | undefined) {
  const deadline = Date.now() + polling.timeoutMs;
  while (true) {
    const info = (await job.check()) as { state: string; errorMessage?: string };
    if (info.state === 'JobComplete') return;
    if (info.state === 'Failed') throw new Error(`${FAILED_PREFIX}${info.errorMessage ?? 'no reason given'}`);
    if (info.state === 'Aborted') throw new Error('Job has been aborted');
    if (signal?.aborted) throw Object.assign(new Error('the run was stopped'), { name: 'JobPollingStopped' });
    if (Date.now() >= deadline)
      throw Object.assign(new Error('job polling timed out'), { name: 'JobPollingTimeout' });
    await sleep(polling.intervalMs, undefined, { signal }).catch(() => {});
  }
}

import type { Connection } from 'jsforce';
import type { OutboundRecord, OutcomeStatus, RecordOutcome, WriteRequest } from '../contract.js';
import { type BulkCsvOptions, type BulkRow, bulkCsv } from './bulk-csv.js';
import {
  BulkJobError,
  type BulkOperation,
  type BulkPolling,
  type ResultRow,
  runBulkJob,
} from './bulk-job.js';
import { BulkAnswers } from './bulk-outcomes.js';
import { type Classified, classifyByExisting, findExisting, idsToDelete } from './existing.js';
import { failAll } from './outcomes.js';

interface JobPlan {
  operation: BulkOperation;
  csv: Omit<BulkCsvOptions, 'referenceField'>;
  keyOf: (row: ResultRow, byId: Map<string, string>) => string | undefined;
  success: (row: ResultRow) => OutcomeStatus;
}

const byMatch =
  (match: string) =>
  (row: ResultRow): string | undefined =>
    row[match];
const byId = (row: ResultRow, ids: Map<string, string>): string | undefined => {
  const id = row.Id || row.sf__Id;
  return id ? ids.get(id) : undefined;
};

function plan(request: WriteRequest, operation: BulkOperation): JobPlan {
  switch (operation) {
    case 'upsert':
      return {
        operation,
        csv: { match: request.match },
        keyOf: byMatch(request.match),
        success: (row) => (row.sf__Created === 'true' ? 'created' : 'updated'),
      };
    case 'insert':
      return {
        operation,
        csv: { match: request.match },
        keyOf: byMatch(request.match),
        success: () => 'created',
      };
    case 'update':
      return { operation, csv: { withId: true }, keyOf: byId, success: () => 'updated' };
    case 'delete':
      return { operation, csv: { idOnly: true }, keyOf: byId, success: () => 'deleted' };
  }
}

/**
 * Bytes of one job's upload at most: Salesforce takes up to 150 MB per job (less once it encodes
 * the data), so a job whose rows are wide enough to pass this is split in two.
 */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

/** Runs one job for `rows`; a job that fails as a whole fails each of its records. */
async function runJob(
  conn: Connection,
  request: WriteRequest,
  operation: BulkOperation,
  rows: BulkRow[],
  reference: (relationship: string) => string,
  polling: BulkPolling,
  maxUploadBytes: number,
): Promise<RecordOutcome[]> {
  if (rows.length === 0) return [];
  const steps = plan(request, operation);
  let csv: string | null = bulkCsv(rows, { ...steps.csv, referenceField: reference });
  if (rows.length > 1 && Buffer.byteLength(csv) > maxUploadBytes) {
    csv = null;
    const half = Math.ceil(rows.length / 2);
    const run = (part: BulkRow[]) =>
      runJob(conn, request, operation, part, reference, polling, maxUploadBytes);
    return [...(await run(rows.slice(0, half))), ...(await run(rows.slice(half)))];
  }
  const ids = new Map(rows.flatMap((r) => (r.id ? [[r.id, r.record.key] as const] : [])));
  const answers = new BulkAnswers(rows, {
    keyOf: (row) => steps.keyOf(row, ids),
    success: steps.success,
    deleting: operation === 'delete',
  });
  try {
    const result = await runBulkJob(
      conn,
      {
        object: request.object,
        operation,
        ...(operation === 'upsert' ? { externalIdFieldName: request.match } : {}),
      },
      csv,
      polling,
      (set, row) => answers.read(set, row),
      request.signal,
    );
    return answers.outcomes(result);
  } catch (error) {
    if (!(error instanceof BulkJobError)) throw error;
    return failAll(
      rows.map((r) => r.record.key),
      error.error,
    );
  }
}

function merged(
  records: OutboundRecord[],
  classified: Classified,
  written: RecordOutcome[],
): RecordOutcome[] {
  const byKey = new Map(classified.settled);
  for (const outcome of written) byKey.set(outcome.key, outcome);
  return records.map((r) => byKey.get(r.key) as RecordOutcome);
}

/**
 * One request through a Bulk API 2.0 job with the same semantics as the collections path:
 * `update` and `create` look the keys up first, `delete` needs Ids, results are matched back by
 * key or Id because a job answers in no particular order.
 */
export async function writeThroughBulk(
  conn: Connection,
  request: WriteRequest,
  records: OutboundRecord[],
  reference: (relationship: string) => string,
  polling: BulkPolling,
  maxUploadBytes = MAX_UPLOAD_BYTES,
): Promise<RecordOutcome[]> {
  const job = (operation: BulkOperation, rows: BulkRow[]) =>
    runJob(conn, request, operation, rows, reference, polling, maxUploadBytes);
  switch (request.operation) {
    case 'upsert':
      return job(
        'upsert',
        records.map((record) => ({ record })),
      );
    case 'create':
    case 'update': {
      const existing = await findExisting(
        conn,
        request.object,
        request.match,
        records.map((r) => r.key),
      );
      const classified = classifyByExisting(request.operation, request, records, existing);
      const operation = request.operation === 'create' ? 'insert' : 'update';
      return merged(records, classified, await job(operation, classified.pending));
    }
    case 'delete': {
      const classified = await idsToDelete(conn, request, records);
      return merged(records, classified, await job('delete', classified.pending));
    }
  }
}

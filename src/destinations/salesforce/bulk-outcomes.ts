import type { OutcomeError, OutcomeStatus, RecordOutcome } from '../contract.js';
import type { BulkRow } from './bulk-csv.js';
import type { BulkJobResult, ResultRow } from './bulk-job.js';
import { recordErrors } from './outcomes.js';

/** Codes meaning the record to delete is already gone: a rerun after a crash deleted it before. */
export const ALREADY_DELETED = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY']);

/** `sf__Error`, `CODE:message:Field1,Field2 --`, as the code, message and fields of an outcome. */
export function parseBulkError(text: string | undefined): OutcomeError {
  const raw = (text ?? '').trim();
  const first = raw.indexOf(':');
  const last = raw.lastIndexOf(':');
  if (first < 0 || !raw.endsWith('--'))
    return recordErrors([{ statusCode: 'SALESFORCE_ERROR', message: raw }]);
  const statusCode = raw.slice(0, first);
  const message = last > first ? raw.slice(first + 1, last) : raw.slice(first + 1, -2).trim();
  const fields =
    last > first
      ? raw
          .slice(last + 1, -2)
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : [];
  return recordErrors([{ statusCode, message, fields }]);
}

export interface ResultMapping {
  /** Which record a result row answers; by key or Id, never by position. */
  keyOf: (row: ResultRow) => string | undefined;
  success: (row: ResultRow) => OutcomeStatus;
  deleting: boolean;
}

/**
 * One outcome per row sent, in input order. Records the job answered keep its answer; records it
 * did not (unprocessed, or lost: jsforce resends an empty upload after a 5xx, and the job then
 * completes having processed nothing) fail as transient, never count as written.
 */
export function bulkOutcomes(
  rows: BulkRow[],
  result: BulkJobResult,
  mapping: ResultMapping,
): RecordOutcome[] {
  const wanted = new Set(rows.map((r) => r.record.key));
  const outcomes = new Map<string, RecordOutcome>();
  const answer = (row: ResultRow, outcome: (key: string) => RecordOutcome) => {
    const key = mapping.keyOf(row);
    if (key !== undefined && wanted.has(key) && !outcomes.has(key)) outcomes.set(key, outcome(key));
  };
  for (const row of result.successful) {
    answer(row, (key) => ({
      key,
      status: mapping.success(row),
      ...(row.sf__Id ? { destinationId: row.sf__Id } : {}),
    }));
  }
  for (const row of result.failed) {
    answer(row, (key) => {
      const error = parseBulkError(row.sf__Error);
      if (mapping.deleting && ALREADY_DELETED.has(error.code)) {
        return { key, status: 'deleted', ...(row.Id ? { destinationId: row.Id } : {}) };
      }
      return { key, status: 'failed', ...(row.sf__Id ? { destinationId: row.sf__Id } : {}), error };
    });
  }
  for (const row of result.unprocessed) {
    answer(row, (key) => ({
      key,
      status: 'failed',
      error: {
        code: 'BULK_UNPROCESSED',
        message: `Bulk job ${result.jobId} left the record unprocessed`,
        transient: true,
      },
    }));
  }
  const answered = result.successful.length + result.failed.length;
  const processed = result.processed ?? answered;
  const missing: OutcomeError = {
    code: 'BULK_RESULT_MISSING',
    message: `Bulk job ${result.jobId} processed ${processed} of the ${rows.length} rows sent (${answered} answered) and gave no result for this record`,
    transient: true,
  };
  return rows.map(
    ({ record }) => outcomes.get(record.key) ?? { key: record.key, status: 'failed', error: missing },
  );
}

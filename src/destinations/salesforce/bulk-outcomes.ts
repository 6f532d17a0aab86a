import type { OutcomeError, OutcomeStatus, RecordOutcome } from '../contract.js';
import type { BulkRow } from './bulk-csv.js';
import type { BulkJobResult, ResultRow, ResultSet } from './bulk-job.js';
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
 * A job's answers, taken row by row as its result sets are read: only one outcome per record
 * sent is kept, never the result rows themselves.
 */
export class BulkAnswers {
  private readonly wanted: Set<string>;
  private readonly answered = new Map<string, RecordOutcome>();
  /** Successful and failed result rows, the job's answers (unprocessed ones are not). */
  private answeredRows = 0;

  constructor(
    private readonly rows: readonly BulkRow[],
    private readonly mapping: ResultMapping,
  ) {
    this.wanted = new Set(rows.map((r) => r.record.key));
  }

  read(set: ResultSet, row: ResultRow): void {
    if (set !== 'unprocessed') this.answeredRows++;
    const key = this.mapping.keyOf(row);
    if (key === undefined || !this.wanted.has(key) || this.answered.has(key)) return;
    this.answered.set(key, this.outcome(set, key, row));
  }

  private outcome(set: ResultSet, key: string, row: ResultRow): RecordOutcome {
    if (set === 'successful') {
      return { key, status: this.mapping.success(row), ...(row.sf__Id ? { destinationId: row.sf__Id } : {}) };
    }
    if (set === 'failed') {
      const error = parseBulkError(row.sf__Error);
      if (this.mapping.deleting && ALREADY_DELETED.has(error.code)) {
        return { key, status: 'deleted', ...(row.Id ? { destinationId: row.Id } : {}) };
      }
      return { key, status: 'failed', ...(row.sf__Id ? { destinationId: row.sf__Id } : {}), error };
    }
    return {
      key,
      status: 'failed',
      error: {
        code: 'BULK_UNPROCESSED',
        message: 'the Bulk job left the record unprocessed',
        transient: true,
      },
    };
  }

  /**
   * One outcome per row sent, in input order. Records the job answered keep its answer; records it
   * did not (unprocessed, or lost: jsforce resends an empty upload after a 5xx, and the job then
   * completes having processed nothing) fail as transient, never count as written.
   */
  outcomes(result: BulkJobResult): RecordOutcome[] {
    const processed = result.processed ?? this.answeredRows;
    const missing: OutcomeError = {
      code: 'BULK_RESULT_MISSING',
      message: `Bulk job ${result.jobId} processed ${processed} of the ${this.rows.length} rows sent (${this.answeredRows} answered) and gave no result for this record`,
      transient: true,
    };
    return this.rows.map(({ record }) => {
      const outcome = this.answered.get(record.key) ?? { key: record.key, status: 'failed', error: missing };
      if (outcome.error?.code === 'BULK_UNPROCESSED')
        return {
          ...outcome,
          error: { ...outcome.error, message: `Bulk job ${result.jobId} left the record unprocessed` },
        };
      return outcome;
    });
  }
}

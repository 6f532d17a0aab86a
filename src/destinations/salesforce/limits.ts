import type { DestinationLimits, ObjectSchema } from '../contract.js';

/** Records per sObject Collections call. */
export const MAX_RECORDS_PER_CALL = 200;
/** Salesforce's own guidance: above 2,000 records, Bulk API 2.0 beats synchronous calls. */
export const DEFAULT_BULK_THRESHOLD = 2_000;
/**
 * Rows per Bulk job: one Salesforce batch (it splits uploads into batches of 10,000 rows, each
 * counted against the daily allocation), and small enough that a job's upload, results and
 * outcomes stay a few megabytes, so memory does not grow with the model.
 */
export const DEFAULT_MAX_BULK_SIZE = 10_000;
/** Bulk jobs of one sync out at once: the next one uploads while the last is processed. */
const BULK_JOBS_IN_FLIGHT = 3;

export function salesforceLimits(config: {
  bulkThreshold?: number;
  maxBulkSize?: number;
}): DestinationLimits {
  return {
    maxBatchSize: MAX_RECORDS_PER_CALL,
    concurrency: 4,
    bulkThreshold: config.bulkThreshold ?? DEFAULT_BULK_THRESHOLD,
    maxBulkSize: config.maxBulkSize ?? DEFAULT_MAX_BULK_SIZE,
    maxBulkJobs: BULK_JOBS_IN_FLIGHT,
  };
}

/**
 * External ids match without regard to case unless defined "case sensitive", which only a
 * describe tells; an unknown field (not described yet) is taken as the default.
 */
export function salesforceMatchesIgnoringCase(
  fields: ObjectSchema['fields'] | undefined,
  match: string,
): boolean {
  return !fields?.find((field) => field.name === match)?.caseSensitive;
}

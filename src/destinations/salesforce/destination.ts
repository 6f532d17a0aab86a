import { DestinationError, SpokeError } from '../../errors.js';
import { redact } from '../../util/redact.js';
import type {
  Destination,
  ObjectSchema,
  OutboundRecord,
  OutcomeError,
  RecordOutcome,
  SalesforceConnectionOptions,
  WriteRequest,
} from '../contract.js';
import { carriesBulkNullText } from './bulk-csv.js';
import type { BulkPolling } from './bulk-job.js';
import { writeThroughBulk } from './bulk-write.js';
import { COLLECTIONS_WRITERS } from './collections-write.js';
import {
  DEFAULT_MAX_BULK_SIZE,
  MAX_RECORDS_PER_CALL,
  salesforceLimits,
  salesforceMatchesIgnoringCase,
} from './limits.js';
import { failAll, isDailyLimit, thrownError } from './outcomes.js';
import { conventionalReferenceField } from './payload.js';
import { describeForSaving, describeObject } from './schema.js';
import { checkApiVersion, errorText, SalesforceSession } from './session.js';

const DEFAULT_POLL_INTERVAL_MS = 500;

/** How the destination uses Bulk API 2.0; every field has a default. */
export interface SalesforceDestinationOptions {
  /** Change sets of at least this many records go through `writeBulk` (default 2,000). */
  bulkThreshold?: number;
  /** Rows per Bulk job (default 10,000). */
  maxBulkSize?: number;
  /** Bytes of one job's upload at most; a larger job is split (default 100 MB, under Salesforce's 150 MB). */
  maxBulkUploadBytes?: number;
  /** Time between two polls of a Bulk job (default 500 ms). */
  bulkPollIntervalMs?: number;
  /** How long to wait for one Bulk job; by default one minute plus 10 ms per row. */
  bulkPollTimeoutMs?: number;
}

/**
 * A Salesforce org through jsforce: sObject Collections for writes of up to 200 records, Bulk API
 * 2.0 for large change sets (`writeBulk`), SOQL to find existing keys.
 */
export function createSalesforceDestination(
  config: SalesforceConnectionOptions & SalesforceDestinationOptions,
): Destination {
  checkApiVersion(config);
  const session = new SalesforceSession(config);
  const schemas = new Map<string, Promise<ObjectSchema>>();
  const maxBulkSize = config.maxBulkSize ?? DEFAULT_MAX_BULK_SIZE;
  /** Set once the org's daily API limit is reached: the rest of the run fails without calls. */
  let exhausted: OutcomeError | null = null;

  /** Fields of the objects described so far, for answers that cannot wait for a describe. */
  const cachedFields = new Map<string, ObjectSchema['fields']>();
  const describe = (object: string): Promise<ObjectSchema> => {
    let schema = schemas.get(object);
    if (!schema) {
      schema = session.connect().then((conn) => describeObject(conn, object));
      schema.then(
        (described) => cachedFields.set(object, described.fields),
        () => schemas.delete(object),
      );
      schemas.set(object, schema);
    }
    return schema;
  };

  /** A describe that failed, as an error saying whether the object exists. */
  const describeFailure = async <T>(object: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof SpokeError) throw error;
      const failure = thrownError(error);
      const message = errorText(error);
      const unknownObject = ['NOT_FOUND', 'INVALID_TYPE'].includes(failure.code);
      throw new DestinationError(
        'SPOKE_DESTINATION',
        unknownObject
          ? `Salesforce destination "${config.name}" has no object ${object} (${message}). Check the object's API name (custom objects end in __c) and that the user can see it.`
          : `Salesforce destination "${config.name}" could not describe ${object}: ${message}.`,
        !unknownObject && failure.transient,
      );
    }
  };

  const referenceFields = async (request: WriteRequest): Promise<(relationship: string) => string> => {
    const needed = request.records.some((r) => r.lookups.some((l) => l.value === null || l.value === ''));
    if (!needed) return conventionalReferenceField;
    const schema = await describe(request.object).catch(() => undefined);
    return (relationship) =>
      schema?.fields.find((f) => f.relationshipName === relationship)?.name ??
      conventionalReferenceField(relationship);
  };

  const polling = (rows: number): BulkPolling => ({
    intervalMs: config.bulkPollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    timeoutMs: config.bulkPollTimeoutMs ?? 60_000 + 10 * rows,
  });

  /** One outcome per record in input order; records without a key never reach the API. */
  const settle = async (
    request: WriteRequest,
    records: OutboundRecord[],
    send: (valid: OutboundRecord[]) => Promise<RecordOutcome[]>,
  ): Promise<RecordOutcome[]> => {
    if (exhausted)
      return failAll(
        records.map((r) => r.key),
        exhausted,
      );
    const valid: OutboundRecord[] = [];
    const outcomes = new Map<string, RecordOutcome>();
    for (const record of records) {
      if (record.key === '') {
        outcomes.set(record.key, {
          key: record.key,
          status: 'failed',
          error: {
            code: 'MISSING_KEY',
            message: `the record has an empty ${request.match}`,
            transient: false,
          },
        });
      } else valid.push(record);
    }
    if (valid.length > 0) {
      let written: RecordOutcome[];
      try {
        written = await send(valid);
      } catch (error) {
        const failure = thrownError(error);
        written = failAll(
          valid.map((r) => r.key),
          { ...failure, message: redact(failure.message) },
        );
      }
      for (const outcome of written) {
        outcomes.set(outcome.key, outcome);
        if (isDailyLimit(outcome.error)) exhausted ??= outcome.error ?? null;
      }
    }
    return records.map((r) => outcomes.get(r.key) as RecordOutcome);
  };

  const write = async (request: WriteRequest): Promise<RecordOutcome[]> => {
    const reference = await referenceFields(request);
    const outcomes: RecordOutcome[] = [];
    for (let start = 0; start < request.records.length; start += MAX_RECORDS_PER_CALL) {
      const chunk = request.records.slice(start, start + MAX_RECORDS_PER_CALL);
      outcomes.push(
        ...(await settle(request, chunk, async (valid) =>
          COLLECTIONS_WRITERS[request.operation](await session.connect(), request, valid, reference),
        )),
      );
    }
    return outcomes;
  };

  return {
    name: config.name,
    type: 'salesforce',
    limits: salesforceLimits(config),
    matchesIgnoringCase(object, match) {
      return salesforceMatchesIgnoringCase(cachedFields.get(object), match);
    },
    async check() {
      try {
        await session.connect();
      } catch (error) {
        throw session.authError(error);
      }
    },
    describe(object) {
      return describeFailure(object, () => describe(object));
    },
    describeForSaving(object) {
      return describeFailure(object, () => session.connect().then((conn) => describeForSaving(conn, object)));
    },
    write,
    async writeBulk(request) {
      // Bulk API reads a literal `#N/A` cell as "clear the field"; such records go through
      // Collections, which sends the text itself, so both paths leave the same value.
      const literal = request.records.filter(carriesBulkNullText);
      const bulkRows =
        literal.length === 0 ? request.records : request.records.filter((r) => !carriesBulkNullText(r));
      const reference = await referenceFields(request);
      const byKey = new Map<string, RecordOutcome>();
      for (let start = 0; start < bulkRows.length; start += maxBulkSize) {
        const chunk = bulkRows.slice(start, start + maxBulkSize);
        const written = await settle(request, chunk, async (valid) =>
          writeThroughBulk(
            await session.connect(),
            request,
            valid,
            reference,
            polling(valid.length),
            config.maxBulkUploadBytes,
          ),
        );
        for (const outcome of written) byKey.set(outcome.key, outcome);
      }
      if (literal.length > 0) {
        for (const outcome of await write({ ...request, records: literal })) byKey.set(outcome.key, outcome);
      }
      return request.records.map((record) => byKey.get(record.key) as RecordOutcome);
    },
    apiUsage() {
      // Bulk API calls bypass jsforce's header parsing, so this is as of the last REST call.
      const usage = session.current()?.limitInfo?.apiUsage;
      // Salesforce has no short rate-limit window, only the daily allocation.
      return usage ? { used: usage.used, limit: usage.limit, windowUsed: 0 } : null;
    },
    async close() {
      session.close();
      schemas.clear();
    },
  };
}

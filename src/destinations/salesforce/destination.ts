import type { Connection } from 'jsforce';
import { SpokeError } from '../../errors.js';
import type {
  Destination,
  ObjectSchema,
  OutboundRecord,
  RecordOutcome,
  SalesforceConnectionOptions,
  WriteRequest,
} from '../contract.js';
import { findExisting } from './existing.js';
import { failAll, recordErrors, thrownError } from './outcomes.js';
import { buildPayload, conventionalReferenceField } from './payload.js';
import { describeObject } from './schema.js';
import { checkApiVersion, redact, SalesforceSession } from './session.js';

const MAX_RECORDS_PER_CALL = 200;

interface ApiResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors?: Array<{ statusCode?: string; errorCode?: string; message?: string; fields?: string[] }>;
}

type Writer = (
  conn: Connection,
  request: WriteRequest,
  records: OutboundRecord[],
  bodies: Record<string, unknown>[],
) => Promise<RecordOutcome[]>;

function mapResults(
  records: OutboundRecord[],
  results: unknown,
  success: (result: ApiResult) => RecordOutcome['status'],
): RecordOutcome[] {
  const list = Array.isArray(results) ? (results as ApiResult[]) : [];
  if (list.length !== records.length) {
    return failAll(
      records.map((r) => r.key),
      {
        code: 'UNEXPECTED_RESPONSE',
        message: `Salesforce answered ${list.length} results for ${records.length} records`,
        transient: false,
      },
    );
  }
  return records.map((record, i) => {
    const result = list[i] as ApiResult;
    if (result.success)
      return { key: record.key, status: success(result), ...(result.id ? { destinationId: result.id } : {}) };
    return { key: record.key, status: 'failed', error: recordErrors(result.errors) };
  });
}

const upsert: Writer = async (conn, request, records, bodies) => {
  const results = await conn.sobject(request.object).upsert(bodies, request.match, { allOrNone: false });
  return mapResults(records, results, (r) => (r.created ? 'created' : 'updated'));
};

/** `update` and `create` look the keys up first; only one of the two groups is written. */
function existingThen(mode: 'update' | 'create'): Writer {
  return async (conn, request, records, bodies) => {
    const existing = await findExisting(
      conn,
      request.object,
      request.match,
      records.map((r) => r.key),
    );
    const outcomes: Array<RecordOutcome | undefined> = records.map(() => undefined);
    const toWrite: number[] = [];
    records.forEach((record, i) => {
      const ids = existing.get(record.key.toLowerCase()) ?? [];
      if (mode === 'update' && ids.length === 0) {
        outcomes[i] = {
          key: record.key,
          status: 'skipped',
          error: {
            code: 'NO_MATCH',
            message: `no ${request.object} with ${request.match} = ${record.key}`,
            transient: false,
          },
        };
      } else if (ids.length > 1) {
        outcomes[i] = {
          key: record.key,
          status: 'failed',
          error: {
            code: 'DUPLICATE_MATCH',
            message: `${ids.length} ${request.object} records have ${request.match} = ${record.key}`,
            transient: false,
          },
        };
      } else if (mode === 'create' && ids[0]) {
        outcomes[i] = {
          key: record.key,
          status: 'skipped',
          destinationId: ids[0],
          error: {
            code: 'ALREADY_EXISTS',
            message: `${request.object} ${ids[0]} already has ${request.match} = ${record.key}`,
            transient: false,
          },
        };
      } else toWrite.push(i);
    });
    if (toWrite.length > 0) {
      const writeRecords = toWrite.map((i) => records[i] as OutboundRecord);
      const sobject = conn.sobject(request.object);
      const withId = (i: number) => {
        const { [request.match]: _key, ...body } = bodies[i] as Record<string, unknown>;
        const [id] = existing.get((records[i] as OutboundRecord).key.toLowerCase()) as string[];
        return { Id: id as string, ...body };
      };
      const written =
        mode === 'update'
          ? mapResults(
              writeRecords,
              await sobject.update(toWrite.map(withId), { allOrNone: false }),
              () => 'updated',
            )
          : mapResults(
              writeRecords,
              await sobject.create(
                toWrite.map((i) => bodies[i] as Record<string, unknown>),
                { allOrNone: false },
              ),
              () => 'created',
            );
      toWrite.forEach((index, j) => {
        outcomes[index] = written[j];
      });
    }
    return outcomes as RecordOutcome[];
  };
}

const WRITERS: Record<WriteRequest['operation'], Writer> = {
  upsert,
  update: existingThen('update'),
  create: existingThen('create'),
};

/** A Salesforce org through jsforce: sObject Collections for writes, SOQL to find existing keys. */
export function createSalesforceDestination(config: SalesforceConnectionOptions): Destination {
  checkApiVersion(config);
  const session = new SalesforceSession(config);
  const schemas = new Map<string, Promise<ObjectSchema>>();

  const describe = (object: string): Promise<ObjectSchema> => {
    let schema = schemas.get(object);
    if (!schema) {
      schema = session.connect().then((conn) => describeObject(conn, object));
      schema.catch(() => schemas.delete(object));
      schemas.set(object, schema);
    }
    return schema;
  };

  const referenceFields = async (request: WriteRequest): Promise<(relationship: string) => string> => {
    const needed = request.records.some((r) => r.lookups.some((l) => l.value === null || l.value === ''));
    if (!needed) return conventionalReferenceField;
    const schema = await describe(request.object).catch(() => undefined);
    return (relationship) =>
      schema?.fields.find((f) => f.relationshipName === relationship)?.name ??
      conventionalReferenceField(relationship);
  };

  const writeChunk = async (
    request: WriteRequest,
    records: OutboundRecord[],
    reference: (r: string) => string,
  ) => {
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
      try {
        const conn = await session.connect();
        const bodies = valid.map((r) => buildPayload(r, request.match, reference));
        const written = await WRITERS[request.operation](conn, request, valid, bodies);
        for (const outcome of written) outcomes.set(outcome.key, outcome);
      } catch (error) {
        const failure = thrownError(error);
        for (const outcome of failAll(
          valid.map((r) => r.key),
          { ...failure, message: redact(config, failure.message) },
        )) {
          outcomes.set(outcome.key, outcome);
        }
      }
    }
    return records.map((r) => outcomes.get(r.key) as RecordOutcome);
  };

  return {
    name: config.name,
    type: 'salesforce',
    limits: { maxBatchSize: MAX_RECORDS_PER_CALL, concurrency: 4 },
    async check() {
      try {
        await session.connect();
      } catch (error) {
        throw session.authError(error);
      }
    },
    async describe(object) {
      try {
        return await describe(object);
      } catch (error) {
        if (error instanceof SpokeError) throw error;
        const message = redact(config, error instanceof Error ? error.message : String(error));
        throw new SpokeError(
          'SPOKE_DESTINATION',
          `Salesforce destination "${config.name}" could not describe ${object}: ${message}. Check the object's API name (custom objects end in __c) and that the user can see it.`,
        );
      }
    },
    async write(request) {
      const reference = await referenceFields(request);
      const outcomes: RecordOutcome[] = [];
      for (let start = 0; start < request.records.length; start += MAX_RECORDS_PER_CALL) {
        outcomes.push(
          ...(await writeChunk(
            request,
            request.records.slice(start, start + MAX_RECORDS_PER_CALL),
            reference,
          )),
        );
      }
      return outcomes;
    },
    async close() {
      session.close();
      schemas.clear();
    },
  };
}

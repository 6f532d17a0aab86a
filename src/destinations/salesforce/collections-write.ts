import type { Connection } from 'jsforce';
import type { OutboundRecord, RecordOutcome, WriteRequest } from '../contract.js';
import { ALREADY_DELETED } from './bulk-outcomes.js';
import {
  type Classified,
  classifyByExisting,
  findExisting,
  idsToDelete,
  type PendingWrite,
} from './existing.js';
import { failAll, recordErrors } from './outcomes.js';
import { buildPayload } from './payload.js';

interface ApiResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors?: Array<{ statusCode?: string; errorCode?: string; message?: string; fields?: string[] }>;
}

/** Writes at most 200 records of one request through sObject Collections; one outcome per record. */
export type CollectionsWriter = (
  conn: Connection,
  request: WriteRequest,
  records: OutboundRecord[],
  reference: (relationship: string) => string,
) => Promise<RecordOutcome[]>;

/** Collections answer in request order, so results are matched by position. */
function mapResults(
  records: OutboundRecord[],
  results: unknown,
  outcome: (record: OutboundRecord, result: ApiResult) => RecordOutcome,
): RecordOutcome[] {
  const list = Array.isArray(results) ? (results as ApiResult[]) : [];
  if (list.length !== records.length) {
    return failAll(
      records.map((r) => r.key),
      {
        code: 'UNEXPECTED_RESPONSE',
        message: `Salesforce answered ${list.length} results for ${records.length} records`,
        // Nothing says what became of these records: resend them.
        transient: true,
      },
    );
  }
  return records.map((record, i) => outcome(record, list[i] as ApiResult));
}

function saved(status: (result: ApiResult) => RecordOutcome['status']) {
  return (record: OutboundRecord, result: ApiResult): RecordOutcome =>
    result.success
      ? { key: record.key, status: status(result), ...(result.id ? { destinationId: result.id } : {}) }
      : { key: record.key, status: 'failed', error: recordErrors(result.errors) };
}

function inOrder(
  records: OutboundRecord[],
  classified: Classified,
  written: RecordOutcome[],
): RecordOutcome[] {
  const byKey = new Map(classified.settled);
  for (const outcome of written) byKey.set(outcome.key, outcome);
  return records.map((r) => byKey.get(r.key) as RecordOutcome);
}

const upsert: CollectionsWriter = async (conn, request, records, reference) => {
  const bodies = records.map((r) => buildPayload(r, request.match, reference));
  const results = await conn.sobject(request.object).upsert(bodies, request.match, { allOrNone: false });
  return mapResults(
    records,
    results,
    saved((r) => (r.created ? 'created' : 'updated')),
  );
};

function existingThen(mode: 'update' | 'create'): CollectionsWriter {
  return async (conn, request, records, reference) => {
    const existing = await findExisting(
      conn,
      request.object,
      request.match,
      records.map((r) => r.key),
    );
    const classified = classifyByExisting(mode, request, records, existing);
    if (classified.pending.length === 0) return inOrder(records, classified, []);
    const pending = classified.pending.map((p) => p.record);
    const sobject = conn.sobject(request.object);
    const written =
      mode === 'update'
        ? mapResults(
            pending,
            await sobject.update(
              classified.pending.map(({ record, id }) => {
                const { [request.match]: _key, ...body } = buildPayload(record, request.match, reference);
                return { Id: id as string, ...body };
              }),
              { allOrNone: false },
            ),
            saved(() => 'updated'),
          )
        : mapResults(
            pending,
            await sobject.create(
              pending.map((r) => buildPayload(r, request.match, reference)),
              { allOrNone: false },
            ),
            saved(() => 'created'),
          );
    return inOrder(records, classified, written);
  };
}

const destroy: CollectionsWriter = async (conn, request, records) => {
  const classified = await idsToDelete(conn, request, records);
  if (classified.pending.length === 0) return inOrder(records, classified, []);
  const pending = classified.pending as Array<Required<PendingWrite>>;
  const results = await conn.sobject(request.object).destroy(
    pending.map((p) => p.id),
    { allOrNone: false },
  );
  const written = mapResults(
    pending.map((p) => p.record),
    results,
    (record, result) => {
      const id = pending.find((p) => p.record === record)?.id;
      const error = result.success ? undefined : recordErrors(result.errors);
      if (!error || ALREADY_DELETED.has(error.code)) {
        return { key: record.key, status: 'deleted', ...(id ? { destinationId: id } : {}) };
      }
      return { key: record.key, status: 'failed', ...(id ? { destinationId: id } : {}), error };
    },
  );
  return inOrder(records, classified, written);
};

export const COLLECTIONS_WRITERS: Record<WriteRequest['operation'], CollectionsWriter> = {
  upsert,
  update: existingThen('update'),
  create: existingThen('create'),
  delete: destroy,
};

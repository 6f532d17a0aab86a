import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SalesforceContext } from './context.js';
import type { DmlContext, SaveResult } from './dml.js';
import { messages, notFound, recordError, SalesforceHttpError } from './errors.js';
import { asRecord, coerceRecord } from './parse-body.js';
import {
  deleteRecordById,
  duplicateKeys,
  insertRecord,
  updateRecordById,
  upsertRecord,
} from './record-ops.js';
import type { SalesforceObject } from './types.js';

const MAX_RECORDS = 200;

interface CollectionBody {
  allOrNone: boolean;
  records: Record<string, unknown>[];
}

function readBody(request: FastifyRequest): CollectionBody {
  const body = asRecord(request.body);
  if (!Array.isArray(body.records)) {
    throw new SalesforceHttpError(400, 'JSON_PARSER_ERROR', 'The request body must contain a records array.');
  }
  if (body.records.length > MAX_RECORDS)
    throw new SalesforceHttpError(400, 'EXCEEDED_ID_LIMIT', messages.exceededIdLimit);
  return { allOrNone: body.allOrNone === true, records: body.records.map(asRecord) };
}

function recordType(ctx: SalesforceContext, record: Record<string, unknown>): SalesforceObject | SaveResult {
  const type = asRecord(record.attributes).type;
  if (typeof type !== 'string' || type === '') {
    return { success: false, errors: [recordError('INVALID_TYPE', 'Must send a concrete entity type.')] };
  }
  const object = ctx.registry.get(type);
  if (!object)
    return {
      success: false,
      errors: [recordError('INVALID_TYPE', `sObject type '${type}' is not supported.`)],
    };
  return object;
}

/** One result per record, in order; `allOrNone` undoes everything if one record failed. */
function finish(dml: DmlContext, results: SaveResult[], allOrNone: boolean, withCreated: boolean) {
  const failed = results.some((r) => !r.success);
  if (allOrNone && failed) {
    dml.rollback();
    return results.map((r) =>
      r.success
        ? { success: false, errors: [recordError('ALL_OR_NONE_OPERATION_ROLLED_BACK', messages.rolledBack)] }
        : r,
    );
  }
  return results.map((r) =>
    r.success ? { id: r.id, success: true, errors: [], ...(withCreated ? { created: r.created } : {}) } : r,
  );
}

function typed(
  ctx: SalesforceContext,
  body: unknown,
  record: Record<string, unknown>,
  object: SalesforceObject,
) {
  return coerceRecord(ctx.registry, object, record, body);
}

/** sObject Collections: create, update, delete, and upsert by external id, 200 records at most. */
export function registerCollections(app: FastifyInstance, ctx: SalesforceContext): void {
  // Create and update share everything but the write: typing, allOrNone and the answer.
  const eachRecord =
    (write: (dml: DmlContext, object: SalesforceObject, body: Record<string, unknown>) => SaveResult) =>
    async (request: FastifyRequest) => {
      const { allOrNone, records } = readBody(request);
      const objects = records.map((r) => recordType(ctx, r));
      const dml = ctx.dml();
      const results = records.map((record, i): SaveResult => {
        const object = objects[i] as SalesforceObject | SaveResult;
        if (!('fields' in object)) return object;
        return write(dml, object, typed(ctx, request.body, record, object));
      });
      const answer = finish(dml, results, allOrNone, false);
      await ctx.store.save();
      return answer;
    };
  app.post('/services/data/:version/composite/sobjects', eachRecord(insertRecord));
  app.patch('/services/data/:version/composite/sobjects', eachRecord(updateRecordById));

  app.delete<{ Querystring: { ids?: string; allOrNone?: string } }>(
    '/services/data/:version/composite/sobjects',
    async (request) => {
      const ids = (request.query.ids ?? '').split(',').filter((id) => id !== '');
      if (ids.length > MAX_RECORDS)
        throw new SalesforceHttpError(400, 'EXCEEDED_ID_LIMIT', messages.exceededIdLimit);
      const dml = ctx.dml();
      const results = ids.map((id) => deleteRecordById(dml, id));
      const answer = finish(dml, results, request.query.allOrNone === 'true', false);
      await ctx.store.save();
      return answer;
    },
  );

  app.patch<{ Params: { object: string; field: string } }>(
    '/services/data/:version/composite/sobjects/:object/:field',
    async (request) => {
      const object = ctx.object(request.params.object);
      const match = ctx.registry.field(object, request.params.field);
      if (!match || !(match.externalId || match.idLookup) || match.type === 'id') throw notFound();
      const { allOrNone, records } = readBody(request);
      const bodies = records.map((r) => typed(ctx, request.body, r, object));
      const duplicates = duplicateKeys(match, bodies);
      const dml = ctx.dml();
      const results = bodies.map((body) => upsertRecord(dml, object, match, body, duplicates));
      const answer = finish(dml, results, allOrNone, true);
      await ctx.store.save();
      return answer;
    },
  );
}

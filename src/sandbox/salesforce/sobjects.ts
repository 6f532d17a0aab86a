import type { FastifyInstance, FastifyReply } from 'fastify';
import { apiVersion, type SalesforceContext, versionPath } from './context.js';
import type { SaveResult } from './dml.js';
import { notFound, recordErrorsToHttp, SalesforceHttpError } from './errors.js';
import { isIdShaped } from './ids.js';
import { asRecord, coerceRecord } from './parse-body.js';
import { recordView } from './record-view.js';
import type { SalesforceField, SalesforceObject } from './types.js';

type ObjectParams = { version: string; object: string };
type IdParams = ObjectParams & { id: string };
type ExternalParams = ObjectParams & { field: string; '*': string };

function fieldList(
  object: SalesforceObject,
  ctx: SalesforceContext,
  fields: string | undefined,
): string[] | undefined {
  if (!fields) return undefined;
  return fields.split(',').map((name) => {
    const field = ctx.registry.field(object, name.trim());
    if (!field)
      throw new SalesforceHttpError(
        400,
        'INVALID_FIELD',
        `No such column '${name.trim()}' on entity '${object.name}'.`,
      );
    return field.name;
  });
}

function externalField(ctx: SalesforceContext, object: SalesforceObject, name: string): SalesforceField {
  const field = ctx.registry.field(object, name);
  if (!field || !(field.externalId || field.idLookup)) throw notFound();
  return field;
}

async function answerSave(ctx: SalesforceContext, reply: FastifyReply, result: SaveResult, status: number) {
  if (!result.success) return reply.code(400).send(recordErrorsToHttp(result.errors));
  await ctx.store.save();
  return reply.code(status).send({ id: result.id, success: true, errors: [] });
}

/** Single-record REST: read, create, update, delete, and upsert by external id. */
export function registerSobjects(app: FastifyInstance, ctx: SalesforceContext): void {
  app.get<{ Params: IdParams; Querystring: { fields?: string } }>(
    '/services/data/:version/sobjects/:object/:id',
    async (request) => {
      const object = ctx.object(request.params.object);
      const record = isIdShaped(request.params.id) ? ctx.dml().get(object, request.params.id) : undefined;
      if (!record) throw notFound();
      return recordView(versionPath(request), object, record, fieldList(object, ctx, request.query.fields));
    },
  );

  app.get<{ Params: ExternalParams }>(
    '/services/data/:version/sobjects/:object/:field/*',
    async (request, reply) => {
      const object = ctx.object(request.params.object);
      const field = externalField(ctx, object, request.params.field);
      const dml = ctx.dml();
      const ids = dml.findBy(object, field, request.params['*']);
      const base = versionPath(request);
      if (ids.length > 1)
        return reply.code(300).send(ids.map((id) => `${base}/sobjects/${object.name}/${id}`));
      const record = ids[0] ? dml.get(object, ids[0]) : undefined;
      if (!record) throw notFound();
      return recordView(base, object, record);
    },
  );

  app.post<{ Params: ObjectParams }>('/services/data/:version/sobjects/:object', async (request, reply) => {
    const object = ctx.object(request.params.object);
    const body = coerceRecord(ctx.registry, object, asRecord(request.body), request.body);
    return answerSave(ctx, reply, ctx.dml().create(object, body), 201);
  });

  app.patch<{ Params: IdParams }>('/services/data/:version/sobjects/:object/:id', async (request, reply) => {
    const object = ctx.object(request.params.object);
    if (!isIdShaped(request.params.id) || !ctx.dml().exists(object, request.params.id)) throw notFound();
    const body = coerceRecord(ctx.registry, object, asRecord(request.body), request.body);
    const result = ctx.dml().update(object, request.params.id, body);
    if (!result.success) return reply.code(400).send(recordErrorsToHttp(result.errors));
    await ctx.store.save();
    return reply.code(204).send();
  });

  app.delete<{ Params: IdParams }>('/services/data/:version/sobjects/:object/:id', async (request, reply) => {
    const object = ctx.object(request.params.object);
    if (!isIdShaped(request.params.id)) throw notFound();
    const result = ctx.dml().remove(object, request.params.id);
    if (!result.success) throw notFound();
    await ctx.store.save();
    return reply.code(204).send();
  });

  app.patch<{ Params: ExternalParams }>(
    '/services/data/:version/sobjects/:object/:field/*',
    async (request, reply) => {
      const object = ctx.object(request.params.object);
      const field = externalField(ctx, object, request.params.field);
      const value = request.params['*'];
      const dml = ctx.dml();
      const ids = dml.findBy(object, field, value);
      if (ids.length > 1) {
        const base = versionPath(request);
        return reply.code(300).send(ids.map((id) => `${base}/sobjects/${object.name}/${id}`));
      }
      const body = coerceRecord(ctx.registry, object, asRecord(request.body), request.body);
      const result = dml.upsert(object, field, value, body);
      if (!result.success) return reply.code(400).send(recordErrorsToHttp(result.errors));
      await ctx.store.save();
      if (!result.created && apiVersion(request) < 46) return reply.code(204).send();
      return reply
        .code(result.created ? 201 : 200)
        .send({ id: result.id, success: true, errors: [], created: result.created });
    },
  );
}

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createAssociations, createDefaultAssociations, listAssociations } from './associations.js';
import { authenticationError, bearerToken, HUBSPOT_SANDBOX_TOKEN } from './auth.js';
import { batchArchive, batchCreate, batchRead, batchUpdate, batchUpsert, readOne } from './batch.js';
import type { HandlerResult, HubspotContext } from './context.js';
import { errorBody, HubspotHttpError, sendJson, validationError } from './errors.js';
import { listObjects } from './list.js';
import { PropertyRegistry, toPropertyResponse } from './properties.js';
import { DEFAULT_RATE_LIMIT, RateLimiter } from './rate-limit.js';
import { search } from './search.js';
import type { HubspotServerOptions } from './types.js';

export { defaultHubspotProperties } from './default-properties.js';
export type { HubspotFault, HubspotPropertyDef, HubspotRequestHook, HubspotServerOptions } from './types.js';
export { HUBSPOT_SANDBOX_TOKEN };

const PORTAL_ID = 1234567;

type Params = Record<string, string>;
type Query = Record<string, string | string[] | undefined>;

/**
 * A local HubSpot CRM v3/v4 API for the real `@hubspot/api-client`, over the shared sandbox
 * store. Returned not yet listening: call `.listen({ host: '127.0.0.1', port: 0 })`.
 */
export async function createHubspotServer(options: HubspotServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 20 * 1024 * 1024 });
  const ctx: HubspotContext = {
    store: options.store,
    registry: new PropertyRegistry(options.properties),
    portalId: PORTAL_ID,
  };
  const limit = options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit;
  const limiter = limit === false ? undefined : new RateLimiter(limit.max, limit.intervalMs);
  const hooks = options.hooks ?? [];

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(validationError('Invalid input JSON: the request body is not valid JSON.'), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    // The sandbox's own control endpoints (faults, stats) take no token and no rate limit.
    if (request.url.startsWith('/__sandbox/')) return undefined;
    const token = bearerToken(request.headers.authorization);
    if (token !== (options.accessToken ?? HUBSPOT_SANDBOX_TOKEN))
      return sendJson(reply, 401, authenticationError(token !== undefined));
    if (limiter) {
      const decision = limiter.take(token);
      reply.headers(decision.headers);
      if (decision.refusal) return sendJson(reply, 429, decision.refusal);
    }
    for (const hook of hooks) {
      const fault = await hook({ method: request.method, url: request.url, token });
      if (!fault) continue;
      reply.headers(fault.headers ?? {});
      return fault.body === undefined
        ? reply.code(fault.status).send()
        : sendJson(reply, fault.status, fault.body);
    }
    return undefined;
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    if (error instanceof HubspotHttpError) return sendJson(reply, error.status, error.body);
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    const category = status < 500 ? 'VALIDATION_ERROR' : 'INTERNAL_ERROR';
    return sendJson(reply, status, errorBody(category, error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    sendJson(
      reply,
      404,
      errorBody('OBJECT_NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

  const handle =
    (mutating: boolean, handler: (params: Params, query: Query, body: unknown) => HandlerResult) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const result = handler(request.params as Params, request.query as Query, request.body);
      if (mutating) await ctx.store.save();
      return result.body === undefined
        ? reply.code(result.status).send()
        : sendJson(reply, result.status, result.body);
    };
  const type = (segment: string | undefined) => ctx.registry.objectType(segment ?? '');

  app.get(
    '/crm/v3/properties/:objectType',
    handle(false, (p) => ({
      status: 200,
      body: { results: ctx.registry.list(type(p.objectType)).map(toPropertyResponse) },
    })),
  );
  app.get(
    '/crm/v3/properties/:objectType/:propertyName',
    handle(false, (p) => {
      const objectType = type(p.objectType);
      const defs = ctx.registry.list(objectType);
      const index = defs.findIndex((d) => d.name === p.propertyName);
      const def = defs[index];
      if (!def) {
        throw new HubspotHttpError(
          404,
          errorBody(
            'OBJECT_NOT_FOUND',
            `Unable to find property ${p.propertyName} for object type ${objectType}`,
          ),
        );
      }
      return { status: 200, body: toPropertyResponse(def, index) };
    }),
  );

  app.post(
    '/crm/v3/objects/:objectType/batch/upsert',
    handle(true, (p, _q, body) => batchUpsert(ctx, type(p.objectType), body)),
  );
  app.post(
    '/crm/v3/objects/:objectType/batch/create',
    handle(true, (p, _q, body) => batchCreate(ctx, type(p.objectType), body)),
  );
  app.post(
    '/crm/v3/objects/:objectType/batch/update',
    handle(true, (p, _q, body) => batchUpdate(ctx, type(p.objectType), body)),
  );
  app.post(
    '/crm/v3/objects/:objectType/batch/read',
    handle(false, (p, q, body) => batchRead(ctx, type(p.objectType), body, q.archived === 'true')),
  );
  app.post(
    '/crm/v3/objects/:objectType/batch/archive',
    handle(true, (p, _q, body) => batchArchive(ctx, type(p.objectType), body)),
  );
  app.post(
    '/crm/v3/objects/:objectType/search',
    handle(false, (p, _q, body) => search(ctx, type(p.objectType), body)),
  );
  app.get(
    '/crm/v3/objects/:objectType',
    handle(false, (p, q) => listObjects(ctx, type(p.objectType), q as Parameters<typeof listObjects>[2])),
  );
  app.get(
    '/crm/v3/objects/:objectType/:objectId',
    handle(false, (p, q) =>
      readOne(ctx, type(p.objectType), p.objectId ?? '', {
        idProperty: typeof q.idProperty === 'string' ? q.idProperty : undefined,
        properties: q.properties,
        archived: typeof q.archived === 'string' ? q.archived : undefined,
      }),
    ),
  );

  app.post(
    '/crm/v4/associations/:from/:to/batch/create',
    handle(true, (p, _q, body) => createAssociations(ctx, type(p.from), type(p.to), body)),
  );
  app.post(
    '/crm/v4/associations/:from/:to/batch/associate/default',
    handle(true, (p, _q, body) => createDefaultAssociations(ctx, type(p.from), type(p.to), body)),
  );
  app.get(
    '/crm/v4/objects/:from/:objectId/associations/:to',
    handle(false, (p, q) =>
      listAssociations(ctx, type(p.from), p.objectId ?? '', type(p.to), {
        limit: typeof q.limit === 'string' ? q.limit : undefined,
        after: typeof q.after === 'string' ? q.after : undefined,
      }),
    ),
  );

  return app;
}

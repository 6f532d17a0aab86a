import type { Duplex } from 'node:stream';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { TokenIssuer } from './auth.js';
import { registerBulkIngest } from './bulk-ingest.js';
import { IngestJobs } from './bulk-jobs.js';
import { registerCollections } from './collections.js';
import { SalesforceContext } from './context.js';
import { defaultSalesforceObjects } from './default-objects.js';
import { registerDescribe } from './describe.js';
import { notFound, SalesforceHttpError } from './errors.js';
import { orgLimits } from './limits.js';
import { mergeObjectDefs, ObjectRegistry } from './objects.js';
import { registerQuery } from './query.js';
import { registerSobjects } from './sobjects.js';
import type { SalesforceServerOptions } from './types.js';
import { apiVersions } from './versions.js';

export { SALESFORCE_SANDBOX_CREDENTIALS } from './auth.js';
export { defaultSalesforceObjects } from './default-objects.js';
export type { SalesforceFieldDef, SalesforceObjectDef, SalesforceServerOptions } from './types.js';

const API_LIMIT = 15000;
const BULK_BATCH_LIMIT = 15000;
const JSON_TYPE = 'application/json;charset=UTF-8';
const DATA_PATH = /^\/services\/data\/v\d+\.\d+(\/|\?|$)/;
/** `GET /services/data` lists the versions; it needs no session, as on a real org. */
const VERSIONS_PATH = /^\/services\/data\/?(\?|$)/;

/**
 * A local Salesforce REST API (OAuth token endpoint, describe, sObject rows, sObject
 * Collections, SOQL query, Bulk API 2.0 ingest) over the shared sandbox store, answering in Salesforce's wire format
 * so the real jsforce client works against it. Returned not yet listening.
 */
export async function createSalesforceServer(options: SalesforceServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // A request that does not arrive in time is answered in Salesforce's error format.
    clientErrorHandler: salesforceClientError,
    ...(options.requestTimeoutMs !== undefined && {
      requestTimeout: options.requestTimeoutMs,
      // Node checks for late requests on an interval, and its headers timeout must not exceed this.
      http: {
        requestTimeout: options.requestTimeoutMs,
        headersTimeout: options.requestTimeoutMs,
        connectionsCheckingInterval: Math.max(10, Math.floor(options.requestTimeoutMs / 4)),
      },
    }),
  });
  const registry = new ObjectRegistry(mergeObjectDefs(defaultSalesforceObjects(), options.objects));
  const tokens = new TokenIssuer(options.store, options.credentials);
  const ctx = new SalesforceContext(options.store, registry, tokens);
  const jobs = new IngestJobs(ctx);
  const apiLimit = options.apiLimit ?? API_LIMIT;
  let apiUsage = 0;
  app.decorate('expireSalesforceSessions', () => tokens.expireAll());

  const origin = (request: FastifyRequest) =>
    `${request.protocol}://${request.headers.host ?? `${options.host ?? '127.0.0.1'}:${request.socket.localPort}`}`;

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.addHook('onRequest', async (request, reply) => {
    const fault = await options.faults?.({ method: request.method, url: request.url });
    if (fault) {
      reply.code(fault.status).headers(fault.headers ?? {});
      return reply.send(fault.body === undefined ? '' : JSON.stringify(fault.body));
    }
    if (!request.url.startsWith('/services/data/') || VERSIONS_PATH.test(request.url)) return undefined;
    if (!DATA_PATH.test(request.url)) throw notFound();
    if (!tokens.isValid(request.headers.authorization)) {
      throw new SalesforceHttpError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    }
    if (apiUsage >= apiLimit) {
      throw new SalesforceHttpError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    apiUsage++;
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (
      type.startsWith('application/json') ||
      (type === '' && typeof payload === 'string' && payload !== '')
    ) {
      reply.header('content-type', JSON_TYPE);
    }
    if (DATA_PATH.test(request.url)) reply.header('Sforce-Limit-Info', `api-usage=${apiUsage}/${apiLimit}`);
    return payload;
  });

  app.setErrorHandler((error: FastifyError | SalesforceHttpError, _request, reply) => {
    if (error instanceof SalesforceHttpError) return reply.code(error.status).send(error.body);
    if (error.statusCode === 415) {
      return reply.code(415).send([{ errorCode: 'UNSUPPORTED_MEDIA_TYPE', message: error.message }]);
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return reply.code(400).send([{ errorCode: 'JSON_PARSER_ERROR', message: error.message }]);
    }
    return reply.code(500).send([
      {
        errorCode: 'UNKNOWN_EXCEPTION',
        message: `An unexpected error occurred in the sandbox: ${error.message}`,
      },
    ]);
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).send(notFound().body));

  tokens.register(app, origin);
  app.get('/services/data', async () => apiVersions());
  app.get('/services/data/', async () => apiVersions());
  app.get('/services/data/:version/limits', async () =>
    orgLimits({ apiLimit, apiUsage, bulkBatchLimit: BULK_BATCH_LIMIT, bulkBatchesUsed: jobs.batchesUsed }),
  );
  registerDescribe(app, ctx);
  registerSobjects(app, ctx);
  registerCollections(app, ctx);
  registerQuery(app, ctx);
  registerBulkIngest(app, ctx, jobs);
  tokens.userId();
  await options.store.save();
  return app;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * A request Node could not read (timed out, oversized headers, malformed), answered before any
 * route runs: Salesforce's error array instead of Fastify's own JSON.
 */
function salesforceClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, errorCode, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_RUNNING_TOO_LONG', 'Your request was running for too long, and has been stopped.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'REQUEST_HEADER_FIELDS_TOO_LARGE', 'Request header fields too large.']
        : [400, 'BAD_REQUEST', 'The request could not be read.'];
  const body = JSON.stringify([{ message, errorCode }]);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Makes every issued token invalid, as an expired session would (jsforce then logs in again). */
export function expireSalesforceSessions(app: FastifyInstance): void {
  const expire = (app as FastifyInstance & { expireSalesforceSessions?: () => void })
    .expireSalesforceSessions;
  expire?.();
}

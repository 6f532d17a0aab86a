import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { redact } from '../util/redact.js';
import { ApiError, AUTH_ERRORS } from './api-error.js';
import { requireBearerToken } from './auth.js';
import type { ServerContext } from './context.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { documentCsvRecords, runRoutes } from './routes/runs.js';
import { syncRoutes } from './routes/syncs.js';
import { triggerRoutes } from './routes/triggers.js';
import { webRoutes } from './routes/web.js';

export interface AppOptions {
  /** The bearer token every route but the probes needs; null only with --no-auth on 127.0.0.1. */
  token: string | null;
  version: string;
  logger: FastifyServerOptions['logger'];
}

/**
 * The HTTP API. Route groups live one per file in routes/; each declares zod schemas that
 * validate its requests and answers and are the source of /openapi.json.
 */
export async function buildApp(context: ServerContext, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send(error.body());
    if (hasZodFastifySchemaValidationErrors(error)) {
      const [issue] = error.validation;
      const field = fieldName(error.validationContext ?? 'body', issue!);
      return reply.code(400).send({
        error: { code: 'SPOKE_API_BAD_REQUEST', message: `${field}: ${issue!.message}`, field },
      });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply
        .code(status)
        .send({ error: { code: 'SPOKE_API_BAD_REQUEST', message: redact(error.message) } });
    }
    request.log.error({ err: { message: redact(error.message) } }, 'request failed');
    return reply.code(500).send({
      error: { code: 'SPOKE_API_INTERNAL', message: redact(error.message) },
    });
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dbt-spoke',
        version: options.version,
        description: 'Trigger syncs, read sync state and metrics of a dbt-spoke project.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: options.token === null ? [] : [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => documentCsvRecords(textMetrics(jsonSchemaTransformObject(input))),
  });
  if (options.token !== null) requireBearerToken(app, options.token);

  app.get(
    '/openapi.json',
    {
      schema: {
        summary: 'This API as an OpenAPI 3.1 document',
        tags: ['meta'],
        response: { 200: z.record(z.string(), z.unknown()), ...AUTH_ERRORS },
      },
    },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );
  await app.register(healthRoutes(context));
  await app.register(syncRoutes(context));
  await app.register(triggerRoutes(context));
  await app.register(metricsRoutes(context));
  await app.register(runRoutes(context));
  await app.register(webRoutes());
  return app;
}

/** /metrics answers Prometheus text, not JSON; its error answers stay JSON. */
function textMetrics<T>(document: T): T {
  const responses = (
    document as { paths?: Record<string, { get?: { responses?: Record<string, unknown> } }> }
  ).paths?.['/metrics']?.get?.responses;
  if (responses) {
    responses['200'] = {
      description: 'Prometheus text exposition format 0.0.4',
      content: { 'text/plain': { schema: { type: 'string' } } },
    };
  }
  return document;
}

/** `body.syncs[1]`, `body.full_refresh`, `params.id`: the request field an issue is about. */
function fieldName(where: string, issue: { instancePath: string; params: Record<string, unknown> }): string {
  const path = issue.instancePath
    .split('/')
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('');
  const keys = issue.params.keys;
  const unknownKey = Array.isArray(keys) && typeof keys[0] === 'string' ? `.${keys[0]}` : '';
  return `${where}${path}${unknownKey}`;
}

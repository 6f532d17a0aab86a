import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUTH_ERRORS } from '../api-error.js';
import type { ServerContext } from '../context.js';

/** Prometheus text exposition of the runs this process made and the queue. */
export function metricsRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          summary: 'Prometheus metrics (text exposition format)',
          tags: ['monitoring'],
          // Documented as text/plain in the OpenAPI document (app.ts); sent as text below.
          response: { 200: z.string(), ...AUTH_ERRORS },
        },
      },
      async (_request, reply) => {
        const { registry } = context.metrics;
        const text = await registry.metrics();
        return reply
          .type(registry.contentType)
          .serializer((payload) => String(payload))
          .send(text);
      },
    );
  };
}

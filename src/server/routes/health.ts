import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pendingMigrations } from '../../state/migrate.js';
import { redact } from '../../util/redact.js';
import type { ServerContext } from '../context.js';

const Check = z.object({ ok: z.boolean(), message: z.string().optional() });
const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({ warehouse: Check, migrations: Check }),
});

/** Liveness and readiness probes; no token needed. */
export function healthRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          summary: 'Liveness: the process answers',
          tags: ['health'],
          response: { 200: z.object({ status: z.literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          summary: 'Readiness: the warehouse answers and the state schema is at this version',
          tags: ['health'],
          response: { 200: Readiness, 503: Readiness },
        },
      },
      async (_request, reply) => {
        let warehouse: z.infer<typeof Check> = { ok: true };
        let migrations: z.infer<typeof Check> = {
          ok: false,
          message: 'not checked: the warehouse did not answer',
        };
        try {
          const pending = await context.access.use(({ warehouse: open }) =>
            pendingMigrations(open.sql, context.stateSchema),
          );
          migrations =
            pending.length === 0
              ? { ok: true }
              : { ok: false, message: `state migrations not applied yet: ${pending.join(', ')}` };
        } catch (error) {
          warehouse = { ok: false, message: redact(error instanceof Error ? error.message : String(error)) };
        }
        const ready = warehouse.ok && migrations.ok;
        return reply
          .code(ready ? 200 : 503)
          .send({ status: ready ? 'ready' : 'not_ready', checks: { warehouse, migrations } });
      },
    );
  };
}

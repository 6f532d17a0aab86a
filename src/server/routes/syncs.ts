import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SyncSpec } from '../../config/types.js';
import type { SyncGraph } from '../../graph/sync-graph.js';
import type { AlertStateRow } from '../../state/state-store.js';
import { type LastSyncRun, lastSyncRuns } from '../../state/sync-overview.js';
import { AUTH_ERRORS, ErrorBody } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { knownSync } from '../known-sync.js';

const SyncView = z.object({
  id: z.string(),
  model: z.string(),
  destination: z.string(),
  object: z.string(),
  mode: z.string(),
  key: z.string(),
  match: z.string(),
  order: z.object({
    after: z.array(z.string()).describe('`after` entries as written in meta.spoke'),
    upstream: z
      .array(z.object({ sync: z.string(), origin: z.enum(['after', 'lookup', 'association']) }))
      .describe('Syncs this one starts after: declared with `after`, or implied by lookups and associations'),
  }),
  last_run: z
    .object({
      run_id: z.string(),
      status: z.string(),
      command: z.string().nullable(),
      started_at: z.string().nullable(),
      finished_at: z.string().nullable(),
      attempted: z.number(),
      created: z.number(),
      updated: z.number(),
      deleted: z.number(),
      failed: z.number(),
      invalid: z.number(),
      error: z.string().nullable(),
    })
    .nullable(),
  health: z
    .object({
      state: z.enum(['healthy', 'failing']),
      since: z.string(),
      failing_runs: z.number(),
      last_success_at: z.string().nullable(),
    })
    .nullable()
    .describe('Alert health (null until alerts are configured and the sync ran)'),
});

/** Every sync the project defines, with its order, its last run and its health. */
export function syncRoutes(context: ServerContext): FastifyPluginAsyncZod {
  const overview = async () => {
    const project = await context.project();
    const { runs, health } = await context.access.use(async ({ warehouse, state }) => ({
      runs: await lastSyncRuns(warehouse.sql, context.stateSchema),
      health: new Map((await state.alertStates()).map((row) => [row.syncId, row])),
    }));
    return project.specs.map((spec) => syncView(spec, project.graph, runs.get(spec.id), health.get(spec.id)));
  };

  return async (app) => {
    app.get(
      '/v1/syncs',
      {
        schema: {
          summary: 'Every sync: destination, object, mode, key, order, last run, health',
          tags: ['syncs'],
          response: { 200: z.object({ syncs: z.array(SyncView) }), ...AUTH_ERRORS },
        },
      },
      async () => ({ syncs: await overview() }),
    );

    app.get(
      '/v1/syncs/:id',
      {
        schema: {
          summary: 'One sync',
          tags: ['syncs'],
          params: z.object({ id: z.string().min(1).describe('Sync id, URL-encoded') }),
          response: { 200: SyncView, 404: ErrorBody, ...AUTH_ERRORS },
        },
      },
      async (request) => {
        const project = await context.project();
        knownSync(project.specs, request.params.id, 'params.id');
        const views = await overview();
        return views.find((view) => view.id === request.params.id)!;
      },
    );
  };
}

function syncView(
  spec: SyncSpec,
  graph: SyncGraph,
  last: LastSyncRun | undefined,
  health: AlertStateRow | undefined,
): z.infer<typeof SyncView> {
  return {
    id: spec.id,
    model: spec.model,
    destination: spec.destination,
    object: spec.object,
    mode: spec.mode,
    key: spec.key,
    match: spec.match,
    order: {
      after: spec.after,
      upstream: graph.edges
        .filter((edge) => edge.to === spec.id)
        .map((edge) => ({ sync: edge.from, origin: edge.origin })),
    },
    last_run: last
      ? {
          run_id: last.runId,
          status: last.status,
          command: last.command,
          started_at: last.startedAt,
          finished_at: last.finishedAt,
          attempted: last.attempted,
          created: last.created,
          updated: last.updated,
          deleted: last.deleted,
          failed: last.failed,
          invalid: last.invalid,
          error: last.error,
        }
      : null,
    health: health
      ? {
          state: health.health,
          since: health.since.toISOString(),
          failing_runs: health.failingRuns,
          last_success_at: health.lastSuccessAt?.toISOString() ?? null,
        }
      : null,
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { resolveSelection } from '../../engine/resolve-selection.js';
import { SpokeError } from '../../errors.js';
import { ApiError, AUTH_ERRORS, ErrorBody } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { knownSync } from '../known-sync.js';
import type { RunRequest, ScheduledRun } from '../run-scheduler.js';

const RunOptions = {
  full_refresh: z
    .boolean()
    .optional()
    .describe('Resend every row, not only rows that changed since the last confirmed sync'),
  retry_failed: z
    .boolean()
    .optional()
    .describe('Resend rows that failed permanently before, even if they did not change'),
};

const StartRuns = z
  .object({
    select: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe('Like `spoke sync --select`: model names, sync ids, destination:<name>, +name, name+'),
    syncs: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Sync ids run as a sequence: each starts after the previous one ended, and only if it succeeded',
      ),
    ...RunOptions,
  })
  .strict()
  .refine((body) => body.select === undefined || body.syncs === undefined, {
    path: ['syncs'],
    message: 'Give either `select` (one run) or `syncs` (a sequence), not both.',
  });

// A POST without a body arrives as null.
const StartSync = z.object(RunOptions).strict().nullish();

const ScheduledView = z.object({
  run_id: z.string(),
  syncs: z.array(z.string()),
  queued_behind: z.string().nullable().describe('The run this one waits for, when one holds its syncs'),
});

const Accepted = z.object({
  run_id: z.string().describe('The (first) run started'),
  queued_behind: z.string().nullable(),
  runs: z.array(ScheduledView).describe('Every run of a sequence, in order; one run otherwise'),
});

/** Triggers: start a run, a sequence, or one sync, in the background. */
export function triggerRoutes(context: ServerContext): FastifyPluginAsyncZod {
  const accepted = (runs: ScheduledRun[]) => {
    const first = runs[0]!;
    return {
      run_id: first.runId,
      queued_behind: first.queuedBehind,
      runs: runs.map((run) => ({ run_id: run.runId, syncs: run.syncIds, queued_behind: run.queuedBehind })),
    };
  };

  return async (app) => {
    app.post(
      '/v1/runs',
      {
        schema: {
          summary: 'Start a run of a selection, or a sequence of syncs; answers at once',
          tags: ['runs'],
          body: StartRuns,
          response: { 202: Accepted, 400: ErrorBody, 404: ErrorBody, ...AUTH_ERRORS },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const project = await context.project();
        const options = {
          fullRefresh: body.full_refresh ?? false,
          retryFailed: body.retry_failed ?? false,
          command: 'serve: POST /v1/runs',
        };
        let steps: RunRequest[];
        if (body.syncs) {
          steps = body.syncs.map((id, index) => ({
            ...options,
            syncIds: [knownSync(project.specs, id, `body.syncs[${index}]`).id],
          }));
        } else if (body.select !== undefined) {
          const select = typeof body.select === 'string' ? [body.select] : body.select;
          try {
            const selected = await resolveSelection(project, { select });
            steps = [{ ...options, syncIds: selected.nodes.map((spec) => spec.id) }];
          } catch (error) {
            if (!(error instanceof SpokeError && error.code === 'SPOKE_USAGE')) throw error;
            throw new ApiError(400, 'SPOKE_API_BAD_REQUEST', error.message.replace('--select', 'select'), {
              field: 'body.select',
            });
          }
        } else {
          steps = [{ ...options, syncIds: project.specs.map((spec) => spec.id) }];
        }
        const runs = await context.scheduler.submit(steps);
        return reply
          .code(202)
          .header('location', `/v1/runs/${encodeURIComponent(runs[0]!.runId)}`)
          .send(accepted(runs));
      },
    );

    app.post(
      '/v1/syncs/:id/runs',
      {
        schema: {
          summary: 'Start a run of one sync; queued behind a run already syncing it',
          tags: ['runs'],
          params: z.object({ id: z.string().min(1).describe('Sync id, URL-encoded') }),
          body: StartSync,
          response: { 202: Accepted, 400: ErrorBody, 404: ErrorBody, ...AUTH_ERRORS },
        },
      },
      async (request, reply) => {
        const project = await context.project();
        const spec = knownSync(project.specs, request.params.id, 'params.id');
        const runs = await context.scheduler.submit([
          {
            syncIds: [spec.id],
            fullRefresh: request.body?.full_refresh ?? false,
            retryFailed: request.body?.retry_failed ?? false,
            command: 'serve: POST /v1/syncs/{id}/runs',
          },
        ]);
        return reply
          .code(202)
          .header('location', `/v1/runs/${encodeURIComponent(runs[0]!.runId)}`)
          .send(accepted(runs));
      },
    );
  };
}

import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SpokeError } from '../../errors.js';
import {
  type LoggedRecord,
  openRunHistory,
  type Page,
  type RunHistory,
  type RunSummary,
} from '../../state/history/run-history.js';
import { redact } from '../../util/redact.js';
import { ApiError, AUTH_ERRORS, ErrorBody } from '../api-error.js';
import type { ServerContext } from '../context.js';
import {
  RECORD_COLUMNS,
  RecordView,
  RunDetailView,
  RunView,
  recordView,
  runDetailView,
  runView,
} from '../run-history-views.js';

const Cursor = z.string().min(1).optional().describe('The `next_cursor` of the previous page, unchanged');
const RunRef = z.object({
  id: z
    .string()
    .min(1)
    .describe('A run id, a prefix of exactly one run id (at least 4 characters), or `latest`'),
});
const RecordFilters = z
  .object({
    sync: z.string().min(1).optional().describe('Only this sync id'),
    status: z.enum(['created', 'updated', 'deleted', 'skipped', 'failed']).optional(),
    operation: z.enum(['upsert', 'update', 'create', 'delete', 'associate']).optional(),
    key: z.string().min(1).optional().describe('Only this record key, exactly'),
    cursor: Cursor,
    limit: z.coerce.number().int().min(1).max(10_000).optional().describe('Rows per page (default 500)'),
  })
  .strict();

/** Rows a CSV export reads from the warehouse at a time. */
const EXPORT_PAGE = 1000;

/** The run history (`spoke runs` over HTTP): runs, a run's detail, its record log as JSON pages or CSV. */
export function runRoutes(context: ServerContext): FastifyPluginAsyncZod {
  const withHistory = <T>(work: (history: RunHistory) => Promise<T>) =>
    context.access.use(async ({ warehouse }) =>
      work(await openRunHistory(warehouse.sql, context.stateSchema)).catch(badCursor),
    );

  return async (app) => {
    app.get(
      '/v1/runs',
      {
        schema: {
          summary: 'Recent runs, newest first, keyset-paged: status, counts and timings',
          tags: ['runs'],
          querystring: z
            .object({
              cursor: Cursor,
              limit: z.coerce
                .number()
                .int()
                .min(1)
                .max(1000)
                .optional()
                .describe('Runs per page (default 20)'),
              include: z
                .enum(['syncs'])
                .optional()
                .describe("`syncs`: add each sync's status and counts to every run (`sync_counts`)"),
            })
            .strict(),
          response: {
            200: z.object({
              recorded: z.boolean().describe('False while the state schema holds no run history'),
              runs: z.array(RunView),
              next_cursor: z
                .string()
                .nullable()
                .describe('Pass as `cursor` for the next page; null at the end'),
            }),
            400: ErrorBody,
            ...AUTH_ERRORS,
          },
        },
      },
      async (request) =>
        withHistory(async (history) => {
          const { include, ...query } = request.query;
          const page = await history.listRuns(query);
          const perSync = include === 'syncs';
          return {
            recorded: history.recorded,
            runs: page.items.map((run) => runView(run, { perSync })),
            next_cursor: page.nextCursor,
          };
        }),
    );

    app.get(
      '/v1/runs/:id',
      {
        schema: {
          summary: "A run's per-sync counts and timings, and its failed records grouped by error code",
          tags: ['runs'],
          params: RunRef,
          response: { 200: RunDetailView, 404: ErrorBody, ...AUTH_ERRORS },
        },
      },
      async (request) =>
        withHistory(async (history) =>
          runDetailView(await history.runDetail(await knownRun(history, request.params.id))),
        ),
    );

    app.get(
      '/v1/runs/:id/records',
      {
        schema: {
          summary:
            "A run's record log, every attempt at every record; `Accept: text/csv` streams it all as CSV",
          tags: ['runs'],
          params: RunRef,
          querystring: RecordFilters,
          response: {
            200: z
              .object({
                run_id: z.string(),
                records: z.array(RecordView),
                next_cursor: z
                  .string()
                  .nullable()
                  .describe('Pass as `cursor` for the next page; null at the end'),
              })
              .describe('A page as JSON; with `Accept: text/csv`, every row from the cursor on as CSV'),
            400: ErrorBody,
            404: ErrorBody,
            ...AUTH_ERRORS,
          },
        },
      },
      async (request, reply) => {
        const { sync, cursor, limit, ...filters } = request.query;
        const query = { ...filters, ...(sync ? { syncId: sync } : {}), ...(cursor ? { cursor } : {}) };
        const csv = /\btext\/csv\b/.test(request.headers.accept ?? '');
        return withHistory(async (history) => {
          const run = await knownRun(history, request.params.id);
          if (!csv) {
            const page = await history.recordPage(run.runId, { ...query, ...(limit ? { limit } : {}) });
            return { run_id: run.runId, records: page.items.map(recordView), next_cursor: page.nextCursor };
          }
          // Streamed inside this use of the warehouse: a DuckDB file stays open until the last row.
          // pipeline ends the query when the client goes away or a read fails (the answer is cut short).
          const body = stringify({
            header: true,
            columns: RECORD_COLUMNS,
            cast: { boolean: (value) => String(value) },
          });
          const streamed = pipeline(
            Readable.from(rows(history.recordPages(run.runId, { ...query, limit: EXPORT_PAGE }))),
            body,
          ).catch((error: unknown) => {
            request.log.warn({ err: { message: redact(String(error)) } }, 'record export ended early');
          });
          reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="run-${run.runId}-records.csv"`);
          // A stream, not the JSON answer the schema types: fastify sends it as it is.
          void reply.send(body as unknown as undefined);
          await streamed;
          await finished(body).catch(() => {});
          return reply;
        });
      },
    );
  };
}

async function* rows(pages: AsyncIterable<Page<LoggedRecord>>) {
  for await (const page of pages) for (const record of page.items) yield recordView(record);
}

/** The run `ref` names, or a 404 naming the closest ids. */
async function knownRun(history: RunHistory, ref: string): Promise<RunSummary> {
  const { run, closest } = await history.resolveRun(ref);
  if (run) return run;
  const hint = closest.length > 0 ? ` Closest: ${closest.join(', ')}.` : '';
  const what = ref === 'latest' ? 'No run is recorded yet.' : `There is no run "${ref}".`;
  throw new ApiError(404, 'SPOKE_API_UNKNOWN_RUN', `${what}${hint} GET /v1/runs lists recent runs.`, {
    field: 'params.id',
    closest,
  });
}

/** A cursor the read model did not give out is the request's fault. */
function badCursor(error: unknown): never {
  if (error instanceof SpokeError && error.code === 'SPOKE_USAGE')
    throw new ApiError(400, 'SPOKE_API_BAD_REQUEST', error.message, { field: 'query.cursor' });
  throw error;
}

/** The records route also answers `text/csv`; the document says so beside its JSON. */
export function documentCsvRecords<T>(document: T): T {
  const responses = (
    document as { paths?: Record<string, { get?: { responses?: Record<string, { content?: object }> } }> }
  ).paths?.['/v1/runs/{id}/records']?.get?.responses;
  const ok = responses?.['200'];
  if (ok) {
    ok.content = {
      ...ok.content,
      'text/csv': {
        schema: {
          type: 'string',
          description: `With \`Accept: text/csv\`: a header row (${RECORD_COLUMNS.join(',')}) and every row from the cursor on, streamed`,
        },
      },
    };
  }
  return document;
}

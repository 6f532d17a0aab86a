import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { COLUMN_DELIMITERS, type LineEnding } from './bulk-csv.js';
import type { IngestJob, IngestJobs, IngestOperation, NewJob } from './bulk-jobs.js';
import { apiVersion, type SalesforceContext, versionPath } from './context.js';
import { messages, notFound, SalesforceHttpError } from './errors.js';
import { asRecord } from './parse-body.js';

const OPERATIONS = new Set<IngestOperation>(['insert', 'update', 'upsert', 'delete', 'hardDelete']);
/** Salesforce takes up to 150 MB of base64 per upload, about 100 MB of CSV. */
const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
const CSV_TYPE = 'text/csv; charset=UTF-8';

type JobParams = { Params: { id: string } };

function invalidJob(message: string): SalesforceHttpError {
  return new SalesforceHttpError(400, 'INVALIDJOB', `InvalidJob : ${message}`);
}

function invalidState(message: string): SalesforceHttpError {
  return new SalesforceHttpError(400, 'INVALIDJOBSTATE', message);
}

function readNewJob(ctx: SalesforceContext, request: FastifyRequest): NewJob {
  const body = asRecord(request.body);
  const name = typeof body.object === 'string' ? body.object : '';
  const object = ctx.registry.get(name);
  if (!object) throw invalidJob(`Invalid object: ${name}`);
  const operation = body.operation as IngestOperation;
  if (!OPERATIONS.has(operation)) throw invalidJob(`Invalid operation: ${String(body.operation)}`);
  let externalIdField = null;
  if (operation === 'upsert') {
    const fieldName = typeof body.externalIdFieldName === 'string' ? body.externalIdFieldName : '';
    if (fieldName === '') {
      throw invalidJob(
        `External ID was blank for ${object.name}. An External ID must be specified for upsert.`,
      );
    }
    const field = ctx.registry.field(object, fieldName);
    if (!field || !(field.externalId || field.idLookup)) {
      throw invalidJob(messages.notExternalId(fieldName, object.name));
    }
    externalIdField = field;
  }
  const contentType = body.contentType ?? 'CSV';
  if (contentType !== 'CSV') throw invalidJob(`Invalid content type: ${String(contentType)}`);
  const lineEnding = body.lineEnding ?? 'LF';
  if (lineEnding !== 'LF' && lineEnding !== 'CRLF')
    throw invalidJob(`Invalid line ending: ${String(lineEnding)}`);
  const columnDelimiter = typeof body.columnDelimiter === 'string' ? body.columnDelimiter : 'COMMA';
  const delimiter = COLUMN_DELIMITERS[columnDelimiter];
  if (!delimiter) throw invalidJob(`Invalid column delimiter: ${columnDelimiter}`);
  const version = /^\/services\/data\/v(\d+\.\d+)/.exec(request.url)?.[1] ?? `${apiVersion(request)}.0`;
  return {
    object,
    operation,
    externalIdField,
    lineEnding: lineEnding as LineEnding,
    columnDelimiter,
    delimiter,
    apiVersion: Number(version),
    createdById: ctx.tokens.userId(),
  };
}

function sendCsv(reply: FastifyReply, text: string) {
  return reply.code(200).header('content-type', CSV_TYPE).send(text);
}

/**
 * Bulk API 2.0 ingest: create a job, upload one CSV, close it, poll it while it is processed in
 * the background, and read its successful, failed and unprocessed rows.
 */
export function registerBulkIngest(app: FastifyInstance, ctx: SalesforceContext, jobs: IngestJobs): void {
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: MAX_UPLOAD_BYTES },
    (_req, body, done) => {
      done(null, body);
    },
  );

  const job = (request: FastifyRequest<JobParams>): IngestJob => {
    const found = jobs.get(request.params.id);
    if (!found) throw notFound();
    return found;
  };

  app.post('/services/data/:version/jobs/ingest', async (request) => {
    const created = jobs.create(readNewJob(ctx, request));
    return created.info(versionPath(request));
  });

  app.get('/services/data/:version/jobs/ingest', async (request) => ({
    done: true,
    records: jobs.list().map((j) => j.info(versionPath(request))),
    nextRecordsUrl: null,
  }));

  app.put<JobParams>(
    '/services/data/:version/jobs/ingest/:id/batches',
    { bodyLimit: MAX_UPLOAD_BYTES },
    async (request, reply) => {
      const target = job(request);
      if (target.state !== 'Open') {
        throw invalidState(
          `Job ${target.id} is not in the Open state; data can only be uploaded to an open job.`,
        );
      }
      const text = typeof request.body === 'string' ? request.body : '';
      if (text !== '' && target.hasData) {
        throw invalidState(
          `Found multiple contents for job: <${target.id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`,
        );
      }
      if (text !== '') target.addData(text);
      return reply.code(201).send();
    },
  );

  app.patch<JobParams>('/services/data/:version/jobs/ingest/:id', async (request) => {
    const target = job(request);
    const state = asRecord(request.body).state;
    if (state === 'UploadComplete') {
      if (target.state !== 'Open')
        throw invalidState(`Job ${target.id} is not Open, so it cannot be closed.`);
      jobs.close(target);
    } else if (state === 'Aborted') {
      if (!target.abort()) throw invalidState(`Job ${target.id} has already finished and cannot be aborted.`);
    } else {
      throw invalidState(`Invalid state for a job update: ${String(state)}`);
    }
    return target.info(versionPath(request));
  });

  app.get<JobParams>('/services/data/:version/jobs/ingest/:id', async (request) => {
    const target = job(request);
    return target.poll(versionPath(request), () => jobs.start(target));
  });

  app.delete<JobParams>('/services/data/:version/jobs/ingest/:id', async (request, reply) => {
    if (!jobs.delete(request.params.id)) throw notFound();
    return reply.code(204).send();
  });

  app.get<JobParams>('/services/data/:version/jobs/ingest/:id/successfulResults', async (request, reply) =>
    sendCsv(reply, job(request).successfulResults()),
  );
  app.get<JobParams>('/services/data/:version/jobs/ingest/:id/failedResults', async (request, reply) =>
    sendCsv(reply, job(request).failedResults()),
  );
  app.get<JobParams>('/services/data/:version/jobs/ingest/:id/unprocessedrecords', async (request, reply) =>
    sendCsv(reply, job(request).unprocessedRecords()),
  );
}

import { InvalidUpload, type LineEnding, parseUpload, resultCsv } from './bulk-csv.js';
import { type BulkColumn, rowBody } from './bulk-row.js';
import { formatDateTime } from './coerce.js';
import type { SalesforceContext } from './context.js';
import type { DmlContext, SaveResult } from './dml.js';
import { type RecordError, recordError } from './errors.js';
import { formatId, isIdShaped, normaliseId } from './ids.js';
import {
  deleteRecordById,
  duplicateKeys,
  insertRecord,
  updateRecordById,
  upsertRecord,
} from './record-ops.js';
import type { SalesforceField, SalesforceObject } from './types.js';

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** Salesforce splits ingest data into batches of this many rows; each counts against the daily batch allocation. */
const ROWS_PER_BATCH = 10_000;
/** A closed job starts on its first poll, or after this long if nobody polls. */
const START_DELAY_MS = 200;
const KEPT_FINISHED_JOBS = 20;

export interface NewJob {
  object: SalesforceObject;
  operation: IngestOperation;
  externalIdField: SalesforceField | null;
  lineEnding: LineEnding;
  columnDelimiter: string;
  delimiter: string;
  apiVersion: number;
  createdById: string;
}

interface Success {
  row: string[];
  id: string;
  created: boolean;
}

interface Failure {
  row: string[];
  id: string;
  errors: RecordError[];
}

/** `CODE:message:fields --`, the format of `sf__Error` (fields comma-separated, absent when none). */
export function bulkErrorText(errors: RecordError[]): string {
  return errors
    .map((e) => `${e.statusCode}:${e.message}:${e.fields.length > 0 ? `${e.fields.join(',')} ` : ''}--`)
    .join(' ');
}

/** A reproducible shuffle per job: Salesforce does not keep the upload's order in results. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export class IngestJob {
  state: JobState = 'Open';
  errorMessage: string | undefined;
  readonly createdDate = formatDateTime(new Date());
  systemModstamp = this.createdDate;
  private upload = '';
  private uploaded = false;
  private header: string[] = [];
  private rows: string[][] = [];
  private processed = 0;
  private readonly successes: Success[] = [];
  private readonly failures: Failure[] = [];
  private started = false;
  private observed = false;
  private abortRequested = false;
  private startedAt = 0;
  private finishedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    private readonly sequence: number,
    readonly spec: NewJob,
  ) {}

  get hasData(): boolean {
    return this.uploaded;
  }

  addData(text: string): void {
    this.upload = text;
    this.uploaded = true;
    this.touch();
  }

  private touch(): void {
    this.systemModstamp = formatDateTime(new Date());
  }

  /** A poll must see the job in progress at least once before it ends, as on a real org. */
  private reportedState(): JobState {
    if ((this.state === 'JobComplete' || this.state === 'Failed') && !this.observed) return 'InProgress';
    return this.state;
  }

  /** `GET …/jobs/ingest/{id}`: the first poll of a closed job starts it. */
  poll(base: string, start: () => void): Record<string, unknown> {
    if (this.state === 'UploadComplete') start();
    const info = this.info(base);
    if (info.state === 'InProgress') this.observed = true;
    return info;
  }

  info(base: string): Record<string, unknown> {
    const { spec } = this;
    const state = this.reportedState();
    return {
      id: this.id,
      operation: spec.operation,
      object: spec.object.name,
      createdById: spec.createdById,
      createdDate: this.createdDate,
      systemModstamp: this.systemModstamp,
      state,
      ...(spec.externalIdField ? { externalIdFieldName: spec.externalIdField.name } : {}),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: spec.apiVersion,
      jobType: 'V2Ingest',
      contentUrl: `${base.replace(/^\//, '')}/jobs/ingest/${this.id}/batches`,
      lineEnding: spec.lineEnding,
      columnDelimiter: spec.columnDelimiter,
      numberRecordsProcessed: this.processed,
      numberRecordsFailed: this.failures.length,
      retries: 0,
      totalProcessingTime: this.finishedAt > 0 ? this.finishedAt - this.startedAt : 0,
      apiActiveProcessingTime: this.finishedAt > 0 ? this.finishedAt - this.startedAt : 0,
      apexProcessingTime: 0,
      ...(state === 'Failed' && this.errorMessage ? { errorMessage: this.errorMessage } : {}),
    };
  }

  scheduleStart(start: () => void): void {
    this.state = 'UploadComplete';
    this.touch();
    this.timer = setTimeout(start, START_DELAY_MS);
    this.timer.unref();
  }

  /** Starts processing once; `run` does the work. */
  begin(run: () => Promise<void>): void {
    if (this.started || this.state !== 'UploadComplete') return;
    clearTimeout(this.timer);
    this.started = true;
    this.state = 'InProgress';
    this.startedAt = Date.now();
    setImmediate(() => {
      run().catch((error: unknown) => {
        this.fail(`InternalServerError : ${(error as Error).message}`);
      });
    });
  }

  abort(): boolean {
    if (['JobComplete', 'Failed', 'Aborted'].includes(this.state)) return false;
    clearTimeout(this.timer);
    this.abortRequested = true;
    if (!this.started) this.state = 'Aborted';
    this.touch();
    return true;
  }

  get aborting(): boolean {
    return this.abortRequested;
  }

  fail(message: string): void {
    this.state = 'Failed';
    this.errorMessage = message;
    this.finish();
  }

  finish(): void {
    if (this.state === 'InProgress') this.state = this.abortRequested ? 'Aborted' : 'JobComplete';
    this.finishedAt = Date.now();
    this.touch();
  }

  /** Reads the upload once; the rows replace the text. */
  parse(): { header: string[]; rows: string[][] } {
    const csv = parseUpload(this.upload, this.spec.delimiter, this.spec.lineEnding);
    this.upload = '';
    this.header = csv.header;
    this.rows = csv.rows;
    return csv;
  }

  get finished(): boolean {
    return ['JobComplete', 'Failed', 'Aborted'].includes(this.state);
  }

  record(row: string[], result: SaveResult): void {
    this.processed++;
    if (result.success) this.successes.push({ row, id: result.id, created: result.created });
    else this.failures.push({ row, id: '', errors: result.errors });
  }

  successfulResults(): string {
    return resultCsv(
      this.header.length > 0 ? ['sf__Id', 'sf__Created', ...this.header] : [],
      shuffled(this.successes, this.sequence).map((s) => [s.id, String(s.created), ...s.row]),
    );
  }

  failedResults(): string {
    return resultCsv(
      this.header.length > 0 ? ['sf__Id', 'sf__Error', ...this.header] : [],
      shuffled(this.failures, this.sequence + 1).map((f) => [f.id, bulkErrorText(f.errors), ...f.row]),
    );
  }

  unprocessedRecords(): string {
    if (!this.started && this.upload !== '') {
      // An aborted job never read its data: every row of it is unprocessed.
      try {
        this.parse();
      } catch {
        // Unreadable data has no rows to list.
      }
    }
    return resultCsv(this.header, this.rows.slice(this.processed));
  }
}

function applyRow(
  dml: DmlContext,
  job: NewJob,
  body: Record<string, unknown>,
  duplicates: ReadonlySet<string>,
): SaveResult {
  const { object } = job;
  const idKey = Object.keys(body).find((k) => k.toLowerCase() === 'id');
  switch (job.operation) {
    case 'insert':
      return insertRecord(dml, object, body);
    case 'update':
      return updateRecordById(dml, object, body);
    case 'delete':
    case 'hardDelete': {
      const id = idKey ? body[idKey] : undefined;
      if (typeof id !== 'string') {
        return {
          success: false,
          errors: [recordError('MISSING_ARGUMENT', 'Id not specified in a delete call', ['Id'])],
        };
      }
      return deleteRecordById(dml, id, object);
    }
    case 'upsert': {
      const match = job.externalIdField as SalesforceField;
      if (match.type === 'id')
        return idKey ? updateRecordById(dml, object, body) : insertRecord(dml, object, body);
      return upsertRecord(dml, object, match, body, duplicates);
    }
  }
}

/** The ingest jobs of one sandbox server, and the work of processing them against the store. */
export class IngestJobs {
  private readonly jobs = new Map<string, IngestJob>();
  private sequence = 0;
  /** Batches consumed since the server started (Salesforce's DailyBulkApiBatches). */
  batchesUsed = 0;

  constructor(private readonly ctx: SalesforceContext) {}

  create(spec: NewJob): IngestJob {
    this.evict();
    this.sequence++;
    const job = new IngestJob(formatId('750', this.sequence), this.sequence, spec);
    this.jobs.set(job.id, job);
    return job;
  }

  /** Finished jobs beyond the newest few are forgotten, so a long benchmark does not hold every row. */
  private evict(): void {
    const finished = [...this.jobs.values()].filter((job) => job.finished);
    for (const job of finished.slice(0, Math.max(0, finished.length - KEPT_FINISHED_JOBS)))
      this.jobs.delete(job.id);
  }

  get(id: string): IngestJob | undefined {
    return this.jobs.get(isIdShaped(id) ? normaliseId(id) : id);
  }

  list(): IngestJob[] {
    return [...this.jobs.values()];
  }

  delete(id: string): boolean {
    const job = this.get(id);
    if (!job) return false;
    job.abort();
    return this.jobs.delete(job.id);
  }

  close(job: IngestJob): void {
    job.scheduleStart(() => this.start(job));
  }

  start(job: IngestJob): void {
    job.begin(() => this.process(job));
  }

  private async process(job: IngestJob): Promise<void> {
    let csv: { header: string[]; rows: string[][] };
    let columns: BulkColumn[];
    try {
      csv = job.parse();
      columns = columnsOf(this.ctx, job.spec, csv.header);
    } catch (error) {
      if (!(error instanceof InvalidUpload)) throw error;
      job.fail(error.message);
      return;
    }
    const bodies = csv.rows.map((row) => rowBody(columns, row));
    const match = job.spec.externalIdField;
    const duplicates =
      job.spec.operation === 'upsert' && match && match.type !== 'id'
        ? duplicateKeys(
            match,
            bodies.flatMap((b) => ('body' in b ? [b.body] : [])),
          )
        : new Set<string>();
    for (let start = 0; start < csv.rows.length; start += ROWS_PER_BATCH) {
      if (job.aborting) break;
      this.batchesUsed++;
      const dml = this.ctx.dml(false);
      for (let i = start; i < Math.min(start + ROWS_PER_BATCH, csv.rows.length); i++) {
        const parsed = bodies[i] as ReturnType<typeof rowBody>;
        const result: SaveResult =
          'errors' in parsed
            ? { success: false, errors: parsed.errors }
            : applyRow(dml, job.spec, parsed.body, duplicates);
        job.record(csv.rows[i] as string[], result);
      }
      await this.ctx.store.save();
      await new Promise((resolve) => setImmediate(resolve));
    }
    job.finish();
  }
}

function columnsOf(ctx: SalesforceContext, spec: NewJob, header: string[]): BulkColumn[] {
  const seen = new Set<string>();
  const columns = header.map((name): BulkColumn => {
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new InvalidUpload(`InvalidBatch : Duplicate field name: ${name}`);
    seen.add(lower);
    const dot = name.indexOf('.');
    if (dot > 0) {
      const relationship = name.slice(0, dot);
      const fieldName = name.slice(dot + 1);
      const reference = ctx.registry.relationship(spec.object, relationship);
      const parent = reference && ctx.registry.get(reference.referenceTo[0] ?? '');
      if (!reference || !parent || !ctx.registry.field(parent, fieldName)) {
        throw new InvalidUpload(`InvalidBatch : Field name not found : ${name}`);
      }
      return {
        kind: 'relationship',
        name,
        relationship: reference.relationshipName as string,
        field: fieldName,
      };
    }
    const field = ctx.registry.field(spec.object, name);
    if (!field) throw new InvalidUpload(`InvalidBatch : Field name not found : ${name}`);
    return { kind: 'field', name, field };
  });
  if (
    (spec.operation === 'delete' || spec.operation === 'hardDelete' || spec.operation === 'update') &&
    header.length > 0
  ) {
    if (!seen.has('id')) throw new InvalidUpload('InvalidBatch : Field name not found : Id');
  }
  return columns;
}

import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { LoggedRecord, Page } from '../../state/history/run-history.js';
import { redact } from '../../util/redact.js';
import { snakeCaseKeys } from '../../util/snake-case-keys.js';
import { formatTable } from '../views/table.js';

/** The record_log columns, in its order: CSV header, JSON keys and table columns alike. */
const COLUMNS = [
  'sync_id',
  'record_key',
  'operation',
  'attempt',
  'status',
  'destination_id',
  'error_code',
  'error_message',
  'transient',
  'logged_at',
] as const;

type Out = NodeJS.WritableStream;

/**
 * Writes the record log page by page as it is read, so an export holds one page in memory and
 * waits whenever the reader (a pipe, a file) is slower than the warehouse.
 */
export async function writeRecords(
  pages: AsyncIterable<Page<LoggedRecord>>,
  format: 'table' | 'json' | 'csv',
  runId: string,
  out: Out = process.stdout,
): Promise<number> {
  let written = 0;
  const rows = async function* () {
    for await (const page of pages) {
      written += page.items.length;
      yield page.items.map(maskedRow);
    }
  };
  if (format === 'csv') {
    await pipeline(
      Readable.from(flatten(rows())),
      stringify({ header: true, columns: [...COLUMNS], cast: { boolean: (value) => String(value) } }),
      async (chunks: AsyncIterable<string | Buffer>) => {
        for await (const chunk of chunks) await write(out, chunk);
      },
    );
    return written;
  }
  if (format === 'json') {
    await write(out, `{\n  "run_id": ${JSON.stringify(runId)},\n  "records": [`);
    let first = true;
    for await (const page of rows()) {
      if (page.length === 0) continue;
      const text = page.map((row) => `\n    ${JSON.stringify(row)}`).join(',');
      await write(out, `${first ? '' : ','}${text}`);
      first = false;
    }
    await write(out, `${first ? '' : '\n  '}]\n}\n`);
    return written;
  }
  let header = true;
  for await (const page of rows()) {
    if (page.length === 0) continue;
    const cells = page.map((row) =>
      COLUMNS.map((column) => (row[column] === null ? '' : String(row[column]))),
    );
    const table = formatTable([...COLUMNS], cells, 60);
    // Each page is aligned on its own; the header is printed once.
    await write(out, `${header ? table : table.slice(table.indexOf('\n') + 1)}\n`);
    header = false;
  }
  if (header) await write(out, 'No records match.\n');
  return written;
}

type Row = Record<(typeof COLUMNS)[number], string | number | boolean | null>;

function maskedRow(record: LoggedRecord): Row {
  const row = snakeCaseKeys(record) as Row;
  for (const column of COLUMNS) {
    const value = row[column];
    if (typeof value === 'string') row[column] = redact(value);
  }
  return row;
}

async function* flatten<T>(pages: AsyncIterable<T[]>): AsyncIterable<T> {
  for await (const page of pages) yield* page;
}

async function write(out: Out, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import type { LoggedRecord, Page } from '../../state/history/run-history.js';
import { STATE_COLUMNS } from '../../state/state-tables.js';
import { redact } from '../../util/redact.js';
import { formatTable } from '../views/table.js';

/** The record_log columns but the run, in its order: CSV header, JSON keys and table columns alike. */
const COLUMNS = STATE_COLUMNS.record_log.filter((column) => column !== 'run_id');

type Value = string | number | boolean | null;
type Out = NodeJS.WritableStream;

/**
 * Writes the record log page by page as it is read, so an export holds one page in memory and
 * waits whenever the reader (a pipe, a file) is slower than the warehouse. Each page's text is
 * masked whole: a page holds whole rows, so no secret is split between two.
 */
export async function writeRecords(
  pages: AsyncIterable<Page<LoggedRecord>>,
  format: 'table' | 'json' | 'csv',
  runId: string,
  out: Out = process.stdout,
): Promise<number> {
  let written = 0;
  const page = PAGE_TEXT[format];
  if (format === 'json') await write(out, `{\n  "run_id": ${redact(JSON.stringify(runId))},\n  "records": [`);
  for await (const { items } of pages) {
    if (items.length === 0) continue;
    await write(out, redact(page(items.map(values), written === 0)));
    written += items.length;
  }
  if (format === 'json') await write(out, `${written === 0 ? '' : '\n  '}]\n}\n`);
  if (format === 'table' && written === 0) await write(out, 'No records match.\n');
  return written;
}

type PageText = (rows: Value[][], first: boolean) => string;

const PAGE_TEXT: Record<'table' | 'json' | 'csv', PageText> = {
  csv: (rows, first) =>
    stringify(rows, { header: first, columns: [...COLUMNS], cast: { boolean: (value) => String(value) } }),
  // One record per line inside the document, so it can be written a page at a time.
  json: (rows, first) => {
    const lines = rows.map(
      (row) => `\n    {${row.map((value, i) => `"${COLUMNS[i]}":${JSON.stringify(value)}`).join(',')}}`,
    );
    return `${first ? '' : ','}${lines.join(',')}`;
  },
  // Each page is aligned on its own; the header is printed once.
  table: (rows, first) => {
    const cells = rows.map((row) => row.map((value) => (value === null ? '' : String(value))));
    const table = formatTable([...COLUMNS], cells, 60);
    return `${first ? table : table.slice(table.indexOf('\n') + 1)}\n`;
  },
};

function values(record: LoggedRecord): Value[] {
  return [
    record.syncId,
    record.recordKey,
    record.operation,
    record.attempt,
    record.status,
    record.destinationId,
    record.errorCode,
    record.errorMessage,
    record.transient,
    record.loggedAt,
  ];
}

async function write(out: Out, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

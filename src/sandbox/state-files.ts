import { createReadStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

export interface StoredRecord {
  id: string;
  fields: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  archived?: boolean;
}

export type Tables = Record<string, Record<string, StoredRecord>>;

export interface StateData {
  counters: Record<string, number>;
  objects: Tables;
}

/**
 * One line of the journal or of a snapshot's body. Every entry carries a record's whole state,
 * so replaying an entry twice, or over a snapshot that already holds it, changes nothing.
 */
export type StateEntry =
  | { p: string; r: StoredRecord }
  | { d: string; id: string }
  | { c: string; n: number }
  | { clear: true };

/**
 * A snapshot is one JSON document (`{version, generation, counters, objects}`, readable with
 * JSON.parse) laid out with one record per line, so it is written and read in a stream:
 *   {"version":2,"generation":3,"counters":{…},"objects":{
 *   "hubspot.contacts":{
 *   "101":{…record…},
 *   "102":{…record…}
 *   }
 *   }}
 */
interface SnapshotHeader {
  version: 2;
  generation: number;
  counters: Record<string, number>;
}

export interface JournalHeader {
  sandbox: 'journal';
  version: 2;
  generation: number;
}

/** The state file written by versions that kept everything in one JSON document. */
interface LegacyState {
  version: 1;
  counters: Record<string, number>;
  objects: Tables;
}

export function emptyState(): StateData {
  return { counters: {}, objects: {} };
}

export function applyEntry(data: StateData, entry: StateEntry): void {
  if ('p' in entry) {
    data.objects[entry.p] ??= {};
    (data.objects[entry.p] as Record<string, StoredRecord>)[entry.r.id] = entry.r;
  } else if ('d' in entry) {
    const table = data.objects[entry.d];
    if (table) delete table[entry.id];
  } else if ('c' in entry) {
    data.counters[entry.c] = entry.n;
  } else if (entry.clear) {
    data.counters = {};
    data.objects = {};
  }
}

export interface LineScan {
  found: boolean;
  /** Bytes up to and including the last newline: what follows is a write cut short by a crash. */
  cleanBytes: number;
  /** Text after the last newline. */
  tail: string;
}

/** Calls `onLine` for every complete line of a file, streaming so that any size loads. */
export async function scanLines(file: string, onLine: (line: string) => void): Promise<LineScan> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 8 * 1024 * 1024 })) {
      bytes += (chunk as Buffer).length;
      const text = rest + decoder.write(chunk as Buffer);
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        if (end > start) onLine(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { found: false, cleanBytes: 0, tail: '' };
    throw error;
  }
  rest += decoder.end();
  return { found: true, cleanBytes: bytes - Buffer.byteLength(rest), tail: rest };
}

export interface LoadedSnapshot {
  generation: number;
  data: StateData;
  bytes: number;
}

/** Reads a snapshot (or a state file of the earlier single-line format); missing means empty. */
export async function readSnapshot(file: string): Promise<LoadedSnapshot> {
  let header: SnapshotHeader | undefined;
  let legacy: LegacyState | undefined;
  let table: Record<string, StoredRecord> | undefined;
  const data = emptyState();
  const onLine = (raw: string) => {
    const line = raw.endsWith(',') ? raw.slice(0, -1) : raw;
    if (!header && !legacy) {
      const whole = parseOr(line);
      if (whole && (whole as LegacyState).version === 1) legacy = whole as LegacyState;
      else {
        header = parseOr(`${line}}}`) as SnapshotHeader | undefined;
        if (header?.version !== 2) throw new Error(`${file} is not a sandbox state file`);
        data.counters = { ...header.counters };
      }
    } else if (line === '}' || line === '}}') {
      table = undefined;
    } else if (table) {
      const keyEnd = closingQuote(line);
      table[JSON.parse(line.slice(0, keyEnd + 1)) as string] = JSON.parse(
        line.slice(keyEnd + 2),
      ) as StoredRecord;
    } else {
      const name = Object.keys(JSON.parse(`{${line}}}`) as object)[0] as string;
      table = {};
      data.objects[name] = table;
    }
  };
  const scan = await scanLines(file, onLine);
  if (scan.tail.trim() !== '') onLine(scan.tail);
  const bytes = scan.cleanBytes + scan.tail.length;
  if (legacy) return { generation: 0, data: { counters: legacy.counters, objects: legacy.objects }, bytes };
  return { generation: header?.generation ?? 0, data, bytes };
}

/** Index of the quote closing the JSON string that opens `line`. */
function closingQuote(line: string): number {
  let i = 1;
  while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
  return i;
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface LoadedJournal {
  generation: number;
  found: boolean;
  entries: number;
  cleanBytes: number;
  torn: boolean;
}

/**
 * Replays a journal over `data` when its generation is at least `minGeneration` (an older one
 * is already inside the snapshot). A torn last line, from a crash mid-append, is ignored.
 */
export async function replayJournal(
  file: string,
  data: StateData,
  minGeneration: number,
): Promise<LoadedJournal> {
  let header: JournalHeader | undefined;
  let skip = false;
  let entries = 0;
  const scan = await scanLines(file, (line) => {
    if (!header) {
      header = JSON.parse(line) as JournalHeader;
      skip = header.generation < minGeneration;
      return;
    }
    if (skip) return;
    applyEntry(data, JSON.parse(line) as StateEntry);
    entries++;
  });
  return {
    generation: header?.generation ?? -1,
    found: scan.found && header !== undefined,
    entries,
    cleanBytes: scan.cleanBytes,
    torn: scan.tail !== '',
  };
}

export function journalHeader(generation: number): string {
  const header: JournalHeader = { sandbox: 'journal', version: 2, generation };
  return `${JSON.stringify(header)}\n`;
}

const CHUNK_CHARS = 4 * 1024 * 1024;

/**
 * Writes a snapshot to a temporary file renamed over `file`, so a crash leaves the old one;
 * returns its size.
 * Records are read chunk by chunk between writes: ones that change meanwhile are also in the
 * journal begun before, which is replayed over this snapshot.
 */
export async function writeSnapshot(
  file: string,
  generation: number,
  counters: Record<string, number>,
  objects: Tables,
): Promise<number> {
  let bytes = 0;
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    const header = JSON.stringify({ version: 2, generation, counters } satisfies SnapshotHeader);
    let chunk = `${header.slice(0, -1)},"objects":{`;
    let firstTable = true;
    for (const [name, table] of Object.entries(objects)) {
      chunk += `${firstTable ? '' : ','}\n${JSON.stringify(name)}:{`;
      firstTable = false;
      let firstRecord = true;
      for (const id of Object.keys(table)) {
        const record = table[id];
        if (!record) continue;
        chunk += `${firstRecord ? '' : ','}\n${JSON.stringify(id)}:${JSON.stringify(record)}`;
        firstRecord = false;
        if (chunk.length >= CHUNK_CHARS) {
          bytes += (await handle.write(chunk)).bytesWritten;
          chunk = '';
        }
      }
      chunk += '\n}';
    }
    chunk += '\n}}\n';
    bytes += (await handle.write(chunk)).bytesWritten;
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  return bytes;
}

import { type FileHandle, open, readdir, rename, rm, truncate } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SpokeError } from '../errors.js';
import {
  emptyState,
  journalHeader,
  readSnapshot,
  replayJournal,
  type StateData,
  type StoredRecord,
  writeSnapshot,
} from './state-files.js';
import { acquireStateLock, releaseStateLock } from './state-lock.js';

export type { StoredRecord } from './state-files.js';

export type SandboxSystem = 'salesforce' | 'hubspot';

export interface SandboxStoreOptions {
  /** Reads the state without taking the lock (a server may be running); `save()` then refuses. */
  readOnly?: boolean;
  /**
   * Journal size after which a snapshot is written and the journal restarted: this or the last
   * snapshot's size, whichever is larger, so rewriting a large state stays rare. Default 64 MiB.
   */
  compactAtBytes?: number;
}

const DEFAULT_COMPACT_AT = 64 * 1024 * 1024;

interface Paths {
  snapshot: string;
  journal: string;
  /** The journal being folded into a snapshot by a compaction in progress. */
  previous: string;
}

const openStores = new Map<string, { store: SandboxStore; refs: number }>();

/**
 * Records held by the sandbox servers. With a file, state persists as a snapshot (`<file>`)
 * plus an append-only journal (`<file>.journal`) of whole-record changes: `save()` appends the
 * records changed since the last save in one write, so its cost follows the request, not the
 * state's size; a killed process loses nothing `save()` acknowledged. `close()` (or a journal
 * past `compactAtBytes`) writes a fresh snapshot. `<file>.lock` keeps a second process out;
 * within one process, opening the same file again returns the same store.
 *
 * Callers change records by assigning or deleting keys of `table(...)` (tracked), or by changing
 * a record in place and then calling `touch(...)`.
 */
export class SandboxStore {
  private data: StateData;
  private readonly proxies = new Map<string, Record<string, StoredRecord>>();
  private dirty = new Map<string, Set<string>>();
  private dirtyCounters = new Set<string>();
  private pendingClear = false;
  private chain: Promise<void> = Promise.resolve();
  private journal: FileHandle | undefined;
  private journalBytes = 0;
  private journalEntries = 0;
  private generation = 0;
  private snapshotBytes = 0;
  private compacting: Promise<void> | undefined;
  private compactionError: unknown;
  private lockFile: string | undefined;
  private closed = false;
  /** Write sequence: each object's last write, and the last clear, for `version`. */
  private writeSeq = 0;
  private readonly lastWrite = new Map<string, number>();
  private clearedAt = 0;

  private constructor(
    readonly file: string | null,
    private readonly paths: Paths | undefined,
    private readonly options: SandboxStoreOptions,
    loaded: StateData,
  ) {
    this.data = loaded;
  }

  static async open(file: string | null, options: SandboxStoreOptions = {}): Promise<SandboxStore> {
    if (!file) return new SandboxStore(null, undefined, options, emptyState());
    const path = resolve(file);
    const paths = { snapshot: path, journal: `${path}.journal`, previous: `${path}.journal.previous` };
    const shared = openStores.get(path);
    if (shared && !options.readOnly) {
      shared.refs++;
      return shared.store;
    }
    if (options.readOnly) {
      const { data } = await loadState(paths);
      return new SandboxStore(file, undefined, options, data);
    }
    const lockFile = await acquireStateLock(path);
    try {
      await removeLeftovers(path);
      const loaded = await loadState(paths);
      const store = new SandboxStore(file, paths, options, loaded.data);
      store.lockFile = lockFile;
      await store.openJournal(loaded);
      openStores.set(path, { store, refs: 1 });
      return store;
    } catch (error) {
      await releaseStateLock(lockFile);
      throw error;
    }
  }

  /** Live map of record id -> record for one object; assign/delete keys, then `save()`. */
  table(system: SandboxSystem, object: string): Record<string, StoredRecord> {
    const name = `${system}.${object}`;
    this.data.objects[name] ??= {};
    const table = this.data.objects[name];
    let proxy = this.proxies.get(name);
    if (!proxy) {
      proxy = new Proxy(table, {
        set: (target, key, value) => {
          target[key as string] = value as StoredRecord;
          if (typeof key === 'string') this.changed(name, key);
          return true;
        },
        deleteProperty: (target, key) => {
          delete target[key as string];
          if (typeof key === 'string') this.changed(name, key);
          return true;
        },
      });
      this.proxies.set(name, proxy);
    }
    return proxy;
  }

  /** Marks a record changed in place (`record.fields.x = …`) so the next `save()` journals it. */
  touch(system: SandboxSystem, object: string, id: string): void {
    this.changed(`${system}.${object}`, id);
  }

  /**
   * Changes whenever a record of the object is written, removed or touched, or the store is
   * cleared: an index derived from the records is current while its version is.
   */
  version(system: SandboxSystem, object: string): number {
    return Math.max(this.lastWrite.get(`${system}.${object}`) ?? 0, this.clearedAt);
  }

  records(system: SandboxSystem, object: string): StoredRecord[] {
    return Object.values(this.data.objects[`${system}.${object}`] ?? {});
  }

  objects(system: SandboxSystem): string[] {
    const prefix = `${system}.`;
    return Object.keys(this.data.objects)
      .filter((name) => name.startsWith(prefix))
      .map((name) => name.slice(prefix.length));
  }

  /** Next sequence number for an object's ids; callers format it the way the real service does. */
  nextSequence(system: SandboxSystem, object: string): number {
    const name = `${system}.${object}`;
    const next = (this.data.counters[name] ?? 0) + 1;
    this.data.counters[name] = next;
    if (this.paths) this.dirtyCounters.add(name);
    return next;
  }

  /** Removes every record (tests and `spoke sandbox --reset`). */
  clear(): void {
    this.data = emptyState();
    this.proxies.clear();
    this.clearedAt = ++this.writeSeq;
    if (!this.paths) return;
    this.dirty = new Map();
    this.dirtyCounters = new Set();
    this.pendingClear = true;
  }

  /**
   * Appends the changes made since the last call to the journal; resolves once they (and every
   * earlier save) are written. Concurrent calls are serialised.
   */
  save(): Promise<void> {
    if (this.options.readOnly) {
      return Promise.reject(
        new SpokeError('SPOKE_SANDBOX', `The sandbox state ${this.file} was opened read-only.`),
      );
    }
    if (!this.paths) return Promise.resolve();
    if (this.compactionError) {
      const error = this.compactionError;
      this.compactionError = undefined;
      return Promise.reject(error);
    }
    const text = this.drain();
    if (!text) return this.enqueue(async () => {});
    return this.enqueue(async () => {
      await this.journal?.write(text);
      this.journalBytes += text.length;
      this.journalEntries++;
      const threshold = Math.max(this.options.compactAtBytes ?? DEFAULT_COMPACT_AT, this.snapshotBytes);
      if (this.journalBytes >= threshold && !this.compacting) {
        void this.compact().catch((error: unknown) => {
          this.compactionError = error;
        });
      }
    });
  }

  /** Writes a snapshot of the current state and starts an empty journal. */
  compact(): Promise<void> {
    const paths = this.paths;
    if (!paths) return Promise.resolve();
    const run = async () => {
      const frozen = await this.enqueue(() => this.rotateJournal(paths));
      this.snapshotBytes = await writeSnapshot(
        paths.snapshot,
        frozen.generation,
        frozen.counters,
        frozen.objects,
      );
      await rm(paths.previous, { force: true });
    };
    const compaction = (this.compacting ?? Promise.resolve())
      .catch(() => undefined)
      .then(run)
      .finally(() => {
        if (this.compacting === compaction) this.compacting = undefined;
      });
    this.compacting = compaction;
    return compaction;
  }

  /** Saves, writes a snapshot when the journal holds changes, and releases the lock. */
  async close(): Promise<void> {
    if (!this.paths || !this.file || this.closed) return;
    const path = resolve(this.file);
    const shared = openStores.get(path);
    if (shared && shared.store === this && --shared.refs > 0) return;
    openStores.delete(path);
    this.closed = true;
    try {
      await this.save();
      await this.compacting;
      if (this.journalEntries > 0) await this.compact();
      await this.enqueue(async () => {
        await this.journal?.close();
        this.journal = undefined;
      });
    } finally {
      if (this.lockFile) await releaseStateLock(this.lockFile);
    }
  }

  private changed(table: string, id: string): void {
    this.lastWrite.set(table, ++this.writeSeq);
    if (this.paths) this.mark(table, id);
  }

  private mark(table: string, id: string): void {
    let ids = this.dirty.get(table);
    if (!ids) {
      ids = new Set();
      this.dirty.set(table, ids);
    }
    ids.add(id);
  }

  /** The journal lines for every change since the last call, built synchronously. */
  private drain(): string {
    let text = this.pendingClear ? '{"clear":true}\n' : '';
    this.pendingClear = false;
    for (const [name, ids] of this.dirty) {
      const table = this.data.objects[name] ?? {};
      const quoted = JSON.stringify(name);
      for (const id of ids) {
        const record = table[id];
        text += record
          ? `{"p":${quoted},"r":${JSON.stringify(record)}}\n`
          : `{"d":${quoted},"id":${JSON.stringify(id)}}\n`;
      }
    }
    for (const name of this.dirtyCounters) {
      text += `{"c":${JSON.stringify(name)},"n":${this.data.counters[name] ?? 0}}\n`;
    }
    this.dirty = new Map();
    this.dirtyCounters = new Set();
    return text;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async openJournal(loaded: LoadedState): Promise<void> {
    const paths = this.paths as Paths;
    this.generation = loaded.generation;
    this.snapshotBytes = loaded.snapshotBytes;
    if (loaded.previousPending) {
      // Fold both journals into a snapshot before appending again, or the next compaction
      // would move the current journal over the one still needed.
      this.generation++;
      this.snapshotBytes = await writeSnapshot(
        paths.snapshot,
        this.generation,
        this.data.counters,
        this.data.objects,
      );
      await this.startJournal(paths, this.generation);
    }
    await rm(paths.previous, { force: true });
    if (loaded.previousPending) return;
    if (!loaded.journal.found || loaded.journal.generation < loaded.generation) {
      await this.startJournal(paths, loaded.generation);
      return;
    }
    if (loaded.journal.torn) await truncate(paths.journal, loaded.journal.cleanBytes);
    this.journal = await open(paths.journal, 'a');
    this.journalBytes = loaded.journal.cleanBytes;
    this.journalEntries = loaded.journal.entries;
  }

  private async startJournal(paths: Paths, generation: number): Promise<void> {
    const tmp = `${paths.journal}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w');
    await handle.write(journalHeader(generation));
    await handle.close();
    await rename(tmp, paths.journal);
    this.journal = await open(paths.journal, 'a');
    this.journalBytes = 0;
    this.journalEntries = 0;
  }

  /** Moves the journal aside and starts the next generation's; returns what the snapshot holds. */
  private async rotateJournal(paths: Paths) {
    await this.journal?.close();
    await rename(paths.journal, paths.previous);
    this.generation++;
    await this.startJournal(paths, this.generation);
    return {
      generation: this.generation,
      counters: { ...this.data.counters },
      objects: this.data.objects,
    };
  }
}

/** Temporary files of a process killed while writing a snapshot or starting a journal. */
async function removeLeftovers(path: string): Promise<void> {
  const prefix = basename(path);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp'))
      await rm(join(dirname(path), name), { force: true });
  }
}

interface LoadedState {
  generation: number;
  snapshotBytes: number;
  data: StateData;
  /** A compaction was cut short before its snapshot replaced the old one. */
  previousPending: boolean;
  journal: Awaited<ReturnType<typeof replayJournal>>;
}

/**
 * Snapshot, then the journal a running compaction moved aside, then the current journal. A
 * reader racing a compaction can see a journal newer than the snapshot it read: it reads again.
 */
async function loadState(paths: Paths): Promise<LoadedState> {
  for (let attempt = 0; ; attempt++) {
    const snapshot = await readSnapshot(paths.snapshot);
    const previous = await replayJournal(paths.previous, snapshot.data, snapshot.generation);
    const journal = await replayJournal(paths.journal, snapshot.data, snapshot.generation);
    const previousPending = previous.found && previous.generation >= snapshot.generation;
    const oldest = previousPending ? previous.generation : journal.generation;
    const consistent = !journal.found || oldest <= snapshot.generation;
    if (consistent || attempt >= 3) {
      return {
        generation: snapshot.generation,
        snapshotBytes: snapshot.bytes,
        data: snapshot.data,
        previousPending,
        journal,
      };
    }
  }
}

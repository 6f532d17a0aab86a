import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type SandboxSystem = 'salesforce' | 'hubspot';

export interface StoredRecord {
  id: string;
  fields: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  archived?: boolean;
}

interface StoreFile {
  version: 1;
  counters: Record<string, number>;
  objects: Record<string, Record<string, StoredRecord>>;
}

/**
 * Records held by the sandbox servers, persisted to one JSON file under the project so that
 * successive runs (and `spoke sandbox records`) see what earlier runs wrote. Writes go to a
 * temporary file renamed over the old one, so a killed process never leaves half a file.
 */
export class SandboxStore {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string | null,
    private data: StoreFile,
  ) {}

  static async open(file: string | null): Promise<SandboxStore> {
    if (file) {
      try {
        const parsed = JSON.parse(await readFile(file, 'utf8')) as StoreFile;
        if (parsed.version === 1) return new SandboxStore(file, parsed);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return new SandboxStore(file, { version: 1, counters: {}, objects: {} });
  }

  /** Live map of record id -> record for one object; mutate it, then call `save()`. */
  table(system: SandboxSystem, object: string): Record<string, StoredRecord> {
    const name = `${system}.${object}`;
    this.data.objects[name] ??= {};
    return this.data.objects[name];
  }

  records(system: SandboxSystem, object: string): StoredRecord[] {
    return Object.values(this.table(system, object));
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
    return next;
  }

  /** Removes every record (tests and `spoke sandbox --reset`). */
  clear(): void {
    this.data = { version: 1, counters: {}, objects: {} };
  }

  /** Persists the current state; concurrent calls are serialised. */
  save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    this.saving = this.saving.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(this.data));
      await rename(tmp, file);
    });
    return this.saving;
  }
}

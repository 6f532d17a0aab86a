import { SpokeError } from '../errors.js';

export const MEMORY_LIMIT_VARIABLE = 'SPOKE_DUCKDB_MEMORY_LIMIT';

/**
 * What one planning thread needs before DuckDB fails a join instead of spilling it: a 1M-row
 * --full-refresh plan failed with "Out of Memory" at 96MB on two threads and ran at 80MB on
 * one. Under a limit, planning takes as many threads as it affords.
 */
export const PLANNING_THREAD_MEMORY = 64e6;

export interface MemoryLimit {
  /** As DuckDB's `memory_limit` takes it. */
  setting: string;
  bytes: number;
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * The memory limit SPOKE_DUCKDB_MEMORY_LIMIT sets on spoke's DuckDB instance, or null for
 * DuckDB's default (80% of RAM, which DuckDB fills with cached blocks as a sync goes on). Under
 * a limit DuckDB evicts what is on disk and spills planning joins and materialised changes to
 * its temporary directory (`<database file>.tmp`), so memory stays flat; but what it cannot
 * evict fails a statement with "Out of Memory Error" once it reaches the limit, and that grows
 * with the rows a sync rewrites (~200 MB over a 1M-row --full-refresh, checkpoints or not). So
 * none is set unless asked for. DuckDB-only, but free of its driver (loaded by error messages).
 */
export function duckdbMemoryLimit(env: NodeJS.ProcessEnv = process.env): MemoryLimit | null {
  const setting = env[MEMORY_LIMIT_VARIABLE]?.trim();
  if (!setting) return null;
  const parsed = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(setting);
  const unit = parsed ? UNITS[parsed[2]!.toLowerCase()] : undefined;
  const bytes = parsed && unit ? Number(parsed[1]) * unit : Number.NaN;
  if (!(bytes >= PLANNING_THREAD_MEMORY)) {
    throw new SpokeError(
      'SPOKE_WAREHOUSE',
      `${MEMORY_LIMIT_VARIABLE}=${setting} is not a memory size of at least 64MB. Write it as DuckDB ` +
        `does, e.g. ${MEMORY_LIMIT_VARIABLE}=512MB or 2GB, or unset it to leave DuckDB's default.`,
    );
  }
  return { setting, bytes };
}

/** Threads the planning statements take: every core, as far as a limit affords them. */
export function planningThreads(limit: MemoryLimit | null, cores: number): number {
  if (!limit) return cores;
  return Math.max(1, Math.min(cores, Math.floor(limit.bytes / PLANNING_THREAD_MEMORY)));
}

// CPU seconds per process for the benchmark: the spoke process (through /usr/bin/time), the
// sandbox process and PostgreSQL's backends (from /proc). Linux only, as the bench is.
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/** utime + stime of a live process, in seconds; null once it is gone. */
export function processCpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime) are 11 and 12 after the state field.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU a process spends from now until `stop()`. */
export function cpuOf(pid: number): { stop(): number } {
  const start = processCpuSeconds(pid) ?? 0;
  return { stop: () => (processCpuSeconds(pid) ?? start) - start };
}

/**
 * CPU spent by the PostgreSQL backends serving one database until `stop()`: the database's
 * backends are found in pg_stat_activity every 200 ms and each one's CPU read from /proc, so
 * backends that come and go are counted (up to the last sample before they exit). Other
 * databases on the server (other work on a shared machine) are not counted, nor are the
 * server's background processes (checkpointer, WAL writer, autovacuum).
 */
export async function postgresCpuOf(
  connection: pg.ClientConfig,
  database: string,
): Promise<{ stop(): Promise<number> }> {
  const client = new pg.Client({ ...connection, database: 'postgres' });
  await client.connect();
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async () => {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    for (const { pid } of rows) {
      const seconds = processCpuSeconds(pid);
      if (seconds === null) continue;
      // A backend already running at the start counts from there; a new one from zero.
      if (!first.has(pid)) first.set(pid, sampling ? 0 : seconds);
      last.set(pid, seconds);
    }
  };
  let sampling = false;
  await sample();
  sampling = true;
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (running) await sample();
    }
  })();
  return {
    async stop() {
      await sample();
      running = false;
      await loop;
      await client.end();
      let total = 0;
      for (const [pid, seconds] of last) total += seconds - (first.get(pid) ?? 0);
      return total;
    },
  };
}

/** What /usr/bin/time reports for one command: user + system CPU seconds and peak RSS. */
export function parseTimeOutput(text: string): { cpuSeconds: number; maxRssMb: number } {
  const [user, system, rssKb] = text.trim().split(/\s+/).slice(-3).map(Number);
  return {
    cpuSeconds: (user ?? Number.NaN) + (system ?? Number.NaN),
    maxRssMb: (rssKb ?? Number.NaN) / 1024,
  };
}

/** The arguments that make /usr/bin/time write `parseTimeOutput`'s input to `file`. */
export function timeArgs(file: string): string[] {
  return ['-f', '%U %S %M', '-o', file];
}

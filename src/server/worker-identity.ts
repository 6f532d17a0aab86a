import { hostname } from 'node:os';
import { processExists } from '../util/process-exists.js';

/** A worker's id: `host:pid:random`, so a queue row names the process that holds it. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * True only when the worker surely died: it ran on this host in another process that no longer
 * exists. Anything else (another host, this process, an id in another shape, a pid reused by a
 * live process) is taken as alive, and its entries wait for the lease to expire.
 */
export function isDeadLocalWorker(workerId: string): boolean {
  const [host, pidText, ...rest] = workerId.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || rest.length !== 1 || !Number.isInteger(pid) || pid <= 0) return false;
  return pid !== process.pid && !processExists(pid);
}

import pLimit from 'p-limit';
import type { SyncSpec } from '../config/types.js';
import type { SyncGraph } from './sync-graph.js';

export type SyncRunStatus = 'ok' | 'failed' | 'skipped';

export interface RunGraphOptions {
  /** How many syncs may run at once. */
  concurrency: number;
  /** A sync that will never run because an upstream failed or was skipped. */
  onSkip: (spec: SyncSpec, reason: string) => void;
  /** A `run` that threw; it counts as failed. */
  onError?: (spec: SyncSpec, error: unknown) => void;
}

/**
 * Runs every sync once its upstreams finished ok, independent ones concurrently. A sync whose
 * upstream failed or was skipped is skipped with the reason, and so on downstream. Resolves
 * with each sync's status once nothing is left to run.
 */
export async function runGraph(
  graph: SyncGraph,
  run: (spec: SyncSpec) => Promise<'ok' | 'failed'>,
  options: RunGraphOptions,
): Promise<Map<string, SyncRunStatus>> {
  const limit = pLimit(Math.max(1, options.concurrency));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const waitingOn = new Map(graph.nodes.map((n) => [n.id, new Set<string>()]));
  const downstream = new Map(graph.nodes.map((n) => [n.id, [] as string[]]));
  for (const edge of graph.edges) {
    if (!byId.has(edge.from) || !byId.has(edge.to)) continue;
    waitingOn.get(edge.to)!.add(edge.from);
    downstream.get(edge.from)!.push(edge.to);
  }

  const status = new Map<string, SyncRunStatus>();
  const running: Promise<void>[] = [];

  const skip = (id: string, reason: string) => {
    if (status.has(id)) return;
    status.set(id, 'skipped');
    options.onSkip(byId.get(id)!, reason);
    for (const next of downstream.get(id)!) skip(next, `upstream ${id} was skipped`);
  };

  const finish = (id: string, outcome: 'ok' | 'failed') => {
    status.set(id, outcome);
    for (const next of downstream.get(id)!) {
      if (outcome === 'failed') {
        skip(next, `upstream ${id} failed`);
        continue;
      }
      const pending = waitingOn.get(next)!;
      pending.delete(id);
      if (pending.size === 0 && !status.has(next)) start(next);
    }
  };

  const start = (id: string) => {
    const spec = byId.get(id)!;
    running.push(
      limit(async () => {
        try {
          return await run(spec);
        } catch (error) {
          options.onError?.(spec, error);
          return 'failed' as const;
        }
      }).then((outcome) => finish(id, outcome === 'ok' ? 'ok' : 'failed')),
    );
  };

  for (const node of graph.nodes) if (waitingOn.get(node.id)!.size === 0) start(node.id);
  // Dependents are started from `finish`, so the list grows while we wait.
  for (let i = 0; i < running.length; i++) await running[i];
  return status;
}

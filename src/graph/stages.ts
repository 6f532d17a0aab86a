import type { SyncSpec } from '../config/types.js';
import type { SyncGraph } from './sync-graph.js';

/**
 * Topological levels: stage 0 has no upstreams, stage n waits only on earlier stages. For
 * display and tests; runGraph starts each sync as soon as its own upstreams finish.
 */
export function stages(graph: SyncGraph): SyncSpec[][] {
  const ids = new Set(graph.nodes.map((n) => n.id));
  const level = new Map<string, number>();
  const upstream = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (ids.has(edge.from) && ids.has(edge.to))
      upstream.set(edge.to, [...(upstream.get(edge.to) ?? []), edge.from]);
  }
  const depth = (id: string, path: Set<string>): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (path.has(id)) throw new Error(`sync graph has a cycle through ${id}; build it with buildSyncGraph`);
    path.add(id);
    const value = Math.max(-1, ...(upstream.get(id) ?? []).map((u) => depth(u, path))) + 1;
    path.delete(id);
    level.set(id, value);
    return value;
  };
  const result: SyncSpec[][] = [];
  for (const node of graph.nodes) {
    const index = depth(node.id, new Set());
    const stage = result[index] ?? [];
    stage.push(node);
    result[index] = stage;
  }
  return result.map((stage) => stage.sort((a, b) => a.id.localeCompare(b.id)));
}

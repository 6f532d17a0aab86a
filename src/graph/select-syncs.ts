import type { SyncSpec } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { closestMatches, formatList } from '../util/suggest.js';
import type { SyncGraph } from './sync-graph.js';

function closure(graph: SyncGraph, start: Set<string>, direction: 'up' | 'down'): Set<string> {
  const found = new Set(start);
  const queue = [...start];
  while (queue.length > 0) {
    const id = queue.pop()!;
    for (const edge of graph.edges) {
      const [here, there] = direction === 'up' ? [edge.to, edge.from] : [edge.from, edge.to];
      if (here === id && !found.has(there)) {
        found.add(there);
        queue.push(there);
      }
    }
  }
  return found;
}

function matching(graph: SyncGraph, name: string): SyncSpec[] {
  if (name.startsWith('destination:')) {
    const destination = name.slice('destination:'.length);
    return graph.nodes.filter((n) => n.destination === destination);
  }
  return graph.nodes.filter((n) => n.id === name || n.model === name);
}

/**
 * `--select`, dbt-like: a model name (all its syncs), a sync id, `destination:<name>`; `+x`
 * adds everything x waits for, `x+` everything waiting for x. Selectors are unions; a string
 * may hold several separated by spaces. Returns the selected part of the graph.
 */
export function selectSyncs(graph: SyncGraph, selectors: string[]): SyncGraph {
  const selected = new Set<string>();
  const unknown: string[] = [];
  for (const selector of selectors.flatMap((s) => s.split(/\s+/)).filter(Boolean)) {
    const upstream = selector.startsWith('+');
    const downstream = selector.length > 1 && selector.endsWith('+');
    const name = selector.slice(upstream ? 1 : 0, downstream ? -1 : undefined);
    const hits = new Set(matching(graph, name).map((n) => n.id));
    if (hits.size === 0) {
      unknown.push(name);
      continue;
    }
    const withUp = upstream ? closure(graph, hits, 'up') : hits;
    const withDown = downstream ? closure(graph, hits, 'down') : new Set<string>();
    for (const id of [...withUp, ...withDown]) selected.add(id);
  }
  if (unknown.length > 0) {
    const candidates = [
      ...graph.nodes.map((n) => n.model),
      ...graph.nodes.map((n) => n.id),
      ...graph.nodes.map((n) => `destination:${n.destination}`),
    ];
    throw new ConfigError(
      `--select matched no sync: ${unknown
        .map((name) => {
          const close = closestMatches(name, candidates, 3);
          return `\`${name}\`${close.length > 0 ? ` (did you mean ${formatList(close)}?)` : ''}`;
        })
        .join(
          ', ',
        )}. Select a model name, a sync id or destination:<name>; \`spoke validate\` lists the syncs.`,
      [],
      'SPOKE_USAGE',
    );
  }
  return {
    nodes: graph.nodes.filter((n) => selected.has(n.id)),
    edges: graph.edges.filter((e) => selected.has(e.from) && selected.has(e.to)),
  };
}

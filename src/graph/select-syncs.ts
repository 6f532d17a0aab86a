import type { SyncSpec } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { closestMatches, formatList } from '../util/suggest.js';
import type { SyncGraph } from './sync-graph.js';

/** What a run selects: models dbt's selector picked, and spoke's own selectors. */
export interface SyncSelection {
  /** Unique ids of models dbt selected: every sync of each. */
  models: ReadonlySet<string>;
  /**
   * spoke's own selectors: a sync id (`+id` adds the syncs it waits for, `id+` those waiting
   * for it) or `destination:<name>`.
   */
  spoke: readonly string[];
  /** Models dbt's --exclude picked. */
  excludedModels: ReadonlySet<string>;
  /** spoke's own selectors to leave out. */
  excludedSpoke: readonly string[];
}

function closure(graph: SyncGraph, start: Set<string>, direction: 'up' | 'down'): Set<string> {
  const found = new Set(start);
  const queue = [...start];
  while (queue.length > 0) {
    const id = queue.pop() as string;
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

/** A spoke selector without its graph operators, and which it has. */
export function spokeSelectorParts(selector: string): {
  name: string;
  upstream: boolean;
  downstream: boolean;
} {
  const upstream = selector.startsWith('+');
  const downstream = selector.length > 1 && selector.endsWith('+');
  return { name: selector.slice(upstream ? 1 : 0, downstream ? -1 : undefined), upstream, downstream };
}

function spokeMatches(graph: SyncGraph, selector: string): Set<string> {
  const { name, upstream, downstream } = spokeSelectorParts(selector);
  const hits = new Set(
    graph.nodes
      .filter((node: SyncSpec) =>
        name.startsWith('destination:')
          ? node.destination === name.slice('destination:'.length)
          : node.id === name,
      )
      .map((node) => node.id),
  );
  if (hits.size === 0) {
    const candidates = [...new Set(graph.nodes.flatMap((n) => [n.id, `destination:${n.destination}`]))];
    const close = closestMatches(name, candidates, 3);
    throw new ConfigError(
      `--select matched no sync: \`${name}\`${close.length > 0 ? ` (did you mean ${formatList(close)}?)` : ''}. \`spoke validate\` lists the syncs.`,
      [],
      'SPOKE_USAGE',
    );
  }
  const withUp = upstream ? closure(graph, hits, 'up') : hits;
  const withDown = downstream ? closure(graph, hits, 'down') : new Set<string>();
  return new Set([...withUp, ...withDown]);
}

/** The selected part of the graph: syncs of the selected models and spoke's selectors, less the excluded. */
export function selectSyncs(graph: SyncGraph, selection: SyncSelection): SyncGraph {
  const selected = new Set(graph.nodes.filter((n) => selection.models.has(n.uniqueId)).map((n) => n.id));
  for (const selector of selection.spoke) for (const id of spokeMatches(graph, selector)) selected.add(id);
  for (const node of graph.nodes) if (selection.excludedModels.has(node.uniqueId)) selected.delete(node.id);
  for (const selector of selection.excludedSpoke)
    for (const id of spokeMatches(graph, selector)) selected.delete(id);
  return {
    nodes: graph.nodes.filter((n) => selected.has(n.id)),
    edges: graph.edges.filter((e) => selected.has(e.from) && selected.has(e.to)),
  };
}

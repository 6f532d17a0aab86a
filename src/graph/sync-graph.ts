import type { SyncSpec } from '../config/types.js';
import { ConfigError, type Diagnostic } from '../errors.js';

export type EdgeOrigin = 'after' | 'lookup' | 'association';

/** `to` starts only after `from` finished successfully. */
export interface SyncEdge {
  from: string;
  to: string;
  origin: EdgeOrigin;
  /** Where the downstream sync declares it: file and path in its spoke block. */
  file: string;
  field: string;
  /** What the downstream wrote: the `after` entry, the looked-up object or the associated object. */
  declared: string;
}

export function describeEdge(edge: SyncEdge): string {
  return edge.origin === 'after' ? `after: ${edge.declared}` : `${edge.origin} to ${edge.declared}`;
}

export interface SyncGraph {
  nodes: SyncSpec[];
  edges: SyncEdge[];
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function writersOf(specs: SyncSpec[], destination: string, object: string): SyncSpec[] {
  return specs.filter((s) => s.destination === destination && sameName(s.object, object));
}

function declaredEdges(specs: SyncSpec[]): SyncEdge[] {
  const edges: SyncEdge[] = [];
  for (const spec of specs) {
    const base = `spoke[${spec.source.index}]`;
    spec.after.forEach((name) => {
      // Unknown names were reported by config validation; the graph orders what exists.
      const upstream = specs.filter((s) => s.id === name || s.model === name);
      for (const from of upstream) {
        edges.push({
          from: from.id,
          to: spec.id,
          origin: 'after',
          file: spec.source.file,
          field: `${base}.after`,
          declared: name,
        });
      }
    });
    for (const lookup of spec.lookups) {
      for (const from of writersOf(specs, spec.destination, lookup.object)) {
        edges.push({
          from: from.id,
          to: spec.id,
          origin: 'lookup',
          file: spec.source.file,
          field: `${base}.fields.${lookup.column}`,
          declared: lookup.object,
        });
      }
    }
    spec.associations.forEach((association, index) => {
      for (const from of writersOf(specs, spec.destination, association.to)) {
        edges.push({
          from: from.id,
          to: spec.id,
          origin: 'association',
          file: spec.source.file,
          field: `${base}.associations[${index}]`,
          declared: association.to,
        });
      }
    });
  }
  // A sync pointing at its own object (a parent Account) resolves within its own run.
  const seen = new Set<string>();
  return edges.filter((edge) => {
    const id = `${edge.from}\0${edge.to}`;
    if (edge.from === edge.to || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** One cycle as a closed list of edges, or null. */
function findCycle(nodes: SyncSpec[], edges: SyncEdge[]): SyncEdge[] | null {
  const outgoing = new Map<string, SyncEdge[]>();
  for (const edge of edges) outgoing.set(edge.from, [...(outgoing.get(edge.from) ?? []), edge]);
  const state = new Map<string, 'open' | 'done'>();
  const stack: SyncEdge[] = [];

  const visit = (id: string): SyncEdge[] | null => {
    state.set(id, 'open');
    for (const edge of outgoing.get(id) ?? []) {
      const next = state.get(edge.to);
      if (next === 'open') {
        const start = stack.findIndex((e) => e.from === edge.to);
        return [...(start === -1 ? [] : stack.slice(start)), edge];
      }
      if (next === 'done') continue;
      stack.push(edge);
      const found = visit(edge.to);
      if (found) return found;
      stack.pop();
    }
    state.set(id, 'done');
    return null;
  };

  for (const node of nodes) {
    if (state.has(node.id)) continue;
    const found = visit(node.id);
    if (found) return found;
  }
  return null;
}

function cycleError(cycle: SyncEdge[], specs: SyncSpec[]): ConfigError {
  const ids = [...cycle.map((e) => e.from), cycle[0]!.from];
  const diagnostics: Diagnostic[] = cycle.map((edge) => {
    const model = specs.find((s) => s.id === edge.to)?.model;
    return {
      file: edge.file,
      ...(model !== undefined && { model }),
      field: edge.field,
      message: `\`${edge.to}\` runs after \`${edge.from}\` because of its ${describeEdge(edge)}.`,
      fix:
        edge.origin === 'after'
          ? `remove \`${edge.declared}\` from after`
          : `move the ${edge.origin} to ${edge.declared} into a second sync of the same model (mode: update) so the first no longer waits`,
    };
  });
  return new ConfigError(
    `Sync order has a cycle: ${ids.join(' → ')}. Break it by removing one of these edges.`,
    diagnostics,
    'SPOKE_GRAPH_CYCLE',
  );
}

/**
 * Orders syncs: `after` (a model name means every sync of that model), Salesforce lookups
 * (after every sync writing the looked-up object in the same destination) and HubSpot
 * associations (likewise). Throws SPOKE_GRAPH_CYCLE naming the cycle and where each edge comes from.
 */
export function buildSyncGraph(specs: SyncSpec[]): SyncGraph {
  const edges = declaredEdges(specs);
  const cycle = findCycle(specs, edges);
  if (cycle) throw cycleError(cycle, specs);
  return { nodes: [...specs], edges };
}

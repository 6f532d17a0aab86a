import { isDeepStrictEqual } from 'node:util';
import type { SyncSpec } from '../config/types.js';
import type { SyncEdge, SyncGraph } from '../graph/sync-graph.js';
import type { DefinitionChange, DefinitionStatus } from './plan-report.js';

export interface SyncDiff {
  spec: SyncSpec;
  status: DefinitionStatus;
  changes: DefinitionChange[];
}

/**
 * Compares the sync definitions of a base manifest with this one, by sync id: what a reviewer
 * must see of a pull request before any row is read. Pure. Removed syncs come last.
 */
export function diffSyncs(base: SyncGraph, head: SyncGraph): SyncDiff[] {
  const before = new Map(base.nodes.map((spec) => [spec.id, spec]));
  const after = new Set(head.nodes.map((spec) => spec.id));
  const diffs: SyncDiff[] = head.nodes.map((spec) => {
    const old = before.get(spec.id);
    if (!old) return { spec, status: 'added', changes: [] };
    const changes = specChanges(old, spec, orderOf(base.edges, spec.id), orderOf(head.edges, spec.id));
    return { spec, status: changes.length > 0 ? 'changed' : 'unchanged', changes };
  });
  for (const spec of base.nodes)
    if (!after.has(spec.id)) diffs.push({ spec, status: 'removed', changes: [] });
  return diffs;
}

/** What a sync waits for: `after` entries as written and the edges lookups and associations imply. */
function orderOf(edges: readonly SyncEdge[], id: string): string[] {
  return edges
    .filter((edge) => edge.to === id && edge.origin !== 'after')
    .map((edge) => `${edge.from} (${edge.origin} to ${edge.declared})`)
    .sort();
}

function specChanges(
  a: SyncSpec,
  b: SyncSpec,
  implied: string[],
  impliedAfter: string[],
): DefinitionChange[] {
  const changes: DefinitionChange[] = [];
  const scalar = (path: string, x: unknown, y: unknown) => {
    if (!isDeepStrictEqual(x ?? null, y ?? null))
      changes.push({ path, kind: 'changed', before: x ?? null, after: y ?? null });
  };
  scalar('model', a.model, b.model);
  scalar('to', `${a.destination}.${a.object}`, `${b.destination}.${b.object}`);
  scalar('mode', a.mode, b.mode);
  scalar('key', a.key, b.key);
  scalar('match', a.match, b.match);
  scalar('on_null', a.onNull ?? 'clear', b.onNull ?? 'clear');
  scalar('max_delete_ratio', a.maxDeleteRatio, b.maxDeleteRatio);
  keyed(
    changes,
    'fields',
    a.fields.map((f) => [f.column, f.field]),
    b.fields.map((f) => [f.column, f.field]),
  );
  keyed(
    changes,
    'lookups',
    a.lookups.map((l) => [l.column, { lookup: l.relationship, object: l.object, match: l.match }]),
    b.lookups.map((l) => [l.column, { lookup: l.relationship, object: l.object, match: l.match }]),
  );
  const association = (x: SyncSpec['associations'][number]) =>
    [
      `${x.to}.${x.match}`,
      { column: x.column, ...(x.typeId === undefined ? {} : { type: x.typeId }) },
    ] as const;
  keyed(changes, 'associations', a.associations.map(association), b.associations.map(association));
  scalar('after', [...a.after].sort(), [...b.after].sort());
  scalar('implied_order', implied, impliedAfter);
  scalar('alerts', a.alerts ?? null, b.alerts ?? null);
  return changes;
}

/** Entries keyed by name (a column, an association): added, removed, or changed value. */
function keyed(
  changes: DefinitionChange[],
  path: string,
  a: readonly (readonly [string, unknown])[],
  b: readonly (readonly [string, unknown])[],
): void {
  const before = new Map(a);
  const after = new Map(b);
  for (const [name, value] of after) {
    if (!before.has(name))
      changes.push({ path: `${path}.${name}`, kind: 'added', before: null, after: value });
    else if (!isDeepStrictEqual(before.get(name), value))
      changes.push({ path: `${path}.${name}`, kind: 'changed', before: before.get(name), after: value });
  }
  for (const [name, value] of before)
    if (!after.has(name))
      changes.push({ path: `${path}.${name}`, kind: 'removed', before: value, after: null });
}

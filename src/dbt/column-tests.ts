import type { Manifest } from './artifact-types.js';

/** What a model's dbt tests promise about one column. */
export interface ColumnTests {
  unique: boolean;
  notNull: boolean;
  /** The union of the column's `accepted_values` lists; null when it has none. */
  acceptedValues: string[] | null;
}

/**
 * The generic tests (`unique`, `not_null`, `accepted_values`) declared on a model's columns,
 * keyed by lower-cased column name. A test is the model's when attached to it (dbt 1.5+) or,
 * in older manifests, when the model is its only dependency.
 */
export function columnTests(manifest: Manifest, modelId: string): Map<string, ColumnTests> {
  const byColumn = new Map<string, ColumnTests>();
  for (const node of Object.values(manifest.nodes)) {
    if (node.resource_type !== 'test' || !node.test_metadata) continue;
    const attached =
      node.attached_node ?? (node.depends_on.nodes.length === 1 ? node.depends_on.nodes[0] : null);
    if (attached !== modelId) continue;
    const column = node.column_name ?? node.test_metadata.kwargs.column_name;
    if (typeof column !== 'string') continue;
    const key = column.toLowerCase();
    const tests = byColumn.get(key) ?? { unique: false, notNull: false, acceptedValues: null };
    const { name, kwargs } = node.test_metadata;
    if (name === 'unique') tests.unique = true;
    else if (name === 'not_null') tests.notNull = true;
    else if (name === 'accepted_values' && Array.isArray(kwargs.values)) {
      tests.acceptedValues = [
        ...(tests.acceptedValues ?? []),
        ...kwargs.values.map((value) => String(value)),
      ];
    }
    byColumn.set(key, tests);
  }
  return byColumn;
}

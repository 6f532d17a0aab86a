import type { Relation } from '../warehouse/warehouse.js';
import type { Manifest, ManifestNode } from './artifact-types.js';

/** A model's raw `spoke` meta value with what config/ needs to validate and place it. */
export interface ModelSpokeBlock {
  uniqueId: string;
  name: string;
  packageName: string;
  /** The YAML file that patches the model, else its SQL file; always with `/` separators. */
  file: string;
  relation: Relation;
  relationName: string | null;
  materialized: string | null;
  /** The `spoke` value as written, not yet validated. */
  raw: unknown;
  /** Documented columns, in YAML order. */
  columns: string[];
}

function spokeValue(node: ManifestNode): unknown {
  // dbt copies config.meta to the top-level meta; when both carry spoke and differ, config is
  // the resolved one (dbt_project.yml, YAML and config() merged), so it wins as a whole.
  const fromConfig = node.config.meta.spoke;
  return fromConfig !== undefined ? fromConfig : node.meta.spoke;
}

function declaringFile(node: ManifestNode): string {
  const patch = node.patch_path?.replace(/^[^/\\]*:\/\//, '');
  return (patch || node.original_file_path).replace(/\\/g, '/');
}

/** Enabled models that declare `spoke` in `config.meta` or (legacy) top-level `meta`. */
export function modelSpokeBlocks(manifest: Manifest): ModelSpokeBlock[] {
  const blocks: ModelSpokeBlock[] = [];
  for (const node of Object.values(manifest.nodes)) {
    if (node.resource_type !== 'model' || !node.config.enabled) continue;
    const raw = spokeValue(node);
    if (raw === undefined || raw === null) continue;
    blocks.push({
      uniqueId: node.unique_id,
      name: node.name,
      packageName: node.package_name,
      file: declaringFile(node),
      relation: { database: node.database, schema: node.schema, identifier: node.alias },
      relationName: node.relation_name,
      materialized: node.config.materialized,
      raw,
      columns: Object.entries(node.columns).map(([key, column]) => column.name || key),
    });
  }
  return blocks;
}

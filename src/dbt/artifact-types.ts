/**
 * The parts of dbt's manifest.json and run_results.json that dbt-spoke reads, with dbt's own
 * (snake_case) names. Everything else in the files is dropped while parsing.
 */

export interface ArtifactMetadata {
  /** e.g. `https://schemas.getdbt.com/dbt/manifest/v12.json`. */
  dbt_schema_version: string;
  /** The number in `dbt_schema_version`, e.g. 12. */
  schema_version: number;
  dbt_version: string | null;
  generated_at: string | null;
  invocation_id: string | null;
  /** `DBT_ENV_CUSTOM_ENV_*` variables of the invocation, prefix stripped. */
  env: Record<string, string>;
}

export interface ManifestMetadata extends ArtifactMetadata {
  project_name: string | null;
  adapter_type: string | null;
}

export interface NodeConfig {
  materialized: string | null;
  enabled: boolean;
  meta: Record<string, unknown>;
}

export interface ManifestColumn {
  name: string;
  description: string;
  data_type: string | null;
  meta: Record<string, unknown>;
}

export interface ManifestNode {
  unique_id: string;
  /** `model`, `seed`, `test`, `snapshot`, `operation`, `analysis`, `sql_operation`, … */
  resource_type: string;
  name: string;
  /** Fully qualified name: package, folders, model name; dbt's default selector method matches it. */
  fqn: string[];
  package_name: string;
  database: string | null;
  schema: string;
  alias: string;
  /** Adapter-quoted relation, null for ephemeral models and non-relational nodes. */
  relation_name: string | null;
  original_file_path: string;
  /** `<package>://<yml path>` or null when the node has no YAML entry. */
  patch_path: string | null;
  config: NodeConfig;
  meta: Record<string, unknown>;
  /** Documented columns only, keyed as written in YAML. */
  columns: Record<string, ManifestColumn>;
  depends_on: { nodes: string[] };
  checksum: { name: string; checksum: string };
  /** For generic tests: the node the test is attached to; null otherwise. */
  attached_node: string | null;
  /** For generic tests on a column: that column; null otherwise. */
  column_name: string | null;
  /** For generic tests: the test's name (`unique`, `accepted_values`, ...) and its arguments. */
  test_metadata: { name: string; kwargs: Record<string, unknown> } | null;
  raw_code: string | null;
}

export interface Manifest {
  metadata: ManifestMetadata;
  nodes: Record<string, ManifestNode>;
  child_map: Record<string, string[]>;
  /** Nodes with `enabled: false`, each unique id mapping to a list. */
  disabled: Record<string, ManifestNode[]>;
}

export interface RunResult {
  unique_id: string;
  /** Models: success, error, skipped, partial success, no-op, reused. Tests: pass, fail, warn, error, skipped. */
  status: string;
  message: string | null;
  failures: number | null;
  execution_time: number;
  adapter_response: Record<string, unknown>;
  /** run-results v5+; null in v4. */
  relation_name: string | null;
}

export interface RunResults {
  metadata: ArtifactMetadata;
  results: RunResult[];
  elapsed_time: number;
  /** Invocation arguments as dbt wrote them; `which` is the command (`run`, `build`, …). */
  args: Record<string, unknown>;
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SpokeError } from '../errors.js';
import { stringRecord } from '../util/string-record.js';
import type { Manifest, RunResults } from './artifact-types.js';
import { type ArtifactKind, schemaVersionOf } from './schema-version.js';

export type { Manifest, ManifestNode, RunResult, RunResults } from './artifact-types.js';

// Lenient by design: z.object drops unknown keys (v12 keeps growing), and fields dbt-spoke
// does not strictly need get defaults instead of failing the whole file.
const optionalString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);
const looseRecord = stringRecord(z.unknown())
  .nullish()
  .transform((v) => v ?? {});
const stringList = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);

const metadataSchema = z.object({
  dbt_schema_version: z.string(),
  dbt_version: optionalString,
  generated_at: optionalString,
  invocation_id: optionalString,
  env: stringRecord(z.string())
    .nullish()
    .transform((v) => v ?? {}),
});

const manifestMetadataSchema = metadataSchema.extend({
  project_name: optionalString,
  adapter_type: optionalString,
});

const columnSchema = z.object({
  name: z.string(),
  description: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  data_type: optionalString,
  meta: looseRecord,
});

const nodeSchema = z
  .object({
    unique_id: z.string(),
    resource_type: z.string(),
    name: z.string(),
    fqn: stringList.nullish().transform((v) => v ?? []),
    package_name: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
    database: optionalString,
    schema: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
    alias: optionalString,
    relation_name: optionalString,
    original_file_path: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
    patch_path: optionalString,
    config: z
      .object({
        materialized: optionalString,
        enabled: z
          .boolean()
          .nullish()
          .transform((v) => v ?? true),
        meta: looseRecord,
      })
      .nullish()
      .transform((v) => v ?? { materialized: null, enabled: true, meta: {} }),
    meta: looseRecord,
    columns: stringRecord(columnSchema)
      .nullish()
      .transform((v) => v ?? {}),
    depends_on: z
      .object({ nodes: stringList })
      .nullish()
      .transform((v) => v ?? { nodes: [] }),
    checksum: z
      .object({ name: z.string(), checksum: z.string() })
      .nullish()
      .transform((v) => v ?? { name: 'none', checksum: '' }),
    attached_node: optionalString,
    column_name: optionalString,
    test_metadata: z
      .object({ name: z.string(), kwargs: looseRecord })
      .nullish()
      .transform((v) => v ?? null),
    raw_code: optionalString,
  })
  .transform((node) => ({ ...node, alias: node.alias ?? node.name }));

const manifestSchema = z.object({
  metadata: manifestMetadataSchema,
  nodes: stringRecord(nodeSchema),
  child_map: stringRecord(z.array(z.string()))
    .nullish()
    .transform((v) => v ?? {}),
  disabled: stringRecord(z.array(nodeSchema))
    .nullish()
    .transform((v) => v ?? {}),
});

const runResultSchema = z.object({
  unique_id: z.string(),
  status: z.string(),
  message: optionalString,
  failures: z
    .number()
    .nullish()
    .transform((v) => v ?? null),
  execution_time: z
    .number()
    .nullish()
    .transform((v) => v ?? 0),
  adapter_response: looseRecord,
  relation_name: optionalString,
});

const runResultsSchema = z.object({
  metadata: metadataSchema,
  results: z.array(runResultSchema),
  elapsed_time: z
    .number()
    .nullish()
    .transform((v) => v ?? 0),
  args: looseRecord,
});

function invalid(file: string, kind: ArtifactKind, error: z.ZodError): SpokeError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return new SpokeError(
    'SPOKE_ARTIFACTS_MISSING',
    `${file} is not a dbt ${kind} file dbt-spoke can read${where}: ${issue?.message ?? 'unexpected shape'}. Run dbt again to rewrite it.`,
  );
}

function versionOf(json: unknown, kind: ArtifactKind, file: string): number {
  const metadata = (json as { metadata?: { dbt_schema_version?: unknown } } | null)?.metadata;
  return schemaVersionOf(metadata?.dbt_schema_version, kind, file);
}

/** Parses a manifest.json already read as JSON; `file` names it in errors. */
export function parseManifest(json: unknown, file: string): Manifest {
  const schemaVersion = versionOf(json, 'manifest', file);
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(file, 'manifest', parsed.error);
  return { ...parsed.data, metadata: { ...parsed.data.metadata, schema_version: schemaVersion } };
}

/** Parses a run_results.json already read as JSON; `file` names it in errors. */
export function parseRunResults(json: unknown, file: string): RunResults {
  const schemaVersion = versionOf(json, 'run-results', file);
  const parsed = runResultsSchema.safeParse(json);
  if (!parsed.success) throw invalid(file, 'run-results', parsed.error);
  return { ...parsed.data, metadata: { ...parsed.data.metadata, schema_version: schemaVersion } };
}

async function readJson(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SpokeError('SPOKE_ARTIFACTS_MISSING', `${file} cannot be read: ${(error as Error).message}.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SpokeError(
      'SPOKE_ARTIFACTS_MISSING',
      `${file} is not valid JSON (${(error as Error).message}). Run dbt again to rewrite it.`,
    );
  }
}

/**
 * Reads `<targetDir>/manifest.json` (required) and `<targetDir>/run_results.json` (null when
 * absent, e.g. after `dbt parse`). Does not check that both come from one invocation: call
 * assertSameInvocation when the run results matter.
 */
export async function loadArtifacts(
  targetDir: string,
): Promise<{ manifest: Manifest; runResults: RunResults | null }> {
  const manifestFile = join(targetDir, 'manifest.json');
  const runResultsFile = join(targetDir, 'run_results.json');
  const [manifestJson, runResultsJson] = await Promise.all([
    readJson(manifestFile),
    readJson(runResultsFile),
  ]);
  if (manifestJson === undefined) {
    throw new SpokeError(
      'SPOKE_ARTIFACTS_MISSING',
      `${manifestFile} does not exist. Run dbt first (dbt build, dbt run or dbt parse), or use spoke dbt build.`,
    );
  }
  return {
    manifest: parseManifest(manifestJson, manifestFile),
    runResults: runResultsJson === undefined ? null : parseRunResults(runResultsJson, runResultsFile),
  };
}

/** Refuses a manifest and run results written by two different dbt invocations. */
export function assertSameInvocation(manifest: Manifest, runResults: RunResults): void {
  const a = manifest.metadata.invocation_id;
  const b = runResults.metadata.invocation_id;
  if (a !== b) {
    throw new SpokeError(
      'SPOKE_ARTIFACTS_MISMATCH',
      `manifest.json comes from dbt invocation ${a ?? '(none)'} but run_results.json from invocation ${b ?? '(none)'}. Run dbt again so both files come from one invocation (or use spoke dbt build).`,
    );
  }
}

import { SpokeError } from '../errors.js';

export type ArtifactKind = 'manifest' | 'run-results';

/** Schema versions dbt-spoke reads: dbt 1.6 (manifest v10) to dbt 1.13 and 2.0 (v12). */
export const SUPPORTED_SCHEMA_VERSIONS: Record<ArtifactKind, readonly number[]> = {
  manifest: [10, 11, 12],
  'run-results': [4, 5, 6],
};

const VERSION_URL = /\/dbt\/([a-z-]+)\/v(\d+)\.json$/;

/**
 * Reads the version number from `metadata.dbt_schema_version` (e.g.
 * `https://schemas.getdbt.com/dbt/manifest/v12.json`) and refuses kinds and versions
 * dbt-spoke cannot read.
 */
export function schemaVersionOf(url: unknown, kind: ArtifactKind, file: string): number {
  const supported = SUPPORTED_SCHEMA_VERSIONS[kind];
  const range = `${kind} v${supported[0]} to v${supported[supported.length - 1]} (dbt 1.6 and newer)`;
  const match = typeof url === 'string' ? VERSION_URL.exec(url) : null;
  if (!match) {
    throw new SpokeError(
      'SPOKE_MANIFEST_VERSION',
      `${file} has no recognisable metadata.dbt_schema_version (found ${JSON.stringify(url ?? null)}); dbt-spoke reads ${range}. Run dbt again to rewrite it.`,
    );
  }
  if (match[1] !== kind) {
    throw new SpokeError(
      'SPOKE_MANIFEST_VERSION',
      `${file} is a dbt ${match[1]} file, not a ${kind} file. Point dbt-spoke at dbt's target directory.`,
    );
  }
  const version = Number(match[2]);
  if (!supported.includes(version)) {
    const fix =
      version > (supported[supported.length - 1] ?? 0)
        ? 'Upgrade dbt-spoke to a version that reads it, or use a dbt version that writes a supported schema.'
        : 'Upgrade dbt to 1.6 or newer (dbt 1.8+ recommended) and run it again.';
    throw new SpokeError(
      'SPOKE_MANIFEST_VERSION',
      `${file} uses ${kind} schema v${version}; dbt-spoke reads ${range}. ${fix}`,
    );
  }
  return version;
}

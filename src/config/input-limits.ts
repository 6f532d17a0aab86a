import type { ModelSpokeBlock } from '../dbt/spoke-meta.js';
import type { Diagnostic } from '../errors.js';

/**
 * Limits on what dbt-spoke reads, so that a mistake or a hostile file ends in a located
 * configuration error instead of exhausted memory or stack. Documented in docs/limits.md.
 */

/** yaml's `maxAliasCount`: alias expansions allowed in spoke.yml (the library's own default). */
export const MAX_YAML_ALIASES = 100;

/**
 * Fields, lookups and associations of one sync together. Salesforce allows at most 800 custom
 * fields on an object and HubSpot 1,000 custom properties; a sync mapping more is a mistake.
 */
export const MAX_FIELDS_PER_SYNC = 2000;

/** Sync blocks across every model of a project. */
export const MAX_SYNCS_PER_PROJECT = 1000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** How many values one raw block maps, counted before validation so nothing large is parsed. */
function mappedCount(raw: unknown): number {
  if (!isRecord(raw)) return 0;
  const fields = isRecord(raw.fields) ? Object.keys(raw.fields).length : 0;
  const associations = Array.isArray(raw.associations) ? raw.associations.length : 0;
  return fields + associations;
}

/** A block mapping more than MAX_FIELDS_PER_SYNC values, located at its `fields`. */
export function fieldLimitDiagnostic(block: ModelSpokeBlock, index: number, raw: unknown): Diagnostic | null {
  const count = mappedCount(raw);
  if (count <= MAX_FIELDS_PER_SYNC) return null;
  return {
    file: block.file,
    model: block.name,
    field: `spoke[${index}].fields`,
    message: `this sync maps ${count} fields, lookups and associations; dbt-spoke reads at most ${MAX_FIELDS_PER_SYNC} per sync (no Salesforce object or HubSpot object type has that many writable fields).`,
    fix: `map only the columns the destination needs, or split them over several blocks with distinct \`name:\`s; limits are listed in docs/limits.md`,
  };
}

/** The first block past MAX_SYNCS_PER_PROJECT, located at its model; null within the limit. */
export function syncLimitDiagnostic(blocks: readonly ModelSpokeBlock[]): Diagnostic | null {
  let seen = 0;
  for (const block of blocks) {
    const count = Array.isArray(block.raw) ? block.raw.length : 1;
    if (seen + count > MAX_SYNCS_PER_PROJECT) {
      const total = blocks.reduce((sum, b) => sum + (Array.isArray(b.raw) ? b.raw.length : 1), 0);
      return {
        file: block.file,
        model: block.name,
        field: `spoke[${MAX_SYNCS_PER_PROJECT - seen}]`,
        message: `the project declares ${total} syncs; dbt-spoke runs at most ${MAX_SYNCS_PER_PROJECT} per project, and this block is the first beyond that.`,
        fix: 'remove syncs the project does not need, or split the models over several dbt projects; limits are listed in docs/limits.md',
      };
    }
    seen += count;
  }
  return null;
}

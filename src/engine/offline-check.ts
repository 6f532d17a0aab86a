import { columnTests } from '../dbt/column-tests.js';
import type { ObjectSchema } from '../destinations/contract.js';
import type { Diagnostic } from '../errors.js';
import type { LoadedProject } from './load-project.js';
import { preflightSync } from './preflight.js';
import { destinationType, objectsOfSync, readSavedSchema } from './saved-schemas.js';

export interface OfflineCheck {
  /** Sync ids checked against saved schemas. */
  checked: string[];
  /** Syncs with an object that has no saved schema, and those objects (`<destination>.<object>`). */
  unsaved: { id: string; missing: string[] }[];
  diagnostics: Diagnostic[];
  /** Doubts that stop nothing: a key column dbt does not test as unique and not null. */
  warnings: Diagnostic[];
}

/**
 * The destination checks of a sync run against the schemas saved in `spoke_schemas/`, without
 * credentials or network. A sync is checked only when every object it needs is saved.
 */
export async function checkSavedSchemas(project: LoadedProject): Promise<OfflineCheck> {
  const result: OfflineCheck = {
    checked: [],
    unsaved: [],
    diagnostics: [],
    warnings: keyTestWarnings(project),
  };
  for (const spec of project.specs) {
    const type = destinationType(project.config, spec.destination);
    const schemas = new Map<string, ObjectSchema>();
    const missing: string[] = [];
    for (const object of objectsOfSync(spec)) {
      const saved = await readSavedSchema(project.projectDir, type, object);
      if (saved) schemas.set(object, saved.schema);
      else missing.push(`${spec.destination}.${object}`);
    }
    if (missing.length > 0) {
      result.unsaved.push({ id: spec.id, missing });
      continue;
    }
    const saved = {
      name: spec.destination,
      describe: async (object: string) => schemas.get(object) as ObjectSchema,
    };
    result.diagnostics.push(...(await preflightSync(spec, saved, project.manifest)));
    result.checked.push(spec.id);
  }
  return result;
}

/**
 * A sync's key identifies the record in the destination: a duplicate key sends two rows to one
 * record, a null key sends none. dbt's `unique` and `not_null` tests stop such a build before
 * spoke reads it; a key without them is only caught row by row while syncing.
 */
function keyTestWarnings(project: LoadedProject): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const spec of project.specs) {
    const tests = columnTests(project.manifest, spec.uniqueId).get(spec.key.toLowerCase());
    const lacking = [...(tests?.unique ? [] : ['unique']), ...(tests?.notNull ? [] : ['not_null'])];
    if (lacking.length === 0) continue;
    warnings.push({
      file: spec.source.file,
      model: spec.model,
      field: `spoke[${spec.source.index}].key`,
      message: `key column "${spec.key}" has no dbt ${lacking.join(' or ')} test, so duplicate or null keys reach the sync unchecked.`,
      fix: `add data_tests: [${lacking.join(', ')}] to column ${spec.key} of ${spec.model} in its schema.yml.`,
    });
  }
  return warnings;
}

import type { ObjectSchema } from '../destinations/contract.js';
import type { Diagnostic } from '../errors.js';
import type { LoadedProject } from './load-project.js';
import { preflightDestination, preflightMapping } from './preflight.js';
import { destinationType, objectsOfSync, readSavedSchema } from './saved-schemas.js';

export interface OfflineCheck {
  /** Sync ids checked against saved schemas. */
  checked: string[];
  /** Syncs with an object that has no saved schema, and those objects (`<destination>.<object>`). */
  unsaved: { id: string; missing: string[] }[];
  diagnostics: Diagnostic[];
}

/**
 * The destination checks of a sync run against the schemas saved in `spoke_schemas/`, without
 * credentials or network. A sync is checked only when every object it needs is saved.
 */
export async function checkSavedSchemas(project: LoadedProject): Promise<OfflineCheck> {
  const result: OfflineCheck = { checked: [], unsaved: [], diagnostics: [] };
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
    const columns = project.manifest.nodes[spec.uniqueId]?.columns ?? {};
    const columnType = (column: string) =>
      Object.values(columns).find((entry) => entry.name.toLowerCase() === column.toLowerCase())?.data_type ??
      null;
    result.diagnostics.push(
      ...(await preflightDestination(spec, saved)),
      ...preflightMapping(spec, schemas.get(spec.object) as ObjectSchema, columnType),
    );
    result.checked.push(spec.id);
  }
  return result;
}

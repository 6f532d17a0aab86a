import pc from 'picocolors';
import type { SpokeConfig } from '../../config/types.js';
import type { FieldSchema, ObjectSchema } from '../../destinations/contract.js';
import { connectDestinations } from '../../engine/connect-destinations.js';
import { loadProject, loadProjectConfig } from '../../engine/load-project.js';
import {
  destinationType,
  readSavedSchema,
  type SchemaObject,
  schemaObjects,
  writeSavedSchema,
} from '../../engine/saved-schemas.js';
import { ConfigError } from '../../errors.js';
import { commonOptions } from '../common-options.js';
import { formatTable } from '../views/table.js';

/** `spoke schema pull`: saves each mapped object's live schema under spoke_schemas/. */
export async function pullSchemas(raw: Record<string, unknown>): Promise<void> {
  const common = commonOptions(raw);
  const project = await loadProject(common);
  const objects = pullList(
    schemaObjects(project.specs, project.config),
    project.config,
    raw.destination === undefined ? undefined : String(raw.destination),
    raw.object === undefined ? undefined : String(raw.object),
  );
  const connected = await connectDestinations(
    project.config,
    new Set(objects.map((entry) => entry.destination)),
    project.projectDir,
  );
  const written: { destination: string; object: string; file: string; fields: number }[] = [];
  try {
    for (const entry of objects) {
      const saved = await connected.get(entry.destination).describeForSaving(entry.object);
      const file = await writeSavedSchema(project.projectDir, entry.type, entry.object, saved);
      const fields = saved as { fields?: unknown[]; results?: unknown[] };
      written.push({
        destination: entry.destination,
        object: entry.object,
        file,
        fields: (fields.fields ?? fields.results ?? []).length,
      });
    }
  } finally {
    await connected.close();
  }
  if (common.json) {
    process.stdout.write(`${JSON.stringify({ target: project.target, written }, null, 2)}\n`);
  } else {
    const source = project.config.sandbox
      ? `the sandbox (target ${project.target})`
      : `target ${project.target}`;
    process.stdout.write(
      `Pulled ${written.length} object schema${written.length === 1 ? '' : 's'} from ${source}:\n`,
    );
    for (const entry of written) {
      process.stdout.write(
        `  ${pc.green('✓')} ${entry.destination}.${entry.object} → ${entry.file} (${entry.fields} fields)\n`,
      );
    }
  }
}

/** `spoke schema show <destination>.<object>`: the fields, saved or live. */
export async function showSchema(target: string, raw: Record<string, unknown>): Promise<void> {
  const common = commonOptions(raw);
  const dot = target.indexOf('.');
  if (dot <= 0 || dot === target.length - 1) {
    throw new ConfigError(`"${target}" is not <destination>.<object>. Pass e.g. salesforce.Account.`);
  }
  const destination = target.slice(0, dot);
  const object = target.slice(dot + 1);
  const { projectDir, config, target: dbtTarget } = await loadProjectConfig(common);
  const type = destinationType(config, destination);
  const saved = await readSavedSchema(projectDir, type, object);
  let described: ObjectSchema;
  let source: string;
  if (saved) {
    described = saved.schema;
    source = `saved in ${saved.file}`;
  } else {
    const connected = await connectDestinations(config, [destination], projectDir);
    try {
      described = await connected.get(destination).describe(object);
    } finally {
      await connected.close();
    }
    source = config.sandbox
      ? `live from the sandbox (target ${dbtTarget}; nothing saved, \`spoke schema pull\` saves it)`
      : `live from ${destination} (nothing saved, \`spoke schema pull\` saves it)`;
  }
  const fields = [...described.fields].sort((a, b) => a.name.localeCompare(b.name));
  if (common.json) {
    process.stdout.write(
      `${JSON.stringify({ destination, object: described.object, source: saved ? 'saved' : 'live', ...(saved ? { file: saved.file } : {}), fields }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${destination}.${described.object}: ${fields.length} fields, ${source}\n`);
    process.stdout.write(
      `${formatTable(['field', 'type', 'key', 'create', 'update', 'required'], fields.map(fieldRow))}\n`,
    );
  }
}

function fieldRow(field: FieldSchema): string[] {
  const yes = (flag: boolean) => (flag ? 'yes' : '-');
  return [
    field.name,
    field.referenceTo ? `${field.type} → ${field.referenceTo.join('|')}` : field.type,
    field.unique ? 'external id / unique' : '-',
    yes(field.createable),
    yes(field.updateable),
    yes(field.required),
  ];
}

/** The synced objects narrowed by --destination/--object; both flags name one object outright. */
function pullList(
  synced: SchemaObject[],
  config: SpokeConfig,
  destination: string | undefined,
  object: string | undefined,
): SchemaObject[] {
  const chosen = synced.filter(
    (entry) =>
      (destination === undefined || entry.destination === destination) &&
      (object === undefined || entry.object === object),
  );
  if (chosen.length > 0) return chosen;
  if (destination !== undefined && object !== undefined) {
    return [{ destination, type: destinationType(config, destination), object }];
  }
  const what = [destination && `destination ${destination}`, object && `object ${object}`]
    .filter(Boolean)
    .join(' and ');
  throw new ConfigError(
    what
      ? `No sync maps ${what}. Pass both --destination and --object to pull an object no sync maps.`
      : 'No model declares meta.spoke, so there is nothing to pull. Pass --destination and --object to pull one object.',
  );
}

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ownValue } from '../config/own-value.js';
import type { DestinationType, SpokeConfig, SyncSpec } from '../config/types.js';
import type { ObjectSchema } from '../destinations/contract.js';
import { propertiesToSchema, type SavedProperties } from '../destinations/hubspot/describe.js';
import { describeToSchema, type SavedDescribe } from '../destinations/salesforce/schema.js';
import { ConfigError } from '../errors.js';
import { didYouMean, formatList } from '../util/suggest.js';
import { sandboxSchemaDir } from './connect-destinations.js';

/** One destination object a project's syncs write to, link to or associate with. */
export interface SchemaObject {
  destination: string;
  type: DestinationType;
  object: string;
}

/** The objects a sync needs described: its own, its lookups' parents and its association targets. */
export function objectsOfSync(spec: SyncSpec): string[] {
  return [
    ...new Set([
      spec.object,
      ...spec.lookups.map((lookup) => lookup.object),
      ...spec.associations.map((association) => association.to),
    ]),
  ];
}

/** Every (destination, object) the syncs need, each once, in the order first met. */
export function schemaObjects(specs: readonly SyncSpec[], config: SpokeConfig): SchemaObject[] {
  const seen = new Map<string, SchemaObject>();
  for (const spec of specs) {
    const type = destinationType(config, spec.destination);
    for (const object of objectsOfSync(spec)) {
      seen.set(`${spec.destination}.${object}`, { destination: spec.destination, type, object });
    }
  }
  return [...seen.values()];
}

export function destinationType(config: SpokeConfig, name: string): DestinationType {
  const configured = ownValue(config.destinations, name);
  if (!configured) {
    const names = Object.keys(config.destinations);
    throw new ConfigError(
      `Destination "${name}" is not defined in spoke.yml.${didYouMean(name, names)} Defined: ${formatList(names)}.`,
    );
  }
  return configured.type;
}

/** `spoke_schemas/<type>/<object>.json`: the layout the sandbox loads. */
export function savedSchemaFile(projectDir: string, type: DestinationType, object: string): string {
  return join(sandboxSchemaDir(projectDir), type, `${object}.json`);
}

/** Writes a schema as pulled: stable JSON, so a pull that finds no change leaves the file as it was. */
export async function writeSavedSchema(
  projectDir: string,
  type: DestinationType,
  object: string,
  saved: object,
): Promise<string> {
  const file = savedSchemaFile(projectDir, type, object);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(saved, null, 2)}\n`);
  return relative(projectDir, file);
}

/** The saved schema of an object, or null when none is saved. */
export async function readSavedSchema(
  projectDir: string,
  type: DestinationType,
  object: string,
): Promise<{ file: string; schema: ObjectSchema } | null> {
  const file = savedSchemaFile(projectDir, type, object);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const shown = relative(projectDir, file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(shown, `is not valid JSON (${(error as Error).message})`);
  }
  if (type === 'salesforce') {
    const describe = json as SavedDescribe;
    if (typeof describe?.name !== 'string' || !Array.isArray(describe.fields)) {
      throw invalid(shown, 'is not a Salesforce describe response with "name" and "fields"');
    }
    return { file: shown, schema: { ...describeToSchema(describe), savedFile: shown } };
  }
  const properties = json as SavedProperties;
  if (!Array.isArray(properties?.results)) {
    throw invalid(shown, 'is not a HubSpot properties response with "results"');
  }
  return { file: shown, schema: { ...propertiesToSchema(object, properties), savedFile: shown } };
}

function invalid(file: string, what: string): ConfigError {
  return new ConfigError(`${file} ${what}.`, [
    { file, message: `the saved schema ${what}.`, fix: 'run `spoke schema pull` to save it again.' },
  ]);
}

/** Reads each saved schema once per run; null for an object with none saved. */
export function savedSchemaReader(projectDir: string) {
  const read = new Map<string, Promise<ObjectSchema | null>>();
  return {
    read(type: DestinationType, object: string): Promise<ObjectSchema | null> {
      const key = `${type}/${object}`;
      let schema = read.get(key);
      if (!schema) {
        schema = readSavedSchema(projectDir, type, object).then((saved) => saved?.schema ?? null);
        read.set(key, schema);
      }
      return schema;
    },
  };
}

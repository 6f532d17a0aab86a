import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SpokeError } from '../errors.js';
import type { HubspotPropertyDef } from './hubspot/server.js';
import type { SalesforceObjectDef } from './salesforce/server.js';

export interface SandboxSchemas {
  salesforceObjects: SalesforceObjectDef[];
  hubspotProperties: Record<string, HubspotPropertyDef[]>;
}

/**
 * Object definitions that extend or replace the sandbox defaults, read from a directory:
 * `salesforce/<Object>.json` holds a describe response, `hubspot/<objectType>.json` a properties
 * response (`{ "results": [...] }`). Saved real responses work as they are, so a project can
 * make the sandbox look like its own org or portal. A missing directory means defaults only.
 */
export async function loadSandboxSchemas(dir: string): Promise<SandboxSchemas> {
  const salesforceObjects: SalesforceObjectDef[] = [];
  for (const file of await jsonFiles(join(dir, 'salesforce'))) {
    const describe = (await readJson(file)) as SalesforceObjectDef;
    if (!describe?.name || !Array.isArray(describe.fields)) {
      throw invalid(file, 'a Salesforce describe response with "name" and "fields"');
    }
    salesforceObjects.push(describe);
  }
  const hubspotProperties: Record<string, HubspotPropertyDef[]> = {};
  for (const file of await jsonFiles(join(dir, 'hubspot'))) {
    const response = (await readJson(file)) as { results?: HubspotPropertyDef[] };
    if (!Array.isArray(response?.results))
      throw invalid(file, 'a HubSpot properties response with "results"');
    hubspotProperties[basename(file, '.json')] = response.results;
  }
  return { salesforceObjects, hubspotProperties };
}

async function jsonFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((name) => name.endsWith('.json')).map((name) => join(dir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SpokeError('SPOKE_SANDBOX', `${file} is not valid JSON (${(error as Error).message}).`);
  }
}

function invalid(file: string, expected: string): SpokeError {
  return new SpokeError('SPOKE_SANDBOX', `${file} is not ${expected}. Save the API's response as it is.`);
}

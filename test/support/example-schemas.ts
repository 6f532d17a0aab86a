import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSandboxSchemas, type SandboxSchemas } from '../../src/sandbox/load-schemas.js';
import { repoRoot } from './spoke-cli.js';

/**
 * The example project's saved org and portal schemas: the sandbox defaults are Salesforce's and
 * HubSpot's standard objects only, so a test that matches on the example's external ids
 * (Wistia_Account_Id__c, wistia_user_id, ...) starts the sandbox with these, as the example does.
 */
export const EXAMPLE_SCHEMA_DIR = join(repoRoot, 'dbt_project_example', 'spoke_schemas');

let loaded: Promise<SandboxSchemas> | undefined;

/** The example's schemas as objects and properties, for tests that start one emulator alone. */
export function exampleSchemas(): Promise<SandboxSchemas> {
  loaded ??= loadSandboxSchemas(EXAMPLE_SCHEMA_DIR);
  return loaded;
}

/** Gives a test's own project the example's spoke_schemas/, for a target routed to the sandbox. */
export async function copyExampleSchemas(projectDir: string): Promise<void> {
  await cp(EXAMPLE_SCHEMA_DIR, join(projectDir, 'spoke_schemas'), { recursive: true });
}

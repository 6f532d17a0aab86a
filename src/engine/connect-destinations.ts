import { join } from 'node:path';
import { ownValue } from '../config/own-value.js';
import type { DestinationConfig, SpokeConfig } from '../config/types.js';
import type { Destination } from '../destinations/contract.js';
import { createHubspotDestination } from '../destinations/hubspot/destination.js';
import { createSalesforceDestination } from '../destinations/salesforce/destination.js';
import { SpokeError } from '../errors.js';
import {
  HUBSPOT_SANDBOX_TOKEN,
  type RunningSandbox,
  SALESFORCE_SANDBOX_CREDENTIALS,
  startSandbox,
} from '../sandbox/index.js';

export interface ConnectedDestinations {
  get(name: string): Destination;
  /** Where sandbox records live when the target routes to an in-process sandbox. */
  sandboxStateFile: string | null;
  close(): Promise<void>;
}

/**
 * Where `spoke sandbox` and in-process sandboxes keep their records: one store per project and
 * dbt target, so a first run on another target (DuckDB `dev`, PostgreSQL `pg`) starts empty,
 * as a separate CRM account would.
 */
export function sandboxStateFile(projectDir: string, target: string): string {
  // Target names are dbt identifiers in practice; anything else is kept out of the path.
  const name = target.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  return join(projectDir, '.spoke', `sandbox-${name}.json`);
}

/** Saved object schemas that shape the sandbox like the project's own org and portal. */
export function sandboxSchemaDir(projectDir: string): string {
  return join(projectDir, 'spoke_schemas');
}

/**
 * Creates the destinations a run needs. When the active target routes to the sandbox, every
 * destination points at it (an already running `spoke sandbox` when its URLs are configured,
 * else one started in this process over the project's sandbox state file).
 */
export async function connectDestinations(
  config: SpokeConfig,
  names: Iterable<string>,
  projectDir: string,
  options: { signal?: AbortSignal } = {},
): Promise<ConnectedDestinations> {
  let sandbox: RunningSandbox | null = null;
  let sandboxUrls: { salesforce: string; hubspot: string } | null = null;
  const stateFile = sandboxStateFile(projectDir, config.target);
  if (config.sandbox) {
    const { salesforceUrl, hubspotUrl } = config.sandbox;
    if (salesforceUrl && hubspotUrl) {
      sandboxUrls = { salesforce: salesforceUrl, hubspot: hubspotUrl };
    } else {
      sandbox = await startSandbox({ stateFile, schemaDir: sandboxSchemaDir(projectDir) });
      sandboxUrls = { salesforce: sandbox.salesforceUrl, hubspot: sandbox.hubspotUrl };
    }
  }

  const destinations = new Map<string, Destination>();
  for (const name of names) {
    const configured = ownValue(config.destinations, name);
    if (!configured) {
      throw new SpokeError('SPOKE_CONFIG_INVALID', `Destination "${name}" is not defined in spoke.yml.`);
    }
    destinations.set(
      name,
      createDestination(sandboxUrls ? routeToSandbox(configured, sandboxUrls) : configured, options.signal),
    );
  }

  return {
    sandboxStateFile: sandbox ? stateFile : null,
    get(name) {
      const destination = destinations.get(name);
      if (!destination) throw new Error(`destination ${name} was not connected`);
      return destination;
    },
    async close() {
      await Promise.allSettled([...destinations.values()].map((destination) => destination.close()));
      await sandbox?.close();
    },
  };
}

/** `signal`: the run's end; waits (rate limits, polling) stop there. Calls nothing yet. */
export function createDestination(config: DestinationConfig, signal: AbortSignal | undefined): Destination {
  return config.type === 'salesforce'
    ? createSalesforceDestination(config)
    : createHubspotDestination(config, signal ? { signal } : {});
}

function routeToSandbox(
  config: DestinationConfig,
  urls: { salesforce: string; hubspot: string },
): DestinationConfig {
  if (config.type === 'salesforce') {
    const { username, password, clientId, clientSecret } = SALESFORCE_SANDBOX_CREDENTIALS;
    // Endpoints and credentials go to the sandbox; tuning (bulk threshold, rate limits) stays.
    const { instanceUrl: _instance, accessToken: _token, ...tuning } = config;
    return { ...tuning, loginUrl: urls.salesforce, username, password, clientId, clientSecret };
  }
  return { ...config, baseUrl: urls.hubspot, accessToken: HUBSPOT_SANDBOX_TOKEN };
}

import { join } from 'node:path';
import type { DestinationConfig, SpokeConfig } from '../config/types.js';
import type { Destination } from '../destinations/contract.js';
import type { RunningSandbox } from '../sandbox/index.js';
import { configuredDestination } from './destination-traits.js';

export interface ConnectedDestinations {
  has(name: string): boolean;
  get(name: string): Destination;
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
 * else one started in this process over the project's sandbox state file). Only the clients of
 * the destinations used, and the sandbox only when routed to it, are loaded.
 */
export async function connectDestinations(
  config: SpokeConfig,
  names: Iterable<string>,
  projectDir: string,
  options: DestinationHooks = {},
): Promise<ConnectedDestinations> {
  let sandbox: RunningSandbox | null = null;
  let sandboxRoute: SandboxRoute | null = null;
  const stateFile = sandboxStateFile(projectDir, config.target);
  if (config.sandbox) {
    const { HUBSPOT_SANDBOX_TOKEN, SALESFORCE_SANDBOX_CREDENTIALS, startSandbox } = await import(
      '../sandbox/index.js'
    );
    const credentials = {
      salesforceCredentials: SALESFORCE_SANDBOX_CREDENTIALS,
      hubspotToken: HUBSPOT_SANDBOX_TOKEN,
    };
    const { salesforceUrl, hubspotUrl } = config.sandbox;
    if (salesforceUrl && hubspotUrl) {
      sandboxRoute = { salesforce: salesforceUrl, hubspot: hubspotUrl, ...credentials };
    } else {
      sandbox = await startSandbox({ stateFile, schemaDir: sandboxSchemaDir(projectDir) });
      sandboxRoute = { salesforce: sandbox.salesforceUrl, hubspot: sandbox.hubspotUrl, ...credentials };
    }
  }

  const destinations = new Map<string, Destination>();
  try {
    for (const name of names) {
      const configured = configuredDestination(config, name);
      destinations.set(
        name,
        await createDestination(
          sandboxRoute ? routeToSandbox(configured, sandboxRoute) : configured,
          options,
        ),
      );
    }
  } catch (error) {
    await sandbox?.close();
    throw error;
  }

  return {
    has: (name) => destinations.has(name),
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

export interface DestinationHooks {
  /** The run's end: waits (rate limits, polling) stop there. */
  signal?: AbortSignal;
  /** Told each time a request of `destination` waited for its rate limit before leaving. */
  onRateLimitWait?: (destination: string, waitedMs: number) => void;
}

/** Creates the destination's client; calls nothing yet. */
export async function createDestination(
  config: DestinationConfig,
  hooks: DestinationHooks = {},
): Promise<Destination> {
  if (config.type === 'salesforce') {
    return (await import('../destinations/salesforce/destination.js')).createSalesforceDestination(config);
  }
  const { createHubspotDestination } = await import('../destinations/hubspot/destination.js');
  const { signal, onRateLimitWait } = hooks;
  return createHubspotDestination(config, {
    ...(signal ? { signal } : {}),
    ...(onRateLimitWait ? { onRateLimitWait: (ms: number) => onRateLimitWait(config.name, ms) } : {}),
  });
}

/** Where a sandboxed target's destinations go, and the credentials the sandbox accepts. */
interface SandboxRoute {
  salesforce: string;
  hubspot: string;
  salesforceCredentials: { username: string; password: string; clientId: string; clientSecret: string };
  hubspotToken: string;
}

function routeToSandbox(config: DestinationConfig, route: SandboxRoute): DestinationConfig {
  if (config.type === 'salesforce') {
    const { username, password, clientId, clientSecret } = route.salesforceCredentials;
    // Endpoints and credentials go to the sandbox; tuning (bulk threshold, rate limits) stays.
    const { instanceUrl: _instance, accessToken: _token, ...tuning } = config;
    return { ...tuning, loginUrl: route.salesforce, username, password, clientId, clientSecret };
  }
  return { ...config, baseUrl: route.hubspot, accessToken: route.hubspotToken };
}

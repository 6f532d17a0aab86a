import type { FastifyInstance } from 'fastify';
import { registerSandboxControl } from './control.js';
import { FaultInjector, type FaultPlan, parseFaultPlanJson } from './faults.js';
import type { HubspotPropertyDef } from './hubspot/server.js';
import { createHubspotServer, HUBSPOT_SANDBOX_TOKEN } from './hubspot/server.js';
import { loadSandboxSchemas } from './load-schemas.js';
import type { SalesforceObjectDef } from './salesforce/server.js';
import { createSalesforceServer, SALESFORCE_SANDBOX_CREDENTIALS } from './salesforce/server.js';
import type { SalesforceSandboxCredentials } from './salesforce/types.js';
import { SandboxStore } from './store.js';

export type { FaultCounters, FaultPlan } from './faults.js';
export { FaultInjector, parseFaultPlan, parseFaultPlanJson } from './faults.js';
export { HUBSPOT_SANDBOX_TOKEN, SALESFORCE_SANDBOX_CREDENTIALS, SandboxStore };

/** JSON fault plan for sandboxes started inside `spoke sync` (which has no `--faults`). */
export const SANDBOX_FAULTS_ENV = 'SPOKE_SANDBOX_FAULTS';

export interface SandboxOptions {
  /** State file the records persist to (plus `.journal` and `.lock` beside it); null keeps them in memory. */
  stateFile: string | null;
  host?: string;
  /** 0 (default) picks free ports. */
  salesforcePort?: number;
  hubspotPort?: number;
  salesforceObjects?: SalesforceObjectDef[];
  hubspotProperties?: Record<string, HubspotPropertyDef[]>;
  /** Directory of saved describe/properties responses extending the defaults (see load-schemas). */
  schemaDir?: string;
  /** HubSpot's rolling 10-second limit (default 190 per 10 s); false turns it off. */
  hubspotRateLimit?: { max: number; intervalMs: number } | false;
  /** Faults to inject; default: the `SPOKE_SANDBOX_FAULTS` environment variable, else none. */
  faults?: FaultPlan;
  /** Credentials to accept instead of the sandbox's own, e.g. a project's real-looking secrets. */
  credentials?: { salesforce?: Partial<SalesforceSandboxCredentials>; hubspotToken?: string };
}

export interface RunningSandbox {
  salesforceUrl: string;
  hubspotUrl: string;
  store: SandboxStore;
  /** The run's fault plan and counters; `faults.replace(plan)` changes it while running. */
  faults: FaultInjector;
  close(): Promise<void>;
}

/** Starts the Salesforce and HubSpot emulators on 127.0.0.1 over one shared store. */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const faults = new FaultInjector(options.faults ?? faultsFromEnvironment());
  const schemas = options.schemaDir
    ? await loadSandboxSchemas(options.schemaDir)
    : { salesforceObjects: [], hubspotProperties: {} };
  const store = await SandboxStore.open(options.stateFile);
  const servers: FastifyInstance[] = [];
  try {
    const salesforce = await createSalesforceServer({
      store,
      objects: [...schemas.salesforceObjects, ...(options.salesforceObjects ?? [])],
      host,
      faults: (request) => faults.respond('salesforce', request),
      ...(options.credentials?.salesforce ? { credentials: options.credentials.salesforce } : {}),
    });
    servers.push(salesforce);
    registerSandboxControl(salesforce, 'salesforce', faults);
    const hubspot = await createHubspotServer({
      store,
      properties: { ...schemas.hubspotProperties, ...options.hubspotProperties },
      rateLimit: options.hubspotRateLimit,
      host,
      hooks: [(request) => faults.respond('hubspot', request)],
      ...(options.credentials?.hubspotToken ? { accessToken: options.credentials.hubspotToken } : {}),
    });
    servers.push(hubspot);
    registerSandboxControl(hubspot, 'hubspot', faults);
    const salesforceUrl = await salesforce.listen({ host, port: options.salesforcePort ?? 0 });
    const hubspotUrl = await hubspot.listen({ host, port: options.hubspotPort ?? 0 });
    return {
      salesforceUrl,
      hubspotUrl,
      store,
      faults,
      async close() {
        await Promise.all(servers.map((server) => server.close()));
        await store.close();
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    await store.close();
    throw error;
  }
}

function faultsFromEnvironment(): FaultPlan {
  const text = process.env[SANDBOX_FAULTS_ENV];
  if (!text?.trim()) return {};
  return parseFaultPlanJson(text, `The ${SANDBOX_FAULTS_ENV} environment variable`);
}

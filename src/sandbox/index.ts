import type { FastifyInstance } from 'fastify';
import type { HubspotPropertyDef } from './hubspot/server.js';
import { createHubspotServer, HUBSPOT_SANDBOX_TOKEN } from './hubspot/server.js';
import { loadSandboxSchemas } from './load-schemas.js';
import type { SalesforceObjectDef } from './salesforce/server.js';
import { createSalesforceServer, SALESFORCE_SANDBOX_CREDENTIALS } from './salesforce/server.js';
import { SandboxStore } from './store.js';

export { HUBSPOT_SANDBOX_TOKEN, SALESFORCE_SANDBOX_CREDENTIALS, SandboxStore };

export interface SandboxOptions {
  /** JSON file the records persist to; null keeps them in memory. */
  stateFile: string | null;
  host?: string;
  /** 0 (default) picks free ports. */
  salesforcePort?: number;
  hubspotPort?: number;
  salesforceObjects?: SalesforceObjectDef[];
  hubspotProperties?: Record<string, HubspotPropertyDef[]>;
  /** Directory of saved describe/properties responses extending the defaults (see load-schemas). */
  schemaDir?: string;
  /** HubSpot's rolling 10-second limit; false turns it off. */
  hubspotRateLimit?: { max: number; intervalMs: number } | false;
}

export interface RunningSandbox {
  salesforceUrl: string;
  hubspotUrl: string;
  store: SandboxStore;
  close(): Promise<void>;
}

/** Starts the Salesforce and HubSpot emulators on 127.0.0.1 over one shared store. */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const store = await SandboxStore.open(options.stateFile);
  const schemas = options.schemaDir
    ? await loadSandboxSchemas(options.schemaDir)
    : { salesforceObjects: [], hubspotProperties: {} };
  const servers: FastifyInstance[] = [];
  try {
    const salesforce = await createSalesforceServer({
      store,
      objects: [...schemas.salesforceObjects, ...(options.salesforceObjects ?? [])],
      host,
    });
    servers.push(salesforce);
    const hubspot = await createHubspotServer({
      store,
      properties: { ...schemas.hubspotProperties, ...options.hubspotProperties },
      rateLimit: options.hubspotRateLimit,
      host,
    });
    servers.push(hubspot);
    const salesforceUrl = await salesforce.listen({ host, port: options.salesforcePort ?? 0 });
    const hubspotUrl = await hubspot.listen({ host, port: options.hubspotPort ?? 0 });
    return {
      salesforceUrl,
      hubspotUrl,
      store,
      async close() {
        await Promise.all(servers.map((server) => server.close()));
        await store.save();
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
}

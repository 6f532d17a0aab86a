import type { SandboxStore } from '../store.js';
import type { PropertyRegistry } from './properties.js';

/** What every route handler works with. */
export interface HubspotContext {
  store: SandboxStore;
  registry: PropertyRegistry;
  portalId: number;
}

/** A handler's answer; the server serialises it with HubSpot's content type. */
export interface HandlerResult {
  status: number;
  body?: unknown;
}

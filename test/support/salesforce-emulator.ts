import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { OutboundRecord, SalesforceConnectionOptions } from '../../src/destinations/contract.js';
import {
  createSalesforceServer,
  SALESFORCE_SANDBOX_CREDENTIALS,
  type SalesforceFaultResponse,
} from '../../src/sandbox/salesforce/index.js';
import { SandboxStore } from '../../src/sandbox/store.js';
import { exampleSchemas } from './example-schemas.js';

export interface SalesforceEmulator {
  app: FastifyInstance;
  store: SandboxStore;
  url: string;
  /** `METHOD /path` of every request since the last test started. */
  requests: string[];
  /** Set by a test to answer requests itself; cleared before each test. */
  fault: ((method: string, url: string) => SalesforceFaultResponse | undefined) | undefined;
}

/**
 * The Salesforce emulator on 127.0.0.1 for one test file, in memory, recording requests, serving
 * the example's Account and Contact (with its external ids).
 * Before each test the requests, the fault and the Account and Contact records are cleared.
 */
export function useSalesforceEmulator(): SalesforceEmulator {
  const emulator = { requests: [] as string[], fault: undefined } as unknown as SalesforceEmulator;
  beforeAll(async () => {
    emulator.store = await SandboxStore.open(null);
    emulator.app = await createSalesforceServer({
      store: emulator.store,
      objects: (await exampleSchemas()).salesforceObjects,
      faults: ({ method, url }) => {
        emulator.requests.push(`${method} ${url}`);
        return emulator.fault?.(method, url);
      },
    });
    emulator.url = await emulator.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => emulator.app.close());
  beforeEach(() => {
    emulator.requests.length = 0;
    emulator.fault = undefined;
    for (const object of ['Account', 'Contact']) {
      const table = emulator.store.table('salesforce', object);
      for (const id of Object.keys(table)) delete table[id];
    }
  });
  return emulator;
}

/** Destination options that log in to the emulator with its OAuth credentials. */
export function emulatorOptions(url: string): SalesforceConnectionOptions {
  const { username, password, clientId, clientSecret } = SALESFORCE_SANDBOX_CREDENTIALS;
  return {
    name: 'salesforce',
    loginUrl: url,
    apiVersion: '62.0',
    username,
    password,
    clientId,
    clientSecret,
  };
}

export function account(key: string, values: Record<string, unknown> = {}): OutboundRecord {
  return { key, values: { Name: `Account ${key}`, ...values }, lookups: [], associations: [] };
}

export function contact(
  key: string,
  values: Record<string, unknown>,
  accountKey?: string | null,
): OutboundRecord {
  return {
    key,
    values,
    lookups:
      accountKey === undefined
        ? []
        : [{ relationship: 'Account', object: 'Account', match: 'Wistia_Account_Id__c', value: accountKey }],
    associations: [],
  };
}

export const accounts = { object: 'Account', match: 'Wistia_Account_Id__c' } as const;
export const contacts = { object: 'Contact', match: 'Wistia_User_Id__c' } as const;

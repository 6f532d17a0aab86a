import type { FastifyInstance } from 'fastify';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSalesforceServer,
  SALESFORCE_SANDBOX_CREDENTIALS as creds,
  expireSalesforceSessions,
} from '../../src/sandbox/salesforce/index.js';
import { SandboxStore } from '../../src/sandbox/store.js';

let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  app = await createSalesforceServer({ store: await SandboxStore.open(null) });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

function connection(extra: { refreshToken?: string; instanceUrl?: string } = {}): Connection {
  return new Connection({
    loginUrl: url,
    version: '50.0',
    oauth2: { loginUrl: url, clientId: creds.clientId, clientSecret: creds.clientSecret },
    ...extra,
  });
}

describe('Salesforce sandbox authentication', () => {
  it('logs in with the OAuth password flow and points jsforce at itself', async () => {
    const conn = connection();
    const info = await conn.login(creds.username, creds.password);
    expect(conn.instanceUrl).toBe(url);
    expect(info.organizationId).toMatch(/^00D[a-zA-Z0-9]{15}$/);
    expect(info.id).toMatch(/^005[a-zA-Z0-9]{15}$/);
    const user = await conn.sobject('User').retrieve(info.id);
    expect(user).toMatchObject({ Username: creds.username });
  });

  it('issues a token for the client-credentials flow', async () => {
    const conn = connection();
    await conn.authorize({ grant_type: 'client_credentials' });
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((o) => o.name)).toEqual(
      expect.arrayContaining(['Account', 'Contact', 'User']),
    );
  });

  it('accepts the sandbox refresh token', async () => {
    const conn = connection({ refreshToken: creds.refreshToken, instanceUrl: url });
    const describe = await conn.describe('Account');
    expect(describe.name).toBe('Account');
  });

  it('rejects a wrong password with invalid_grant and the authentication failure message', async () => {
    const conn = connection();
    await expect(conn.login(creds.username, 'wrong')).rejects.toMatchObject({
      name: 'invalid_grant',
      message: 'authentication failure',
    });
  });

  it('answers a data call without a valid token with 401 INVALID_SESSION_ID', async () => {
    const response = await fetch(`${url}/services/data/v50.0/sobjects`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await response.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
  });

  it('makes jsforce log in again once when its session expired, then the call succeeds', async () => {
    const conn = connection();
    await conn.login(creds.username, creds.password);
    const first = conn.accessToken;
    expireSalesforceSessions(app);
    let refreshes = 0;
    conn.on('refresh', () => refreshes++);
    const describe = await conn.describe('Contact');
    expect(describe.name).toBe('Contact');
    expect(refreshes).toBe(1);
    expect(conn.accessToken).not.toBe(first);
  });

  it('reports API usage in Sforce-Limit-Info on every REST response', async () => {
    const conn = connection();
    await conn.login(creds.username, creds.password);
    await conn.describe('Account');
    const used = conn.limitInfo.apiUsage?.used ?? 0;
    await conn.describe('Account');
    expect(conn.limitInfo.apiUsage).toEqual({ used: used + 1, limit: 15000 });
  });
});

import { Connection } from 'jsforce';
import { ConfigError, DestinationError, SpokeError } from '../../errors.js';
import { redact, registerSecret } from '../../util/redact.js';
import type { SalesforceConnectionOptions } from '../contract.js';

const MIN_API_VERSION = 46;

/** What an error says, with every secret masked; jsforce's OAuth errors may carry no message. */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    return redact(error.message || error.name || 'the server answered with an error but did not say which');
  }
  return redact(String(error));
}

export function checkApiVersion(config: SalesforceConnectionOptions): void {
  const version = Number.parseFloat(config.apiVersion);
  if (!/^\d+\.\d+$/.test(config.apiVersion) || version < MIN_API_VERSION) {
    throw new ConfigError(
      `Salesforce destination "${config.name}" uses API version ${config.apiVersion}; dbt-spoke needs ${MIN_API_VERSION}.0 or newer (sObject Collections upsert). Set api_version to e.g. "62.0".`,
    );
  }
}

function authMode(config: SalesforceConnectionOptions): 'token' | 'password' | 'client' | undefined {
  if (config.accessToken) return 'token';
  if (config.username && config.password) return 'password';
  if (config.clientId && config.clientSecret) return 'client';
  return undefined;
}

function newConnection(config: SalesforceConnectionOptions): Connection {
  const { loginUrl, clientId, clientSecret } = config;
  const version = config.apiVersion;
  const oauth2 = clientId ? { loginUrl, clientId, ...(clientSecret ? { clientSecret } : {}) } : undefined;
  if (config.accessToken) {
    return new Connection({
      loginUrl,
      version,
      instanceUrl: config.instanceUrl ?? loginUrl,
      accessToken: config.accessToken,
      ...(oauth2 ? { oauth2 } : {}),
    });
  }
  if (!config.username && clientId && clientSecret) {
    // jsforce cannot refresh a client-credentials session by itself: it has no refresh token.
    return new Connection({
      loginUrl,
      version,
      oauth2: { loginUrl, clientId, clientSecret },
      refreshFn: (conn, callback) => {
        conn
          .authorize({ grant_type: 'client_credentials' })
          .then(() => callback(null, conn.accessToken ?? undefined))
          .catch((error: Error) => callback(error));
      },
    });
  }
  return new Connection({ loginUrl, version, ...(oauth2 ? { oauth2 } : {}) });
}

/** One jsforce connection per destination, logged in on first use and reused afterwards. */
export class SalesforceSession {
  private ready: Promise<Connection> | null = null;
  private connection: Connection | null = null;

  constructor(private readonly config: SalesforceConnectionOptions) {
    for (const secret of [config.password, config.clientSecret, config.accessToken]) registerSecret(secret);
  }

  /** The logged-in connection; a failed login is retried on the next call. */
  connect(): Promise<Connection> {
    this.ready ??= this.login().then(
      (conn) => {
        this.connection = conn;
        return conn;
      },
      (error: unknown) => {
        this.ready = null;
        throw error;
      },
    );
    return this.ready;
  }

  /** The logged-in connection, if a login has succeeded. */
  current(): Connection | null {
    return this.connection;
  }

  private async login(): Promise<Connection> {
    const mode = authMode(this.config);
    if (!mode) {
      throw new SpokeError(
        'SPOKE_DESTINATION_AUTH',
        `Salesforce destination "${this.config.name}" has no credentials. Set username and password (with client_id and client_secret of a connected app), client_id and client_secret alone, or access_token.`,
      );
    }
    const conn = newConnection(this.config);
    if (mode === 'password') await conn.login(this.config.username as string, this.config.password as string);
    if (mode === 'client') await conn.authorize({ grant_type: 'client_credentials' });
    if (mode === 'token') await conn.request('/limits');
    return conn;
  }

  /** Turns a login failure into the error `check()` reports: where, why, and what to verify. */
  authError(error: unknown): SpokeError {
    if (error instanceof SpokeError) return error;
    const reason = errorText(error);
    if (!refusedLogin(error)) {
      return new DestinationError(
        'SPOKE_DESTINATION_AUTH',
        `Salesforce destination "${this.config.name}" could not log in at ${this.config.loginUrl}: the login server did not answer the request (${reason}). Check login_url, and that Salesforce is reachable from here.`,
        true,
      );
    }
    const mode = authMode(this.config);
    const what =
      mode === 'token'
        ? 'Check that access_token is current and instance_url is the org it was issued for.'
        : mode === 'client'
          ? "Check client_id and client_secret, that the connected app allows the client-credentials flow, and that login_url is the org's My Domain URL."
          : 'Check username, password (with the security token appended if the org requires one), client_id and client_secret, and that login_url is the right one (login.salesforce.com for production, test.salesforce.com for sandboxes).';
    return new DestinationError(
      'SPOKE_DESTINATION_AUTH',
      `Salesforce destination "${this.config.name}" could not log in at ${this.config.loginUrl}: ${reason}. ${what}`,
      false,
    );
  }

  close(): void {
    this.ready = null;
    this.connection = null;
  }
}

/**
 * Whether the login server refused the credentials: an OAuth error answer (`invalid_grant`,
 * `invalid_client_id`, …) or a REST 401/403 about the token. A 5xx, a reset or an answer without
 * an OAuth error is not a refusal: trying again may succeed.
 */
function refusedLogin(error: unknown): boolean {
  const e = error as { name?: unknown; errorCode?: unknown; data?: unknown; code?: unknown };
  if (typeof e?.name === 'string' && /^[a-z]+(_[a-z]+)+$/.test(e.name)) return true;
  if (typeof e?.errorCode === 'string' && e.data !== undefined) {
    return ['INVALID_SESSION_ID', 'INVALID_AUTH_HEADER', 'INVALID_LOGIN', 'API_DISABLED_FOR_ORG'].includes(
      e.errorCode,
    );
  }
  return false;
}

import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxStore } from '../store.js';
import { formatDateTime } from './coerce.js';
import { newId, SANDBOX_ORG_ID } from './ids.js';
import type { SalesforceSandboxCredentials } from './types.js';

/** The only credentials the sandbox accepts. Not secrets: they are the same for everyone. */
export const SALESFORCE_SANDBOX_CREDENTIALS = {
  username: 'sandbox@dbt-spoke.local',
  password: 'sandbox-password',
  clientId: 'spoke-sandbox-client-id',
  clientSecret: 'spoke-sandbox-client-secret',
  /** Accepted by `grant_type=refresh_token`, for clients configured with a refresh token. */
  refreshToken: 'spoke-sandbox-refresh-token',
} as const;

/** The integration user every token belongs to; created in the store on first use. */
export function ensureSandboxUser(store: SandboxStore): string {
  const users = store.table('salesforce', 'User');
  const existing = Object.values(users).find(
    (u) => u.fields.Username === SALESFORCE_SANDBOX_CREDENTIALS.username,
  );
  if (existing) return existing.id;
  const id = newId(store, 'User', '005');
  const now = formatDateTime(new Date());
  users[id] = {
    id,
    fields: {
      Username: SALESFORCE_SANDBOX_CREDENTIALS.username,
      FirstName: 'Sandbox',
      LastName: 'Integration',
      Name: 'Sandbox Integration',
      Email: SALESFORCE_SANDBOX_CREDENTIALS.username,
      Alias: 'sandbox',
      IsActive: true,
      CreatedDate: now,
      LastModifiedDate: now,
      SystemModstamp: now,
    },
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  return id;
}

type TokenError = { error: string; error_description: string };

function checkGrant(params: URLSearchParams, c: SalesforceSandboxCredentials): TokenError | undefined {
  const grant = params.get('grant_type');
  if (!['password', 'client_credentials', 'refresh_token'].includes(grant ?? '')) {
    return { error: 'unsupported_grant_type', error_description: 'grant type not supported' };
  }
  if (params.get('client_id') !== c.clientId)
    return { error: 'invalid_client_id', error_description: 'client identifier invalid' };
  if (grant !== 'refresh_token' && params.get('client_secret') !== c.clientSecret) {
    return { error: 'invalid_client', error_description: 'invalid client credentials' };
  }
  if (
    grant === 'password' &&
    (params.get('username') !== c.username || params.get('password') !== c.password)
  ) {
    return { error: 'invalid_grant', error_description: 'authentication failure' };
  }
  if (grant === 'refresh_token' && params.get('refresh_token') !== c.refreshToken) {
    return { error: 'invalid_grant', error_description: 'expired access/refresh token' };
  }
  return undefined;
}

/** Issues and checks the bearer tokens of one running sandbox (they do not survive a restart). */
export class TokenIssuer {
  private readonly tokens = new Set<string>();
  private readonly signingKey = randomBytes(16);

  private readonly credentials: SalesforceSandboxCredentials;

  constructor(
    private readonly store: SandboxStore,
    credentials: Partial<SalesforceSandboxCredentials> = {},
  ) {
    this.credentials = { ...SALESFORCE_SANDBOX_CREDENTIALS, ...credentials };
  }

  isValid(authorization: string | undefined): boolean {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    return match?.[1] !== undefined && this.tokens.has(match[1]);
  }

  /** Forgets every token, so clients must log in again (tests of session expiry). */
  expireAll(): void {
    this.tokens.clear();
  }

  userId(): string {
    return ensureSandboxUser(this.store);
  }

  register(app: FastifyInstance, origin: (request: FastifyRequest) => string): void {
    app.post('/services/oauth2/token', async (request: FastifyRequest, reply: FastifyReply) => {
      const params = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
      const failure = checkGrant(params, this.credentials);
      if (failure) return reply.code(400).send(failure);
      const userId = this.userId();
      await this.store.save();
      const accessToken = `${SANDBOX_ORG_ID.slice(0, 15)}!AQ4AQ${randomBytes(24).toString('base64url')}`;
      this.tokens.add(accessToken);
      const base = origin(request);
      const id = `${base}/id/${SANDBOX_ORG_ID}/${userId}`;
      const issuedAt = String(Date.now());
      return reply.send({
        access_token: accessToken,
        instance_url: base,
        id,
        token_type: 'Bearer',
        issued_at: issuedAt,
        signature: createHmac('sha256', this.signingKey)
          .update(id + issuedAt)
          .digest('base64'),
      });
    });
  }
}

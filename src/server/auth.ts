import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error.js';

/** Routes a load balancer or orchestrator probes without a token, and the web page's static files (it asks for the token). */
const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/', '/ui/*']);

/**
 * Every other route needs `Authorization: Bearer <token>`. Tokens are compared as SHA-256
 * digests with timingSafeEqual: equal lengths whatever was sent, and no timing hint of how
 * much of it matched.
 */
export function requireBearerToken(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', async (request, reply) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer');
      throw new ApiError(
        401,
        'SPOKE_API_UNAUTHORIZED',
        'This route needs the header `Authorization: Bearer <token>`, with the token the server has in SPOKE_API_TOKEN.',
      );
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      throw new ApiError(
        403,
        'SPOKE_API_FORBIDDEN',
        'The bearer token is not the one this server accepts; use the value of SPOKE_API_TOKEN the server was started with.',
      );
    }
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** Per-input error inside a batch response (the spec's `StandardError`). */
export interface StandardError {
  status: 'error';
  category: string;
  message: string;
  context: Record<string, string[]>;
  errors: { message: string; code?: string; context?: Record<string, string[]> }[];
  links: Record<string, string>;
}

/** A whole request refused: answered with `status` and HubSpot's error body. */
export class HubspotHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

export function errorBody(category: string, message: string, extra: Record<string, unknown> = {}) {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

export function validationError(message: string, extra: Record<string, unknown> = {}): HubspotHttpError {
  return new HubspotHttpError(400, errorBody('VALIDATION_ERROR', message, extra));
}

/** Every body goes out with HubSpot's JSON content type: the client cannot parse errors without it. */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify(body));
}

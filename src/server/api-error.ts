import { z } from 'zod';

/** Every error answer of the API: a stable code, a message that says the fix, and what it is about. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('Stable code, e.g. SPOKE_API_UNAUTHORIZED, SPOKE_API_BAD_REQUEST'),
      message: z.string(),
      field: z.string().optional().describe('The request field that was wrong, e.g. body.syncs[1]'),
      closest: z.array(z.string()).optional().describe('Known ids closest to an unknown one'),
    }),
  })
  .describe('An error');

export type ErrorBody = z.infer<typeof ErrorBody>;

/** An answer other than 2xx that a handler decides on; the error handler sends it as ErrorBody. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: { field?: string; closest?: string[] } = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/** The error answers every authenticated route can give. */
export const AUTH_ERRORS = { 401: ErrorBody, 403: ErrorBody } as const;

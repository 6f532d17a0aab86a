import { redact, registerSecret } from '../../util/redact.js';
import type { OutcomeError } from '../contract.js';
import { DailyLimitReached } from '../rate-limit/daily-limit-reached.js';

/** What `@hubspot/api-client` throws for a non-success status: `.code` is the HTTP status. */
interface ApiExceptionLike {
  code: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function isApiException(error: unknown): error is ApiExceptionLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'number' &&
    'body' in error
  );
}

const TRANSIENT_STATUS = new Set([423, 429, 477]);

export function parseBody(body: unknown): Record<string, unknown> {
  if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
    } catch {
      return { message: body };
    }
  }
  return {};
}

/** HTTP answers that judge the request itself (its inputs), not the transport or the account. */
const VERDICT_STATUS = new Set([400, 409, 422]);

/**
 * A failure of a whole call (HTTP error or no answer), as the outcome of each of its records.
 * Permanent only when HubSpot answered that the request was invalid (400, 409, 422); auth,
 * scopes, 404s of the endpoint, 5xx, rate limits, transport errors and anything unknown are
 * transient, and those that retrying within the run cannot fix wait for the next run.
 */
export function callFailure(error: unknown, secrets: (string | undefined)[] = []): OutcomeError {
  for (const secret of secrets) registerSecret(secret);
  if (error instanceof DailyLimitReached || (isApiException(error) && isDailyLimit(error))) {
    const used =
      error instanceof DailyLimitReached && error.limit !== undefined
        ? ` (${error.used} of ${error.limit} requests used)`
        : '';
    return {
      code: 'DAILY_LIMIT_REACHED',
      message: `HubSpot's daily API request limit is reached${used}, so this record was not sent. The next run after the limit resets (midnight in the HubSpot account's time zone) sends it; to finish sooner, raise the daily limit (rate_limit.daily in spoke.yml, or the account's API limit pack).`,
      transient: true,
      retryLater: true,
    };
  }
  if (isApiException(error)) {
    const status = error.code;
    const body = parseBody(error.body);
    const code = String(body.category ?? body.errorType ?? `ERROR_HTTP_${status}`);
    const message = typeof body.message === 'string' ? body.message : `HubSpot answered HTTP ${status}`;
    const verdict = VERDICT_STATUS.has(status);
    const retryNow = TRANSIENT_STATUS.has(status) || status >= 500;
    return {
      code,
      message: redact(`HTTP ${status}: ${message}`),
      transient: !verdict,
      ...(!verdict && !retryNow ? { retryLater: true } : {}),
    };
  }
  const e = error as { name?: string; code?: string; type?: string; message?: string } | undefined;
  const network = e?.name === 'FetchError' || e?.type === 'system' || /^E[A-Z]+$/.test(e?.code ?? '');
  return {
    code: network ? 'NETWORK_ERROR' : 'CLIENT_ERROR',
    message: redact(e?.message || String(error)),
    transient: true,
  };
}

/** A 429 for the day's quota (`policyName: DAILY`), which waiting minutes does not lift. */
export function isDailyLimit(error: ApiExceptionLike): boolean {
  if (error.code !== 429) return false;
  const body = parseBody(error.body);
  return (
    body.policyName === 'DAILY' || (typeof body.message === 'string' && /daily limit/i.test(body.message))
  );
}

/** A per-input error of a batch response (the client's `StandardError`). */
export interface BatchError {
  category?: string;
  message?: string;
  context?: Record<string, string[]>;
  errors?: { code?: string; message?: string; context?: Record<string, string[]> }[];
}

/** The record-level error: the nested code (`INVALID_EMAIL`), its messages and the properties. */
export function batchErrorToOutcome(error: BatchError): OutcomeError {
  const details = error.errors ?? [];
  const fields = [...new Set(details.flatMap((d) => d.context?.propertyName ?? []))];
  const messages = details.map((d) => d.message).filter((m): m is string => Boolean(m));
  return {
    code: details[0]?.code ?? error.category ?? 'UNKNOWN_ERROR',
    message: messages.length > 0 ? messages.join('; ') : (error.message ?? 'HubSpot reported an error'),
    transient: false,
    ...(fields.length > 0 ? { fields } : {}),
  };
}

/** Values in an error's context that may name the input: trace ids first, then ids. */
export function batchErrorRefs(error: BatchError): string[] {
  return [
    ...(error.context?.objectWriteTraceId ?? []),
    ...(error.context?.ids ?? []),
    ...(error.context?.id ?? []),
  ];
}

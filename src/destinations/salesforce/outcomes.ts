import type { OutcomeError, RecordOutcome } from '../contract.js';

const TRANSIENT_CODES = new Set([
  'UNABLE_TO_LOCK_ROW',
  'INVALID_SESSION_ID',
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
]);

interface ApiError {
  statusCode?: string;
  errorCode?: string;
  message?: string;
  fields?: string[];
}

export function isTransient(code: string): boolean {
  return TRANSIENT_CODES.has(code) || NETWORK_CODES.has(code) || /^ERROR_HTTP_(5\d\d|429|420)$/.test(code);
}

/**
 * REQUEST_LIMIT_EXCEEDED names both the org's daily request limit, which no retry within the run
 * can outlast, and the concurrent long-request limits, which clear within seconds.
 */
function limitExceeded(message: string): OutcomeError {
  if (/concurrent/i.test(message)) return { code: 'REQUEST_LIMIT_EXCEEDED', message, transient: true };
  return {
    code: 'REQUEST_LIMIT_EXCEEDED',
    message: `the Salesforce org has used up its daily API request limit (${message}); nothing more is sent this run. The next run resends these records once the rolling 24-hour usage has dropped (Setup > System Overview shows it), or ask Salesforce for a higher limit.`,
    transient: true,
    retryLater: true,
  };
}

/** True for the daily-limit failure: every later call of the run would fail the same way. */
export function isDailyLimit(error: OutcomeError | undefined): boolean {
  return error?.code === 'REQUEST_LIMIT_EXCEEDED' && error.retryLater === true;
}

/** Codes of Salesforce answers that are about the session or the org, never about a record. */
const NOT_ABOUT_RECORDS = new Set(['INVALID_SESSION_ID', 'INVALID_AUTH_HEADER', 'API_DISABLED_FOR_ORG']);

/**
 * A jsforce rejection (HTTP error, network failure, login or session-refresh failure) as an
 * outcome error. It is permanent only when Salesforce answered with an error of its own about
 * the request (`INVALID_FIELD`, `MALFORMED_ID`, …: jsforce's HttpApiError carries the answer as
 * `data`). A failed refresh ("Unable to refresh session due to: …"), a transport error, a 5xx, a
 * timeout or an answer jsforce could not read is transient.
 */
export function thrownError(error: unknown): OutcomeError {
  const e = (error ?? {}) as {
    errorCode?: unknown;
    code?: unknown;
    name?: unknown;
    message?: unknown;
    type?: unknown;
    data?: unknown;
  };
  const network = typeof e.code === 'string' && NETWORK_CODES.has(e.code) ? e.code : undefined;
  const answered =
    typeof e.errorCode === 'string' && e.data !== undefined ? answerCode(e.errorCode, e.data) : undefined;
  const code =
    network ??
    answered ??
    (typeof e.errorCode === 'string' ? e.errorCode : undefined) ??
    (typeof e.name === 'string' && e.name !== '' && e.name !== 'Error' ? e.name : 'SALESFORCE_ERROR');
  const message =
    typeof e.message === 'string' && e.message !== ''
      ? e.message
      : `Salesforce call failed without a message (${code})`;
  if (code === 'REQUEST_LIMIT_EXCEEDED') return limitExceeded(message);
  const verdict =
    network === undefined &&
    answered !== undefined &&
    !answered.startsWith('ERROR_HTTP_') &&
    !isTransient(answered) &&
    !NOT_ABOUT_RECORDS.has(answered);
  return { code, message, transient: !verdict };
}

/** The first code of a several-error answer (`MULTIPLE_API_ERRORS`), else the code itself. */
function answerCode(errorCode: string, data: unknown): string {
  if (errorCode !== 'MULTIPLE_API_ERRORS' || !Array.isArray(data)) return errorCode;
  const first = data[0] as ApiError | undefined;
  return first?.errorCode ?? first?.statusCode ?? errorCode;
}

/** The per-record errors of a collection result; the first code names the failure. */
export function recordErrors(errors: ApiError[] | undefined): OutcomeError {
  const list = errors ?? [];
  const code = list[0]?.statusCode ?? list[0]?.errorCode ?? 'SALESFORCE_ERROR';
  const fields = [...new Set(list.flatMap((e) => e.fields ?? []))];
  return {
    code,
    message:
      list
        .map((e) => e.message ?? '')
        .filter(Boolean)
        .join('; ') || 'Salesforce rejected the record without a message',
    transient: isTransient(code),
    ...(fields.length > 0 ? { fields } : {}),
  };
}

export function failAll(keys: string[], error: OutcomeError): RecordOutcome[] {
  return keys.map((key) => ({ key, status: 'failed', error }));
}

import type { Client } from '@hubspot/api-client';
import type { BatchError } from './errors.js';

/**
 * A non-2xx answer, shaped as the generated client's `ApiException` (`code` is the HTTP status,
 * `headers` lower-cased), so rate-limit handling and `callFailure` treat both alike. `body` is
 * the answer's text; `parseBody` reads it as JSON when it is.
 */
export class HubspotStatusError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
    readonly headers: Record<string, string>,
  ) {
    super(`HubSpot answered HTTP ${code}`);
    this.name = 'HubspotStatusError';
  }
}

/**
 * POSTs one CRM batch request through the client's documented `apiRequest` (the same client:
 * its access token, base path, user agent and decorators) and hands back the JSON answer as it
 * came. The generated `batchApi` methods rebuild every result as model classes (two Dates per
 * record) and every input through the ObjectSerializer, about half a second of CPU per 100,000
 * records, for fields read once. A 2xx answer (200, 201, 207 multi-status) resolves; any other
 * status throws `HubspotStatusError`, as the generated methods throw `ApiException`.
 */
export async function postBatch<T>(
  client: Client,
  path: string,
  body: unknown,
): Promise<{ headers: Record<string, string>; data: T }> {
  const response = await client.apiRequest({ method: 'POST', path, body });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const text = await response.text();
  if (response.status < 200 || response.status > 299)
    throw new HubspotStatusError(response.status, text, headers);
  return { headers, data: JSON.parse(text) as T };
}

/** A batch answer's fields spoke reads, as HubSpot sends them (`new`, not the model's `_new`). */
export interface BatchAnswer {
  results?: {
    id: string;
    new?: boolean;
    objectWriteTraceId?: string;
    properties?: Record<string, string | null>;
  }[];
  errors?: BatchError[];
}

/** The path of an object type's batch endpoint, e.g. `/crm/v3/objects/contacts/batch/upsert`. */
export function batchPath(object: string, action: 'upsert' | 'update' | 'create'): string {
  return `/crm/v3/objects/${encodeURIComponent(object)}/batch/${action}`;
}

import { Client } from '@hubspot/api-client';
import { DestinationError, SpokeError } from '../../errors.js';
import { chunk } from '../../util/chunk.js';
import type {
  Destination,
  HubspotConnectionOptions,
  ObjectSchema,
  RecordOutcome,
  WriteRequest,
} from '../contract.js';
import { SlidingWindowLimiter } from '../rate-limit/sliding-window-limiter.js';
import { writeAssociations } from './associate.js';
import { distinctRounds } from './batching.js';
import { deleteBatch } from './delete-objects.js';
import { describeForSaving, describeObject } from './describe.js';
import { callFailure, isApiException } from './errors.js';
import { createHubspotApi } from './hubspot-api.js';
import { HUBSPOT_LIMITS, hubspotMatchesIgnoringCase } from './limits.js';
import { createBatch, type ObjectBatch, updateBatch, upsertBatch } from './write-objects.js';

/** HubSpot's Free/Starter app limit; Professional and Enterprise allow 190. */
export const DEFAULT_HUBSPOT_RATE_LIMIT = { requestsPerWindow: 100, windowMs: 10_000 };

const WRITERS = {
  upsert: upsertBatch,
  update: updateBatch,
  create: createBatch,
  delete: deleteBatch,
} as const;

export interface HubspotDestinationTuning {
  /** Longest a request waits out rolling-window 429s before its records fail (transient). */
  maxRateLimitPauseMs?: number;
  /** Ends every wait (rate limit, 429 pauses) of every call, checks included: the run is over. */
  signal?: AbortSignal;
  /** Told how long each request waited for the rate limit (window or 429 pause) before leaving. */
  onRateLimitWait?: (waitedMs: number) => void;
}

/**
 * HubSpot through `@hubspot/api-client` (CRM v3 batch objects, v4 associations). Every request
 * goes through one sliding-window limiter per destination. The client's own retries are left
 * off: they live in a process-wide singleton, and the engine retries.
 */
export function createHubspotDestination(
  config: HubspotConnectionOptions,
  tuning: HubspotDestinationTuning = {},
): Destination {
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const client = new Client({ accessToken: config.accessToken, basePath: baseUrl });
  const limiter = new SlidingWindowLimiter({
    max: config.requestsPerWindow ?? DEFAULT_HUBSPOT_RATE_LIMIT.requestsPerWindow,
    windowMs: config.windowMs ?? DEFAULT_HUBSPOT_RATE_LIMIT.windowMs,
    ...(config.dailyLimit !== undefined ? { dailyLimit: config.dailyLimit } : {}),
    ...(tuning.onRateLimitWait ? { onWait: tuning.onRateLimitWait } : {}),
  });
  const api = createHubspotApi(client, limiter, tuning.maxRateLimitPauseMs ?? 120_000, tuning.signal);
  const secrets = [config.accessToken];
  const schemas = new Map<string, Promise<ObjectSchema>>();
  const where = `HubSpot destination "${config.name}" (${baseUrl})`;

  return {
    name: config.name,
    type: 'hubspot',
    limits: HUBSPOT_LIMITS,

    matchesIgnoringCase(_object, match) {
      return hubspotMatchesIgnoringCase(match);
    },

    async check() {
      if (!config.accessToken) {
        throw new SpokeError(
          'SPOKE_DESTINATION_AUTH',
          `${where} has no access token. Set access_token in spoke.yml (a private app token with crm.objects and crm.schemas scopes).`,
        );
      }
      try {
        await api.send((c) => c.crm.properties.coreApi.getAllWithHttpInfo('contacts', false));
      } catch (error) {
        const failure = callFailure(error, secrets);
        const rejected = isApiException(error) && (error.code === 401 || error.code === 403);
        throw new DestinationError(
          'SPOKE_DESTINATION_AUTH',
          rejected
            ? `${where} refused the access token (${failure.message}). Check access_token in spoke.yml: it must be a valid private app token with CRM scopes.`
            : `${where} did not answer the credentials check (${failure.message}). Check base_url, and that HubSpot is reachable from here.`,
          !rejected,
        );
      }
    },

    describe(object) {
      let schema = schemas.get(object);
      if (!schema) {
        schema = describeObject(api, object).catch((error: unknown) => {
          schemas.delete(object);
          throw describeError(where, object, error, secrets);
        });
        schemas.set(object, schema);
      }
      return schema;
    },

    describeForSaving(object) {
      return describeForSaving(api, object).catch((error: unknown) => {
        throw describeError(where, object, error, secrets);
      });
    },

    async write(request: WriteRequest): Promise<RecordOutcome[]> {
      const writer = WRITERS[request.operation];
      const scoped = request.signal ? api.withSignal(request.signal) : api;
      const results: (RecordOutcome | undefined)[] = request.records.map(() => undefined);
      const rounds = distinctRounds(
        request.records.map((record, index) => ({ key: record.key, record, index })),
      );
      for (const round of rounds) {
        for (const part of chunk(round, HUBSPOT_LIMITS.maxBatchSize)) {
          const records = part.map((p) => p.record);
          const batch: ObjectBatch = {
            api: scoped,
            object: request.object,
            match: request.match,
            records,
            secrets,
          };
          const answered = await writeBatch(writer, batch);
          for (const p of part) results[p.index] = answered.get(p.key) ?? noOutcome(p.key);
        }
      }
      return request.records.map((r, i) => results[i] ?? noOutcome(r.key));
    },

    apiUsage() {
      return api.usage();
    },

    async close() {
      schemas.clear();
    },
  };
}

/** Writes one batch and its associations; whatever goes wrong becomes the records' outcomes. */
async function writeBatch(
  writer: (batch: ObjectBatch) => Promise<Map<string, RecordOutcome>>,
  batch: ObjectBatch,
): Promise<Map<string, RecordOutcome>> {
  try {
    const answered = await writer(batch);
    await writeAssociations(batch.api, batch.object, batch.records, answered, batch.secrets);
    return answered;
  } catch (error) {
    const failure = callFailure(error, batch.secrets);
    return new Map(batch.records.map((r) => [r.key, { key: r.key, status: 'failed', error: failure }]));
  }
}

/** Why the properties of an object could not be read, with the fix that fits the answer. */
function describeError(
  where: string,
  object: string,
  error: unknown,
  secrets: (string | undefined)[],
): DestinationError {
  const failure = callFailure(error, secrets);
  const status = isApiException(error) ? error.code : undefined;
  const fix =
    status === 404 || status === 400
      ? ' Check the object type name (contacts, companies, deals, or a custom object such as 2-1234567).'
      : status === 401 || status === 403
        ? ` Check that the token's private app has the crm.schemas.${object}.read scope.`
        : '';
  return new DestinationError(
    'SPOKE_DESTINATION',
    `${where} could not list the properties of "${object}" (${failure.message}).${fix}`,
    fix === '' && failure.transient,
  );
}

function noOutcome(key: string): RecordOutcome {
  return {
    key,
    status: 'failed',
    // The answer did not mention the record: what became of it is unknown, so it is resent.
    error: {
      code: 'NO_RESULT',
      message: 'HubSpot answered without a result for this record.',
      transient: true,
    },
  };
}

import type { OutboundRecord, RecordOutcome } from '../contract.js';
import { answerBatch, failAll } from './batch-answers.js';
import { type BatchAnswer, batchPath, postBatch } from './batch-request.js';
import { callFailure } from './errors.js';
import type { HubspotApi } from './hubspot-api.js';
import { KeyIndex } from './key-index.js';
import { readIdsByUniqueValue } from './read-ids.js';
import { toHubspotProperties } from './values.js';

/** One request's worth of records with distinct keys, for `object` keyed by `match`. */
export interface ObjectBatch {
  api: HubspotApi;
  object: string;
  match: string;
  records: OutboundRecord[];
  /** Redacted from error messages. */
  secrets: (string | undefined)[];
}

/** Batch upsert by `idProperty = match`; `_new` tells created from updated. Never throws. */
export async function upsertBatch(batch: ObjectBatch): Promise<Map<string, RecordOutcome>> {
  const { api, object, match, records } = batch;
  const keys = records.map((r) => r.key);
  const index = new KeyIndex(keys);
  try {
    const response = await api.send((client) =>
      postBatch<BatchAnswer>(client, batchPath(object, 'upsert'), {
        inputs: records.map((r) => ({
          idProperty: match,
          id: r.key,
          objectWriteTraceId: r.key,
          properties: toHubspotProperties(r.values),
        })),
      }),
    );
    return answerBatch(
      keys,
      response,
      (result) => {
        const key = index.resolve(result.objectWriteTraceId) ?? index.resolve(result.properties?.[match]);
        return key === undefined
          ? undefined
          : { key, status: result.new ? 'created' : 'updated', destinationId: result.id };
      },
      (ref) => index.resolve(ref),
    );
  } catch (error) {
    return failAll(keys, callFailure(error, batch.secrets));
  }
}

/** Ids of the records that already exist, found by `match`; a failed lookup fails every key. */
async function existingIds(
  batch: ObjectBatch,
  keys: string[],
): Promise<Map<string, string> | { failed: Map<string, RecordOutcome> }> {
  try {
    return await readIdsByUniqueValue(batch.api, batch.object, batch.match, keys);
  } catch (error) {
    return { failed: failAll(keys, callFailure(error, batch.secrets)) };
  }
}

/** Update mode: only records that already exist (found by `match`); the rest are skipped. */
export async function updateBatch(batch: ObjectBatch): Promise<Map<string, RecordOutcome>> {
  const { api, object, match, records } = batch;
  const keys = records.map((r) => r.key);
  const existing = await existingIds(batch, keys);
  if (!(existing instanceof Map)) return existing.failed;
  const outcomes = new Map<string, RecordOutcome>();
  for (const key of keys) {
    if (!existing.has(key)) {
      outcomes.set(key, {
        key,
        status: 'skipped',
        error: {
          code: 'NO_MATCH',
          message: `No ${object} record has ${match} = "${key}"; update mode never creates records.`,
          transient: false,
        },
      });
    }
  }
  const matched = records.filter((r) => existing.has(r.key));
  if (matched.length === 0) return outcomes;
  const matchedKeys = matched.map((r) => r.key);
  const index = new KeyIndex(matchedKeys);
  const keyById = new Map(matched.map((r) => [existing.get(r.key) as string, r.key]));
  try {
    const response = await api.send((client) =>
      postBatch<BatchAnswer>(client, batchPath(object, 'update'), {
        inputs: matched.map((r) => ({
          id: existing.get(r.key) as string,
          objectWriteTraceId: r.key,
          properties: toHubspotProperties(r.values),
        })),
      }),
    );
    const answered = answerBatch(
      matchedKeys,
      response,
      (result) => {
        const key = index.resolve(result.objectWriteTraceId) ?? keyById.get(result.id);
        return key === undefined ? undefined : { key, status: 'updated', destinationId: result.id };
      },
      (ref) => index.resolve(ref) ?? keyById.get(ref),
    );
    for (const [key, outcome] of answered)
      outcomes.set(key, { destinationId: existing.get(key), ...outcome });
  } catch (error) {
    for (const [key, outcome] of failAll(matchedKeys, callFailure(error, batch.secrets))) {
      outcomes.set(key, { ...outcome, destinationId: existing.get(key) });
    }
  }
  return outcomes;
}

/** Create mode: records whose key already exists are skipped with their id; the rest created. */
export async function createBatch(batch: ObjectBatch): Promise<Map<string, RecordOutcome>> {
  const { api, object, match, records } = batch;
  const keys = records.map((r) => r.key);
  const existing = await existingIds(batch, keys);
  if (!(existing instanceof Map)) return existing.failed;
  const outcomes = new Map<string, RecordOutcome>();
  for (const [key, id] of existing) {
    outcomes.set(key, {
      key,
      status: 'skipped',
      destinationId: id,
      error: {
        code: 'ALREADY_EXISTS',
        message: `A ${object} record with ${match} = "${key}" already exists (id ${id}); create mode never updates.`,
        transient: false,
      },
    });
  }
  const fresh = records.filter((r) => !existing.has(r.key));
  if (fresh.length === 0) return outcomes;
  const freshKeys = fresh.map((r) => r.key);
  const index = new KeyIndex(freshKeys);
  try {
    const response = await api.send((client) =>
      postBatch<BatchAnswer>(client, batchPath(object, 'create'), {
        inputs: fresh.map((r) => ({
          properties: { ...toHubspotProperties(r.values), [match]: r.key },
          associations: [],
          objectWriteTraceId: r.key,
        })),
      }),
    );
    const answered = answerBatch(
      freshKeys,
      response,
      (result) => {
        const key = index.resolve(result.objectWriteTraceId) ?? index.resolve(result.properties?.[match]);
        return key === undefined ? undefined : { key, status: 'created', destinationId: result.id };
      },
      (ref) => index.resolve(ref),
    );
    for (const [key, outcome] of answered) outcomes.set(key, outcome);
  } catch (error) {
    for (const [key, outcome] of failAll(freshKeys, callFailure(error, batch.secrets)))
      outcomes.set(key, outcome);
  }
  return outcomes;
}

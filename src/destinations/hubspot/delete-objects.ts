import type { RecordOutcome } from '../contract.js';
import { failAll } from './batch-answers.js';
import { callFailure } from './errors.js';
import { readIdsByUniqueValue } from './read-ids.js';
import type { ObjectBatch } from './write-objects.js';

/**
 * Mirror mode's delete: archives records by their HubSpot id (`destinationId`, else found by
 * `match`). A record already archived or never there counts as deleted, so a run that crashed
 * after archiving can safely send the same deletes again.
 */
export async function deleteBatch(batch: ObjectBatch): Promise<Map<string, RecordOutcome>> {
  const { api, object, match, records } = batch;
  const ids = new Map<string, string>();
  for (const r of records) if (r.destinationId) ids.set(r.key, r.destinationId);
  const unknown = records.filter((r) => !r.destinationId).map((r) => r.key);
  if (unknown.length > 0) {
    try {
      for (const [key, id] of await readIdsByUniqueValue(api, object, match, unknown)) ids.set(key, id);
    } catch (error) {
      return failAll(
        records.map((r) => r.key),
        callFailure(error, batch.secrets),
      );
    }
  }
  const outcomes = new Map<string, RecordOutcome>();
  for (const r of records) {
    if (!ids.has(r.key)) outcomes.set(r.key, { key: r.key, status: 'deleted' });
  }
  const found = records.filter((r) => ids.has(r.key));
  if (found.length === 0) return outcomes;
  try {
    await api.send((client) =>
      client.crm.objects.batchApi.archiveWithHttpInfo(object, {
        inputs: [...new Set(found.map((r) => ids.get(r.key) as string))].map((id) => ({ id })),
      }),
    );
    for (const r of found) {
      outcomes.set(r.key, { key: r.key, status: 'deleted', destinationId: ids.get(r.key) as string });
    }
  } catch (error) {
    const failure = callFailure(error, batch.secrets);
    for (const r of found) {
      outcomes.set(r.key, {
        key: r.key,
        status: 'failed',
        destinationId: ids.get(r.key) as string,
        error: failure,
      });
    }
  }
  return outcomes;
}

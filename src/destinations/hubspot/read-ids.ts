import { chunk } from '../../util/chunk.js';
import type { HubspotApi } from './hubspot-api.js';
import { KeyIndex } from './key-index.js';

const READ_BATCH = 100;

/**
 * Record ids of `object` whose unique property `match` equals one of `values` (batch read by
 * `idProperty`); values with no record are absent from the map. Throws what the client throws.
 */
export async function readIdsByUniqueValue(
  api: HubspotApi,
  object: string,
  match: string,
  values: string[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const part of chunk([...new Set(values)], READ_BATCH)) {
    const index = new KeyIndex(part);
    const response = await api.send((client) =>
      client.crm.objects.batchApi.readWithHttpInfo(
        object,
        {
          idProperty: match,
          inputs: part.map((id) => ({ id })),
          properties: [match],
          propertiesWithHistory: [],
        },
        false,
      ),
    );
    for (const result of response.results) {
      const key = index.resolve(result.properties?.[match]);
      if (key !== undefined) ids.set(key, result.id);
    }
  }
  return ids;
}

import type { SyncSpec } from '../config/types.js';
import { closestMatches } from '../util/suggest.js';
import { ApiError } from './api-error.js';

/** The spec of a sync id, or a 404 naming the closest ids the project has. */
export function knownSync(specs: readonly SyncSpec[], id: string, field: string): SyncSpec {
  const spec = specs.find((candidate) => candidate.id === id);
  if (spec) return spec;
  const closest = closestMatches(
    id,
    specs.map((candidate) => candidate.id),
    3,
  );
  const hint = closest.length > 0 ? ` Closest: ${closest.join(', ')}.` : '';
  throw new ApiError(
    404,
    'SPOKE_API_UNKNOWN_SYNC',
    `No sync has the id "${id}".${hint} GET /v1/syncs lists every sync id.`,
    { field, closest },
  );
}

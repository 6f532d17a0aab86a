import { DEFAULT_MAX_DELETE_RATIO } from '../config/build-sync-specs.js';
import type { SyncSpec } from '../config/types.js';
import type { ChangeSet } from '../state/state-store.js';

/**
 * mirror: why a run would be refused for deleting more than the allowed share of the sync's
 * records, or null. Shared by `spoke sync` (which then writes nothing for the sync) and `spoke plan`.
 */
export function deleteGuard(
  spec: SyncSpec,
  counts: ChangeSet['counts'],
  allowDeletes: boolean,
): string | null {
  const { gone, synced } = counts;
  const limit = spec.maxDeleteRatio ?? DEFAULT_MAX_DELETE_RATIO;
  if (spec.mode !== 'mirror' || allowDeletes || gone === 0 || gone <= limit * synced) return null;
  const share = ((gone / Math.max(synced, 1)) * 100).toFixed(1);
  return (
    `would delete ${gone} of the ${synced} records this sync manages (${share}%), above max_delete_ratio ` +
    `${limit * 100}%; nothing was written. If the model is right, rerun with --allow-deletes.`
  );
}

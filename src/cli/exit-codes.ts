import { SpokeError, type SpokeErrorCode } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Not run: another run holds the selected syncs (or the DuckDB file) and does this work. */
export const EXIT_LOCKED = 3;

/** Problems the user fixes in their files or flags: exit 2, nothing was written. */
const USAGE_CODES: ReadonlySet<SpokeErrorCode> = new Set([
  'SPOKE_CONFIG_INVALID',
  'SPOKE_USAGE',
  'SPOKE_MANIFEST_VERSION',
  'SPOKE_ARTIFACTS_MISMATCH',
  'SPOKE_ARTIFACTS_MISSING',
  'SPOKE_PROFILE',
  'SPOKE_ENV_VAR',
  'SPOKE_DBT',
  'SPOKE_GRAPH_CYCLE',
  'SPOKE_RUN_NOT_FOUND',
]);

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof SpokeError)) return EXIT_FAILED;
  if (error.code === 'SPOKE_SYNC_LOCKED' || error.code === 'SPOKE_WAREHOUSE_BUSY') return EXIT_LOCKED;
  return USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILED;
}

import { SpokeError } from '../errors.js';
import { redact } from '../util/redact.js';
import { MEMORY_LIMIT_VARIABLE } from '../warehouse/memory-limit.js';

/** A driver error on the state tables, as one that names what failed and the fix. */
export function stateError(error: unknown, action: string, schema: string): SpokeError {
  if (error instanceof SpokeError) return error;
  const message = redact(error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const code = (error as { code?: string }).code;
  const permission = code === '42501' || /permission denied|not authorized/i.test(message);
  const fix = permission
    ? ` Grant the dbt target's user CREATE on the database and write access to schema "${schema}", or set state.schema in spoke.yml to a schema it may write.`
    : /does not exist/i.test(message) && /relation|table|schema|catalog/i.test(message)
      ? ' Run dbt first, and let dbt-spoke create its state tables (they are created on every sync).'
      : /Out of Memory Error/i.test(message)
        ? ` Raise ${MEMORY_LIMIT_VARIABLE}, or unset it for DuckDB's default (80% of the machine's memory).`
        : '';
  return new SpokeError('SPOKE_WAREHOUSE', `dbt-spoke could not ${action}: ${message}.${fix}`);
}

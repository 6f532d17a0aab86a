/**
 * Errors carry a stable code and a message that says the fix. They are raised anywhere and
 * printed in exactly one place (the CLI's top-level catch), which maps them to exit codes.
 */
export type SpokeErrorCode =
  | 'SPOKE_CONFIG_INVALID'
  | 'SPOKE_USAGE'
  | 'SPOKE_MANIFEST_VERSION'
  | 'SPOKE_ARTIFACTS_MISMATCH'
  | 'SPOKE_ARTIFACTS_MISSING'
  | 'SPOKE_PROFILE'
  | 'SPOKE_ENV_VAR'
  | 'SPOKE_DBT'
  | 'SPOKE_WAREHOUSE'
  | 'SPOKE_WAREHOUSE_BUSY'
  | 'SPOKE_DESTINATION_AUTH'
  | 'SPOKE_DESTINATION'
  | 'SPOKE_SANDBOX'
  | 'SPOKE_GRAPH_CYCLE'
  | 'SPOKE_SYNC_LOCKED'
  | 'SPOKE_STATE'
  | 'SPOKE_RUN_NOT_FOUND'
  | 'SPOKE_TIMEOUT';

/** One located problem in user input: the file, the model, the field path and how to fix it. */
export interface Diagnostic {
  file?: string;
  model?: string;
  /** Dotted path inside the model's spoke block or spoke.yml, e.g. `spoke[0].fields.plan`. */
  field?: string;
  message: string;
  fix?: string;
}

export class SpokeError extends Error {
  override name = 'SpokeError';
  constructor(
    readonly code: SpokeErrorCode,
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

/**
 * A destination that could not be used (login, describe). `retryable`: the destination did not
 * refuse (a 5xx, a reset, a timeout), so trying again may help; a refused login or an unknown
 * object is not.
 */
export class DestinationError extends SpokeError {
  override name = 'DestinationError';
  declare readonly code: 'SPOKE_DESTINATION_AUTH' | 'SPOKE_DESTINATION';
  constructor(
    code: 'SPOKE_DESTINATION_AUTH' | 'SPOKE_DESTINATION',
    message: string,
    readonly retryable: boolean,
  ) {
    super(code, message);
  }
}

/** Usage and configuration problems: exit code 2, nothing written anywhere. */
export class ConfigError extends SpokeError {
  override name = 'ConfigError';
  constructor(
    message: string,
    diagnostics: Diagnostic[] = [],
    code: SpokeErrorCode = 'SPOKE_CONFIG_INVALID',
  ) {
    super(code, message, diagnostics);
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.file, d.model && `model ${d.model}`, d.field].filter(Boolean).join(': ');
  return `${where ? `${where}: ` : ''}${d.message}${d.fix ? ` Fix: ${d.fix}` : ''}`;
}

import { ConfigError, type Diagnostic } from '../errors.js';

/** Throws one ConfigError carrying every diagnostic, so a user sees all problems in one run. */
export function assertValid(diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  const count = diagnostics.length === 1 ? '1 problem' : `${diagnostics.length} problems`;
  throw new ConfigError(`${count} in dbt-spoke configuration`, [...diagnostics]);
}

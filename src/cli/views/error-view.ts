import pc from 'picocolors';
import { type Diagnostic, formatDiagnostic, SpokeError } from '../../errors.js';

export function errorJson(error: unknown) {
  if (error instanceof SpokeError) {
    return { error: { code: error.code, message: error.message, diagnostics: error.diagnostics } };
  }
  return {
    error: { code: 'SPOKE_INTERNAL', message: error instanceof Error ? error.message : String(error) },
  };
}

export function errorText(error: unknown): string {
  if (!(error instanceof SpokeError)) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return `${pc.red('Unexpected error')} (please report it): ${detail}`;
  }
  const lines = [`${pc.red(error.code)} ${error.message}`];
  for (const diagnostic of error.diagnostics) lines.push(`  ${diagnosticText(diagnostic)}`);
  return lines.join('\n');
}

export function diagnosticText(diagnostic: Diagnostic): string {
  return `${pc.red('✗')} ${formatDiagnostic(diagnostic)}`;
}

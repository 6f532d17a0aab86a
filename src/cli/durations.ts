import { SpokeError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90m`, `2h`, `45s`, `1d` or plain seconds, as milliseconds; a usage error names the flag. */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  const value = match ? Number(match[1]) * (UNITS[match[2] ?? 's'] as number) : Number.NaN;
  if (!(value > 0)) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `${flag} ${JSON.stringify(text)} is not a duration; write e.g. 90m, 2h or 3600 (seconds).`,
    );
  }
  return Math.round(value);
}

/** A whole number of seconds, zero allowed. */
export function seconds(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `${flag} ${JSON.stringify(text)} is not a number of seconds; write e.g. 60.`,
    );
  }
  return value;
}

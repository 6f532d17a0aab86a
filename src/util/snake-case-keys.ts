type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * A value with every object key in snake_case (`durationMs` → `duration_ms`), as the state tables
 * and every `--json` document name things; values are left alone.
 */
export function snakeCaseKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
        snakeCaseKeys(inner),
      ]),
    );
  }
  return value as Json;
}

import type { Diagnostic } from '../errors.js';

type Path = readonly PropertyKey[];

/**
 * `__proto__` cannot be a key of the plain objects zod, JSON Schema and the rest of dbt-spoke
 * build from parsed YAML and JSON: assigned, it changes the object's prototype instead of
 * adding an entry, so it would vanish silently. It is refused, located, wherever it appears.
 */
export const RESERVED_KEY = '__proto__';

export interface ReservedKeyContext {
  file: string | ((path: Path) => string);
  model?: string;
  /** Path of `value` inside the user's file, e.g. `['spoke', 0]`. */
  prefix: Path;
}

function fieldPath(path: Path): string {
  return path
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i ? '.' : ''}${String(segment)}`))
    .join('');
}

/** A diagnostic for every `__proto__` key inside `value` (parsed YAML or JSON). */
export function reservedKeyDiagnostics(value: unknown, context: ReservedKeyContext): Diagnostic[] {
  const found: Diagnostic[] = [];
  // Iterative: a deeply nested document must not exhaust the stack.
  const pending: Array<{ value: unknown; path: Path }> = [{ value, path: context.prefix }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (Array.isArray(current)) {
      current.forEach((item, index) => {
        pending.push({ value: item, path: [...path, index] });
      });
      continue;
    }
    for (const key of Object.keys(current)) {
      const here = [...path, key];
      if (key === RESERVED_KEY) {
        const file = typeof context.file === 'function' ? context.file(here) : context.file;
        found.push({
          file,
          ...(context.model !== undefined && { model: context.model }),
          field: fieldPath(here),
          message: `\`${RESERVED_KEY}\` cannot be used as a key: JavaScript objects reserve that name, so it would be dropped rather than read.`,
          fix:
            path.at(-1) === 'fields'
              ? `rename the column in the model's SQL (e.g. \`select "${RESERVED_KEY}" as proto\`) and map the new name`
              : 'rename the key',
        });
        continue;
      }
      pending.push({ value: (current as Record<string, unknown>)[key], path: here });
    }
  }
  return found;
}

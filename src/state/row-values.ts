import type { Row } from '../warehouse/warehouse.js';

/** A state column read as text; null stays null. */
export function text(value: Row[string] | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A count column; a missing or null count (an older schema, an outer join) is 0. */
export function count(value: Row[string] | undefined): number {
  return Number(value ?? 0);
}

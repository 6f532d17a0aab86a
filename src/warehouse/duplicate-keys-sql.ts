import { quoteIdentifier } from './quote.js';

/**
 * Key values held by more than one row, compared as stored (not as text) so that they print the
 * way readRows reports the same values.
 */
export function duplicateKeysSql(qualifiedRelation: string, column: string, limit: number): string {
  const key = quoteIdentifier(column);
  const rows = Math.max(0, Math.floor(limit));
  return `SELECT ${key} AS "key" FROM ${qualifiedRelation} WHERE ${key} IS NOT NULL GROUP BY ${key} HAVING COUNT(*) > 1 ORDER BY 1 LIMIT ${rows}`;
}

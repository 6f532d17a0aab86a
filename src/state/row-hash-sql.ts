import type { SyncSpec } from '../config/types.js';
import { quoteIdentifier } from '../warehouse/quote.js';
import type { StateDialect } from './state-dialect.js';

/** A destination-side name and the model column whose value it receives. */
export interface HashedValue {
  label: string;
  column: string;
}

/**
 * What a row hash covers: every destination field, lookup (`relationship.object.match`) and
 * association (`to.match`), sorted by that name. Column names stay out, so remapping a field to
 * a renamed column with the same values changes no hash.
 */
export function hashedValues(spec: SyncSpec): HashedValue[] {
  const values: HashedValue[] = [
    ...spec.fields.map((f) => ({ label: f.field, column: f.column })),
    ...spec.lookups.map((l) => ({ label: `${l.relationship}.${l.object}.${l.match}`, column: l.column })),
    ...spec.associations.map((a) => ({ label: `${a.to}.${a.match}`, column: a.column })),
  ];
  return values.sort((a, b) => compare(a.label, b.label) || compare(a.column, b.column));
}

/** A column's value as text, the same way on every run; null stays null. */
export function valueTextSql(column: string, type: string | undefined, dialect: StateDialect): string {
  const name = quoteIdentifier(column);
  // Redshift cannot cast BOOLEAN to text; spelling it out keeps all dialects alike.
  if (type && /^bool(ean)?$/i.test(type)) {
    return `CASE WHEN ${name} THEN 'true' WHEN NOT ${name} THEN 'false' END`;
  }
  return `CAST(${name} AS ${dialect.text})`;
}

/**
 * md5 of the hashed values' canonical text: per value `label=` then `:<length>:<text>`, or `~` for
 * null, joined with `|`; the length prefix keeps values that contain separators unambiguous.
 * Redshift strings end at 65535 bytes, so there each entry is hashed first and the digests are
 * hashed together. Hashes are compared only within one warehouse, so the two never meet.
 */
export function rowHashSql(
  values: readonly HashedValue[],
  types: ReadonlyMap<string, string>,
  dialect: StateDialect,
): string {
  if (values.length === 0) return `md5('')`;
  const entries = values.map(({ label, column }) => {
    const text = valueTextSql(column, types.get(column), dialect);
    const value = `COALESCE(':' || CAST(LENGTH(${text}) AS ${dialect.text}) || ':' || ${text}, '~')`;
    return `${literal(`${label}=`)} || ${value}`;
  });
  if (dialect.type === 'redshift') return `md5(${entries.map((entry) => `md5(${entry})`).join(' || ')})`;
  return `md5(${entries.join(` || '|' || `)})`;
}

export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

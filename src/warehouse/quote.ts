import type { Relation, WarehouseType } from './warehouse.js';

/** Quotes one identifier for PostgreSQL, Redshift and DuckDB alike. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The relation as SQL. PostgreSQL and Redshift get `"schema"."table"` (a connection reads one
 * database); DuckDB gets `"catalog"."schema"."table"` when dbt recorded a catalog.
 */
export function qualifiedName(relation: Relation, dialect: WarehouseType): string {
  const parts =
    dialect === 'duckdb' && relation.database
      ? [relation.database, relation.schema, relation.identifier]
      : [relation.schema, relation.identifier];
  return parts.map(quoteIdentifier).join('.');
}

/** How a relation is named in messages: `db.schema.table`. */
export function displayName(relation: Relation): string {
  return [relation.database, relation.schema, relation.identifier].filter(Boolean).join('.');
}

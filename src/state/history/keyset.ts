import type { WarehouseType } from '../../warehouse/warehouse.js';

/**
 * Rows strictly past the position held in parameters `$first`… in the order of `columns`. On
 * PostgreSQL a row-value comparison, which a btree index on those columns seeks to directly;
 * Redshift has none, so there it is spelled out as ORs, with the first column's bound repeated
 * on its own so that its zone maps can skip blocks (DuckDB likewise). `casts` wraps each
 * parameter (e.g. as a timestamp).
 */
export function keysetAfter(
  dialect: WarehouseType,
  columns: readonly string[],
  first: number,
  direction: 'asc' | 'desc',
  casts: readonly ((param: string) => string)[] = [],
): string {
  const param = (i: number) => (casts[i] ?? ((p: string) => p))(`$${first + i}`);
  const past = direction === 'asc' ? '>' : '<';
  if (dialect === 'postgres')
    return `(${columns.join(', ')}) ${past} (${columns.map((_, i) => param(i)).join(', ')})`;
  const alternatives = columns.map((column, i) => {
    const equal = columns.slice(0, i).map((previous, j) => `${previous} = ${param(j)}`);
    return `(${[...equal, `${column} ${past} ${param(i)}`].join(' AND ')})`;
  });
  return `(${columns[0]} ${past}= ${param(0)} AND (${alternatives.join(' OR ')}))`;
}

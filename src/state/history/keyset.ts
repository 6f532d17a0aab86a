/**
 * `after` the position held in parameters `$first`…: rows strictly past it in the order of
 * `columns`, spelled out as ORs because Redshift has no row-value comparison. `casts` wraps each
 * parameter (e.g. as a timestamp).
 */
export function keysetAfter(
  columns: readonly string[],
  first: number,
  direction: 'asc' | 'desc',
  casts: readonly ((param: string) => string)[] = [],
): string {
  const param = (i: number) => (casts[i] ?? ((p: string) => p))(`$${first + i}`);
  const past = direction === 'asc' ? '>' : '<';
  const alternatives = columns.map((column, i) => {
    const equal = columns.slice(0, i).map((previous, j) => `${previous} = ${param(j)}`);
    return `(${[...equal, `${column} ${past} ${param(i)}`].join(' AND ')})`;
  });
  return `(${alternatives.join(' OR ')})`;
}

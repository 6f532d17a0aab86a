/** Plain aligned columns; long cells are cut so a row stays on one line. */
export function formatTable(header: string[], rows: string[][], maxWidth = 32): string {
  const cut = (cell: string) => (cell.length > maxWidth ? `${cell.slice(0, maxWidth - 1)}…` : cell);
  const table = [header, ...rows].map((row) => row.map(cut));
  const widths = header.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  return table
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

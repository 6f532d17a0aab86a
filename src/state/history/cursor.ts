import { SpokeError } from '../../errors.js';

type Position = (string | number)[];

/**
 * An opaque cursor: the sort key of the last row a page returned, so the next page starts after
 * it whatever was written meanwhile. `kind` keeps a runs cursor from being used for records.
 */
export function encodeCursor(kind: string, position: Position): string {
  return Buffer.from(JSON.stringify([kind, ...position]), 'utf8').toString('base64url');
}

/** The position a cursor holds; a usage error when it is not one `encodeCursor` made for `kind`. */
export function decodeCursor(
  kind: string,
  cursor: string,
  shape: readonly ('string' | 'number' | 'timestamp')[],
): Position {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  const valid =
    Array.isArray(decoded) &&
    decoded.length === shape.length + 1 &&
    decoded[0] === kind &&
    shape.every((type, i) => {
      const value: unknown = decoded[i + 1];
      return type === 'timestamp'
        ? typeof value === 'string' && !Number.isNaN(Date.parse(value))
        : typeof value === type;
    });
  if (!valid) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `The cursor ${JSON.stringify(cursor.slice(0, 80))} is not a ${kind} cursor dbt-spoke gave out. Pass the next_cursor of the previous page unchanged, or leave the cursor out to start at the first page.`,
    );
  }
  return (decoded as Position).slice(1);
}

import { isScalar, isSeq, parseDocument } from 'yaml';

export interface ListItem {
  /** The item as written after `- ` in a block list (one line). */
  block: string;
  /** The item in a flow list (`[a, b]`). */
  flow: string;
  /** A comment line above the item (or above the key, when the list is new). */
  comment: string;
}

/**
 * `text` with `item` appended to the top-level list at `key`, edited in place so the rest of the
 * file stays byte for byte as written: a block list gets one more line at its indentation, a flow
 * list or a single value becomes a flow list, and a missing key is added at the end.
 */
export function appendToList(text: string, key: string, item: ListItem): string {
  const doc = parseDocument(text);
  const node = doc.get(key, true);
  if (node === undefined) {
    const lead = text === '' || text.endsWith('\n') ? '' : '\n';
    return `${text}${lead}${text === '' ? '' : '\n'}${key}:\n  # ${item.comment}\n  - ${item.block}\n`;
  }
  if (isSeq(node) && !node.flow && node.range) {
    const [start, end] = node.range;
    const indent = ' '.repeat(start - (text.lastIndexOf('\n', start - 1) + 1));
    const lead = text.slice(0, end).endsWith('\n') ? '' : '\n';
    return `${text.slice(0, end)}${lead}${indent}# ${item.comment}\n${indent}- ${item.block}\n${text.slice(end)}`;
  }
  if ((isSeq(node) || isScalar(node)) && node.range) {
    const [start, end] = node.range;
    const written = isSeq(node)
      ? node.items.flatMap((entry) => {
          const range = (entry as { range?: [number, number, number] }).range;
          return range ? [text.slice(range[0], range[1]).trim()] : [];
        })
      : isScalar(node) && node.value !== null
        ? [text.slice(start, end).trim()]
        : [];
    const lead = start > 0 && text[start - 1] === ':' ? ' ' : '';
    return `${text.slice(0, start)}${lead}[${[...written, item.flow].join(', ')}]${text.slice(end)}`;
  }
  throw new Error(`\`${key}\` is neither a list nor a single value`);
}

import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/**
 * Maps a path inside a parsed YAML document to `label:line`: the line of the key (for mapping
 * entries) or of the item (for list entries), else of the nearest ancestor that exists.
 */
export function yamlLocator(
  doc: Document,
  lineCounter: LineCounter,
  label: string,
): (path: readonly PropertyKey[]) => string {
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;

  return (path) => {
    let current: unknown = doc.contents;
    let line = lineOf(doc.contents as Node | null);
    for (const segment of path) {
      if (isMap(current)) {
        const pair = current.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!pair) break;
        line = lineOf(pair.key as Node) ?? line;
        current = pair.value;
      } else if (isSeq(current) && typeof segment === 'number') {
        const item = current.items[segment] as Node | undefined;
        if (!item) break;
        line = lineOf(item) ?? line;
        current = item;
      } else {
        break;
      }
    }
    return line === undefined ? label : `${label}:${line}`;
  };
}

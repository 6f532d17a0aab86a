import dagre from './vendor/dagre.esm.js';

const SVG = 'http://www.w3.org/2000/svg';
const NODE = { width: 250, height: 52 };

function svg(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * The sync order as a graph laid out by dagre, left to right: an edge from each sync to those
 * that start after it (`after`, lookups, associations). `outcomes` maps a sync id to
 * `{ status, failed }`; failed, partial and skipped syncs are marked.
 */
export function drawSyncGraph(container, syncs, outcomes) {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const sync of syncs) graph.setNode(sync.id, { ...NODE });
  for (const sync of syncs)
    for (const upstream of sync.order.upstream)
      if (graph.hasNode(upstream.sync)) graph.setEdge(upstream.sync, sync.id, { origin: upstream.origin });
  dagre.layout(graph);

  const { width, height } = graph.graph();
  const root = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'Sync order',
  });
  const marker = svg('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 10,
    refY: 5,
    markerWidth: 8,
    markerHeight: 8,
    orient: 'auto',
  });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#777' }));
  const defs = svg('defs', {});
  defs.append(marker);
  root.append(defs);
  for (const edge of graph.edges()) {
    const points = graph.edge(edge).points;
    const d = points.map((point, i) => `${i === 0 ? 'M' : 'L'}${point.x},${point.y}`).join(' ');
    const line = svg('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' });
    line.append(svg('title', {}, `${edge.w} starts after ${edge.v} (${graph.edge(edge).origin})`));
    root.append(line);
  }
  for (const id of graph.nodes()) {
    const node = graph.node(id);
    const outcome = outcomes.get(id);
    const status = outcome?.status ?? 'never run';
    const group = svg('g', {
      class: `node node-${status.replace(/\s/g, '-')}`,
      'data-sync': id,
      'data-status': status,
      transform: `translate(${node.x - node.width / 2},${node.y - node.height / 2})`,
    });
    group.append(
      svg('rect', { width: node.width, height: node.height, rx: 6 }),
      svg('text', { x: 10, y: 21, class: 'node-id' }, id),
      svg(
        'text',
        { x: 10, y: 40, class: 'node-status' },
        outcome?.failed ? `${status} · ${outcome.failed} failed` : status,
      ),
    );
    root.append(group);
  }
  container.replaceChildren(root);
}

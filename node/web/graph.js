// graph.js - an item's replication graph (/api/v1/graph/…): a layered SVG
// drawing, originals to the left, and the same edges as a list of sentences
// whose cities and items are links.

import { h, svg, extLink, navLink, urlFor, itemParams } from './dom.js';
import { cityName, isDate, fmtDate } from './format.js';
import { t, tNodes } from './labels.js';

// A node of the graph (the API's Graph.nodes) as text.
function graphNodeLabel(n) {
  if (!n) return '?';
  if (n.type === 'external') return n.url || n.id.replace(/^url:/, '');
  if (n.type === 'node') return cityName(n);
  const who = cityName(n);
  return n.title ? `${n.title} (${who})` : `${n.item} (${who})`;
}

// A node of the graph as a link to its page here, or to its URL.
function graphNodeLink(n, attrs) {
  const text = graphNodeLabel(n);
  if (!n) return text;
  if (n.type === 'external') return extLink(n.url, text, attrs);
  if (n.type === 'node') return n.known ? navLink({ node: n.node }, text, attrs) : text;
  if (n.known) return navLink(itemParams(n.node, n.item), text, attrs);
  // an item the registry does not hold: link its node if that is known
  return h('span', null, n.item, ' ', h('span', { class: 'muted' }, t('unknownItem')), ' – ', navLink({ node: n.node }, cityName(n), attrs));
}

// The section of doc's page: graph as drawn and told, or err if it did not load.
export function graphSection(doc, graph, err) {
  const children = [h('h2', { id: 'graph-h' }, t('graphHeading')), h('p', { class: 'hint' }, t('graphIntro'))];
  if (err) {
    children.push(h('p', { class: 'notice warn', testid: 'graph-error' }, t('graphError', { msg: err.message })));
  } else if (!graph || !graph.edges.length) {
    children.push(h('p', { testid: 'graph-empty' }, t('graphNone')));
  } else {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    children.push(graphSvg(graph, byId));
    children.push(
      h(
        'ul',
        { class: 'edges', testid: 'graph-edges' },
        graph.edges.map((e) => {
          const vars = {
            to: graphNodeLink(byId.get(e.to), { testid: 'graph-link', 'data-role': 'to' }),
            from: graphNodeLink(byId.get(e.from), { testid: 'graph-link', 'data-role': 'from' }),
            v: e.version || '?',
            date: isDate(e.date) ? fmtDate(e.date) : isDate(e.verified_at) ? fmtDate(e.verified_at) : null,
          };
          const key = e.type !== 'replicates' ? 'edgeBasedOn' : !e.version ? 'edgeReplicatesAny' : vars.date ? 'edgeReplicatesOn' : 'edgeReplicates';
          return h(
            'li',
            { testid: 'graph-edge', 'data-type': e.type, 'data-from': e.from, 'data-to': e.to, class: e.withdrawn ? 'is-withdrawn' : null },
            tNodes(key, vars),
            e.withdrawn ? [' ', h('span', { class: 'badge withdrawn' }, t('edgeWithdrawn'))] : null,
          );
        }),
      ),
    );
    if (graph.truncated) children.push(h('p', { class: 'hint' }, t('graphTruncated')));
  }
  return h('section', { class: 'graph', testid: 'graph', 'aria-labelledby': 'graph-h' }, children);
}

// Layered drawing: originals to the left of the item, copies to the right.
function graphSvg(graph, byId) {
  const depth = new Map([[graph.root, 0]]);
  const queue = [graph.root];
  while (queue.length) {
    const id = queue.shift();
    const d = depth.get(id);
    for (const e of graph.edges) {
      if (e.from === id && !depth.has(e.to)) {
        depth.set(e.to, d + 1);
        queue.push(e.to);
      } else if (e.to === id && !depth.has(e.from)) {
        depth.set(e.from, d - 1);
        queue.push(e.from);
      }
    }
  }
  for (const n of graph.nodes) if (!depth.has(n.id)) depth.set(n.id, 0);
  const cols = new Map();
  for (const [id, d] of depth) {
    if (!cols.has(d)) cols.set(d, []);
    cols.get(d).push(id);
  }
  const ds = [...cols.keys()].sort((a, b) => a - b);
  const W = 220,
    H = 44,
    GX = 60,
    GY = 16,
    P = 8;
  const pos = new Map();
  const rows = Math.max(...[...cols.values()].map((c) => c.length));
  ds.forEach((d, ci) =>
    cols.get(d).forEach((id, ri) => {
      const offset = ((rows - cols.get(d).length) * (H + GY)) / 2;
      pos.set(id, { x: P + ci * (W + GX), y: P + offset + ri * (H + GY) });
    }),
  );
  const width = P * 2 + ds.length * W + (ds.length - 1) * GX;
  const height = P * 2 + rows * H + (rows - 1) * GY;
  const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
  const edges = graph.edges
    .filter((e) => pos.has(e.from) && pos.has(e.to))
    .map((e) => {
      const a = pos.get(e.from),
        b = pos.get(e.to);
      const x1 = a.x + W,
        y1 = a.y + H / 2,
        x2 = b.x,
        y2 = b.y + H / 2;
      return svg('path', {
        d: `M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2 - 2},${y2}`,
        class: 'edge' + (e.withdrawn ? ' withdrawn' : '') + (e.type === 'isBasedOn' ? ' based' : ''),
        'marker-end': 'url(#arrow)',
      });
    });
  const boxes = [...pos].map(([id, p]) => {
    const n = byId.get(id) || { id, type: 'external', url: id };
    const top = n.type === 'node' ? cityName(n) : n.type === 'external' ? n.url || id : n.title || n.item || id;
    const bottom = n.type === 'item' ? cityName(n) : n.type === 'node' ? t('nodeHeading') : 'URL';
    const g = svg(
      'g',
      { class: 'gnode' + (id === graph.root ? ' root' : '') + (n.withdrawn ? ' withdrawn' : '') },
      svg('rect', { x: p.x, y: p.y, width: W, height: H, rx: 6 }),
      svg('text', { x: p.x + 10, y: p.y + 18, class: 'top' }, clip(String(top), 26)),
      svg('text', { x: p.x + 10, y: p.y + 35, class: 'bottom' }, clip(String(bottom), 30)),
      svg('title', null, graphNodeLabel(n)),
    );
    let href = null;
    if (id !== graph.root) {
      if (n.type === 'item' && n.known) href = urlFor(itemParams(n.node, n.item));
      else if ((n.type === 'node' || n.type === 'item') && n.node) href = urlFor({ node: n.node });
    }
    // the list below the drawing has the same links for keyboards and screen readers
    return href ? svg('a', { href, 'data-nav': true, tabindex: '-1' }, g) : g;
  });
  return h(
    'div',
    { class: 'graph-svg' },
    svg(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, width, height, 'aria-hidden': 'true', focusable: 'false', testid: 'graph-svg' },
      svg('defs', null, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z' }))),
      edges,
      boxes,
    ),
  );
}

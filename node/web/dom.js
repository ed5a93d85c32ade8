// dom.js - building the page's DOM: h() and svg() for elements, links inside
// the page and out of it, and the small shapes every view uses (a list of
// facts, a list, paragraphs). Everything from the network goes in as text
// nodes, never as HTML.

// h('a', {href, class, testid, onclick}, children...): strings become text nodes.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  add(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  add(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'testid') el.setAttribute('data-testid', v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

// An http(s) URL from a manifest, or null (no javascript:, data: ...).
function safeUrl(u) {
  if (typeof u !== 'string') return null;
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch (e) {
    return null;
  }
}

// A link out of the page if u is http(s), else just the text.
export function extLink(u, text, attrs) {
  const href = safeUrl(u);
  if (!href) return text ?? u;
  return h('a', { href, rel: 'noopener noreferrer', ...attrs }, text ?? u);
}

// A mailto: link for an address from the network.
export function mailLink(email) {
  return h('a', { href: 'mailto:' + encodeURI(email) }, email);
}

// A link inside the page: a real href (open in a new tab works), followed
// with pushState by app.js's click handler.
export function navLink(params, text, attrs) {
  return h('a', { href: urlFor(params), 'data-nav': true, ...attrs }, text);
}

// The page's URL for a set of parameters (an object or URLSearchParams).
export function urlFor(params) {
  const p = params instanceof URLSearchParams ? params : new URLSearchParams(params);
  const s = p.toString();
  return s ? '/?' + s : '/';
}

// The parameters of an item's page.
export function itemParams(node, item, version) {
  const p = { item: node + '/' + item };
  if (version) p.version = version;
  return p;
}

// dl([[term, value], ...]): rows with an empty value are left out.
export function dl(rows, attrs) {
  const out = [];
  for (const [term, value] of rows) {
    if (isEmpty(value)) continue;
    out.push(h('dt', null, term), h('dd', null, value));
  }
  return out.length ? h('dl', { class: 'facts', ...attrs }, out) : null;
}

function isEmpty(v) {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.every(isEmpty));
}

// A list of strings (or nodes) as a <ul>; objects are shown as JSON.
export function list(values, map, cls) {
  if (!Array.isArray(values) || !values.length) return null;
  const items = values.map((x) => (map ? map(x) : typeof x === 'string' || typeof x === 'number' ? String(x) : JSON.stringify(x)));
  return h('ul', { class: cls || 'plain' }, items.map((x) => h('li', null, x)));
}

// Values separated by commas, for inside a sentence or a fact.
export function inline(values, map) {
  if (!Array.isArray(values) || !values.length) return null;
  return values.map((x, i) => [i ? ', ' : '', map ? map(x) : String(x)]);
}

// A text with blank lines between paragraphs as <p> elements.
export function paragraphs(text) {
  if (typeof text !== 'string' || !text.trim()) return null;
  return text
    .split(/\n\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => h('p', null, s));
}

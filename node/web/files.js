// files.js - an item version's files on its page: the list from
// /api/v1/items/{node}/{item}/files (each file downloadable on its own from
// the verified tree), the preview of a CSV file as a table, and the README
// rendered from the preview API's HTML. The server renders Markdown with
// cmark in safe mode; this page still copies only an allow-list of elements
// and attributes from it (defence in depth), never innerHTML.

import { api, errorBox } from './api.js';
import { h } from './dom.js';
import { fmtBytes } from './format.js';
import { t, labelOr } from './labels.js';

const FILES_SHOWN_OPEN = 15; // a longer list starts collapsed
const enc = encodeURIComponent;

// The files section of doc (the API's Item) for its shown version; fills
// itself in when the list arrives. isCurrent() says whether the page is still shown.
export function filesSection(doc, isCurrent) {
  const box = h('div', { class: 'files-body' }, h('p', { class: 'loading' }, t('loading')));
  const section = h(
    'section',
    { class: 'files', testid: 'files', 'aria-labelledby': 'files-h' },
    h('h2', { id: 'files-h' }, t('filesHeading')),
    box,
  );
  if (doc.files_here === false || !doc.git) {
    box.replaceChildren(h('p', { testid: 'files-not-here' }, t('filesNotHere')));
    return section;
  }
  const v = doc.version.version;
  const base = `/api/v1/items/${doc.node.id}/${enc(doc.item)}`;
  api(`${base}/files?` + new URLSearchParams({ version: v }))
    .then((list) => {
      if (!isCurrent()) return;
      box.replaceChildren(...filesBody(doc, list, base));
    })
    .catch((e) => {
      if (!isCurrent()) return;
      if (e.code === 'files_not_here') box.replaceChildren(h('p', { testid: 'files-not-here' }, t('filesNotHere')));
      else box.replaceChildren(errorBox(e));
    });
  return section;
}

function filesBody(doc, list, base) {
  const files = Array.isArray(list.files) ? list.files : [];
  if (!files.length) return [h('p', null, t('filesNone'))];
  const previewBox = h('div', { class: 'preview', testid: 'preview-box', 'aria-live': 'polite' });
  const readmeBox = h('div', { class: 'readme-box' });
  const show = (f) => showPreview(previewBox, base, list.version, f);
  const rows = files.map((f) =>
    h(
      'tr',
      { testid: 'file-row', 'data-path': f.path },
      h('th', { scope: 'row' }, h('code', { class: 'path' }, breakable(f.path))),
      h('td', { class: 'num' }, fmtBytes(f.size) || '–'),
      h('td', { class: 'col-type' }, typeLabel(f.type)),
      h(
        'td',
        { class: 'actions' },
        h('a', { href: f.url, download: basename(f.path), testid: 'file-download', 'aria-label': t('downloadFile', { path: f.path }) }, t('download')),
        f.preview === 'csv' || f.preview === 'markdown'
          ? [
              ' ',
              h(
                'button',
                { type: 'button', class: 'linkish', testid: 'file-preview', 'aria-label': t('previewFile', { path: f.path }), onclick: () => show(f) },
                t('preview'),
              ),
            ]
          : null,
      ),
    ),
  );
  const table = h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('filesTableLabel') },
    h(
      'table',
      { class: 'filelist', testid: 'file-list' },
      h('caption', { class: 'visually-hidden' }, t('filesCaption', { v: list.version })),
      h('thead', null, h('tr', null, ['colPath', 'colSize', 'colType', 'colGet'].map((k) => h('th', { scope: 'col', class: k === 'colType' ? 'col-type' : null }, t(k))))),
      h('tbody', null, rows),
    ),
  );
  const intro = h('p', null, t('filesIntro', { n: files.length, v: list.version }), list.truncated ? ' ' + t('filesTruncated') : '');
  const listEl =
    files.length > FILES_SHOWN_OPEN
      ? h('details', { class: 'filelist-more', testid: 'files-collapsed' }, h('summary', null, t('filesShowAll', { n: files.length })), table)
      : table;
  // the README rendered, and the first CSV file previewed, without a click
  if (doc.readme) {
    const f = files.find((x) => x.path === doc.readme);
    if (f) {
      readmeBox.replaceChildren(h('p', { class: 'loading' }, t('loading')));
      showReadme(readmeBox, base, list.version, f);
    }
  }
  const csv = files.find((x) => x.preview === 'csv');
  if (csv) show(csv);
  return [intro, listEl, previewBox, readmeBox];
}

// A path with line-break opportunities after its separators (a phone's narrow column).
function breakable(path) {
  return path.split(/(?<=[/._-])/).flatMap((part, i) => (i ? [h('wbr'), part] : [part]));
}

function basename(path) {
  return path.slice(path.lastIndexOf('/') + 1);
}

// A file's content type in words ("CSV table"), else the type itself.
function typeLabel(type) {
  if (typeof type !== 'string') return '–';
  return labelOr('mime_', type.split(';')[0].trim());
}

function previewUrl(base, version, path) {
  return `${base}/preview/${path.split('/').map(enc).join('/')}?` + new URLSearchParams({ version });
}

async function showPreview(box, base, version, f) {
  box.replaceChildren(h('p', { class: 'loading' }, t('loading')));
  let p;
  try {
    p = await api(previewUrl(base, version, f.path));
  } catch (e) {
    box.replaceChildren(errorBox(e));
    return;
  }
  if (p.kind === 'csv') box.replaceChildren(csvTable(p, f));
  else if (p.kind === 'markdown') box.replaceChildren(markdownBlock(p, f, 'preview-md'));
}

async function showReadme(box, base, version, f) {
  let p;
  try {
    p = await api(previewUrl(base, version, f.path));
  } catch (e) {
    box.replaceChildren(errorBox(e));
    return;
  }
  if (p.kind === 'markdown') box.replaceChildren(markdownBlock(p, f, 'readme'));
}

const DELIMITERS = { ',': 'delimComma', ';': 'delimSemicolon', '\t': 'delimTab', '|': 'delimPipe' };

// The preview API's CSV answer as a table: the first row its column headers.
function csvTable(p, f) {
  const rows = Array.isArray(p.rows) ? p.rows : [];
  const [head, ...body] = rows;
  const delim = DELIMITERS[p.delimiter] ? t(DELIMITERS[p.delimiter]) : JSON.stringify(p.delimiter);
  const caption = t('csvCaption', { path: f.path, n: body.length, encoding: p.encoding || '?', delimiter: delim });
  const cells = (r) => (Array.isArray(r) ? r : []);
  return h(
    'div',
    { class: 'csv-preview', testid: 'csv-preview', 'data-path': f.path },
    h('h3', null, t('previewOf', { path: f.path })),
    // the caption as sighted readers see it, above the table that may scroll
    // sideways (a <caption> is as wide as its table); screen readers get the
    // table's own <caption>
    h('p', { class: 'muted csv-caption', 'aria-hidden': 'true' }, caption),
    h(
      'div',
      { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('previewOf', { path: f.path }) },
      h(
        'table',
        { class: 'csv', testid: 'csv-table' },
        h('caption', { class: 'visually-hidden', testid: 'csv-caption' }, caption),
        head ? h('thead', null, h('tr', null, cells(head).map((c) => h('th', { scope: 'col' }, String(c))))) : null,
        h('tbody', null, body.map((r) => h('tr', null, cells(r).map((c) => h('td', null, String(c)))))),
      ),
    ),
    p.truncated ? h('p', { class: 'muted' }, t('csvMore'), ' ', h('a', { href: f.url, download: basename(f.path) }, t('downloadFile', { path: f.path }))) : null,
  );
}

function markdownBlock(p, f, testid) {
  return h(
    'div',
    { class: 'markdown-block', testid: testid + '-block', 'data-path': f.path },
    h('h3', null, f.path),
    h('div', { class: 'markdown', testid }, safeHtml(typeof p.html === 'string' ? p.html : '')),
    p.truncated ? h('p', { class: 'muted' }, t('markdownTruncated')) : null,
  );
}

// What may be copied from rendered Markdown: element → its allowed attributes.
const ALLOWED = {
  p: [], ul: [], ol: ['start'], li: [], code: [], pre: [], em: [], strong: [], blockquote: [], hr: [], br: [],
  table: [], thead: [], tbody: [], tr: [], th: ['scope', 'align'], td: ['align'],
  a: ['href', 'title'], img: ['src', 'alt', 'title'],
  h1: [], h2: [], h3: [], h4: [], h5: [], h6: [],
};
// Headings of the README sit below the page's h2 and the README's h3.
const DEMOTE = { h1: 'h4', h2: 'h5', h3: 'h6', h4: 'h6', h5: 'h6', h6: 'h6' };
const MAX_NODES = 20000;

// html parsed (inert: DOMParser runs no script and loads nothing) and copied
// element by element through ALLOWED into a fragment of this document.
// Elements not allowed are dropped with what they hold when they hold code
// (script, style, …), else replaced by their allowed content.
export function safeHtml(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const out = document.createDocumentFragment();
  let budget = MAX_NODES;
  const DROP = new Set(['script', 'style', 'iframe', 'object', 'embed', 'template', 'noscript', 'svg', 'math', 'form', 'textarea', 'select', 'title', 'head']);
  const copy = (src, dst) => {
    for (const n of src.childNodes) {
      if (--budget < 0) return;
      if (n.nodeType === Node.TEXT_NODE) {
        dst.append(n.data);
        continue;
      }
      if (n.nodeType !== Node.ELEMENT_NODE) continue; // comments (cmark's stand-in for raw HTML), …
      const tag = n.localName;
      if (DROP.has(tag)) continue;
      if (!Object.hasOwn(ALLOWED, tag)) {
        copy(n, dst);
        continue;
      }
      const el = document.createElement(DEMOTE[tag] || tag);
      for (const a of ALLOWED[tag]) {
        const v = n.getAttribute(a);
        if (v === null) continue;
        if (a === 'href') {
          const href = safeHref(v);
          if (href) el.setAttribute('href', href);
        } else if (a === 'src') {
          const src = sameOrigin(v); // the server points a README's images at the version's files
          if (src && src.startsWith('/download/')) el.setAttribute('src', src);
        } else if (a === 'scope') {
          if (['col', 'row', 'colgroup', 'rowgroup'].includes(v)) el.setAttribute(a, v);
        } else if (a === 'align') {
          if (['left', 'right', 'center'].includes(v)) el.classList.add('align-' + v);
        } else if (a === 'start') {
          if (/^\d{1,6}$/.test(v)) el.setAttribute(a, v);
        } else {
          el.setAttribute(a, v);
        }
      }
      if (tag === 'img') {
        if (!el.hasAttribute('src')) continue; // an image from elsewhere is not loaded, nor its alt shown
        if (!el.hasAttribute('alt')) el.setAttribute('alt', '');
      }
      if (tag === 'a' && !el.hasAttribute('href')) {
        copy(n, dst); // a link that goes nowhere safe is its text
        continue;
      }
      if (tag === 'a' && !sameOrigin(el.getAttribute('href'))) el.setAttribute('rel', 'noopener noreferrer nofollow');
      if (tag === 'pre') {
        // a code box that scrolls is reachable by keyboard, with a name
        el.setAttribute('tabindex', '0');
        el.setAttribute('role', 'region');
        el.setAttribute('aria-label', t('codeBox'));
      }
      copy(n, el);
      dst.append(el);
    }
  };
  copy(doc.body, out);
  return out;
}

function parseUrl(u) {
  try {
    return new URL(u, location.href);
  } catch (e) {
    return null;
  }
}

// An http(s) link or one to this registry, else null (javascript:, data:, …).
function safeHref(u) {
  if (!u.trim()) return null; // cmark's stand-in for a link it dropped (javascript: …)
  const url = parseUrl(u);
  if (!url) return null;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.origin === location.origin ? url.pathname + url.search + url.hash : url.href;
}

// A URL of this registry (a path), else null: images load only from here.
function sameOrigin(u) {
  if (!u.trim()) return null;
  const url = parseUrl(u);
  return url && url.origin === location.origin ? url.pathname + url.search : null;
}

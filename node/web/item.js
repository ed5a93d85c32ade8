// item.js - an item's page (/?item=<node>/<item>[&version=V]): title and
// notices, the signature in plain words, the manifest (manifest.js), the
// downloads and the git clone command, every version, the replication graph
// (graph.js) and the raw manifest.

import { api, ApiError, errorPage } from './api.js';
import { h, navLink, itemParams, dl, extLink } from './dom.js';
import { shortId, fmtDate, timeEl, countryName, kindBadge, withdrawnBadge, replicationsText } from './format.js';
import { filesSection } from './files.js';
import { graphSection } from './graph.js';
import { t, tNodes } from './labels.js';
import { renderManifest, pickLang, pickedLangTag } from './manifest.js';
import { NODE_ID, isCurrent, setMain, loadingNote, focusHeading, setTitle, markCurrentNav } from './page.js';
import { lastSearchUrl } from './search.js';

// Show the item of p's item (and version) parameter.
export async function showItem(gen, p) {
  markCurrentNav(null);
  const ref = p.get('item') || '';
  const slash = ref.indexOf('/');
  const node = slash > 0 ? ref.slice(0, slash) : '';
  const item = slash > 0 ? ref.slice(slash + 1) : '';
  const version = p.get('version');
  setMain(loadingNote());
  if (!NODE_ID.test(node) || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(item)) {
    setMain(backLink(), ...errorPage(new ApiError(404, ref)));
    focusHeading();
    return;
  }
  const base = `/api/v1/items/${node}/${item}`;
  const itemQ = version ? base + '?' + new URLSearchParams({ version }) : base;
  let doc, graph, graphErr;
  try {
    const [d, g] = await Promise.allSettled([api(itemQ), api(`/api/v1/graph/${node}/${item}`)]);
    if (d.status === 'rejected') throw d.reason;
    doc = d.value;
    if (g.status === 'fulfilled') graph = g.value;
    else graphErr = g.reason;
  } catch (e) {
    if (!isCurrent(gen)) return;
    setMain(backLink(), ...errorPage(e));
    setTitle(null);
    focusHeading();
    return;
  }
  if (!isCurrent(gen)) return;
  setTitle(doc.title || doc.item);
  setMain(itemPage(doc, graph, graphErr, () => isCurrent(gen)));
  focusHeading();
}

function backLink() {
  return h('p', { class: 'crumbs' }, h('a', { href: lastSearchUrl, 'data-nav': true, testid: 'back-to-search' }, '← ', t('backToSearch')));
}

function itemPage(doc, graph, graphErr, stillShown) {
  const v = doc.version;
  const nodeId = doc.node.id;
  const m = v.manifest || {};
  const notices = [];
  if (doc.withdrawn) notices.push(h('div', { class: 'notice warn', role: 'note', testid: 'item-withdrawn' }, t('itemWithdrawn')));
  if (v.withdrawn && !doc.withdrawn)
    notices.push(
      h(
        'div',
        { class: 'notice warn', role: 'note', testid: 'version-withdrawn' },
        v.withdrawn_at ? t('versionWithdrawn', { v: v.version, date: fmtDate(v.withdrawn_at) }) : t('versionWithdrawnNoDate', { v: v.version }),
        v.withdrawn_reason ? ' ' + t('reason', { r: v.withdrawn_reason }) : '',
      ),
    );
  if (v.version !== doc.latest)
    notices.push(
      h(
        'div',
        { class: 'notice', role: 'note', testid: 'older-version' },
        t('olderVersion', { v: v.version, latest: doc.latest }),
        ' ',
        navLink(itemParams(nodeId, doc.item), t('showLatest')),
      ),
    );
  const title = displayTitle(doc, m);
  const titleText = title.text;
  return h(
    'article',
    { class: 'item', testid: 'item-page', 'data-node': nodeId, 'data-item': doc.item, 'data-version': v.version },
    backLink(),
    h(
      'div',
      { class: 'item-head' + (safeDownload(doc.logo) ? ' has-logo' : '') },
      safeDownload(doc.logo)
        ? h('img', { class: 'item-logo', src: doc.logo, alt: t('logoOf', { name: titleText }), testid: 'item-logo' })
        : null,
      h('h1', { testid: 'item-title', lang: title.lang }, titleText),
    ),
    h(
      'p',
      { class: 'meta' },
      kindBadge(doc.kind),
      doc.withdrawn ? withdrawnBadge() : null,
      h('span', null, t('publishedBy'), ' ', navLink({ node: nodeId }, doc.node.name, { testid: 'item-node' }), doc.node.country ? ` (${countryName(doc.node.country)})` : ''),
      h('span', { testid: 'item-version' }, t('version', { v: v.version })),
      doc.replications > 0 ? h('span', { class: 'repl' }, replicationsText(doc.replications)) : null,
    ),
    notices,
    trustSection(doc),
    h('section', { class: 'about', testid: 'manifest', 'aria-labelledby': 'about-h' }, h('h2', { id: 'about-h' }, t('about')), renderManifest(doc.kind, m, doc)),
    screenshotsSection(doc, titleText),
    getSection(doc),
    filesSection(doc, stillShown),
    versionsSection(doc),
    graphSection(doc, graph, graphErr),
    h(
      'details',
      { class: 'raw', testid: 'raw-json' },
      h('summary', null, t('rawJson')),
      h('pre', { tabindex: '0', role: 'region', 'aria-label': t('rawJsonBox') }, h('code', null, JSON.stringify(v.manifest, null, 2))),
    ),
  );
}

// A solution's localised name, else the item's title, else its id: {text,
// lang}, lang set when the name was taken from another language than the page's.
function displayTitle(doc, m) {
  if (doc.kind === 'solution' && m.description && typeof m.description === 'object') {
    const d = pickLang(m.description);
    if (d && d.localisedName) {
      return { text: d.localisedName, lang: pickedLangTag(m.description, d) };
    }
  }
  return { text: doc.title || doc.item, lang: null };
}

// A URL of a file of this registry's verified trees (the API gives only
// /download/… paths for logos and screenshots), else null.
function safeDownload(u) {
  return typeof u === 'string' && u.startsWith('/download/') && !u.startsWith('//') ? u : null;
}

// The screenshots of a solution (publiccode.yml), from the version's verified tree.
function screenshotsSection(doc, title) {
  const shots = (Array.isArray(doc.screenshots) ? doc.screenshots : []).map(safeDownload).filter(Boolean).slice(0, 10);
  if (!shots.length) return null;
  return h(
    'section',
    { class: 'screenshots', testid: 'screenshots', 'aria-labelledby': 'shots-h' },
    h('h2', { id: 'shots-h' }, t('screenshotsHeading')),
    h(
      'ul',
      { class: 'gallery' },
      shots.map((u, i) =>
        h(
          'li',
          null,
          h('a', { href: u, testid: 'screenshot-link' }, h('img', { src: u, alt: t('screenshotN', { name: title, n: i + 1 }), loading: 'lazy', testid: 'screenshot' })),
        ),
      ),
    ),
  );
}

// "Stadt Leipzig (key 1a2b…)": the signing city and its key ids.
function signerText(signers, nodeName) {
  if (!signers || !signers.length) return null;
  return h(
    'span',
    { class: 'signer' },
    h('strong', { testid: 'signer-name' }, nodeName),
    ' (',
    signers.map((k, i) => [i ? ', ' : '', h('code', { testid: 'signer-key', title: k }, t('keyLabel', { k: shortId(k) }))]),
    ')',
  );
}

// The version's Software Heritage identifiers (docs/api.yaml, Swhids), each
// a link to where the archive resolves it; the ones not known are left out.
const SWH_ARCHIVE = 'https://archive.softwareheritage.org/';
const SWHID = /^swh:1:(rel|rev|dir):[0-9a-f]{40}$/;
function swhidList(swhids) {
  if (!swhids) return null;
  const rows = ['rel', 'rev', 'dir']
    .filter((k) => typeof swhids[k] === 'string' && SWHID.test(swhids[k]))
    .map((k) =>
      h('li', null, t('swhid_' + k), ' ', extLink(SWH_ARCHIVE + swhids[k], h('code', { class: 'swhid', testid: 'swhid-' + k }, swhids[k]))),
    );
  return rows.length ? h('ul', { class: 'swhids' }, rows) : null;
}

// The signature in plain words and the facts behind it.
function trustSection(doc) {
  const v = doc.version;
  const signed = v.signers && v.signers.length;
  let line;
  if (!signed) {
    line = h('p', { class: 'trust-line bad', testid: 'signature-status', 'data-status': 'unsigned' }, '⚠ ', t('notSigned'));
  } else {
    const parts = tNodes(v.verified_at ? 'signedVerified' : 'signedNotVerified', {
      name: signerText(v.signers, doc.node.name),
      date: timeEl(v.verified_at, true, { testid: 'verified-at' }),
    });
    line = h(
      'p',
      { class: 'trust-line ' + (v.verified_at ? 'ok' : 'warn'), testid: 'signature-status', 'data-status': v.verified_at ? 'verified' : 'signed' },
      h('span', { 'aria-hidden': 'true', class: 'tick' }, v.verified_at ? '✓ ' : '• '),
      parts,
    );
  }
  const facts = dl([
    [t('signingKeys'), signed ? v.signers.map((k) => h('code', { class: 'keyid' }, k)) : null],
    [t('publishedOn'), timeEl(v.published, true)],
    [t('verifiedOn'), v.verified_at ? timeEl(v.verified_at, true) : t('notYet')],
    [t('gitTag'), v.tag ? [h('code', null, 'v' + v.version), ' ', h('code', { class: 'hash' }, shortId(v.tag))] : null],
    [t('commit'), v.commit ? h('code', { class: 'hash', title: v.commit }, shortId(v.commit)) : null],
    [t('swhids'), swhidList(v.swhids)],
  ]);
  return h(
    'section',
    { class: 'trust', testid: 'signature', 'aria-labelledby': 'trust-h' },
    h('h2', { id: 'trust-h' }, t('trustHeading')),
    line,
    h('p', { class: 'explain' }, doc.node.source === 'index' ? t('trustExplainIndex') : t('trustExplain')),
    facts,
  );
}

// text in a <pre> with a button that copies it to the clipboard.
function copyBox(text, testid) {
  const code = h('code', { testid }, text);
  const msg = h('span', { class: 'copy-msg', role: 'status', 'aria-live': 'polite' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'copy',
      testid: 'copy-button',
      onclick: async () => {
        let ok = false;
        try {
          if (navigator.clipboard && window.isSecureContext) {
            await navigator.clipboard.writeText(text);
            ok = true;
          }
        } catch (e) {
          ok = false;
        }
        if (!ok) {
          const range = document.createRange();
          range.selectNodeContents(code);
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          try {
            ok = document.execCommand('copy');
          } catch (e) {
            ok = false;
          }
        }
        msg.textContent = ok ? t('copied') : t('copyFailed');
      },
    },
    t('copy'),
  );
  return h('div', { class: 'copybox' }, h('pre', { tabindex: '0', role: 'region', 'aria-label': t('cloneBox') }, code), button, msg);
}

// Downloads and the git clone command, where this registry keeps the files.
function getSection(doc) {
  const v = doc.version;
  const n = doc.node.id;
  const enc = encodeURIComponent;
  const children = [h('h2', { id: 'get-h' }, t('getHeading'))];
  if (doc.git) {
    const files = `/download/${n}/${enc(doc.item)}/${enc(v.version)}/`;
    const links = [
      h('li', null, h('a', { href: files + 'files.zip', download: `${doc.item}-${v.version}.zip`, testid: 'download-zip' }, t('dlZip'))),
      h('li', null, h('a', { href: files + 'manifest.json', download: `${doc.item}-${v.version}.manifest.json`, testid: 'download-manifest' }, t('dlManifest'))),
      h('li', null, h('a', { href: files + 'full.bundle', download: `${doc.item}-${v.version}.bundle`, testid: 'download-bundle' }, t('dlBundle'))),
    ];
    if (doc.kind === 'solution')
      links.push(
        h(
          'li',
          null,
          h(
            'a',
            { href: `/api/v1/items/${n}/${enc(doc.item)}/publiccode.yml?version=${enc(v.version)}`, testid: 'download-publiccode' },
            t('dlPubliccode'),
          ),
        ),
        h(
          'li',
          null,
          h(
            'a',
            { href: `/api/v1/items/${n}/${enc(doc.item)}/codemeta.json?version=${enc(v.version)}`, testid: 'download-codemeta' },
            t('dlCodemeta'),
          ),
        ),
      );
    children.push(h('p', null, t('downloadsIntro', { v: v.version })), h('ul', { class: 'downloads' }, links));
    children.push(h('p', null, t('cloneIntro')), copyBox(`git clone ${location.origin}${doc.git}`, 'git-clone'));
  } else {
    children.push(h('p', { testid: 'no-files' }, t('noFilesHere')));
  }
  return h('section', { class: 'get', testid: 'get', 'aria-labelledby': 'get-h' }, children);
}

// Every version of the item as a table; the one shown is not a link.
function versionsSection(doc) {
  const rows = doc.versions.map((x) => {
    const isShown = x.version === doc.version.version;
    const status = x.withdrawn
      ? [withdrawnBadge(), x.withdrawn_at ? [' ', fmtDate(x.withdrawn_at)] : null, x.withdrawn_reason ? [' – ', x.withdrawn_reason] : null]
      : x.version === doc.latest
        ? t('current')
        : t('available');
    return h(
      'tr',
      { testid: 'version-row', 'data-version': x.version, class: (x.withdrawn ? 'is-withdrawn' : '') + (isShown ? ' shown' : ''), 'aria-current': isShown ? 'true' : null },
      h('th', { scope: 'row' }, isShown ? h('strong', null, x.version) : navLink(itemParams(doc.node.id, doc.item, x.version), x.version, { testid: 'version-link' })),
      h('td', null, timeEl(x.published) || '–'),
      h('td', null, x.signers && x.signers.length ? [doc.node.name, ' ', h('code', { class: 'keyid-short' }, shortId(x.signers[0]))] : '–'),
      h('td', null, x.verified_at ? timeEl(x.verified_at, true) : t('notYet')),
      h('td', null, status),
    );
  });
  return h(
    'section',
    { class: 'versions', testid: 'versions', 'aria-labelledby': 'versions-h' },
    h('h2', { id: 'versions-h' }, t('versionsHeading')),
    h(
      'div',
      // a table wider than a phone scrolls: reachable by keyboard, with a name
      { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'versions-h' },
      h(
        'table',
        null,
        h('thead', null, h('tr', null, ['colVersion', 'colPublished', 'colSigned', 'colVerified', 'colStatus'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', null, rows),
      ),
    ),
  );
}

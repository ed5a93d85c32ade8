// app.js - the registry's web page (docs/WEB.md): search with facets, item
// pages, node pages and the directory of nodes, all read from /api/v1/
// (docs/api.yaml). No framework, no build step. The state lives in the URL:
//   /?q=mobilitaet&kind=strategy   a search (facet filters repeat: &theme=A&theme=B)
//   /?item=<node>/<item>[&version=V] an item
//   /?node=<node>                  a node and its items
//   /?view=nodes                   the directory of nodes
//   /?view=about                   about this registry and how a city takes part
// This module is the entry point: it routes the URL to a view (search.js,
// item.js, nodes.js), labels the frame of index.html and follows the links
// inside the page with history.pushState.

import { showAbout, legalLinks, legalMissing } from './about.js';
import { api } from './api.js';
import { h, navLink } from './dom.js';
import { showItem } from './item.js';
import { lang, t, tNodes, toggleLang } from './labels.js';
import { showNode, showNodes, forgetNodesView } from './nodes.js';
import { nextGeneration, setRouter, navigate, announce } from './page.js';
import { showSearch, forgetSearchView, FACETS } from './search.js';

// The search parameters a feed takes (docs/api.yaml, /api/v1/search.atom).
const FEED_PARAMS = ['q', ...FACETS, 'node', 'sort', 'withdrawn'];

// The Atom feed of what the view shows, in index.html's <link rel="alternate">
// (feed readers and browser extensions find it there): an item's versions,
// a node's versions and withdrawals, or the search's results.
function feedFor(p) {
  const item = /^([0-9a-f]{8,64})\/([a-z0-9][a-z0-9-]{0,62})$/.exec(p.get('item') || '');
  if (item) return `/api/v1/items/${item[1]}/${item[2]}/versions.atom`;
  const node = /^[0-9a-f]{8,64}$/.exec(p.get('node') || '');
  if (node && !p.has('q')) return `/api/v1/nodes/${node[0]}/versions.atom`;
  const q = new URLSearchParams();
  for (const [k, v] of p) if (FEED_PARAMS.includes(k) && v !== '') q.append(k, v);
  return q.toString() ? `/api/v1/search.atom?${q}` : '/api/v1/items.atom';
}

function setFeedLink(p) {
  const link = document.getElementById('feed-link');
  if (link) link.setAttribute('href', feedFor(p));
}

// The JSON-LD the server put into an item's page (docs/SCHEMAORG.md)
// describes the URL the page was loaded for; another view drops it.
const loadedFor = location.search;

// Draw the view for location; fromHistory: after back or forward.
function route(fromHistory) {
  const gen = nextGeneration();
  const p = new URLSearchParams(location.search);
  if (location.search !== loadedFor) document.getElementById('item-jsonld')?.remove();
  document.documentElement.lang = lang;
  setFeedLink(p);
  if (p.has('item')) {
    forgetSearchView();
    setSkipTarget('main');
    return showItem(gen, p);
  }
  if (p.has('node')) {
    forgetSearchView();
    setSkipTarget('main');
    return showNode(gen, p);
  }
  if (p.get('view') === 'nodes') {
    forgetSearchView();
    setSkipTarget('main');
    return showNodes(gen, p);
  }
  if (p.get('view') === 'about') {
    forgetSearchView();
    setSkipTarget('main');
    return showAbout(gen);
  }
  setSkipTarget('results');
  return showSearch(gen, p, fromHistory);
}

// The skip link leads to the results on the search page, else to <main>.
let skipTarget = 'main';
function setSkipTarget(id) {
  skipTarget = id;
  const skip = document.querySelector('.skip');
  if (!skip) return;
  skip.setAttribute('href', '#' + id);
  skip.textContent = id === 'results' ? t('skipResults') : t('skip');
}

// The texts of index.html's frame (header, footer) in the page's language.
function applyFrameLabels() {
  document.documentElement.lang = lang;
  const set = (id, text) => {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  };
  set('nav-search', t('navSearch'));
  set('nav-nodes', t('navNodes'));
  set('nav-about', t('navAbout'));
  set('brand-name', t('brand'));
  setSkipTarget(skipTarget);
  const nav = document.getElementById('site-nav');
  if (nav) nav.setAttribute('aria-label', t('navLabel'));
  const sw = document.getElementById('lang-switch');
  if (sw) {
    sw.textContent = t('switchTo');
    sw.setAttribute('aria-label', t('switchToLabel'));
    sw.setAttribute('lang', lang === 'de' ? 'en' : 'de');
  }
  const footer = document.getElementById('footer-text');
  if (footer) {
    footer.replaceChildren(
      keeper ? navLink({ node: keeper.id }, t('keptBy', { name: keeper.name }), { testid: 'keeper' }) : '',
      keeper ? ' ' : '',
      t('footer'),
      h('a', { href: '/api/v1/search' }, '/api/v1/search'),
    );
  }
  const fnav = document.getElementById('footer-nav');
  if (fnav) {
    fnav.setAttribute('aria-label', t('legalNav'));
    const links = [navLink({ view: 'about' }, t('footerAbout'), { testid: 'footer-about' }), ...legalLinks(root)];
    fnav.replaceChildren(h('ul', null, links.map((a) => h('li', null, a))));
  }
  const missing = document.getElementById('legal-missing');
  if (missing) {
    const list = legalMissing(root);
    missing.replaceChildren(...(list.length ? tNodes('legalMissing', { list: list.map((x, i) => [i ? ', ' : '', x]) }).flat(Infinity) : []));
    missing.hidden = !list.length;
  }
}

// The node that keeps this registry and its legal pages (GET /api/v1/), in the footer.
let keeper = null;
let root = null;
async function loadKeeper() {
  try {
    const doc = await api('/api/v1/');
    if (doc && typeof doc === 'object') root = doc;
    if (doc && doc.node && typeof doc.node.id === 'string' && typeof doc.node.name === 'string') {
      keeper = { id: doc.node.id, name: doc.node.name };
    }
    applyFrameLabels();
  } catch (e) {
    // an older node without /api/v1/: the footer stays generic
  }
}

function init() {
  setRouter(route);
  if (!document.getElementById('announcer')) {
    document.body.append(h('div', { id: 'announcer', class: 'visually-hidden', 'aria-live': 'polite' }));
  }
  document.getElementById('boot')?.remove();
  applyFrameLabels();
  document.getElementById('lang-switch')?.addEventListener('click', () => {
    toggleLang();
    applyFrameLabels();
    forgetSearchView();
    forgetNodesView();
    route();
    announce(t('langName'));
  });
  // the skip link moves focus without a fragment in the URL (that would fire popstate)
  document.querySelector('.skip')?.addEventListener('click', (e) => {
    const target = document.getElementById(skipTarget) || document.getElementById('main');
    if (!target) return;
    e.preventDefault();
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus();
    target.scrollIntoView();
  });
  // links inside the page: history.pushState instead of a page load
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest && e.target.closest('a[data-nav]');
    if (!a) return;
    const href = a.getAttribute('href');
    if (!href || !href.startsWith('/')) return;
    e.preventDefault();
    if (href === '/' || href.startsWith('/?')) {
      if (a.closest('header')) forgetSearchView(); // the brand / nav: a fresh page
      navigate(href);
    } else {
      location.href = href;
    }
  });
  window.addEventListener('popstate', () => route(true));
  route();
  loadKeeper();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();

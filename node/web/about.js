// about.js - the page about this registry (/?view=about): what it is, who
// keeps it (the node of /api/v1), how many cities and items it knows, how a
// city takes part, and what "signed and verified" means.

import { api, errorBox } from './api.js';
import { h, navLink, extLink } from './dom.js';
import { lang, t, tNodes, plural } from './labels.js';
import { isCurrent, setMain, loadingNote, focusHeading, setTitle, markCurrentNav } from './page.js';

// Where people read how to run a node: the project's documentation, in its source.
const DOCS_README = 'README.md';

export async function showAbout(gen) {
  markCurrentNav('about');
  setMain(loadingNote());
  setTitle(t('aboutTitle'));
  let root, nodes, items;
  try {
    [root, nodes, items] = await Promise.all([
      api('/api/v1/'),
      api('/api/v1/nodes?per_page=1'),
      api('/api/v1/search?per_page=1'),
    ]);
  } catch (e) {
    if (!isCurrent(gen)) return;
    setMain(h('h1', null, t('aboutTitle')), errorBox(e));
    return;
  }
  if (!isCurrent(gen)) return;
  setMain(aboutPage(root, nodes, items));
  focusHeading();
}

function aboutPage(root, nodes, items) {
  const node = root && root.node && typeof root.node === 'object' ? root.node : null;
  const keeper =
    node && typeof node.id === 'string' && typeof node.name === 'string'
      ? tNodes('aboutKeeper', { name: navLink({ node: node.id }, node.name, { testid: 'about-keeper' }) })
      : t('aboutKeeperUnknown');
  const counts = t('aboutCounts', { cities: plural('cities', nodes.total ?? 0), items: plural('n_items', items.total ?? 0) });
  const legal = legalLinks(root);
  return h(
    'article',
    { class: 'about-page', testid: 'about-page' },
    h('h1', null, t('aboutTitle')),
    h('p', { class: 'lead' }, t('aboutWhat')),
    h('p', null, keeper, ' ', h('span', { testid: 'about-counts' }, counts), ' ', navLink({ view: 'nodes' }, t('aboutCitiesLink'))),
    h(
      'section',
      { 'aria-labelledby': 'join-h' },
      h('h2', { id: 'join-h' }, t('aboutJoinHeading')),
      h('ol', { class: 'steps' }, ['aboutJoin1', 'aboutJoin2', 'aboutJoin3'].map((k) => h('li', null, t(k)))),
      h('p', null, t('aboutDocs'), ': ', h('code', null, DOCS_README), ', ', h('code', null, 'docs/')),
    ),
    h('section', { 'aria-labelledby': 'signed-h' }, h('h2', { id: 'signed-h' }, t('aboutSignedHeading')), h('p', null, t('aboutSigned'))),
    legal.length
      ? h('section', { 'aria-labelledby': 'legal-h' }, h('h2', { id: 'legal-h' }, t('legalNav')), h('ul', null, legal.map((a) => h('li', null, a))))
      : null,
    h(
      'section',
      { 'aria-labelledby': 'api-h' },
      h('h2', { id: 'api-h' }, t('aboutApiHeading')),
      h(
        'p',
        null,
        tNodes('aboutApi', {
          api: h('a', { href: '/api/v1/' }, h('code', null, '/api/v1/')),
          feed: h('a', { href: '/api/v1/items.atom' }, h('code', null, '/api/v1/items.atom')),
        }),
      ),
    ),
  );
}

export const LEGAL_KEYS = ['imprint', 'privacy', 'accessibility'];

// The links to the legal pages /api/v1 names (config.yml imprint, privacy, accessibility).
export function legalLinks(root) {
  const legal = root && root.legal && typeof root.legal === 'object' ? root.legal : {};
  return LEGAL_KEYS.filter((k) => typeof legal[k] === 'string').map((k) => extLink(legal[k], legalName(k), { testid: 'legal-' + k }));
}

// The legal pages a public registry does not name (their labels), else [].
export function legalMissing(root) {
  if (!root || root.public !== true) return [];
  const legal = root.legal && typeof root.legal === 'object' ? root.legal : {};
  return LEGAL_KEYS.filter((k) => typeof legal[k] !== 'string').map(legalName);
}

// The German names of the pages German law asks for: on a page in another
// language they follow its own words, marked as German.
const LEGAL_DE = { imprint: 'Impressum', privacy: 'Datenschutzerklärung', accessibility: 'Erklärung zur Barrierefreiheit' };

function legalName(k) {
  if (lang === 'de') return h('span', null, t('legal_' + k));
  return h('span', null, t('legal_' + k), ' (', h('span', { lang: 'de' }, LEGAL_DE[k]), ')');
}

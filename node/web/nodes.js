// nodes.js - the cities: a node's page (/?node=<id>) with its profile, what
// it replicated from other cities and its items, and the directory of every
// node the registry knows (/?view=nodes).

import { api, ApiError, errorBox, errorPage } from './api.js';
import { h, navLink, extLink, mailLink, urlFor, itemParams, dl, list, inline } from './dom.js';
import { cityName, isDate, fmtDate, countryName, itemCountsText, withdrawnBadge, contactEl } from './format.js';
import { t } from './labels.js';
import { wordEl } from './vocab.js';
import { PER_PAGE, DEBOUNCE_MS, NODE_ID, isCurrent, navigate, pageParam, main, setMain, loadingNote, focusHeading, setTitle, markCurrentNav } from './page.js';
import { hitEl, pagerEls } from './search.js';

// Show the node of p's node parameter and a page of its items.
export async function showNode(gen, p) {
  markCurrentNav('nodes');
  const id = p.get('node') || '';
  setMain(loadingNote());
  if (!NODE_ID.test(id)) {
    setMain(...errorPage(new ApiError(404, id)));
    return;
  }
  const page = pageParam(p);
  const sp = new URLSearchParams({ node: id, sort: 'recent', per_page: String(PER_PAGE) });
  if (page > 1) sp.set('page', String(page));
  let node, items;
  try {
    [node, items] = await Promise.all([api(`/api/v1/nodes/${id}`), api('/api/v1/search?' + sp)]);
  } catch (e) {
    if (!isCurrent(gen)) return;
    setMain(...errorPage(e));
    return;
  }
  if (!isCurrent(gen)) return;
  setTitle(node.name);
  setMain(nodePage(node, items, p));
  focusHeading();
}

// The node's page: node (the API's NodeDetail) and items (a search of its items).
function nodePage(node, items, p) {
  const pr = node.profile || {};
  const c = node.items || {};
  const counts = itemCountsText(c);
  const contact = pr.contact && typeof pr.contact === 'object' ? contactEl(pr.contact) : null;
  return h(
    'article',
    { class: 'node', testid: 'node-page', 'data-node': node.id },
    h('p', { class: 'crumbs' }, navLink({ view: 'nodes' }, ['← ', t('nodesTitle')])),
    h(
      'div',
      { class: 'item-head' + (nodeLogo(node) ? ' has-logo' : '') },
      nodeLogo(node) ? h('img', { class: 'item-logo', src: nodeLogo(node), alt: t('nodeLogo', { name: node.name }), testid: 'node-logo' }) : null,
      h('h1', { testid: 'node-name' }, node.name),
    ),
    h('p', { class: 'meta' }, h('span', { class: 'badge source-' + node.source, testid: 'node-source' }, t('source_' + node.source)), node.country ? h('span', null, countryName(node.country)) : null),
    h('p', { class: 'explain' }, t('nodeSource_' + node.source), node.verified_at ? [' ', t('nodeVerified', { date: fmtDate(node.verified_at, true) })] : null),
    pr.description ? h('p', null, pr.description) : null,
    dl([
      [t('website'), node.url ? extLink(node.url) : null],
      [t('country'), countryName(node.country)],
      [t('code'), node.code],
      [t('programmes'), list(node.programmes)],
      [t('roles'), Array.isArray(pr.roles) && pr.roles.length ? inline(pr.roles, (r) => wordEl('role', r)) : null],
      [t('contact'), contact],
      [t('email'), pr.email ? mailLink(pr.email) : null],
      [t('nodeId'), h('code', { class: 'hash', testid: 'node-id' }, node.id)],
    ]),
    replicatedSection(node),
    h(
      'section',
      { 'aria-labelledby': 'node-items-h', testid: 'node-items' },
      h('h2', { id: 'node-items-h' }, t('itemsHeading')),
      h('p', { class: 'muted' }, counts, c.withdrawn ? ` (${t('withdrawnCount', { n: c.withdrawn })})` : ''),
      items.results.length ? h('ol', { class: 'results' }, items.results.map((r) => hitEl(r, false))) : h('p', null, t('resultsCount0')),
      h('nav', { class: 'pager', 'aria-label': t('pages') }, pagerEls(items, p)),
    ),
  );
}

// The node's logo (/download/{node}/logo), a path of this registry, else null.
function nodeLogo(node) {
  return typeof node.logo === 'string' && node.logo.startsWith('/download/') ? node.logo : null;
}

// What the node replicated from other cities (its signed attestations).
function replicatedSection(node) {
  const reps = Array.isArray(node.replicated) ? node.replicated : [];
  if (!reps.length) return null;
  return h(
    'section',
    { 'aria-labelledby': 'node-replicated-h', testid: 'node-replicated' },
    h('h2', { id: 'node-replicated-h' }, t('replicatedHeading')),
    h('p', { class: 'muted' }, t('replicatedIntro')),
    h(
      'ul',
      { class: 'replicated' },
      reps.map((r) =>
        h(
          'li',
          { testid: 'replicated-entry', 'data-item': `${r.node}/${r.item}` },
          navLink(itemParams(r.node, r.item, r.version), r.title || r.item, { testid: 'replicated-link' }),
          ' ',
          t('replicatedFrom', { v: r.version, city: cityName(r) }),
          isDate(r.date) ? [' ', t('replicatedOn', { date: fmtDate(r.date) })] : null,
          r.withdrawn ? [' ', withdrawnBadge()] : null,
        ),
      ),
    ),
  );
}

// Show the directory, filtered by p's q; the page stays mounted while only its list changes.
export async function showNodes(gen, p) {
  markCurrentNav('nodes');
  const existing = main().querySelector('[data-testid="nodes-page"]');
  let view = existing && existing._view;
  if (!view) {
    const input = h('input', { id: 'node-filter', type: 'search', autocomplete: 'off', maxlength: '256', testid: 'node-filter' });
    input.value = p.get('q') || '';
    let timer = null;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!input.isConnected) return; // the page was left meanwhile
        const np = new URLSearchParams({ view: 'nodes' });
        if (input.value.trim()) np.set('q', input.value);
        navigate(urlFor(np), true);
      }, DEBOUNCE_MS);
    });
    const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', testid: 'nodes-count' });
    const listEl = h('ul', { class: 'nodes', testid: 'nodes' });
    const pager = h('nav', { class: 'pager', 'aria-label': t('pages') });
    const el = h(
      'section',
      { testid: 'nodes-page' },
      h('h1', null, t('nodesTitle')),
      h('p', { class: 'intro' }, t('nodesIntro')),
      h('div', { class: 'searchform' }, h('label', { for: 'node-filter' }, t('nodesFilter')), input),
      status,
      listEl,
      pager,
    );
    view = { input, status, listEl, pager };
    el._view = view;
    setMain(el);
    setTitle(t('nodesTitle'));
    focusHeading();
  }
  const sp = new URLSearchParams({ per_page: '50' });
  if ((p.get('q') || '').trim()) sp.set('q', p.get('q').trim());
  const page = pageParam(p);
  if (page > 1) sp.set('page', String(page));
  let doc;
  try {
    doc = await api('/api/v1/nodes?' + sp);
  } catch (e) {
    if (!isCurrent(gen)) return;
    view.status.replaceChildren(errorBox(e));
    return;
  }
  if (!isCurrent(gen)) return;
  view.status.textContent = doc.total === 0 ? t('nodesCount0') : doc.total === 1 ? t('nodesCount1') : t('nodesCountN', { n: doc.total });
  view.listEl.replaceChildren(
    ...doc.nodes.map((n) =>
      h(
        'li',
        { testid: 'node-entry', 'data-node': n.id },
        h('h2', null, navLink({ node: n.id }, n.name, { testid: 'node-link' })),
        h(
          'p',
          { class: 'meta' },
          h('span', { class: 'badge source-' + n.source }, t('source_' + n.source)),
          n.country ? h('span', null, countryName(n.country)) : null,
          h('span', null, itemCountsText(n.items)),
        ),
        n.programmes && n.programmes.length ? h('p', { class: 'muted' }, n.programmes.join(' · ')) : null,
      ),
    ),
  );
  view.pager.replaceChildren(...pagerEls(doc, p));
}

// Draw the directory afresh next time (the language changed).
export function forgetNodesView() {
  const m = main().querySelector('[data-testid="nodes-page"]');
  if (m) m._view = null;
}

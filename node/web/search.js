// search.js - the search page (/?q=…): the search box, facets with counts,
// the active filters, sort, "hide withdrawn", the results and their pager.
// The page stays mounted while only its results change, so that typing and
// choosing filters do not lose focus. Its URL parameters are the API's own.

import { api, errorBox } from './api.js';
import { h, navLink, urlFor, itemParams } from './dom.js';
import { countryName, fmtDate, kindBadge, withdrawnBadge, replicationsText } from './format.js';
import { lang, t, labelOr } from './labels.js';
import { word, wordEl, hasWord } from './vocab.js';
import { PER_PAGE, DEBOUNCE_MS, isCurrent, navigate, pageParam, setMain, setTitle, markCurrentNav } from './page.js';

export const FACETS = ['kind', 'theme', 'field', 'category', 'scope', 'platform', 'keyword', 'city', 'country', 'programme', 'license', 'status'];
// Facets whose values are codes of a vocabulary (vocab.js's kind for word()).
const VOCAB_FACETS = { category: 'category', scope: 'scope', platform: 'platform', license: 'license' };
const FACET_SHOWN = 8; // values of a facet shown before "Show all"

let searchView = null; // the mounted search page, kept while only its results change

// The URL of the search last shown, for the item page's way back.
export let lastSearchUrl = '/';

// Draw the search page afresh next time (another view was shown, or the language changed).
export function forgetSearchView() {
  searchView = null;
}

// Go to the search's URL changed by edit(params), on its first page.
function navigateSearch(edit, replace) {
  const np = new URLSearchParams(location.search);
  edit(np);
  np.delete('page');
  navigate(urlFor(np), replace);
}

// The API query for the page's URL: the same parameters, checked.
function searchApiParams(p) {
  const a = new URLSearchParams();
  const q = (p.get('q') || '').trim();
  if (q) a.set('q', p.get('q'));
  for (const f of FACETS) for (const v of p.getAll(f)) a.append(f, v);
  for (const k of ['sort', 'withdrawn', 'node']) if (p.get(k)) a.set(k, p.get(k));
  const page = pageParam(p);
  if (page > 1) a.set('page', String(page));
  a.set('per_page', String(PER_PAGE));
  return a;
}

// Show the search for p (the URL's parameters); fromHistory: after back or forward.
export function showSearch(gen, p, fromHistory) {
  markCurrentNav('search');
  if (!searchView) mountSearch(p);
  else syncSearchControls(p, fromHistory);
  setTitle(p.get('q') ? `${p.get('q')}` : null);
  lastSearchUrl = location.pathname + location.search;
  return runSearch(gen, p);
}

function mountSearch(p) {
  const input = h('input', {
    id: 'q',
    type: 'search',
    name: 'q',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: t('searchPlaceholder'),
    maxlength: '256',
    'aria-describedby': 'search-intro',
    'aria-controls': 'results',
    testid: 'search-input',
  });
  input.value = p.get('q') || '';
  let timer = null;
  const commit = (replace) => {
    clearTimeout(timer);
    if (!searchView || searchView.input !== input) return; // the page was left meanwhile
    navigateSearch((np) => {
      if (input.value.trim()) np.set('q', input.value);
      else np.delete('q');
    }, replace);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => commit(true), DEBOUNCE_MS);
  });
  const form = h(
    'form',
    {
      role: 'search',
      class: 'searchform',
      testid: 'search-form',
      onsubmit: (e) => {
        e.preventDefault();
        commit(true);
      },
    },
    h('label', { for: 'q' }, t('searchLabel')),
    h('div', { class: 'searchrow' }, input, h('button', { type: 'submit', testid: 'search-button' }, t('searchButton'))),
  );

  const sort = h('select', { id: 'sort', testid: 'sort' });
  for (const v of ['relevance', 'recent', 'replications']) sort.append(h('option', { value: v }, t('sort_' + v)));
  sort.addEventListener('change', () => navigateSearch((np) => np.set('sort', sort.value)));
  const hide = h('input', { type: 'checkbox', id: 'hide-withdrawn', testid: 'hide-withdrawn' });
  hide.addEventListener('change', () =>
    navigateSearch((np) => {
      if (hide.checked) np.set('withdrawn', 'exclude');
      else np.delete('withdrawn');
    }),
  );

  const status = h('p', { id: 'result-status', class: 'status', role: 'status', 'aria-live': 'polite', testid: 'result-count' });
  const facets = h('div', { testid: 'facets', class: 'facet-list' });
  const active = h('div', { class: 'active-filters', testid: 'active-filters' });
  const results = h('ol', { id: 'results', class: 'results', testid: 'results', 'aria-labelledby': 'results-h' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('pages'), testid: 'pager' });

  const view = h(
    'section',
    { class: 'search', testid: 'search-page' },
    h('h1', null, t('searchTitle')),
    h('p', { id: 'search-intro', class: 'intro' }, t('searchIntro')),
    form,
    h(
      'div',
      { class: 'layout' },
      h(
        'aside',
        { class: 'facets', 'aria-labelledby': 'facets-h' },
        h('h2', { id: 'facets-h', tabindex: '-1' }, t('filters')),
        h('p', { class: 'hint' }, t('filtersHint')),
        facets,
      ),
      h(
        'div',
        { class: 'results-col' },
        h('h2', { id: 'results-h', class: 'visually-hidden' }, t('resultsHeading')),
        h(
          'div',
          { class: 'toolbar' },
          status,
          h(
            'a',
            {
              href: '#facets-h',
              class: 'to-filters',
              testid: 'to-filters',
              onclick: (e) => {
                // no fragment in the URL (it would fire popstate): move focus instead
                e.preventDefault();
                const target = document.getElementById('facets-h');
                target.focus({ preventScroll: true });
                target.scrollIntoView();
              },
            },
            t('toFilters'),
          ),
          h(
            'div',
            { class: 'controls' },
            h('label', { for: 'sort' }, t('sortLabel')),
            sort,
            h('span', { class: 'check' }, hide, h('label', { for: 'hide-withdrawn' }, t('hideWithdrawn'))),
          ),
        ),
        active,
        results,
        pager,
      ),
    ),
  );
  searchView = { view, input, sort, hide, status, facets, active, results, pager, controller: null, expanded: new Set() };
  syncSearchControls(p, true);
  setMain(view);
  if (!p.get('q')) input.focus({ preventScroll: true });
}

function syncSearchControls(p, fromHistory) {
  const v = searchView;
  const q = p.get('q') || '';
  // while typing the box is ahead of the URL; after back/forward it follows it
  if (v.input.value !== q && (fromHistory || document.activeElement !== v.input)) v.input.value = q;
  v.sort.value = p.get('sort') || (q.trim() ? 'relevance' : 'recent');
  v.hide.checked = p.get('withdrawn') === 'exclude';
}

async function runSearch(gen, p) {
  const v = searchView;
  const apiParams = searchApiParams(p);
  const query = apiParams.toString();
  if (v.controller) v.controller.abort();
  const controller = new AbortController();
  v.controller = controller;
  v.results.setAttribute('aria-busy', 'true');
  v.view.setAttribute('data-state', 'loading');
  let doc;
  try {
    doc = await api('/api/v1/search?' + query, controller.signal);
  } catch (e) {
    if (e.name === 'AbortError' || !isCurrent(gen)) return;
    v.results.removeAttribute('aria-busy');
    v.results.replaceChildren();
    v.facets.replaceChildren();
    v.pager.replaceChildren();
    v.status.replaceChildren(errorBox(e));
    v.view.setAttribute('data-state', 'error');
    return;
  }
  if (!isCurrent(gen) || v !== searchView) return;
  renderResults(v, doc, p);
  v.results.removeAttribute('aria-busy');
  v.view.setAttribute('data-query', query);
  v.view.setAttribute('data-state', 'ready');
}

function countText(total) {
  return total === 0 ? t('resultsCount0') : total === 1 ? t('resultsCount1') : t('resultsCountN', { n: total.toLocaleString(lang) });
}

function renderResults(v, doc, p) {
  const q = (p.get('q') || '').trim();
  const count = countText(doc.total);
  v.status.textContent = q ? t('resultsFor', { count, q }) : count;

  // facets, keeping keyboard focus on the value just chosen
  const focused = document.activeElement;
  const refocus =
    focused && focused.dataset && focused.dataset.testid === 'facet-option'
      ? [focused.dataset.facet, focused.dataset.value]
      : null;
  v.facets.replaceChildren(...FACETS.map((f) => facetBox(v, f, doc.facets[f] || [], p)).filter(Boolean));
  if (refocus) {
    for (const b of v.facets.querySelectorAll('[data-testid="facet-option"]'))
      if (b.dataset.facet === refocus[0] && b.dataset.value === refocus[1]) b.focus();
  }

  // active filters
  const chips = [];
  for (const f of FACETS)
    for (const value of p.getAll(f)) {
      const label = [t('facet_' + f), ': ', facetValueEl(f, value, null)];
      chips.push(
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            testid: 'active-filter',
            'data-facet': f,
            'data-value': value,
            'aria-label': t('removeFilter', { facet: t('facet_' + f), value: facetValueLabel(f, value, null) }),
            onclick: () => toggleFilter(f, value),
          },
          label,
          h('span', { 'aria-hidden': 'true', class: 'x' }, ' ×'),
        ),
      );
    }
  if (chips.length) {
    const clear = h(
      'button',
      {
        type: 'button',
        class: 'linkish',
        testid: 'clear-filters',
        onclick: () =>
          navigateSearch((np) => {
            for (const f of FACETS) np.delete(f);
          }),
      },
      t('clearFilters'),
    );
    v.active.replaceChildren(h('span', { class: 'label' }, t('activeFilters')), ...chips, clear);
  } else {
    v.active.replaceChildren();
  }

  if (doc.results.length === 0) {
    v.results.replaceChildren(h('li', { class: 'empty', testid: 'no-results' }, t('noResultsHelp')));
  } else {
    v.results.replaceChildren(...doc.results.map((r) => hitEl(r, true)));
  }
  v.pager.replaceChildren(...pagerEls(doc, p));
}

function toggleFilter(facet, value) {
  navigateSearch((np) => {
    const values = np.getAll(facet);
    np.delete(facet);
    const had = values.some((x) => x.toLowerCase() === value.toLowerCase());
    for (const x of values) if (x.toLowerCase() !== value.toLowerCase()) np.append(facet, x);
    if (!had) np.append(facet, value);
  });
}

function facetBox(v, facet, buckets, p) {
  if (!buckets.length) return null;
  const expanded = v.expanded.has(facet);
  const shown = expanded ? buckets : buckets.slice(0, FACET_SHOWN);
  // selected values always visible
  for (const b of buckets) if (b.selected && !shown.includes(b)) shown.push(b);
  const id = 'facet-h-' + facet;
  const list = h(
    'ul',
    { 'aria-labelledby': id },
    shown.map((b) =>
      h(
        'li',
        null,
        h(
          'button',
          {
            type: 'button',
            class: 'facet-option' + (b.selected ? ' selected' : ''),
            'aria-pressed': b.selected ? 'true' : 'false',
            testid: 'facet-option',
            'data-facet': facet,
            'data-value': b.value,
            onclick: () => toggleFilter(facet, b.value),
          },
          h('span', { class: 'value' }, facetValueEl(facet, b.value, b)),
          h('span', { class: 'count', testid: 'facet-count' }, String(b.count)),
        ),
      ),
    ),
  );
  let more = null;
  if (buckets.length > FACET_SHOWN) {
    more = h(
      'button',
      {
        type: 'button',
        class: 'linkish',
        'aria-expanded': expanded ? 'true' : 'false',
        onclick: () => {
          if (expanded) v.expanded.delete(facet);
          else v.expanded.add(facet);
          const nb = facetBox(v, facet, buckets, p);
          box.replaceWith(nb);
          nb.querySelector('.linkish')?.focus();
        },
      },
      expanded ? t('showFewer') : t('showAll', { n: buckets.length }),
    );
  }
  const box = h('section', { class: 'facet', testid: 'facet-' + facet }, h('h3', { id }, t('facet_' + facet)), list, more);
  return box;
}

// One result (the API's SearchHit) as a list entry; showCity adds "by <city>".
export function hitEl(r, showCity) {
  const meta = [kindBadge(r.kind)];
  if (r.withdrawn) meta.push(withdrawnBadge());
  if (showCity) meta.push(h('span', null, t('byLabel'), ' ', navLink({ node: r.node }, r.node_name, { testid: 'result-node' })));
  meta.push(h('span', null, t('version', { v: r.version })));
  if (r.updated) meta.push(h('span', null, t('updated', { date: fmtDate(r.updated) })));
  if (r.replications > 0) meta.push(h('span', { class: 'repl' }, replicationsText(r.replications)));
  const logo = typeof r.logo === 'string' && r.logo.startsWith('/download/')
    ? h('img', { class: 'hit-logo', src: r.logo, alt: '', width: '48', height: '48', loading: 'lazy', testid: 'result-logo' })
    : null;
  return h(
    'li',
    { class: 'hit' + (r.withdrawn ? ' is-withdrawn' : '') + (logo ? ' has-logo' : ''), testid: 'result', 'data-node': r.node, 'data-item': r.item, 'data-kind': r.kind },
    logo,
    h('h3', null, navLink(itemParams(r.node, r.item), r.title || r.item, { testid: 'result-link' })),
    h('p', { class: 'meta' }, meta),
    r.description ? h('p', { class: 'desc' }, r.description) : null,
  );
}

// The previous / next links of a paged answer, for the URL parameters p.
export function pagerEls(doc, p) {
  if (!doc.pages || doc.pages <= 1) return [];
  const page = doc.page;
  const link = (n, text, rel, testid) => {
    const np = new URLSearchParams(p);
    if (n > 1) np.set('page', String(n));
    else np.delete('page');
    return navLink(np, text, { rel, testid });
  };
  return [
    page > 1 ? link(page - 1, t('prev'), 'prev', 'page-prev') : h('span', { class: 'disabled' }, t('prev')),
    h('span', { class: 'pageof', testid: 'page-of' }, t('pageOf', { page, pages: doc.pages })),
    page < doc.pages ? link(page + 1, t('next'), 'next', 'page-next') : h('span', { class: 'disabled' }, t('next')),
  ];
}

// A facet value as people read it, as a DOM node (with its lang when the
// words are in another language than the page).
function facetValueEl(facet, value, bucket) {
  if (VOCAB_FACETS[facet]) return wordEl(VOCAB_FACETS[facet], value);
  return facetValueLabel(facet, value, bucket);
}

// A facet value as people read it.
function facetValueLabel(facet, value, bucket) {
  if (VOCAB_FACETS[facet]) return word(VOCAB_FACETS[facet], value);
  if (facet === 'kind') return labelOr('kind_', value);
  // a solution's developmentStatus or a strategy's phase
  if (facet === 'status') return hasWord('developmentStatus', value) ? word('developmentStatus', value) : word('phase', value);
  if (facet === 'theme') {
    const l = bucket && bucket.label && (bucket.label[lang] || bucket.label.en);
    return l || word('theme', value);
  }
  if (facet === 'country') return countryName(value);
  return value;
}

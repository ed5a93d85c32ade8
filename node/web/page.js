// page.js - what every view shares: the <main> it draws into, the title,
// the navigation's current entry, the generation that drops stale answers,
// and navigate(), which changes the URL and draws the view for it.

import { h } from './dom.js';
import { t } from './labels.js';

export const PER_PAGE = 20;
export const DEBOUNCE_MS = 200;

// A node id in the page's URL.
export const NODE_ID = /^[0-9a-f]{8,64}$/;

let routeGen = 0; // bumped on every route(); stale answers are dropped

// A new generation for a route() that starts; answers of older ones are stale.
export function nextGeneration() {
  return ++routeGen;
}

// Whether gen is still the generation of the page shown.
export function isCurrent(gen) {
  return gen === routeGen;
}

// app.js's route(): draws the view for location. Handed in with setRouter()
// so that the views can navigate without importing the module that imports them.
let router = null;

export function setRouter(fn) {
  router = fn;
}

// Go to url (a path with query) and draw it; replace edits the history entry
// instead of adding one.
export function navigate(url, replace) {
  if (url === location.pathname + location.search && !replace) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  router();
}

// The page number of the URL's page parameter (1 when absent).
export function pageParam(p) {
  return parseInt(p.get('page') || '1', 10);
}

export const main = () => document.getElementById('main');

export function setMain(...children) {
  const m = main();
  m.replaceChildren(...children.filter(Boolean));
}

// What a view shows while its first answer is on the way.
export function loadingNote() {
  return h('p', { class: 'loading', role: 'status' }, t('loading'));
}

// After a new view: keyboard focus and the top of the page on its <h1>.
export function focusHeading() {
  const h1 = main().querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

export function setTitle(text) {
  document.title = text ? `${text} – ${t('brand')}` : t('brand');
}

// Mark the header's link of the view shown ('search', 'nodes', 'about' or null).
export function markCurrentNav(which) {
  for (const [id, name] of [
    ['nav-search', 'search'],
    ['nav-nodes', 'nodes'],
    ['nav-about', 'about'],
  ]) {
    const a = document.getElementById(id);
    if (a) {
      if (name === which) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }
}

// Say text to screen readers (the live region #announcer).
export function announce(text) {
  const a = document.getElementById('announcer');
  if (!a) return;
  a.textContent = '';
  // a fresh text node after a tick so that screen readers read it again
  setTimeout(() => {
    a.textContent = text;
  }, 30);
}

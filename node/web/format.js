// format.js - values from the API as people read them, in the page's
// language: dates, countries, sizes, short ids, counts, badges and contacts.

import { h, extLink, mailLink } from './dom.js';
import { lang, t, plural, labelOr } from './labels.js';

// The first 12 characters of a node id, key id or hash.
export function shortId(id) {
  return typeof id === 'string' ? id.slice(0, 12) : '';
}

// The name of the city of an API object with node and node_name, else its short id.
export function cityName(x) {
  return x.node_name || shortId(x.node);
}

export function isDate(s) {
  return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}/.test(s);
}

export function fmtDate(iso, withTime) {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const opts = withTime ? { dateStyle: 'long', timeStyle: 'short' } : { dateStyle: 'long' };
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', opts).format(d);
}

// A <time> with the date as people read it and the ISO form as its title.
export function timeEl(iso, withTime, attrs) {
  if (!iso) return null;
  return h('time', { datetime: iso, title: iso, ...attrs }, fmtDate(iso, withTime));
}

export function countryName(code) {
  if (!code) return null;
  try {
    const name = new Intl.DisplayNames([lang], { type: 'region' }).of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch (e) {
    return code;
  }
}

export function fmtBytes(n) {
  if (typeof n !== 'number') return null;
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toLocaleString(lang, { maximumFractionDigits: i ? 1 : 0 })} ${units[i]}`;
}

// The item counts of a node (NodeEntry.items).
export function itemCountsText(c) {
  c = c || {};
  return t('itemCounts', {
    total: plural('n_items', c.total ?? 0),
    solution: plural('n_solutions', c.solution ?? 0),
    dataset: plural('n_datasets', c.dataset ?? 0),
    strategy: plural('n_strategies', c.strategy ?? 0),
  });
}

// "replicated by 3 other cities", for an item with n > 0 replications.
export function replicationsText(n) {
  return n === 1 ? t('replicated1') : t('replicatedN', { n });
}

export function kindBadge(kind) {
  return h('span', { class: 'badge kind-' + kind, testid: 'kind-badge' }, labelOr('kind_', kind));
}

export function withdrawnBadge() {
  return h('span', { class: 'badge withdrawn', testid: 'withdrawn-badge' }, t('withdrawn'));
}

// A contact from a manifest or profile: name, affiliation, e-mail, phone, URL.
export function contactEl(c) {
  if (!c || typeof c !== 'object') return null;
  const parts = [c.name];
  if (c.affiliation) parts.push(', ', c.affiliation);
  if (c.email) parts.push(' · ', mailLink(c.email));
  if (c.phone) parts.push(' · ', c.phone);
  if (c.url) parts.push(' · ', extLink(c.url));
  return h('span', null, parts);
}

// api.js - reading the registry's JSON API (docs/api.yaml) and showing
// what went wrong when that failed, in the page's language.

import { h } from './dom.js';
import { t, hasLabel } from './labels.js';

// A failed API call: status is the HTTP status, 0 when the server was not
// reached; code the API's error code where it sent one (files_not_here, …);
// message the server's own words (English), kept as the detail.
export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code || null;
  }
}

// GET path as JSON. Throws ApiError (with the API's own message and code
// where it sent them), or the AbortError of signal.
export async function api(path, signal) {
  let res;
  try {
    res = await fetch(path, { signal, headers: { Accept: 'application/json' } });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, '');
  }
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    if (e.name === 'AbortError') throw e;
  }
  if (!res.ok) {
    const err = body && typeof body.error === 'object' && body.error ? body.error : {};
    const msg = typeof err.message === 'string' ? err.message : '';
    const code = typeof err.code === 'string' && /^[a-z_]{1,40}$/.test(err.code) ? err.code : null;
    throw new ApiError(res.status, msg, code);
  }
  return body;
}

// What went wrong in the page's language: the API's error code if the page
// has words for it, else its HTTP status class.
export function errorText(err) {
  if (err.code && hasLabel('apiError_' + err.code)) return t('apiError_' + err.code);
  const s = err.status;
  if (s === 0) return t('errorNetwork');
  if (s === 404) return t('notFound');
  if (s === 400) return t('errorBadRequest');
  if (s === 429 || s === 503) return t('errorBusy');
  if (s >= 500) return t('errorServer');
  return t('errorOther', { status: s });
}

// The box a view shows instead of its content when err stopped it. The
// server's message (English, it names the parameter or id) stays as a detail.
export function errorBox(err) {
  const detail = err.message && err.message !== `HTTP ${err.status}` ? err.message : null;
  return h(
    'div',
    { class: 'error', role: 'alert', testid: 'error', 'data-status': String(err.status ?? '') },
    h('p', { class: 'error-title' }, t('errorTitle')),
    h('p', { testid: 'error-text' }, errorText(err)),
    detail ? h('p', { class: 'error-detail' }, t('errorDetail'), ' ', h('span', { lang: 'en' }, detail)) : null,
  );
}

// A view that could not be drawn: a heading that says so, and the error box.
export function errorPage(err) {
  return [h('h1', { testid: 'error-heading' }, err.status === 404 ? t('notFoundTitle') : t('errorTitle')), errorBox(err)];
}

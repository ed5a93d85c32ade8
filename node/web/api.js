// api.js - reading the registry's JSON API (docs/api.yaml) and showing
// what went wrong when that failed.

import { h } from './dom.js';
import { t } from './labels.js';

// A failed API call: status is the HTTP status, 0 when the server was not reached.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// GET path as JSON. Throws ApiError (with the API's own message where it
// sent one), or the AbortError of signal.
export async function api(path, signal) {
  let res;
  try {
    res = await fetch(path, { signal, headers: { Accept: 'application/json' } });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, t('errorNetwork'));
  }
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    if (e.name === 'AbortError') throw e;
  }
  if (!res.ok) {
    const msg = body && body.error && body.error.message ? body.error.message : `HTTP ${res.status}`;
    throw new ApiError(res.status, msg);
  }
  return body;
}

// The box a view shows instead of its content when err stopped it.
export function errorBox(err) {
  const text = err.status === 404 ? t('notFound') : null;
  return h(
    'div',
    { class: 'error', role: 'alert', testid: 'error' },
    h('p', { class: 'error-title' }, t('errorTitle')),
    text ? h('p', null, text) : null,
    h('p', { class: 'error-detail' }, err.message),
  );
}

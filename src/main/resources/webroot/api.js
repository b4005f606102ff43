// The module's public interfaces, always with the token: POST /graphql, GET /metrics, GET /health and, in dev
// mode, GET /dev/screenshots/{id}. The token arrives in the address's fragment (never sent to a server), is kept
// in sessionStorage for this tab only, and travels as "Authorization: Bearer" on every call.

const KEY = 'skelly-storage-token';

export class Unauthorized extends Error {}

/** Moves a token from the fragment (#token=…) into sessionStorage and removes it from the address bar. */
export function adoptFragmentToken() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (match) {
    const value = decodeURIComponent(match[1]).trim();
    if (value) {
      sessionStorage.setItem(KEY, value);
    }
    history.replaceState(null, '', location.pathname + location.search);
  }
}

export const token = () => sessionStorage.getItem(KEY);
export const setToken = (value) => sessionStorage.setItem(KEY, value.trim());
export const clearToken = () => sessionStorage.removeItem(KEY);

async function call(path, init = {}) {
  const t = token();
  if (!t) {
    throw new Unauthorized('no token');
  }
  const headers = { Authorization: 'Bearer ' + t, ...(init.headers || {}) };
  const response = await fetch(path, { ...init, headers, cache: 'no-store', credentials: 'omit' });
  if (response.status === 401) {
    throw new Unauthorized('The module refused this token.');
  }
  return response;
}

/** Runs one GraphQL document; resolves to { data, errors } (errors: messages, possibly with partial data). */
export async function graphql(query, variables = {}) {
  const response = await call('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    throw new Error(`/graphql answered ${response.status} without JSON`);
  }
  const errors = (body.errors || []).map((e) => e.message);
  if (!body.data && errors.length === 0) {
    errors.push(`/graphql answered ${response.status}`);
  }
  return { data: body.data || null, errors };
}

/** /metrics as a list of { name, labels, value } (Prometheus text format). */
export async function metrics() {
  const response = await call('/metrics');
  if (!response.ok) {
    throw new Error(`/metrics answered ${response.status}`);
  }
  return parsePrometheus(await response.text());
}

export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) {
      continue;
    }
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) {
      continue;
    }
    const labels = {};
    for (const l of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** /health: { status, checks } whether the module is healthy (200) or not (503). */
export async function health() {
  const response = await call('/health');
  const body = await response.json().catch(() => ({}));
  return { httpStatus: response.status, ...body };
}

/** A dev-mode screenshot's bytes as a Blob, or null when the module no longer keeps it. */
export async function devScreenshot(id) {
  const response = await call('/dev/screenshots/' + encodeURIComponent(id));
  return response.ok ? response.blob() : null;
}

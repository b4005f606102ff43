// The inspector: live figures every 1.5 s (/metrics, /health, capture state), history every 5 s (GraphQL), and
// the privacy controls. Everything rendered from data goes in through textContent, never as markup.
import * as api from './api.js';
import { $, TYPES, bytes, cell, clock, count, drawCharts, fill, row, showApps, showBatches, showDevShots, showStorage,
  showTimeline } from './view.js';

const LIVE_MS = 1500;
const HISTORY_MS = 5000;
const RATE_WINDOW_MS = 5000;

const CAPTURE = 'paused until since droppedWhilePaused';
const DELETION = 'dryRun from to events screenshots batches bytesFreed';
const HISTORY = `query Inspector($dayStart: DateTime!, $since: DateTime!, $now: DateTime!, $later: DateTime!,
    $recent: DateTime!) {
  timeline(from: $since, to: $later, bucket: MINUTE) { start type count }
  appUsage(from: $dayStart, to: $now, top: 10) { app focusedMs switches keystrokes clicks }
  batches(from: $recent, to: $later, first: 100) { batches { windowId sessionId windowStart part parts events
    screenshots late replayed pausedMs emittedAt } }
  storage { databaseBytes budgetBytes freeDiskBytes oldestRaw oldestRollup newest rawRetentionDays
    bytesByType { type bytes events } deadLetters { reason count } }
  devScreenshots { id timestamp format sizeBytes width height appName windowTitle privacyMasked }
}`;

// ------------------------------------------------------------------ state, errors, timers

let generation = 0;
let samples = [];
let lastHistory = null;
const errors = new Map();
const thumbs = new Map();

function setError(source, error) {
  if (error) errors.set(source, `${source}: ${error.message || error}`); else errors.delete(source);
  $('errors').textContent = [...errors.values()].join(' · ');
}

function every(period, source, task) {
  const mine = generation;
  const tick = async () => {
    if (mine !== generation) return;
    if (document.hidden) {
      // A tab in the background costs the module nothing.
      setTimeout(tick, period);
      return;
    }
    try {
      await task();
      setError(source, null);
    } catch (e) {
      if (e instanceof api.Unauthorized) { lockOut(e.message); return; }
      setError(source, e);
    }
    if (mine === generation) setTimeout(tick, period);
  };
  tick();
}

/** Checks the token with one GraphQL call before showing or fetching anything else. */
async function start() {
  const mine = ++generation;
  $('token-message').textContent = 'Checking the token…';
  let capture = null;
  try {
    const { data } = await api.graphql(`{ capture { ${CAPTURE} } }`);
    capture = data && data.capture;
  } catch (e) {
    if (e instanceof api.Unauthorized) { lockOut(e.message); return; }
    setError('capture', e);
  }
  if (mine !== generation) return;
  $('token-message').textContent = '';
  $('token-panel').hidden = true;
  $('data').hidden = false;
  $('sign-out').hidden = false;
  if (capture) showCapture(capture);
  every(LIVE_MS, 'metrics', refreshMetrics);
  every(LIVE_MS, 'health', refreshHealth);
  every(LIVE_MS, 'capture', refreshCapture);
  every(HISTORY_MS, 'history', refreshHistory);
}

/** No token, or a refused one: stop every refresh, drop everything shown, ask for a token. */
function lockOut(message) {
  generation++;
  api.clearToken();
  samples = [];
  lastHistory = null;
  minuteCache.points.clear();
  minuteCache.fetchedAt = 0;
  errors.clear();
  $('errors').textContent = '';
  $('data').hidden = true;
  $('sign-out').hidden = true;
  $('capture-badge').hidden = true;
  for (const table of document.querySelectorAll('#data table')) table.tBodies[0].replaceChildren();
  for (const id of ['timeline-chart', 'apps-chart', 'storage-stats', 'health-checks', 'dev-shots']) $(id).replaceChildren();
  for (const id of ['capture-state', 'health-status', 'forget-summary', 'control-status', 'updated']) $(id).textContent = '';
  $('forget-preview').hidden = true;
  for (const url of thumbs.values()) URL.revokeObjectURL(url);
  thumbs.clear();
  $('token-message').textContent = message && message !== 'no token' ? message : '';
  $('token-panel').hidden = false;
  $('token-input').value = '';
}

// ------------------------------------------------------------------ live

async function refreshMetrics() {
  const all = await api.metrics();
  const now = performance.now();
  const received = {};
  const queues = [];
  for (const s of all) {
    if (s.name === 'skelly_storage_events_received_total') received[s.labels.event_type] = s.value;
    if (s.name === 'skelly_storage_queue_depth') queues.push([s.labels.stage, s.value]);
  }
  samples.push({ at: now, received });
  while (samples.length > 2 && now - samples[1].at >= RATE_WINDOW_MS) samples.shift();
  const first = samples[0];
  const seconds = (now - first.at) / 1000;
  fill('rates', TYPES.map((t) => {
    const total = received[t.wire] || 0;
    const rate = seconds > 0 ? (total - (first.received[t.wire] || 0)) / seconds : null;
    return row({ 'data-type': t.wire }, cell(t.name),
      cell(rate === null ? '…' : rate.toFixed(1), 'num rate'), cell(count(total), 'num total'));
  }), '', 3);
  fill('queues', queues.map(([stage, depth]) => row({ 'data-stage': stage }, cell(stage), cell(count(depth), 'num'))),
    'No queue reported', 2);
  $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString('en-GB');
}

async function refreshHealth() {
  const h = await api.health();
  const ok = h.status === 'UP' || h.outcome === 'UP';
  $('health-status').textContent = ok ? 'Healthy' : `Not healthy (HTTP ${h.httpStatus})`;
  $('health-status').className = ok ? 'ok' : 'bad';
  $('health-checks').replaceChildren(...(h.checks || []).map((c) => {
    const li = document.createElement('li');
    const detail = c.data ? ' — ' + Object.entries(c.data).map(([k, v]) =>
      `${k} ${typeof v === 'number' && k.endsWith('bytes') ? bytes(v) : v}`).join(', ') : '';
    li.textContent = `${c.id}: ${c.status}${detail}`;
    return li;
  }));
}

async function refreshCapture() {
  const { data, errors: errs } = await api.graphql(`{ capture { ${CAPTURE} } }`);
  if (errs.length) throw new Error(errs.join('; '));
  showCapture(data.capture);
}

function showCapture(c) {
  const badge = $('capture-badge');
  badge.hidden = false;
  badge.classList.toggle('paused', c.paused);
  badge.textContent = !c.paused ? 'Recording' : c.until ? `Paused until ${clock(c.until)}` : 'Paused until resumed';
  $('capture-state').textContent = !c.paused ? 'Capture is on.'
    : `Capture is paused since ${clock(c.since)}, ${c.until ? 'until ' + clock(c.until) : 'until resumed'}; `
      + `${count(c.droppedWhilePaused)} events dropped while paused.`;
}

// ------------------------------------------------------------------ history

/**
 * Today's minute buckets are fetched whole once a minute (and after every control), in between only from a few
 * minutes back: a busy day is some thousand points, not worth asking for every few seconds.
 */
const minuteCache = { dayStart: 0, fetchedAt: 0, points: new Map() };

async function refreshHistory(whole = false) {
  const now = Date.now();
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  const dayStart = midnight.getTime();
  whole = whole || minuteCache.dayStart !== dayStart || now - minuteCache.fetchedAt >= 60_000;
  const since = whole ? dayStart : Math.max(dayStart, Math.floor(now / 60_000) * 60_000 - 3 * 60_000);
  const iso = (ms) => new Date(ms).toISOString();
  const { data, errors: errs } = await api.graphql(HISTORY, {
    dayStart: iso(dayStart), since: iso(since), now: iso(now), later: iso(now + 60_000), recent: iso(now - 15 * 60_000),
  });
  if (!data) throw new Error(errs.join('; '));
  if (data.timeline) {
    if (whole) {
      minuteCache.points.clear();
      Object.assign(minuteCache, { dayStart, fetchedAt: now });
    }
    for (const [key, p] of minuteCache.points) {
      if (p.startMs >= since) minuteCache.points.delete(key);
    }
    for (const p of data.timeline) {
      minuteCache.points.set(p.start + '|' + p.type, { ...p, startMs: Date.parse(p.start) });
    }
    data.timeline = [...minuteCache.points.values()].sort((a, b) => a.startMs - b.startMs
      || TYPES.findIndex((t) => t.key === a.type) - TYPES.findIndex((t) => t.key === b.type));
  }
  lastHistory = { data, now, dayStart };
  drawCharts(lastHistory);
  if (data.timeline) showTimeline(data.timeline);
  if (data.appUsage) showApps(data.appUsage);
  if (data.batches) showBatches(data.batches.batches);
  if (data.storage) showStorage(data.storage);
  if (data.devScreenshots) await showDevShots(data.devScreenshots, thumbs);
  if (errs.length) throw new Error(errs.join('; '));
}


// ------------------------------------------------------------------ controls

let busy = false;

/** One control at a time; the buttons keep their focus (aria-disabled, not disabled) while it runs. */
async function control(label, query, variables, then) {
  if (busy) return;
  busy = true;
  const buttons = document.querySelectorAll('#controls button');
  buttons.forEach((b) => b.setAttribute('aria-disabled', 'true'));
  $('control-status').textContent = label + '…';
  try {
    const { data, errors: errs } = await api.graphql(query, variables);
    if (errs.length || !data) throw new Error(errs.join('; ') || 'no answer');
    then(data);
  } catch (e) {
    if (e instanceof api.Unauthorized) { lockOut(e.message); return; }
    $('control-status').textContent = `${label} failed: ${e.message}`;
  } finally {
    busy = false;
    buttons.forEach((b) => b.removeAttribute('aria-disabled'));
    refreshCapture().catch(() => {});
    refreshHistory(true).catch(() => {});
  }
}

function pause(minutes) {
  const query = minutes ? `mutation($m: Int) { pause(minutes: $m) { ${CAPTURE} } }` : `mutation { pause { ${CAPTURE} } }`;
  control('Pausing', query, minutes ? { m: minutes } : {}, (d) => {
    showCapture(d.pause);
    $('control-status').textContent = d.pause.until ? `Paused until ${clock(d.pause.until)}.` : 'Paused until resumed.';
  });
}

let pendingForget = null;
let forgetButton = 'forget-5';

function previewForget(lastMinutes) {
  forgetButton = `forget-${lastMinutes}`;
  control('Counting', `mutation($n: Int!) { forget(lastMinutes: $n, dryRun: true) { ${DELETION} } }`, { n: lastMinutes }, (d) => {
    const f = d.forget;
    pendingForget = { from: f.from, to: f.to };
    $('forget-summary').textContent = `The last ${lastMinutes} minutes (${clock(f.from)} to ${clock(f.to)}) hold `
      + `${count(f.events)} events, ${count(f.screenshots)} screenshots and ${count(f.batches)} batches. Forget them?`;
    Object.assign($('forget-summary').dataset, { events: String(f.events), from: f.from, to: f.to });
    $('forget-preview').hidden = false;
    $('control-status').textContent = '';
    $('forget-confirm').focus();
  });
}

function confirmForget() {
  if (!pendingForget) return;
  const range = pendingForget;
  pendingForget = null;
  $('forget-preview').hidden = true;
  $(forgetButton).focus();
  control('Forgetting', `mutation($from: DateTime!, $to: DateTime!) { deleteRange(from: $from, to: $to) { ${DELETION} } }`,
    range, (d) => {
      const r = d.deleteRange;
      $('control-status').textContent = `Forgot ${count(r.events)} events, ${count(r.screenshots)} screenshots and `
        + `${count(r.batches)} batches${r.bytesFreed ? `; ${bytes(r.bytesFreed)} freed` : ''}.`;
    });
}

function cancelForget() {
  pendingForget = null;
  $('forget-preview').hidden = true;
  $(forgetButton).focus();
  $('control-status').textContent = 'Nothing forgotten.';
}

// ------------------------------------------------------------------ wiring

function wire() {
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = $('token-input').value.trim();
    if (value) { api.setToken(value); start(); }
  });
  $('sign-out').addEventListener('click', () => lockOut(''));
  $('pause-15').addEventListener('click', () => pause(15));
  $('pause-60').addEventListener('click', () => pause(60));
  $('pause-open').addEventListener('click', () => pause(null));
  $('resume').addEventListener('click', () => control('Resuming', `mutation { resume { ${CAPTURE} } }`, {}, (d) => {
    showCapture(d.resume);
    $('control-status').textContent = 'Capture resumed.';
  }));
  for (const n of [5, 15, 60]) $(`forget-${n}`).addEventListener('click', () => previewForget(n));
  $('forget-confirm').addEventListener('click', confirmForget);
  $('forget-cancel').addEventListener('click', cancelForget);
  $('forget-preview').addEventListener('keydown', (e) => { if (e.key === 'Escape') cancelForget(); });
  let resizeTimer = 0;
  window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => drawCharts(lastHistory), 150); });
}

wire();
api.adoptFragmentToken();
if (api.token()) start(); else lockOut('');

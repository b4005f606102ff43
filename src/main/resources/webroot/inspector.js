// The inspector: live figures every 1.5 s (/metrics, /health, capture state), history every 5 s (GraphQL), and
// the privacy controls. Everything rendered from data goes in through textContent, never as markup.
import * as api from './api.js';
import * as charts from './charts.js';

const LIVE_MS = 1500;
const HISTORY_MS = 5000;
const RATE_WINDOW_MS = 5000;
const TYPES = [
  ['KEYSTROKE', 'keystroke', 'Keystroke', '#0072B2'],
  ['MOUSE_MOVE', 'mouse_move', 'Mouse move', '#E69F00'],
  ['MOUSE_CLICK', 'mouse_click', 'Mouse click', '#009E73'],
  ['WINDOW_FOCUS', 'window_focus', 'Window focus', '#CC79A7'],
  ['SCREENSHOT', 'screenshot', 'Screenshot', '#56B4E9'],
  ['PROCESS', 'process', 'Process', '#D55E00'],
  ['RESOURCE', 'resource', 'Resource', '#6E6E6E'],
].map(([key, wire, name, colour]) => ({ key, wire, name, colour }));
const TYPE_NAME = Object.fromEntries(TYPES.map((t) => [t.key, t.name]));

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

const $ = (id) => document.getElementById(id);
const count = (n) => Math.round(Number(n)).toLocaleString('en-US');
const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString('en-GB') : '—');
const stamp = (iso) => (iso ? new Date(iso).toLocaleString('en-GB') : '—');
function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Number(n), u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}
function row(attrs, ...cells) {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(attrs)) tr.setAttribute(k, v);
  tr.append(...cells);
  return tr;
}
function fill(tableId, rows, emptyText, columns) {
  const body = $(tableId).tBodies[0];
  if (rows.length === 0) {
    const td = cell(emptyText);
    td.colSpan = columns;
    body.replaceChildren(row({ class: 'empty' }, td));
  } else {
    body.replaceChildren(...rows);
  }
}

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
  drawCharts();
  if (data.timeline) showTimeline(data.timeline);
  if (data.appUsage) showApps(data.appUsage);
  if (data.batches) showBatches(data.batches.batches);
  if (data.storage) showStorage(data.storage);
  if (data.devScreenshots) await showDevShots(data.devScreenshots);
  if (errs.length) throw new Error(errs.join('; '));
}

function drawCharts() {
  if (!lastHistory) return;
  const { data, now, dayStart } = lastHistory;
  if (data.timeline) {
    const points = data.timeline;
    // From the first minute with events (an hour at least) to the next quarter hour.
    const quarter = 900_000;
    const to = Math.ceil((now + 60_000) / quarter) * quarter;
    const first = points.length ? points[0].startMs : now;
    const from = Math.max(dayStart, Math.floor(Math.min(first, to - 4 * quarter) / quarter) * quarter);
    charts.timeline($('timeline-chart'), points, TYPES, from, to,
      `Events per minute today by type, ${points.length} non-empty minute and type pairs; see the table below`);
  }
  if (data.appUsage) {
    charts.bars($('apps-chart'), data.appUsage.map((a) => ({
      label: appName(a.app), value: a.focusedMs, text: minutes(a.focusedMs) + ' min',
    })), '#0b5cad', 'Focused minutes per app today; see the table below');
  }
}

const appName = (app) => (app === '' ? '(nothing focused)' : app);
const minutes = (ms) => (Number(ms) / 60_000).toFixed(1);

function showTimeline(points) {
  const totals = {}, busiest = {};
  for (const p of points) {
    totals[p.type] = (totals[p.type] || 0) + p.count;
    if (!busiest[p.type] || p.count > busiest[p.type].count) busiest[p.type] = p;
  }
  fill('today-counts', TYPES.map((t) => row({ 'data-type': t.wire }, cell(t.name), cell(count(totals[t.key] || 0), 'num count'),
    cell(busiest[t.key] ? `${count(busiest[t.key].count)} at ${clock(busiest[t.key].start)}` : '—', 'num'))), '', 3);
  const recent = points.slice(-120).reverse();
  fill('today-minutes', recent.map((p) => row({}, cell(clock(p.start)), cell(TYPE_NAME[p.type] || p.type),
    cell(count(p.count), 'num'))), 'No events today', 3);
}

function showApps(apps) {
  fill('app-usage', apps.map((a) => row({ 'data-app': a.app }, cell(appName(a.app)), cell(minutes(a.focusedMs), 'num focused'),
    cell(count(a.switches), 'num'), cell(count(a.keystrokes), 'num'), cell(count(a.clicks), 'num'))),
    'Nothing focused yet today', 5);
}

function showBatches(batches) {
  const newest = [...batches].sort((a, b) => Date.parse(b.emittedAt) - Date.parse(a.emittedAt)).slice(0, 20);
  fill('batch-table', newest.map((b) => {
    const flags = [b.late && 'late', b.replayed && 'replayed', b.pausedMs > 0 && `paused ${Math.round(b.pausedMs / 1000)} s`]
      .filter(Boolean).join(', ');
    return row({ 'data-window': b.windowId }, cell(clock(b.windowStart)), cell(b.sessionId.slice(0, 8)),
      cell(`${b.part + 1}/${b.parts}`, 'num'), cell(count(b.events), 'num'), cell(count(b.screenshots), 'num'),
      cell(flags || '—'), cell(clock(b.emittedAt)));
  }), 'No batch in the last 15 minutes', 7);
}

function showStorage(s) {
  const entries = [
    ['Database file', bytes(s.databaseBytes)], ['Budget', bytes(s.budgetBytes)], ['Free disk', bytes(s.freeDiskBytes)],
    ['Oldest raw event', stamp(s.oldestRaw)], ['Oldest rollup', stamp(s.oldestRollup)], ['Newest event', stamp(s.newest)],
    ['Raw events kept', `${s.rawRetentionDays} days`],
  ];
  $('storage-stats').replaceChildren(...entries.flatMap(([k, v]) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v;
    return [dt, dd];
  }));
  fill('bytes-by-type', s.bytesByType.map((t) => row({ 'data-type': t.type.toLowerCase() }, cell(TYPE_NAME[t.type] || t.type),
    cell(count(t.events), 'num'), cell(bytes(t.bytes), 'num'))), 'Nothing stored', 3);
  fill('dead-table', s.deadLetters.map((d) => row({ 'data-reason': d.reason }, cell(d.reason), cell(count(d.count), 'num count'))),
    'None since start', 2);
}

async function showDevShots(shots) {
  $('dev-empty').hidden = shots.length > 0;
  const keep = new Set(shots.map((s) => s.id));
  for (const [id, url] of thumbs) {
    if (!keep.has(id)) { URL.revokeObjectURL(url); thumbs.delete(id); }
  }
  for (const s of shots) {
    if (!thumbs.has(s.id)) {
      const blob = await api.devScreenshot(s.id);
      if (blob) thumbs.set(s.id, URL.createObjectURL(blob));
    }
  }
  $('dev-shots').replaceChildren(...shots.map((s) => {
    const li = document.createElement('li');
    const figure = document.createElement('figure');
    const what = `${s.appName || 'unknown app'}${s.windowTitle ? ' — ' + s.windowTitle : ''}`;
    if (thumbs.has(s.id)) {
      const img = document.createElement('img');
      img.src = thumbs.get(s.id);
      img.alt = `Screenshot of ${what} at ${clock(s.timestamp)}`;
      img.loading = 'lazy';
      figure.append(img);
    }
    const caption = document.createElement('figcaption');
    caption.textContent = `${clock(s.timestamp)} · ${what} · ${s.width ?? '?'}×${s.height ?? '?'} ${s.format}, `
      + `${bytes(s.sizeBytes)}${s.privacyMasked ? ' · masked' : ''}`;
    figure.append(caption);
    li.append(figure);
    return li;
  }));
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
  window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawCharts, 150); });
}

wire();
api.adoptFragmentToken();
if (api.token()) start(); else lockOut('');

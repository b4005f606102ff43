// What the page shows of the module's history: formatting, table rows and the two charts. Everything from data goes
// in through textContent, never as markup.
import * as api from './api.js';
import * as charts from './charts.js';

export const TYPES = [
  ['KEYSTROKE', 'keystroke', 'Keystroke', '#0072B2'],
  ['MOUSE_MOVE', 'mouse_move', 'Mouse move', '#E69F00'],
  ['MOUSE_CLICK', 'mouse_click', 'Mouse click', '#009E73'],
  ['WINDOW_FOCUS', 'window_focus', 'Window focus', '#CC79A7'],
  ['SCREENSHOT', 'screenshot', 'Screenshot', '#56B4E9'],
  ['PROCESS', 'process', 'Process', '#D55E00'],
  ['RESOURCE', 'resource', 'Resource', '#6E6E6E'],
].map(([key, wire, name, colour]) => ({ key, wire, name, colour }));
export const TYPE_NAME = Object.fromEntries(TYPES.map((t) => [t.key, t.name]));

export const $ = (id) => document.getElementById(id);
export const count = (n) => Math.round(Number(n)).toLocaleString('en-US');
export const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString('en-GB') : '—');
export const stamp = (iso) => (iso ? new Date(iso).toLocaleString('en-GB') : '—');
export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Number(n), u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
export function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}
export function row(attrs, ...cells) {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(attrs)) tr.setAttribute(k, v);
  tr.append(...cells);
  return tr;
}
export function fill(tableId, rows, emptyText, columns) {
  const body = $(tableId).tBodies[0];
  if (rows.length === 0) {
    const td = cell(emptyText);
    td.colSpan = columns;
    body.replaceChildren(row({ class: 'empty' }, td));
  } else {
    body.replaceChildren(...rows);
  }
}

export function drawCharts(history) {
  if (!history) return;
  const { data, now, dayStart } = history;
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

export function showTimeline(points) {
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

export function showApps(apps) {
  fill('app-usage', apps.map((a) => row({ 'data-app': a.app }, cell(appName(a.app)), cell(minutes(a.focusedMs), 'num focused'),
    cell(count(a.switches), 'num'), cell(count(a.keystrokes), 'num'), cell(count(a.clicks), 'num'))),
    'Nothing focused yet today', 5);
}

export function showBatches(batches) {
  const newest = [...batches].sort((a, b) => Date.parse(b.emittedAt) - Date.parse(a.emittedAt)).slice(0, 20);
  fill('batch-table', newest.map((b) => {
    const flags = [b.late && 'late', b.replayed && 'replayed', b.pausedMs > 0 && `paused ${Math.round(b.pausedMs / 1000)} s`]
      .filter(Boolean).join(', ');
    return row({ 'data-window': b.windowId }, cell(clock(b.windowStart)), cell(b.sessionId.slice(0, 8)),
      cell(`${b.part + 1}/${b.parts}`, 'num'), cell(count(b.events), 'num'), cell(count(b.screenshots), 'num'),
      cell(flags || '—'), cell(clock(b.emittedAt)));
  }), 'No batch in the last 15 minutes', 7);
}

export function showStorage(s) {
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

export async function showDevShots(shots, thumbs) {
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

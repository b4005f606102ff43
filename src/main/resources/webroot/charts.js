// Two small SVG charts drawn at the container's width (re-drawn on resize by the caller). Each carries role="img"
// and a label; the tables beside them hold the same figures as text.

const SVG = 'http://www.w3.org/2000/svg';
const MINUTE = 60_000;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    node.setAttribute(k, String(v));
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function frame(container, width, height, label) {
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label });
  container.replaceChildren(root);
  return root;
}

const clock = (ms) => new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

/**
 * Stacked columns, one per minute from fromMs to toMs, a colour per type.
 * points: [{ startMs, type, count }]; types: [{ key, name, colour }].
 */
export function timeline(container, points, types, fromMs, toMs, label) {
  const legend = document.createElement('ul');
  legend.className = 'legend';
  legend.setAttribute('aria-hidden', 'true');
  for (const t of types) {
    const item = document.createElement('li');
    const swatch = document.createElement('i');
    swatch.style.background = t.colour;
    item.append(swatch, t.name);
    legend.append(item);
  }
  const width = Math.max(280, container.clientWidth || 600);
  const height = 200;
  const left = 44, right = 8, top = 8, bottom = 22;
  const root = frame(container, width, height, label);
  container.append(legend);
  const minutes = Math.max(1, Math.round((toMs - fromMs) / MINUTE));
  const perMinute = new Map();
  for (const p of points) {
    const i = Math.floor((p.startMs - fromMs) / MINUTE);
    if (i < 0 || i >= minutes) {
      continue;
    }
    const slot = perMinute.get(i) || {};
    slot[p.type] = (slot[p.type] || 0) + p.count;
    perMinute.set(i, slot);
  }
  let max = 1;
  for (const slot of perMinute.values()) {
    max = Math.max(max, Object.values(slot).reduce((a, b) => a + b, 0));
  }
  const plotW = width - left - right, plotH = height - top - bottom;
  const colW = plotW / minutes;
  const y = (v) => top + plotH - (v / max) * plotH;
  for (const v of [0, Math.round(max / 2), max]) {
    root.append(svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), stroke: '#d0d7de' }));
    root.append(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, v.toLocaleString()));
  }
  const step = [15, 30, 60, 120, 180, 240, 360, 720].find((s) => (minutes / s) * 64 <= plotW) || 1440;
  for (let m = 0; m <= minutes; m += step) {
    const x = left + m * colW;
    const anchor = m === 0 ? 'start' : m + step > minutes ? 'end' : 'middle';
    root.append(svg('line', { x1: x, x2: x, y1: top + plotH, y2: top + plotH + 4, stroke: '#57606a' }));
    root.append(svg('text', { x, y: height - 6, 'text-anchor': anchor, class: 'axis' }, clock(fromMs + m * MINUTE)));
  }
  for (const [i, slot] of perMinute) {
    let base = 0;
    const parts = [];
    for (const t of types) {
      const n = slot[t.key] || 0;
      if (n === 0) {
        continue;
      }
      const rect = svg('rect', { x: left + i * colW, y: y(base + n), width: Math.max(1, colW - (colW > 3 ? 1 : 0)),
        height: Math.max(0.5, y(base) - y(base + n)), fill: t.colour });
      parts.push(`${t.name} ${n}`);
      root.append(rect);
      base += n;
    }
    const hit = svg('rect', { x: left + i * colW, y: top, width: Math.max(1, colW), height: plotH, fill: 'transparent' });
    hit.append(svg('title', {}, `${clock(fromMs + i * MINUTE)}: ${parts.join(', ')}`));
    root.append(hit);
  }
}

/** Horizontal bars: rows [{ label, value, text }], the longest bar for the largest value. */
export function bars(container, rows, colour, label) {
  const width = Math.max(280, container.clientWidth || 600);
  const rowH = 26;
  const height = Math.max(rowH, rows.length * rowH) + 4;
  const root = frame(container, width, height, label);
  if (rows.length === 0) {
    root.append(svg('text', { x: 4, y: 18, class: 'label' }, 'Nothing focused yet today'));
    return;
  }
  const labelW = Math.min(180, Math.round(width * 0.35));
  const valueW = 64;
  const plotW = width - labelW - valueW - 8;
  const max = Math.max(...rows.map((r) => r.value), 1e-9);
  rows.forEach((r, i) => {
    const yTop = 2 + i * rowH;
    const name = r.label.length > 28 ? r.label.slice(0, 27) + '…' : r.label;
    root.append(svg('text', { x: labelW - 6, y: yTop + 17, 'text-anchor': 'end', class: 'label' }, name));
    const w = Math.max(1, (r.value / max) * plotW);
    const bar = svg('rect', { x: labelW, y: yTop + 4, width: w, height: rowH - 8, rx: 3, fill: colour });
    bar.append(svg('title', {}, `${r.label}: ${r.text}`));
    root.append(bar);
    root.append(svg('text', { x: labelW + w + 6, y: yTop + 17, class: 'label' }, r.text));
  });
}

// The hawkes stream dashboard: renders the updates pushed on /api/events.
// Text from the stream (cascade ids) only ever goes into textContent.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const view = { rows: [], sortKey: 'nhat', sortDir: -1, selected: null, alerts: new Set(), updates: 0 };

function $(sel) { return document.querySelector(sel); }

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function num(x) {
  if (x === undefined || x === null || !isFinite(x)) return '–';
  if (Math.abs(x) >= 100 || Number.isInteger(x)) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function dur(s) {
  if (!isFinite(s) || s < 0) return '–';
  if (s < 60) return Math.round(s) + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + String(Math.round(s % 60)).padStart(2, '0');
  if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  return Math.floor(s / 86400) + 'd' + String(Math.floor((s % 86400) / 3600)).padStart(2, '0') + 'h';
}

function win(w) { return dur(w).replace(/^(\d+)m00$/, '$1m').replace(/^(\d+)h00$/, '$1h'); }

function are(x) { return x === undefined ? '–' : (100 * x).toFixed(1) + '%'; }

// sortValue returns what a cascade is sorted on for a column.
function sortValue(c, key) {
  switch (key) {
    case 'id': return c.id;
    case 'age': return c.age;
    case 'n': return c.n;
    case 'window': return c.latest.window;
    case 'nhat': return c.latest.nhat;
    case 'lo': return c.latest.lo ?? -1;
    case 'source': return c.latest.source;
    case 'model_version': return c.latest.model_version;
    case 'status': return c.latest.status;
    case 'state': return c.state;
  }
  return 0;
}

function renderTable() {
  const rows = view.rows.slice();
  const k = view.sortKey, d = view.sortDir;
  rows.sort((a, b) => {
    const x = sortValue(a, k), y = sortValue(b, k);
    if (x < y) return -d;
    if (x > y) return d;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  const body = el('tbody');
  for (const c of rows) {
    const tr = el('tr');
    tr.dataset.id = c.id;
    if (c.alerted) tr.classList.add('alerted');
    if (c.id === view.selected) tr.classList.add('selected');
    const p = c.latest;
    const interval = p.lo !== undefined && p.hi !== undefined ? num(p.lo) + ' – ' + num(p.hi) : '–';
    const cells = [
      [c.id, 'id'], [dur(c.age), 'num'], [num(c.n), 'num'], [win(p.window), 'num'], [num(p.nhat), 'num nhat'],
      [interval, 'num'], [p.source, 'src-' + p.source], [p.model_version ? 'v' + p.model_version : '–', 'num'],
      [p.status, ''], [c.state, 'state-' + c.state],
    ];
    for (const [text, cls] of cells) tr.appendChild(el('td', cls, text));
    tr.title = c.id;
    tr.addEventListener('click', () => select(c.id));
    body.appendChild(tr);
  }
  $('#cascades tbody').replaceWith(body);
  for (const th of document.querySelectorAll('#cascades th')) {
    th.classList.toggle('sorted', th.dataset.key === k);
    th.classList.toggle('desc', th.dataset.key === k && d < 0);
    th.classList.toggle('asc', th.dataset.key === k && d > 0);
  }
}

function renderSummary(s) {
  $('#clock').textContent = s.time ? num(s.time) + ' s' : '–';
  $('#t-rate').textContent = num(s.status.events_per_second);
  $('#t-open').textContent = num(s.open);
  $('#t-lag').textContent = num(s.status.lag);
  $('#t-dead').textContent = num(s.status.dead_letters);
  $('#t-cascades').textContent = num(s.cascades);
  $('#t-finished').textContent = num(s.finished);
  $('#t-preds').textContent = num(s.predictions);
  $('#t-alerts').textContent = num(s.alerts);
  $('#kept').textContent = `top ${view.rows.length} by predicted size of ${s.kept} kept (newest ${s.max_cascades})`;
  const box = el('div');
  box.id = 'windows';
  for (const w of s.windows || []) {
    const d = el('div', 'win');
    d.appendChild(el('h3', '', `window ${win(w.window)}: ARE mean ${are(w.are.count ? w.are.mean : undefined)}, median ${are(w.are.count ? w.are.median : undefined)} over ${w.are.count} cascades`));
    d.appendChild(el('p', 'hint', `${w.predictions} predictions; model in use v${w.model_version || 0}` + (w.trained_on ? ` (trained on ${w.trained_on})` : '')));
    if (w.versions && w.versions.length) {
      const t = el('table');
      const h = el('tr');
      for (const x of ['model', 'cascades', 'mean ARE', 'median ARE', '']) h.appendChild(el('th', '', x));
      t.appendChild(h);
      const top = Math.max(...w.versions.map(v => v.median), 1e-9);
      for (const v of w.versions) {
        const tr = el('tr');
        tr.appendChild(el('td', '', v.version ? 'v' + v.version : 'none'));
        tr.appendChild(el('td', 'num', String(v.count)));
        tr.appendChild(el('td', 'num', are(v.mean)));
        tr.appendChild(el('td', 'num', are(v.median)));
        const bar = el('span', 'bar');
        bar.style.width = (80 * v.median / top).toFixed(0) + 'px';
        const td = el('td');
        td.appendChild(bar);
        tr.appendChild(td);
        t.appendChild(tr);
      }
      d.appendChild(t);
    }
    box.appendChild(d);
  }
  $('#windows').replaceWith(box);
}

function renderAlerts(alerts) {
  const list = el('ol');
  list.id = 'alerts';
  const first = view.updates === 1;
  for (const a of alerts) {
    const key = a.id + '\u0000' + a.window;
    const li = el('li');
    if (!view.alerts.has(key) && !first) li.classList.add('new');
    view.alerts.add(key);
    li.appendChild(el('b', '', a.id));
    const interval = a.lo !== undefined && a.hi !== undefined ? ` [${num(a.lo)} – ${num(a.hi)}]` : '';
    li.appendChild(document.createTextNode(` at ${win(a.window)}: predicted ${num(a.nhat)}${interval} from n=${a.n}, ${a.source}` +
      (a.model_version ? ` v${a.model_version}` : '') + ` (threshold ${num(a.threshold)})`));
    li.addEventListener('click', () => select(a.id));
    list.appendChild(li);
  }
  $('#alerts').replaceWith(list);
  $('#no-alerts').hidden = alerts.length > 0;
}

async function select(id) {
  view.selected = id;
  renderTable();
  let c;
  try {
    const r = await fetch('/api/cascades/' + encodeURIComponent(id));
    if (!r.ok) throw new Error(await r.text());
    c = await r.json();
  } catch (e) {
    $('#detail').hidden = false;
    $('#detail-id').textContent = id;
    $('#curve').replaceChildren();
    $('#detail-text').textContent = String(e.message || e);
    return;
  }
  if (view.selected !== id) return;
  $('#detail').hidden = false;
  $('#detail-id').textContent = id;
  $('#curve').replaceChildren(curve(c));
  const p = c.latest;
  $('#detail-text').textContent = `${c.n} events, ${c.state}; predicted final size ${num(p.nhat)}` +
    (p.lo !== undefined ? ` [${num(p.lo)} – ${num(p.hi)}]` : '') + ` on the ${win(p.window)} window (${p.source}` +
    (p.model_version ? ` v${p.model_version}` : '') + ')' + (p.are !== undefined ? `, ARE ${are(p.are)}` : '');
}

// ticks returns about n round values from 0 to max.
function ticks(max, n) {
  const raw = max / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw);
  const out = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(v);
  return out;
}

// curve draws the growth of c (events against hours since its start) with
// its predicted final size, interval and windows, as SVG.
function curve(c) {
  const W = 520, H = 240, L = 52, R = 12, T = 12, B = 34;
  const pts = c.curve || [];
  const p = c.latest;
  const tMax = Math.max(1, ...pts.map(q => q[0]), ...c.windows.map(w => w.window), c.age) * 1.05;
  const yMax = Math.max(1, c.n, p.nhat, p.hi ?? 0, ...pts.map(q => q[1])) * 1.08;
  const hours = tMax >= 3 * 3600;
  const unit = hours ? 3600 : 60;
  const x = t => L + (W - L - R) * t / tMax;
  const y = n => H - B - (H - T - B) * n / yMax;
  const s = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': 'growth curve' });
  for (const v of ticks(yMax, 5)) {
    s.appendChild(svgEl('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    s.appendChild(svgEl('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, num(v)));
  }
  for (const v of ticks(tMax / unit, 6)) {
    s.appendChild(svgEl('text', { x: x(v * unit), y: H - B + 16, 'text-anchor': 'middle' }, String(+v.toFixed(2))));
  }
  s.appendChild(svgEl('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' }, hours ? 'hours since the tweet' : 'minutes since the tweet'));
  s.appendChild(svgEl('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
  s.appendChild(svgEl('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }));
  if (p.lo !== undefined && p.hi !== undefined) {
    s.appendChild(svgEl('rect', { class: 'band', x: L, width: W - L - R, y: y(p.hi), height: Math.max(1, y(p.lo) - y(p.hi)) }));
  }
  for (const w of c.windows) {
    s.appendChild(svgEl('line', { class: 'win-line', x1: x(w.window), x2: x(w.window), y1: T, y2: H - B }));
    s.appendChild(svgEl('text', { x: x(w.window) + 3, y: T + 10 }, win(w.window)));
  }
  s.appendChild(svgEl('line', { class: 'pred', x1: L, x2: W - R, y1: y(p.nhat), y2: y(p.nhat) }));
  s.appendChild(svgEl('text', { x: L + 6, y: y(p.nhat) - 5 }, 'predicted ' + num(p.nhat)));
  if (pts.length) {
    // Events are counted at each point: a step up at each time.
    let d = `M${x(0)},${y(0)}`;
    for (const [t, n] of pts) d += ` H${x(t).toFixed(1)} V${y(n).toFixed(1)}`;
    s.appendChild(svgEl('path', { class: 'curve', d }));
    if (c.state === 'finished') {
      const [t, n] = pts[pts.length - 1];
      s.appendChild(svgEl('circle', { class: 'final', cx: x(t), cy: y(n), r: 4 }));
      s.appendChild(svgEl('text', { x: x(t) - 6, y: y(n) + 16, 'text-anchor': 'end' }, 'final ' + num(n)));
    }
  }
  return s;
}

function update(u) {
  view.updates++;
  $('#updates').textContent = String(view.updates);
  view.rows = u.cascades || [];
  renderSummary(u.summary);
  renderTable();
  renderAlerts(u.alerts || []);
  document.body.dataset.updates = String(view.updates);
}

function start() {
  for (const th of document.querySelectorAll('#cascades th')) {
    th.addEventListener('click', () => {
      const k = th.dataset.key;
      if (view.sortKey === k) view.sortDir = -view.sortDir;
      else { view.sortKey = k; view.sortDir = (k === 'id' || k === 'source' || k === 'status' || k === 'state' || k === 'age') ? 1 : -1; }
      renderTable();
    });
  }
  const es = new EventSource('/api/events?rows=100');
  es.addEventListener('update', e => update(JSON.parse(e.data)));
  es.onopen = () => { $('#conn').textContent = 'live'; $('#conn').className = 'conn live'; };
  es.onerror = () => { $('#conn').textContent = 'reconnecting…'; $('#conn').className = 'conn down'; };
}

start();

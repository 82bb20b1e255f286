// util.js — DOM building and number/time formatting shared by the report's sections.
//
// Everything from the data (hostnames, AS names, signature names, file paths) is
// untrusted: it only ever reaches the page as a text node or an attribute value set
// through the DOM, never through innerHTML, so markup in it stays text.

/** el('td', {class: 'n'}, 'text', child...) — an element with text/element children. */
export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  appendKids(e, kids);
  return e;
}

const SVGNS = 'http://www.w3.org/2000/svg';
/** The same for SVG elements. */
export function svg(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  setAttrs(e, attrs);
  appendKids(e, kids);
  return e;
}

function setAttrs(e, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.setAttribute('class', v);
    else e.setAttribute(k, String(v));
  }
}

function appendKids(e, kids) {
  for (const c of kids.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function fmtInt(v) {
  if (v === null || v === undefined || v === '') return '';
  const n = Number(v);
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(v);
}

/** A number with about 3 significant digits, thousands separated. */
export function fmtNum(v) {
  if (v === null || v === undefined || v === '') return '';
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 1) return n.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
  if (a === 0) return '0';
  return n.toPrecision(3);
}

/** Epoch seconds (number or "123.456000" string) to "2001-07-19 12:05:00 UTC". */
export function fmtTime(v, withSeconds = true) {
  const n = Number(v);
  if (v === null || v === undefined || v === '' || !Number.isFinite(n)) return '';
  const s = new Date(Math.floor(n) * 1000).toISOString();
  return s.slice(0, 10) + ' ' + s.slice(11, withSeconds ? 19 : 16) + ' UTC';
}

export function fmtDuration(sec) {
  const n = Number(sec);
  if (!Number.isFinite(n)) return '';
  if (n < 120) return n.toFixed(n < 10 ? 1 : 0) + ' s';
  if (n < 7200) return (n / 60).toFixed(1) + ' min';
  if (n < 172800) return (n / 3600).toFixed(1) + ' h';
  return (n / 86400).toFixed(1) + ' d';
}

export function fmtBytes(v) {
  const n = Number(v);
  if (!Number.isFinite(n)) return '';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0, x = n;
  while (x >= 1000 && i < u.length - 1) { x /= 1000; i++; }
  return (i ? x.toFixed(1) : String(x)) + ' ' + u[i];
}

/** A <section> with a heading; `note` is shown under it when there is no data. */
export function section(id, title) {
  const s = el('section', { id, class: 'ds-section' }, el('h2', null, title));
  return s;
}

export function noData(text) {
  return el('p', { class: 'ds-nodata' }, text);
}

/** A two-column list of figures: [[label, value], ...]; empty values are skipped. */
export function figures(pairs) {
  const dl = el('dl', { class: 'ds-figures' });
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === '') continue;
    dl.append(el('dt', null, k), el('dd', null, v));
  }
  return dl;
}

/**
 * A table; `cols` are {key, label, fmt?, num?}; rows are arrays in column order.
 * Sortable tables sort on a click on a header (numbers numerically), again to
 * reverse; the current order is in the header's aria-sort.
 */
export function table(cols, rows, opts = {}) {
  const t = el('table', { class: 'ds-table' + (opts.sortable ? ' ds-sortable' : '') });
  const head = el('tr');
  const tbody = el('tbody');
  let sortCol = -1, dir = 1;
  const render = () => {
    tbody.textContent = '';
    const frag = document.createDocumentFragment();
    for (const r of rows) {
      const tr = el('tr');
      cols.forEach((c, i) => {
        const v = r[i];
        tr.append(el('td', c.num ? { class: 'n' } : null, c.fmt ? c.fmt(v, r) : (v ?? '')));
      });
      frag.append(tr);
    }
    tbody.append(frag);
  };
  cols.forEach((c, i) => {
    const th = el('th', c.num ? { class: 'n' } : null, c.label);
    if (opts.sortable) {
      th.setAttribute('tabindex', '0');
      th.addEventListener('click', () => {
        dir = sortCol === i ? -dir : (c.num ? -1 : 1);
        sortCol = i;
        rows = rows.slice().sort((a, b) => {
          const x = a[i], y = b[i];
          if (c.num) return dir * ((Number(x) || 0) - (Number(y) || 0));
          return dir * String(x ?? '').localeCompare(String(y ?? ''));
        });
        for (const o of head.children) o.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
        render();
      });
    }
    head.append(th);
  });
  t.append(el('thead', null, head), tbody);
  render();
  return el('div', { class: 'ds-tablewrap' }, t);
}

/** Column index by name in a {columns, rows} block, or -1. */
export function colIndex(block, name) {
  return block && block.columns ? block.columns.indexOf(name) : -1;
}

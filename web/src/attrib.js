// attrib.js — who was hit and who scans: the breakdown tables (countries, TLDs,
// ASes, host categories) as bars and tables, per role and signature; a sample of
// the infected hosts with their attribution; and the scanners.
//
// Hostnames, AS names and domains come from the network (anyone controls the PTR
// records of their own addresses): they are rendered as text nodes only.
import { el, section, noData, table, fmtInt, fmtNum, fmtTime, colIndex } from './util.js';
import { chartBox, barChart, COLORS } from './charts.js';

/* global DS_COUNTRY_NAMES */
const NAMES = typeof DS_COUNTRY_NAMES === 'object' ? DS_COUNTRY_NAMES : {};

const KINDS = [
  ['countries', 'Countries', (k) => (NAMES[k] ? `${k} ${NAMES[k]}` : k)],
  ['tlds', 'Top-level domains', (k) => k],
  ['asns', 'Autonomous systems', (k) => k],
  ['categories', 'Host categories', (k) => k],
];

export function renderAttribution(D) {
  const s = section('attribution', 'Attribution: countries, domains, networks');
  document.getElementById('ds-root').append(s);
  const B = D.breakdowns || {};
  const present = KINDS.filter(([k]) => B[k] && B[k].rows && B[k].rows.length);
  if (!present.length) {
    s.append(noData('No breakdown tables (countries.csv, tlds.csv, asns.csv, categories.csv): attribution was not run or found nothing.'));
  }
  const head = D.attribution_figures;
  if (head && head.length) s.append(table([{ label: 'figure' }, { label: 'value' }], head));
  for (const [kind, title, label] of present) {
    const blk = B[kind];
    const iR = colIndex(blk, 'role'), iS = colIndex(blk, 'signature'), iK = colIndex(blk, 'key'),
      iH = colIndex(blk, 'hosts'), iP = colIndex(blk, 'percent');
    const groups = new Map();
    for (const r of blk.rows) {
      const g = `${r[iR] ?? ''}${r[iS] ? ' · ' + r[iS] : ''}`;
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(r);
    }
    const wrap = el('div', { class: 'ds-breakdown' }, el('h3', null, title));
    s.append(wrap);
    const sel = el('select', { 'aria-label': `${title}: role and signature` },
      ...[...groups.keys()].map((g) => el('option', { value: g }, g)));
    const box = chartBox(`breakdown-${kind}`, `${title}: top entries by hosts`);
    const tab = el('div');
    const show = () => {
      const rows = groups.get(sel.value) || [];
      for (const n of [...box.childNodes]) if (n.nodeName !== 'FIGCAPTION') n.remove();
      barChart(box, rows.slice(0, 15).map((r) => ({ label: label(String(r[iK] ?? '')), value: Number(r[iH]) || 0,
        sub: `${fmtInt(r[iH])} (${fmtNum(r[iP])}%)` })), { color: COLORS[['countries', 'tlds', 'asns', 'categories'].indexOf(kind) + 1] });
      tab.textContent = '';
      tab.append(table([{ label: kind === 'countries' ? 'country' : 'key' }, { label: 'hosts', num: true, fmt: fmtInt },
        { label: 'percent', num: true, fmt: fmtNum }], rows.map((r) => [label(String(r[iK] ?? '')), r[iH], r[iP]]), { sortable: true }));
    };
    sel.addEventListener('change', show);
    wrap.append(groups.size > 1 ? el('label', null, 'role · signature ', sel) : null, box, tab);
    show();
    if (blk.truncated) wrap.append(el('p', { class: 'ds-note' }, `Top ${blk.limit} entries per role and signature shown.`));
  }
  return s;
}

const HOST_LABELS = { ip: 'address', first_seen: 'first seen', last_seen: 'last seen', first_monitor: 'first monitor',
  as_org: 'AS name', rdns: 'reverse DNS', rdns_status: 'rDNS status' };

export function renderHosts(D) {
  const s = section('hosts', 'Infected hosts (earliest first)');
  document.getElementById('ds-root').append(s);
  const H = D.hosts;
  if (!H || !H.rows || !H.rows.length) { s.append(noData('hosts.csv is missing or empty.')); return s; }
  const times = new Set(['first_seen', 'last_seen']);
  const nums = new Set(['packets', 'asn', 'lat', 'lon']);
  s.append(el('p', { class: 'ds-note' }, `The ${fmtInt(H.rows.length)} earliest of ${fmtInt(H.total)} infected hosts.`));
  s.append(table(H.columns.map((c) => ({ label: HOST_LABELS[c] || c, num: nums.has(c),
    fmt: times.has(c) ? (v) => fmtTime(v) : undefined })), H.rows, { sortable: true }));
  return s;
}

export function renderScanners(D) {
  const s = section('scanners', 'Scanners');
  document.getElementById('ds-root').append(s);
  const C = D.scanners;
  if (!C || !C.rows || !C.rows.length) {
    s.append(noData(C ? 'No source reached the scanner threshold.' : 'scanners.csv is missing: no scanner analysis in this run.'));
    return s;
  }
  s.append(el('p', { class: 'ds-note' }, `${fmtInt(C.total)} scan episodes` +
    (C.rows.length < C.total ? `; the ${fmtInt(C.rows.length)} with the most packets are listed.` : '.')));
  const box = chartBox('scanner-ports', 'Scan episodes by destination port and tool');
  s.append(box);
  barChart(box, (C.by_port || []).map(([k, v]) => ({ label: String(k), value: v })), { color: COLORS[4] });
  if (C.by_tool && C.by_tool.length)
    barChart(box, C.by_tool.map(([k, v]) => ({ label: String(k), value: v })), { color: COLORS[5] });
  const times = new Set(['start', 'end']);
  const nums = new Set(['port', 'packets', 'destinations', 'est_scan_pps', 'asn']);
  s.append(table(C.columns.map((c) => ({ label: c, num: nums.has(c), fmt: times.has(c) ? (v) => fmtTime(v) : (nums.has(c) ? fmtNum : undefined) })),
    C.rows, { sortable: true }));
  return s;
}

// report.js — entry point of report.html: reads the run's data from #ds-data and
// builds the sections in order. Each section says plainly when the output
// directory had no data for it. Sections: run summary, traffic by class, worm
// outbreaks, the movie, attribution (countries, TLDs, ASes, categories, hosts),
// DoS attacks, scanners, data sources and licences.
import { el, section, noData, figures, table, fmtInt, fmtTime, fmtBytes, fmtDuration } from './util.js';
import { chartBox, timeChart, COLORS } from './charts.js';
import { renderWorms } from './worm.js';
import { renderMovie } from './movie.js';
import { renderAttribution, renderHosts, renderScanners } from './attrib.js';
import { renderDos } from './dos.js';

function main() {
  const raw = document.getElementById('ds-data').textContent;
  const D = JSON.parse(raw);
  const root = document.getElementById('ds-root');
  const S = D.summary || {};
  document.title = 'darkscope report' + (D.title ? ' — ' + D.title : '');
  root.append(el('header', { class: 'ds-header' },
    el('h1', null, 'darkscope report'),
    el('p', null, D.title ? `Output directory ${D.title} · ` : '',
      `written by ${D.generated_by || 'darkscope'}`,
      S.complete === false ? el('strong', { class: 'ds-warn' }, ' · incomplete run') : ''),
    el('nav', null, ...[['summary', 'Summary'], ['traffic', 'Traffic'], ['worms', 'Worms'],
      ['movie', 'Movie'], ['attribution', 'Attribution'], ['dos', 'DoS attacks'],
      ['scanners', 'Scanners'], ['sources', 'Sources']].map(([id, t]) => el('a', { href: '#' + id }, t)))));

  const parts = [
    () => renderSummary(D),
    () => renderTraffic(D),
    () => renderWorms(D),
    () => { const s = section('movie', 'The movie: spread over the world');
      root.append(s);
      if (D.movie && D.movie.nframes > 0 && D.movie.signatures && D.movie.signatures.length) renderMovie(s, D.movie);
      else s.append(noData('No infected hosts with a time in hosts.csv: nothing to animate.'));
      return s; },
    () => renderAttribution(D),
    () => renderHosts(D),
    () => renderDos(D),
    () => renderScanners(D),
    () => renderSources(D),
  ];
  // Sections append themselves as they are built, so that charts can measure their width.
  for (const p of parts) {
    try {
      const s = p();
      if (s && !s.isConnected) root.append(s);
    } catch (e) {
      // One broken section must not hide the others; the error is visible.
      root.append(el('section', { class: 'ds-section' }, el('p', { class: 'ds-warn' }, 'This section failed to render: ' + e.message)));
      console.error(e);
    }
  }
  document.body.dataset.ready = '1'; // for tests and load-time measurements
}

function renderSummary(D) {
  const S = D.summary;
  const s = section('summary', 'Run summary');
  document.getElementById('ds-root').append(s);
  if (!S) { s.append(noData('summary.json is missing: the run did not finish writing its outputs.')); return s; }
  const span = S.time_span || {};
  const tot = S.totals || {};
  s.append(figures([
    ['complete', S.complete === false ? 'no (interrupted or live run)' : 'yes'],
    ['inputs read without error', S.inputs_ok === false ? 'no' : 'yes'],
    ['first packet', fmtTime(span.first_ts)],
    ['last packet', fmtTime(span.last_ts)],
    ['time span', span.seconds !== undefined ? fmtDuration(span.seconds) : ''],
    ['frames read', fmtInt(tot.frames)],
    ['bytes (wire)', tot.bytes !== undefined ? fmtBytes(tot.bytes) : ''],
    ['packets analysed', fmtInt(tot.analysed)],
    ['outside every monitor', fmtInt(tot.outside)],
    ['non-IP frames', fmtInt(tot.non_ip_frames)],
    ['malformed packets', fmtInt(tot.malformed)],
    ['reporting interval', S.interval_s !== undefined ? S.interval_s + ' s' : ''],
    ['darkscope', S.darkscope_version],
  ]));
  if (Array.isArray(S.command_line)) s.append(el('p', { class: 'ds-cmd' }, el('code', null, S.command_line.join(' '))));
  for (const n of S.notes || []) s.append(el('p', { class: 'ds-note' }, n));

  s.append(el('h3', null, 'Inputs'));
  const ins = (S.inputs || []).map((i) => [i.path, i.status, i.format, i.compression, i.packets, i.bytes,
    fmtTime(i.first_ts), fmtTime(i.last_ts), [...(i.errors || []), ...(i.warnings || [])].join('; ')]);
  s.append(ins.length ? table([{ label: 'path' }, { label: 'status' }, { label: 'format' }, { label: 'compression' },
    { label: 'packets', num: true, fmt: fmtInt }, { label: 'bytes', num: true, fmt: fmtBytes }, { label: 'first' },
    { label: 'last' }, { label: 'errors and warnings' }], ins) : noData('No inputs listed.'));

  s.append(el('h3', null, 'Monitors'));
  const mons = (S.monitors || []).map((m) => [m.name, m.prefixes, m.size === null ? 'unknown' : m.size]);
  s.append(mons.length ? table([{ label: 'monitor' }, { label: 'prefixes' }, { label: 'IPv4 addresses', num: true, fmt: (v) => (typeof v === 'number' ? fmtInt(v) : v) }], mons)
    : noData('No monitors listed.'));

  const cls = tot.classes || {};
  if (Object.keys(cls).length) {
    s.append(el('h3', null, 'Packets by class'));
    s.append(table([{ label: 'class' }, { label: 'packets', num: true, fmt: fmtInt }], Object.entries(cls)));
  }
  const an = Object.entries(S.anomalies || {}).filter(([, v]) => Number(v) > 0);
  s.append(el('h3', null, 'Anomalies'));
  s.append(an.length ? table([{ label: 'anomaly' }, { label: 'packets', num: true, fmt: fmtInt }], an)
    : noData('No malformed or out-of-order packets.'));
  return s;
}

function renderTraffic(D) {
  const s = section('traffic', 'Traffic by class over time');
  document.getElementById('ds-root').append(s);
  const T = D.series;
  if (!T || !T.t || !T.t.length) { s.append(noData('series.csv is missing or empty.')); return s; }
  const names = Object.keys(T.classes);
  const box = chartBox('traffic', `Packets per ${T.interval_s} s interval, all monitors`);
  s.append(box);
  timeChart(box, T.t, names.map((n, i) => ({ label: n, values: T.classes[n], color: COLORS[i % COLORS.length] })),
    { yLabel: 'packets' });
  if (T.note) s.append(el('p', { class: 'ds-note' }, T.note));
  return s;
}

function renderSources(D) {
  const s = section('sources', 'Data sources and licences');
  document.getElementById('ds-root').append(s);
  const rows = [];
  for (const src of D.sources || []) rows.push([src.name, src.role, src.licence, src.attribution || '']);
  // Licences ask for links (DB-IP, MaxMind): https URLs in the attribution become
  // links; everything else stays text. Following a link is the reader's choice.
  const linked = (text) => el('span', null, ...String(text).split(/(https:\/\/[A-Za-z0-9./_-]+[A-Za-z0-9/])/).map((part, i) =>
    (i % 2 ? el('a', { href: part, rel: 'noreferrer' }, part) : part)));
  s.append(table([{ label: 'source' }, { label: 'used for' }, { label: 'licence' }, { label: 'attribution', fmt: linked }], rows));
  const files = Object.entries(D.files || {});
  if (files.length) {
    s.append(el('h3', null, 'Files of the output directory'));
    s.append(table([{ label: 'file' }, { label: 'read' }], files.map(([f, ok]) => [f, ok ? 'yes' : 'absent'])));
  }
  return s;
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();

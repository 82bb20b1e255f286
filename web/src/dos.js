// dos.js — DoS attacks inferred from backscatter: headline figures, a timeline
// (one segment per attack at its estimated rate), distributions of duration and
// of estimated attack rate (histograms computed over all attacks by the C side),
// and a sortable table of the largest attacks.
import { el, section, noData, figures, table, fmtInt, fmtNum, fmtTime, fmtDuration, colIndex } from './util.js';
import { chartBox, histogram, attackTimeline } from './charts.js';

const TIMES = new Set(['start', 'end']);
const TEXT = new Set(['victim', 'protocol', 'monitors', 'attack_ports', 'target_ports', 'top_target_ports', 'spoof_uniform',
  'telescope_addrs_exact', 'country', 'as_org', 'rdns', 'rdns_status', 'tld', 'domain', 'category']);

export function renderDos(D) {
  const s = section('dos', 'DoS attacks (backscatter)');
  document.getElementById('ds-root').append(s);
  const A = D.attacks;
  if (!A || !A.rows || !A.rows.length) {
    s.append(noData(A ? 'No backscatter vector met the attack thresholds.' : 'attacks.csv is missing: no DoS analysis in this run.'));
    return s;
  }
  const Sd = (D.summary && D.summary.dos) || {};
  const flat = Object.entries(Sd).filter(([, v]) => typeof v !== 'object' || v === null).map(([k, v]) => [k.replace(/_/g, ' '), fmtNum(v)]);
  s.append(figures([['attacks', fmtInt(A.total)], ...flat]));

  const iS = colIndex(A, 'start'), iE = colIndex(A, 'end'), iR = colIndex(A, 'est_attack_pps'),
    iM = colIndex(A, 'mean_pps'), iP = colIndex(A, 'protocol');
  const protos = [...new Set(A.rows.map((r) => r[iP]))];
  const useEst = A.rows.some((r) => r[iR] !== '' && r[iR] !== null && r[iR] !== undefined);
  const tl = chartBox('dos-timeline', 'Timeline: each attack from start to end, at its ' +
    (useEst ? 'estimated attack rate (packets/s, log scale)' : 'observed mean backscatter rate (packets/s, log scale)'));
  s.append(tl);
  attackTimeline(tl, A.rows.map((r) => ({ start: Number(r[iS]), end: Number(r[iE]),
    rate: Number(useEst ? r[iR] : r[iM]) || 1e-3, color: protos.indexOf(r[iP]) })),
  { yLabel: `Colours by protocol: ${protos.join(', ')}.` });

  const dh = chartBox('dos-duration', 'Distribution of attack durations (seconds, log bins, all attacks)');
  s.append(dh);
  if (A.duration_hist) histogram(dh, A.duration_hist, { xLabel: 'duration (s)' });
  const rh = chartBox('dos-rate', 'Distribution of estimated attack rates (packets/s, log bins, all attacks)');
  s.append(rh);
  if (A.rate_hist && A.rate_hist.counts.length) histogram(rh, A.rate_hist, { xLabel: 'estimated attack rate (pps)', color: '#1f77b4' });
  else rh.append(noData('No rate estimate: the monitors\' sizes are unknown (open telescope).'));

  s.append(el('p', { class: 'ds-note' }, A.rows.length < A.total
    ? `The ${fmtInt(A.rows.length)} attacks with the most packets of ${fmtInt(A.total)}; click a column to sort.`
    : 'Click a column to sort.'));
  s.append(table(A.columns.map((c) => ({ label: c.replace(/_/g, ' '), num: !TEXT.has(c),
    fmt: TIMES.has(c) ? (v) => fmtTime(v) : c === 'duration_s' ? (v) => fmtDuration(v) : TEXT.has(c) ? undefined : fmtNum })),
  A.rows, { sortable: true }));
  return s;
}

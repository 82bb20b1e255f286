// worm.js — one block per worm signature: the outbreak figures from worm.json,
// cumulative infected hosts with the fitted logistic (random-constant-spread)
// curve, new hosts per minute and active hosts, with the detected phase changes
// marked on both charts.
import { el, section, noData, figures, table, fmtInt, fmtNum, fmtTime, fmtDuration } from './util.js';
import { chartBox, timeChart, COLORS } from './charts.js';

// C(t) = N e^{K(t-T)} / (1 + e^{K(t-T)}), K per hour, t and T in epoch seconds.
function logistic(fit, t) {
  const K = Number(fit.K_per_hour), T = Number(fit.T), N = Number(fit.N);
  if (!Number.isFinite(K) || !Number.isFinite(T) || !Number.isFinite(N)) return null;
  const x = (K * (t - T)) / 3600;
  return x > 50 ? N : N / (1 + Math.exp(-x));
}

export function renderWorms(D) {
  const s = section('worms', 'Worm outbreaks');
  document.getElementById('ds-root').append(s);
  const W = D.worm;
  // Signatures that matched no host (worm.csv lists every signature) are left out.
  const sigs = W && W.signatures ? W.signatures.filter((g) => g.t && g.t.length && g.cum[g.cum.length - 1] > 0) : [];
  if (!sigs.length) {
    s.append(noData(W ? 'No host matched a worm signature.' : 'worm.csv is missing: no worm analysis in this run.'));
    return s;
  }
  for (const g of sigs) renderSignature(s, g, W.interval_s);
  return s;
}

function renderSignature(s, g, interval) {
  const R = g.report || {};
  const fit = R.fit || {};
  const ph = R.infection_phase || {};
  const block = el('div', { class: 'ds-worm' }, el('h3', null, 'Signature ', el('code', null, g.name)));
  s.append(block);
  block.append(figures([
    ['infected hosts', fmtInt(R.hosts_total ?? g.cum[g.cum.length - 1])],
    ['first host', fmtTime(R.first_host)],
    ['peak new hosts per minute', R.peak_new_per_minute !== undefined ? `${fmtInt(R.peak_new_per_minute)} at ${fmtTime(R.peak_minute, false)}` : ''],
    ['peak new hosts per hour', R.peak_new_per_hour !== undefined ? `${fmtInt(R.peak_new_per_hour)} at ${fmtTime(R.peak_hour, false)}` : ''],
    ['50% infected after', R.time_to_50pct_s !== undefined ? fmtDuration(R.time_to_50pct_s) : ''],
    ['90% infected after', R.time_to_90pct_s !== undefined ? fmtDuration(R.time_to_90pct_s) : ''],
    ['infection phase', ph.length_s !== undefined ? `${fmtDuration(ph.length_s)} (ended by ${ph.end_by})` : ''],
    ['logistic fit', fit.status ? `${fit.status}${fit.points ? `, ${fit.points} points` : ''}` : ''],
    ['K (per hour)', fit.K_per_hour !== undefined ? `${fmtNum(fit.K_per_hour)} ± ${fmtNum(fit.K_stderr)}` : ''],
    ['doubling time', fit.doubling_time_minutes !== undefined ? `${fmtNum(fit.doubling_time_minutes)} min` : ''],
    ['T (midpoint)', fmtTime(fit.T)],
    ['N (saturation)', fit.N !== undefined ? `${fmtInt(fit.N)} ± ${fmtInt(fit.N_stderr)}` : ''],
    ['R²', fit.r_squared !== undefined ? fmtNum(fit.r_squared) : ''],
    ['deactivated hosts', R.deactivation ? `${fmtInt(R.deactivation.hosts)} (no probe in the last ${fmtDuration(R.deactivation.threshold_s)})` : ''],
  ]));

  const markers = (R.phase_changes || []).map((p) => ({
    t: Number(p.time), label: `${p.series} ${p.direction}`, color: p.direction === 'down' ? '#b00' : '#070',
  }));
  const cumBox = chartBox('worm-cumulative', `Cumulative infected hosts (${g.name})`);
  block.append(cumBox);
  const series = [{ label: 'infected hosts', values: g.cum, color: COLORS[0], width: 2 }];
  if (fit.status && fit.status !== 'failed') {
    // The fit covers the infection phase only; the curve is drawn there.
    const until = fit.fitted_until !== undefined ? Number(fit.fitted_until) : Infinity;
    series.push({ label: 'logistic fit', values: g.t.map((t) => (t <= until + interval ? logistic(fit, t + interval) : null)),
      color: '#333', dash: [6, 4] });
  }
  timeChart(cumBox, g.t, series, { yLabel: 'hosts', markers });

  const rateBox = chartBox('worm-rate', `New hosts per minute and active hosts (${g.name})`);
  block.append(rateBox);
  const perMin = 60 / interval;
  timeChart(rateBox, g.t, [
    { label: 'new hosts per minute', values: g.new.map((v) => v * perMin), color: COLORS[1] },
    { label: 'active hosts', values: g.active, color: COLORS[3], scale: 'y2' },
  ], { yLabel: 'new hosts / min', y2Label: 'active hosts', markers });

  if (markers.length) {
    block.append(el('h4', null, 'Phase changes'));
    block.append(table([{ label: 'time' }, { label: 'series' }, { label: 'direction' },
      { label: 'rate before (/min)', num: true, fmt: fmtNum }, { label: 'rate after (/min)', num: true, fmt: fmtNum }],
    R.phase_changes.map((p) => [fmtTime(p.time), p.series, p.direction, p.rate_before, p.rate_after])));
  }
  const cov = R.coverage;
  if (cov && Array.isArray(cov.monitors) && cov.monitors.length) {
    block.append(el('h4', null, 'Telescope coverage'));
    block.append(table([{ label: 'monitor' }, { label: 'addresses', num: true, fmt: fmtInt },
      { label: 'hosts seen', num: true, fmt: fmtInt }, { label: 'median scan rate (/s)', num: true, fmt: fmtNum },
      { label: 'P(seen in window)', num: true, fmt: fmtNum }, { label: 'mean time to first sighting', num: true, fmt: fmtDuration },
      { label: 'median sighting delay', num: true, fmt: (v) => (v === null || v === undefined ? '' : fmtDuration(v)) }],
    cov.monitors.map((m) => [m.monitor, m.size, m.hosts_seen, m.median_scan_rate_pps, m.p_seen_within_window,
      m.mean_time_to_first_sighting_s, m.median_sighting_delay_s])));
    if (cov.missed) block.append(el('p', { class: 'ds-note' },
      `Estimated infected hosts the telescope missed: ${fmtInt(cov.missed.missed_hosts)} (${cov.missed.method || ''}).`));
  }
  if (cov && cov.note) block.append(el('p', { class: 'ds-note' }, cov.note));
}

// charts.js — the report's chart kinds: time series (uPlot, on canvas), horizontal
// bars and histograms (SVG), and the DoS timeline (canvas). Every chart container
// has class ds-chart and a data-chart name, which the browser test uses to check
// that each section's chart was actually drawn.
import uPlot from 'uplot';
import { el, svg, fmtNum, fmtTime } from './util.js';

export const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b',
  '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function chartBox(name, title) {
  return el('figure', { class: 'ds-chart', 'data-chart': name }, el('figcaption', null, title));
}

function widthOf(box) {
  const w = box.clientWidth || (box.parentElement && box.parentElement.clientWidth) || 900;
  return Math.max(320, Math.min(w - 8, 1100));
}

// Vertical lines with a label at given times (phase changes), drawn after the series.
function markerPlugin(markers) {
  return {
    hooks: {
      draw: [(u) => {
        const { ctx } = u;
        const top = u.bbox.top, h = u.bbox.height;
        ctx.save();
        for (const m of markers) {
          const x = Math.round(u.valToPos(m.t, 'x', true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = m.color || '#444';
          ctx.setLineDash([5, 4]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + h);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = m.color || '#444';
          ctx.font = `${11 * devicePixelRatio}px sans-serif`;
          ctx.fillText(m.label, x + 4 * devicePixelRatio, top + 12 * devicePixelRatio);
        }
        ctx.restore();
      }],
    },
  };
}

/**
 * Time series: t in epoch seconds; series [{label, values, color, scale?, dash?}];
 * a second scale ('y2') gets its own axis on the right.
 */
export function timeChart(box, t, series, opts = {}) {
  const scales = { x: { time: true }, y: { distr: opts.log ? 3 : 1 } };
  // 24-hour UTC labels, with the date under the first label of each day.
  const axes = [{ values: (u, splits) => splits.map((v, i) => {
    if (v == null) return '';
    const iso = new Date(v * 1000).toISOString();
    const prev = i > 0 && splits[i - 1] != null ? new Date(splits[i - 1] * 1000).toISOString().slice(0, 10) : '';
    const hm = iso.slice(11, 16) + (iso.slice(17, 19) !== '00' ? ':' + iso.slice(17, 19) : '');
    return prev === iso.slice(0, 10) ? hm : hm + '\n' + iso.slice(0, 10);
  }) }, { label: opts.yLabel || '', size: 70 }];
  if (series.some((s) => s.scale === 'y2')) {
    scales.y2 = {};
    axes.push({ scale: 'y2', side: 1, label: opts.y2Label || '', grid: { show: false }, size: 70 });
  }
  const u = new uPlot({
    width: widthOf(box),
    height: opts.height || 260,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    scales,
    axes,
    legend: { live: true },
    series: [{ label: 'time (UTC)', value: (u_, v) => (v == null ? '' : fmtTime(v)) },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.color || COLORS[i % COLORS.length],
        width: s.width || 1.5,
        dash: s.dash,
        scale: s.scale || 'y',
        points: { show: false },
        value: (u_, v) => (v == null ? '' : fmtNum(v)),
      }))],
    plugins: opts.markers && opts.markers.length ? [markerPlugin(opts.markers)] : [],
  }, [t, ...series.map((s) => s.values)], box);
  return u;
}

/** Horizontal bars: items [{label, value, sub?}] (already sorted and cut). */
export function barChart(box, items, opts = {}) {
  const rowH = 20, labelW = opts.labelWidth || 190, W = 640, valW = 90;
  const max = Math.max(1, ...items.map((d) => d.value));
  const s = svg('svg', { viewBox: `0 0 ${W} ${items.length * rowH + 4}`, width: W,
    height: items.length * rowH + 4, role: 'img' });
  items.forEach((d, i) => {
    const y = i * rowH + 2;
    const w = Math.max(1, ((W - labelW - valW) * d.value) / max);
    const label = d.label.length > 28 ? d.label.slice(0, 27) + '…' : d.label;
    s.append(
      svg('text', { x: labelW - 6, y: y + 14, 'text-anchor': 'end', class: 'ds-barlabel' },
        svg('title', null, d.label), label),
      svg('rect', { x: labelW, y: y + 2, width: w, height: rowH - 5,
        fill: opts.color || COLORS[1] }),
      svg('text', { x: labelW + w + 4, y: y + 14, class: 'ds-barval' },
        d.sub !== undefined ? d.sub : fmtNum(d.value)));
  });
  box.append(s);
  return s;
}

/** Histogram from {edges, counts} (edges.length = counts.length + 1), log-x labels. */
export function histogram(box, hist, opts = {}) {
  const W = 520, H = 200, padL = 50, padB = 34, n = hist.counts.length;
  const max = Math.max(1, ...hist.counts);
  const bw = (W - padL - 10) / Math.max(1, n);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
  s.append(svg('line', { x1: padL, y1: H - padB, x2: W - 10, y2: H - padB, stroke: '#888' }));
  s.append(svg('text', { x: 4, y: 12, class: 'ds-barval' }, fmtNum(max)));
  hist.counts.forEach((c, i) => {
    const h = ((H - padB - 16) * c) / max;
    const x = padL + i * bw;
    const r = svg('rect', { x: x + 1, y: H - padB - h, width: Math.max(1, bw - 2), height: h,
      fill: opts.color || COLORS[0] });
    r.append(svg('title', null, `${fmtNum(hist.edges[i])} – ${fmtNum(hist.edges[i + 1])}: ${c}`));
    s.append(r);
    if (i % Math.ceil(n / 8) === 0)
      s.append(svg('text', { x, y: H - padB + 14, class: 'ds-barval' }, fmtNum(hist.edges[i])));
  });
  s.append(svg('text', { x: padL, y: H - 4, class: 'ds-barlabel' }, opts.xLabel || ''));
  box.append(s);
  return s;
}

/**
 * DoS timeline: one horizontal segment per attack from start to end, at the height
 * of its rate (log scale), so long and strong attacks stand out.
 */
export function attackTimeline(box, attacks, opts = {}) {
  const W = widthOf(box), H = 260, padL = 60, padB = 28, padT = 10;
  const dpr = window.devicePixelRatio || 1;
  const c = el('canvas', { width: W * dpr, height: H * dpr, style: `width:${W}px;height:${H}px` });
  box.append(c);
  const ctx = c.getContext('2d');
  ctx.scale(dpr, dpr);
  const t0 = Math.min(...attacks.map((a) => a.start)), t1 = Math.max(...attacks.map((a) => a.end));
  const vals = attacks.map((a) => Math.max(1e-3, a.rate));
  const lo = Math.floor(Math.log10(Math.min(...vals))), hi = Math.ceil(Math.log10(Math.max(...vals)) + 1e-9);
  const X = (t) => padL + ((W - padL - 10) * (t - t0)) / Math.max(1, t1 - t0);
  const Y = (v) => H - padB - ((H - padB - padT) * (Math.log10(v) - lo)) / Math.max(1, hi - lo);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.strokeStyle = '#ccc';
  ctx.fillStyle = '#555';
  ctx.font = '11px sans-serif';
  for (let e = lo; e <= hi; e++) {
    const y = Y(10 ** e);
    ctx.beginPath(); ctx.moveTo(padL, y); ctx.lineTo(W - 10, y); ctx.stroke();
    ctx.fillText(fmtNum(10 ** e), 4, y + 4);
  }
  ctx.fillText(fmtTime(t0, false), padL, H - 8);
  const endLabel = fmtTime(t1, false);
  ctx.fillText(endLabel, W - 10 - ctx.measureText(endLabel).width, H - 8);
  ctx.lineWidth = 3;
  attacks.forEach((a, i) => {
    ctx.strokeStyle = COLORS[(a.color ?? i) % COLORS.length];
    const y = Y(Math.max(1e-3, a.rate));
    ctx.beginPath();
    ctx.moveTo(X(a.start), y);
    ctx.lineTo(Math.max(X(a.end), X(a.start) + 2), y);
    ctx.stroke();
  });
  box.append(el('p', { class: 'ds-note' }, opts.yLabel || ''));
  return c;
}

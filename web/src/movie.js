// movie.js — the animated world map ("Code Red: The Movie" for any run).
//
// The C side has already reduced the hosts to locations (a lat/lon grid, or a
// country's centroid) and to frames: per signature, a list of events
// (frame, location, hosts first seen, hosts whose last sighting was the frame
// before) sorted by frame. Playing forward applies the events of each new frame to
// two per-location counters (infected so far, active now); seeking backwards
// replays from the start, which is a few milliseconds even for a million hosts.
// The map (Natural Earth 110m countries from world-atlas) is drawn once into an
// off-screen canvas; each frame copies it and draws the circles on top, with the
// area of a circle proportional to its hosts.
import { geoNaturalEarth1, geoPath, geoGraticule10 } from 'd3-geo';
import { feature, mesh } from 'topojson-client';
import countries110 from 'world-atlas/countries-110m.json';
import { el, fmtInt, fmtTime } from './util.js';

const W = 960, H = 500, RMAX = 26;

// Unpacks a signature's events (see ds_pack_events in ds_report_data.c): base64 of
// varints (frame delta, location or location delta, new, gone) per event.
function unpack(sig) {
  if (sig.ev_f) return;
  const bin = atob(sig.events || '');
  const n = sig.nev || 0;
  const F = new Uint32Array(n), L = new Uint32Array(n), N = new Uint32Array(n), G = new Uint32Array(n);
  let p = 0, f = 0, l = 0;
  const next = () => {
    let v = 0, shift = 0, b;
    do { b = bin.charCodeAt(p++); v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return v;
  };
  for (let k = 0; k < n; k++) {
    const df = next();
    f += df;
    const lv = next();
    l = df ? lv : l + lv;
    F[k] = f; L[k] = l; N[k] = next(); G[k] = next();
  }
  Object.assign(sig, { ev_f: F, ev_l: L, ev_new: N, ev_gone: G });
}

export function renderMovie(root, M) {
  const dpr = window.devicePixelRatio || 1;
  const canvas = el('canvas', { id: 'ds-map', width: W * dpr, height: H * dpr,
    style: `width:${W}px;max-width:100%;height:auto`, 'data-circles': '0', 'data-frame': '0' });
  const bg = document.createElement('canvas');
  bg.width = W * dpr;
  bg.height = H * dpr;
  const proj = geoNaturalEarth1().fitExtent([[4, 4], [W - 4, H - 4]], { type: 'Sphere' });
  drawBackground(bg.getContext('2d'), proj, dpr);

  const sigs = M.signatures || [];
  const L = M.locations.lat.length;
  const px = new Float32Array(L), py = new Float32Array(L);
  for (let i = 0; i < L; i++) {
    const p = proj([M.locations.lon[i], M.locations.lat[i]]) || [-99, -99];
    px[i] = p[0];
    py[i] = p[1];
  }

  const play = el('button', { id: 'ds-play', type: 'button' }, 'Play');
  const slider = el('input', { id: 'ds-slider', type: 'range', min: 0, max: Math.max(0, M.nframes - 1),
    value: 0, step: 1, 'aria-label': 'frame' });
  const speed = el('select', { id: 'ds-speed', 'aria-label': 'speed' },
    ...[1, 2, 4, 8, 16].map((s) => el('option', s === 2 ? { value: s, selected: '' } : { value: s }, `${s}×`)));
  const sigSel = el('select', { id: 'ds-movie-sig', 'aria-label': 'signature' },
    ...sigs.map((s, i) => el('option', { value: i }, `${s.name} (${fmtInt(s.hosts)} hosts)`)));
  const showActive = el('input', { type: 'checkbox', id: 'ds-show-active', checked: '' });
  const showVictims = el('input', { type: 'checkbox', id: 'ds-show-victims' });
  const timeLabel = el('span', { id: 'ds-time', class: 'ds-clock' });
  const countLabel = el('span', { id: 'ds-count', class: 'ds-count' });
  const hasVictims = M.victims && M.victims.l && M.victims.l.length > 0;

  root.append(
    el('div', { class: 'ds-moviebar' }, play, slider, el('label', null, 'speed ', speed),
      sigs.length > 1 ? el('label', null, 'signature ', sigSel) : null,
      el('label', null, showActive, ' active hosts'),
      hasVictims ? el('label', null, showVictims, ' DoS victims') : null),
    el('div', { class: 'ds-moviestage' }, canvas,
      el('div', { class: 'ds-overlay' }, timeLabel, countLabel)),
    el('p', { class: 'ds-note' },
      `One circle per location (grid ${M.grid_deg}°, or the country's centroid when only the country is known); ` +
      `filled area ∝ hosts infected by that frame; ring area ∝ hosts active in the frame (between first and last sighting). ` +
      `Frames of ${M.frame_s} s from ${fmtTime(M.t0)}.` + (M.note ? ' ' + M.note : '')));

  const ctx = canvas.getContext('2d');
  let sig = null, cum, act, ptr, frame, total, located, kc, timer = null;
  const frameTotals = [];

  function selectSig(i) {
    sig = sigs[i] || { ev_f: [], ev_l: [], ev_new: [], ev_gone: [], total_new: [] };
    unpack(sig);
    cum = new Float64Array(L);
    act = new Int32Array(L);
    // The largest final count sets the scale, so circles never change size meaning
    // while the movie plays.
    const fin = new Float64Array(L);
    for (let k = 0; k < sig.ev_l.length; k++) fin[sig.ev_l[k]] += sig.ev_new[k];
    let mx = 1;
    for (let k = 0; k < L; k++) if (fin[k] > mx) mx = fin[k];
    kc = RMAX / Math.sqrt(mx);
    frameTotals.length = 0;
    let run = 0;
    for (let f = 0; f < M.nframes; f++) { run += (sig.total_new && sig.total_new[f]) || 0; frameTotals.push(run); }
    ptr = 0; frame = -1; located = 0;
  }

  function seek(f) {
    if (f < frame) { cum.fill(0); act.fill(0); ptr = 0; frame = -1; located = 0; }
    const F = sig.ev_f, Ln = sig.ev_l, N = sig.ev_new, G = sig.ev_gone;
    while (ptr < F.length && F[ptr] <= f) {
      const l = Ln[ptr];
      cum[l] += N[ptr];
      act[l] += N[ptr] - G[ptr];
      located += N[ptr];
      ptr++;
    }
    frame = f;
  }

  function draw() {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(bg, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    let circles = 0;
    ctx.fillStyle = 'rgba(214, 39, 40, 0.45)';
    ctx.strokeStyle = 'rgba(140, 20, 20, 0.8)';
    ctx.lineWidth = 0.6;
    for (let l = 0; l < L; l++) {
      if (cum[l] <= 0) continue;
      const r = Math.max(1.5, kc * Math.sqrt(cum[l]));
      ctx.beginPath();
      ctx.arc(px[l], py[l], r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      circles++;
    }
    let active = 0;
    if (showActive.checked) {
      ctx.strokeStyle = 'rgba(255, 190, 0, 0.95)';
      ctx.lineWidth = 1.4;
      for (let l = 0; l < L; l++) {
        if (act[l] <= 0) continue;
        active += act[l];
        ctx.beginPath();
        ctx.arc(px[l], py[l], Math.max(1.5, kc * Math.sqrt(act[l])), 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
    let victims = 0;
    if (hasVictims && showVictims.checked) {
      const V = M.victims;
      ctx.fillStyle = 'rgba(31, 119, 180, 0.85)';
      for (let k = 0; k < V.l.length; k++) {
        if (V.f0[k] > frame || V.f1[k] < frame) continue;
        const x = px[V.l[k]], y = py[V.l[k]], s = 4;
        ctx.beginPath();
        ctx.moveTo(x, y - s); ctx.lineTo(x + s, y); ctx.lineTo(x, y + s); ctx.lineTo(x - s, y);
        ctx.closePath();
        ctx.fill();
        victims++;
      }
    }
    canvas.dataset.circles = String(circles);
    canvas.dataset.frame = String(frame);
    timeLabel.textContent = fmtTime(M.t0 + (frame + 1) * M.frame_s, false);
    const tot = frameTotals[frame] ?? 0;
    countLabel.textContent = `${fmtInt(tot)} infected` +
      (tot !== located ? ` (${fmtInt(located)} on the map)` : '') +
      (showActive.checked ? ` · ${fmtInt(active)} active` : '') +
      (victims ? ` · ${victims} DoS victims` : '');
    slider.value = String(frame);
  }

  function go(f) { seek(Math.max(0, Math.min(M.nframes - 1, f))); draw(); }

  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    play.textContent = 'Play';
  }
  function start() {
    if (frame >= M.nframes - 1) go(0);
    play.textContent = 'Pause';
    timer = setInterval(() => {
      if (frame >= M.nframes - 1) { stop(); return; }
      go(frame + 1);
    }, 250 / Number(speed.value));
  }
  play.addEventListener('click', () => (timer ? stop() : start()));
  speed.addEventListener('change', () => { if (timer) { stop(); start(); } });
  slider.addEventListener('input', () => { stop(); go(Number(slider.value)); });
  sigSel.addEventListener('change', () => { const f = frame; selectSig(Number(sigSel.value)); go(f); });
  showActive.addEventListener('change', draw);
  showVictims.addEventListener('change', draw);

  selectSig(0);
  go(0);
}

function drawBackground(ctx, proj, dpr) {
  ctx.scale(dpr, dpr);
  const path = geoPath(proj, ctx);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.beginPath(); path({ type: 'Sphere' }); ctx.fillStyle = '#eaf2f8'; ctx.fill();
  ctx.beginPath(); path(geoGraticule10()); ctx.strokeStyle = '#d5e3ee'; ctx.lineWidth = 0.5; ctx.stroke();
  const land = feature(countries110, countries110.objects.countries);
  ctx.beginPath(); path(land); ctx.fillStyle = '#d9d4c7'; ctx.fill();
  ctx.beginPath(); path(mesh(countries110, countries110.objects.countries, (a, b) => a !== b));
  ctx.strokeStyle = '#ffffff'; ctx.lineWidth = 0.5; ctx.stroke();
  ctx.beginPath(); path({ type: 'Sphere' }); ctx.strokeStyle = '#9ab'; ctx.lineWidth = 1; ctx.stroke();
}

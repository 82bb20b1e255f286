// build.mjs — builds darkscope's report front end into files the C side embeds.
//
//   node build.mjs [--out DIR]        (default DIR: ../build/web)
//
// Writes three files into DIR:
//   report-template.html  one self-contained page: the CSS (uPlot's and ours), the
//                         bundled, minified JavaScript (uPlot, d3-geo, topojson-client,
//                         the Natural Earth 110m countries from world-atlas, and
//                         src/report.js) and the marker @@DS_DATA@@ where `darkscope
//                         report` puts the run's data. Nothing is loaded at run time.
//   centroids.csv         iso2,lat,lon,name: one point per country, for hosts whose
//                         geolocation has only a country. Derived here from the
//                         world-atlas 50m geometry (not typed by hand): the centroid
//                         (d3-geo geoCentroid) of the country's largest polygon, so
//                         that e.g. France is not pulled into the Atlantic by French
//                         Guiana nor the USA by Alaska and Hawaii.
//   land.txt              the 110m land polygons as integer centi-degrees, one ring
//                         per line ("lon lat lon lat ...", holes prefixed "h "),
//                         cut at the antimeridian, for the GIF movie drawn by
//                         libgd without a browser.
//
// The libraries come from the npm registry pinned by package-lock.json; nothing of
// them is committed. scripts/build-web.sh runs `npm ci` and this script.
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { geoArea, geoCentroid, geoEquirectangular, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const oi = args.indexOf('--out');
const out = resolve(oi >= 0 ? args[oi + 1] : join(here, '..', 'build', 'web'));
mkdirSync(out, { recursive: true });

const MARKER = '@@DS_DATA@@';

// Writes under a temporary name and renames, so a half-written file is never seen
// by CMake's embedding step.
function writeAtomic(path, text) {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

// ISO 3166-1 numeric (world-atlas feature ids) to alpha-2 (what geolocation
// databases give). Features without an id are territories with no ISO code; the
// one that MaxMind and ip-location-db nevertheless report is Kosovo, as XK.
function numericToAlpha2() {
  const codes = require('i18n-iso-countries/codes.json');
  const m = new Map();
  for (const [a2, , num] of codes) m.set(num, a2);
  return m;
}

function largestPolygon(f) {
  const g = f.geometry;
  if (!g) return null;
  if (g.type === 'Polygon') return g;
  let best = null, bestArea = -1;
  for (const coords of g.coordinates) {
    const p = { type: 'Polygon', coordinates: coords };
    const a = geoArea(p);
    if (a > bestArea) { bestArea = a; best = p; }
  }
  return best;
}

function buildCentroids() {
  const topo = require('world-atlas/countries-50m.json');
  const fc = feature(topo, topo.objects.countries);
  const a2 = numericToAlpha2();
  const extra = { Kosovo: 'XK' };
  const rows = new Map();
  for (const f of fc.features) {
    const code = f.id !== undefined ? a2.get(String(f.id).padStart(3, '0')) : extra[f.properties.name];
    if (!code || rows.has(code)) continue;
    const p = largestPolygon(f);
    if (!p) continue;
    const [lon, lat] = geoCentroid(p);
    const name = String(f.properties.name).replace(/[",\n\r]/g, ' ');
    rows.set(code, `${code},${lat.toFixed(3)},${lon.toFixed(3)},${name}`);
  }
  const sorted = [...rows.keys()].sort().map((k) => rows.get(k));
  writeAtomic(join(out, 'centroids.csv'), 'iso2,lat,lon,name\n' + sorted.join('\n') + '\n');
  const names = {};
  for (const k of rows.keys()) names[k] = rows.get(k).split(',').slice(3).join(',');
  return { count: sorted.length, names };
}

// Rings are recorded from d3-geo's equirectangular projection stream, which cuts
// polygons at the antimeridian (Russia, Fiji, Antarctica) so that a plain
// lon/lat drawing has no stray lines across the map. Holes (the Caspian Sea, ...)
// have the opposite winding of the largest ring and are written as "h" lines.
function buildLand() {
  const topo = require('world-atlas/land-110m.json');
  const land = feature(topo, topo.objects.land);
  const proj = geoEquirectangular().scale(180 / Math.PI).translate([0, 0]).precision(0);
  const rings = [];
  let cur = null;
  const rec = {
    moveTo(x, y) { cur = [[x, -y]]; rings.push(cur); },
    lineTo(x, y) { cur.push([x, -y]); },
    closePath() {},
    arc() {},
  };
  geoPath(proj, rec)(land);
  const area = (r) => r.reduce((a, [x, y], i) => {
    const [x2, y2] = r[(i + 1) % r.length];
    return a + x * y2 - x2 * y;
  }, 0) / 2;
  const areas = rings.map(area);
  const big = areas.reduce((m, a) => (Math.abs(a) > Math.abs(m) ? a : m), 0);
  const lines = rings.filter((r) => r.length >= 3).map((r, i) =>
    (Math.sign(areas[i]) !== Math.sign(big) ? 'h ' : '') +
    r.map(([x, y]) => `${Math.round(x * 100)} ${Math.round(y * 100)}`).join(' '));
  writeAtomic(join(out, 'land.txt'), lines.join('\n') + '\n');
  return lines.length;
}

async function buildPage(countryNames) {
  const js = await esbuild.build({
    entryPoints: [join(here, 'src', 'report.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    write: false,
    legalComments: 'none',
    define: { DS_COUNTRY_NAMES: JSON.stringify(countryNames) },
    loader: { '.json': 'json' },
  });
  const css = await esbuild.build({
    stdin: {
      contents: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') +
        '\n' + readFileSync(join(here, 'src', 'report.css'), 'utf8'),
      loader: 'css',
    },
    minify: true,
    write: false,
  });
  let code = js.outputFiles[0].text;
  let style = css.outputFiles[0].text;
  // esbuild already writes "<\/script" in strings; this makes sure no sequence can
  // close the inline <script>/<style> or open an HTML comment there.
  code = code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  style = style.replace(/<\/(style)/gi, '<\\/$1');
  if (code.includes(MARKER) || style.includes(MARKER)) throw new Error('marker inside the bundle');
  const tpl = readFileSync(join(here, 'src', 'report.html'), 'utf8');
  const page = tpl
    .replace('/*@@CSS@@*/', () => style)
    .replace('/*@@JS@@*/', () => code);
  if (page.split(MARKER).length !== 2) throw new Error('the template must hold the data marker once');
  writeAtomic(join(out, 'report-template.html'), page);
  return page.length;
}

const c = buildCentroids();
const rings = buildLand();
const size = await buildPage(c.names);
console.log(`web: ${out}/report-template.html ${(size / 1024).toFixed(0)} KiB, ` +
  `${c.count} country centroids, ${rings} land rings`);

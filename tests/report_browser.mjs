// report_browser.mjs — opens a report.html in headless Chromium (Debian's, driven by
// playwright-core from web/node_modules) with the network blocked, and checks what
// a person would see. Used by test_report.sh:
//
//   node report_browser.mjs REPORT.html SCREENSHOT.png [--movie] [--hostile] [--charts a,b,...]
//
// Checks: no console error and no page error; no request but the page itself (every
// other request is aborted and recorded); every chart container drawn (a canvas
// with non-background pixels, or an SVG with shapes) and the named charts present;
// with --movie, pressing Play advances the UTC time label and the number of circles
// grows; with --hostile, the fixture's hostile names appear as text and no markup
// from them ran or was created; --hostile-rdns checks only the <script> PTR name
// (for a real run whose bulk rDNS file holds it). Prints the load time; exits non-zero on failure.
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'web', 'package.json'));
const { chromium } = require('playwright-core');

const [reportPath, shotPath, ...flags] = process.argv.slice(2);
const wantMovie = flags.includes('--movie');
const wantHostile = flags.includes('--hostile');
const wantHostileRdns = flags.includes('--hostile-rdns'); // a real run: only the PTR name
const ci = flags.indexOf('--charts');
const wantCharts = ci >= 0 ? flags[ci + 1].split(',') : [];
const failures = [];
const fail = (m) => { failures.push(m); console.error('FAIL: ' + m); };

const exe = process.env.DS_CHROMIUM || '/usr/bin/chromium';
// playwright starts Chromium with a new empty profile of its own (--user-data-dir).
const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let code = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.setOffline(true);
  const page = await context.newPage();
  const url = pathToFileURL(resolve(reportPath)).href;
  const requests = [];
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));

  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  const loadMs = Date.now() - t0;
  const bytes = statSync(reportPath).size;
  console.log(`report: ${(bytes / 1e6).toFixed(2)} MB, loaded and rendered in ${loadMs} ms`);

  // Every chart is drawn: canvases have pixels other than their background, SVGs
  // have shapes.
  const charts = await page.evaluate(() => [...document.querySelectorAll('.ds-chart')].map((fig) => {
    const name = fig.dataset.chart;
    let drawn = false;
    for (const c of fig.querySelectorAll('canvas')) {
      if (!c.width || !c.height) continue;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const r0 = d[0], g0 = d[1], b0 = d[2], a0 = d[3];
      for (let i = 4; i < d.length; i += 4 * 7)
        if (d[i] !== r0 || d[i + 1] !== g0 || d[i + 2] !== b0 || d[i + 3] !== a0) { drawn = true; break; }
    }
    for (const s of fig.querySelectorAll('svg'))
      if (s.querySelectorAll('rect,path,line,circle').length > 0) drawn = true;
    return { name, drawn };
  }));
  for (const c of charts) if (!c.drawn) fail(`chart ${c.name} is empty`);
  for (const w of wantCharts) if (!charts.some((c) => c.name === w)) fail(`chart ${w} missing`);
  console.log(`charts: ${charts.map((c) => c.name).join(' ')}`);
  const failed = await page.locator('text=This section failed to render').count();
  if (failed) fail(`${failed} section(s) failed to render`);

  if (wantHostile || wantHostileRdns) {
    const res = await page.evaluate(() => {
      const cells = [...document.querySelectorAll('td')].map((td) => td.textContent);
      return {
        xss: window.__dsXss,
        scripts: document.querySelectorAll('script').length,
        imgs: document.querySelectorAll('img').length,
        bolds: document.querySelectorAll('#ds-root b').length,
        rdnsCell: cells.some((t) => t.includes('<script>window.__dsXss=1</script>.dsl.example.net')),
        asCell: cells.some((t) => t.includes('<img src=x onerror=window.__dsXss=2>')),
        sigText: document.body.textContent.includes('<b>sig</b>'),
        pathCell: cells.some((t) => t.includes('<script>x</script>.pcap')),
      };
    });
    if (res.xss !== undefined) fail('markup from the data ran');
    if (res.scripts !== 2) fail(`expected the 2 scripts of the page, found ${res.scripts}`);
    if (res.imgs !== 0 || res.bolds !== 0) fail('elements were created from data markup');
    if (!res.rdnsCell) fail('the <script> hostname is not shown as text');
    if (wantHostile) {
      if (!res.asCell) fail('the <img> AS name is not shown as text');
      if (!res.sigText) fail('the <b> signature name is not shown as text');
      if (!res.pathCell) fail('the <script> input path is not shown as text');
    }
  }

  if (wantMovie) {
    await page.locator('#movie').scrollIntoViewIfNeeded();
    const before = await page.evaluate(() => ({
      time: document.getElementById('ds-time').textContent,
      circles: Number(document.getElementById('ds-map').dataset.circles),
    }));
    await page.selectOption('#ds-speed', '16');
    await page.click('#ds-play');
    await page.waitForFunction((t) => document.getElementById('ds-time').textContent !== t, before.time, { timeout: 10000 });
    await page.waitForTimeout(1200);
    const after = await page.evaluate(() => ({
      time: document.getElementById('ds-time').textContent,
      circles: Number(document.getElementById('ds-map').dataset.circles),
      frame: Number(document.getElementById('ds-map').dataset.frame),
      count: document.getElementById('ds-count').textContent,
    }));
    console.log(`movie: ${before.time} (${before.circles} circles) -> ${after.time} (${after.circles} circles, frame ${after.frame}, ${after.count})`);
    if (after.time === before.time) fail('the time label did not advance');
    if (!(after.circles > before.circles)) fail('the number of circles did not grow');
    // The DoS layer draws too.
    if (await page.locator('#ds-show-victims').count()) await page.check('#ds-show-victims');
  }

  await page.screenshot({ path: shotPath, fullPage: true });
  if (errors.length) fail(`console errors: ${errors.join(' | ')}`);
  if (requests.length) fail(`network requests attempted: ${requests.join(' ')}`);
  await context.close();
} catch (e) {
  fail(String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
code = failures.length ? 1 : 0;
process.exit(code);

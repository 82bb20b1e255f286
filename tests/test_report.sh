#!/usr/bin/env bash
# test_report.sh — report.html end to end, in real headless Chromium (Debian's,
# driven by playwright-core from web/node_modules) with the network blocked:
#
# 1. `analyze` on the shipped sample capture writes report.html; it loads without
#    console errors or network requests and every chart is drawn.
# 2. A hand-made output directory (tests/report_fixture.mjs) with every file the
#    report reads and hostile names from the network (<script> in rDNS, <img
#    onerror> in an AS name, markup in a signature name and an input path):
#    `darkscope report --png` renders it, all names show as text, Play advances the
#    clock and the circles grow.
# 3. A tiny simulated outbreak (`darkscope simulate`), analysed and rendered.
# 4. Size: 200,000 hosts give a page of a few MB (aggregation on the C side).
#
# Screenshots and pages stay in ./report-test/ (the build directory under ctest) as
# artefacts. Missing node, Chromium or npm modules FAIL the test: the setup
# (scripts/install-deps.sh, scripts/build-web.sh) installs them.
set -euo pipefail

bin=${DS_BIN:?DS_BIN must name the darkscope binary}
src=${DS_SRC:?DS_SRC must name the source tree}
work=$PWD/report-test
rm -rf "$work"
mkdir -p "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node is missing (scripts/install-deps.sh installs nodejs)"
[ -x "${DS_CHROMIUM:-/usr/bin/chromium}" ] || fail "Chromium is missing (scripts/install-deps.sh installs chromium)"
[ -d "$src/web/node_modules/playwright-core" ] ||
  fail "web/node_modules is missing (scripts/build-web.sh runs npm ci)"
browser() { node "$src/tests/report_browser.mjs" "$@"; }

echo "== 1. analyze writes report.html (shipped sample capture)"
"$bin" analyze --quiet -o "$work/sample" --telescope east=198.18.0.0/16 \
  --telescope west=198.19.0.0/16 "$src/data/sample-telescope.pcap.gz"
[ -s "$work/sample/report.html" ] || fail "analyze did not write report.html"
browser "$work/sample/report.html" "$work/sample.png" \
  --charts traffic,worm-cumulative,worm-rate,dos-timeline,dos-duration,dos-rate

echo "== 2. hand-made directory with hostile names"
node "$src/tests/report_fixture.mjs" "$work/fixture"
"$bin" report --png "$work/fixture"
for f in report.html traffic.png cumulative_hosts.png; do
  [ -s "$work/fixture/$f" ] || fail "report --png did not write $f"
done
[ "$(head -c 8 "$work/fixture/traffic.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  fail "traffic.png is not a PNG"
if grep -q '<script>window.__dsXss' "$work/fixture/report.html"; then
  fail "a hostname's <script> reached the HTML unescaped"
fi
browser "$work/fixture/report.html" "$work/fixture.png" --movie --hostile \
  --charts traffic,worm-cumulative,worm-rate,breakdown-countries,breakdown-tlds,breakdown-asns,breakdown-categories,dos-timeline,dos-duration,dos-rate,scanner-ports
# An empty directory renders too: every section says it has no data.
mkdir -p "$work/empty"
"$bin" report "$work/empty"
browser "$work/empty/report.html" "$work/empty.png"

echo "== 3. a tiny simulated outbreak"
{ # (always: simulate is part of darkscope; the braces only group the section)
  cat >"$work/tiny.json" <<'EOF'
{
  "name": "tiny-outbreak",
  "description": "a small random-scanning worm and one attack seen by a /16 (test_report.sh)",
  "start": "2001-07-19T10:00:00Z",
  "duration": "40m",
  "monitors": { "east": ["198.18.0.0/16"] },
  "worm": { "name": "codered", "protocol": "tcp", "port": 80, "vulnerable": 5000, "initial": 40,
            "initial_at": "2001-07-19T10:00:00Z", "scan_rate": 1000, "scan_rate_sigma": 0.3 },
  "attacks": [ {"victim": "24.12.80.7", "start": "2001-07-19T10:05:00Z", "duration": "10m",
                "rate": 300000, "response": "syn-ack", "port": 80} ]
}
EOF
  "$bin" simulate --quiet -o "$work/sim" "$work/tiny.json"
  # Real PTR data is untrusted: the victim and the first infected hosts get hostile
  # names through a bulk rDNS file, and the page of this real run must show them as text.
  {
    echo "ip,name"
    echo "24.12.80.7,<script>window.__dsXss=1</script>.dsl.example.net"
    sed -n '2,6p' "$work/sim/truth/hosts.csv" | cut -d, -f1 | sed 's/$/,=1+2.dsl.example.net/'
  } > "$work/hostile-rdns.csv"
  "$bin" analyze --quiet -o "$work/sim-out" --telescope east=198.18.0.0/16 \
    --rdns "$work/hostile-rdns.csv" "$work"/sim/*.pcap*
  [ -s "$work/sim-out/report.html" ] || fail "no report.html for the simulated run"
  grep -q '<script>window.__dsXss' "$work/sim-out/report.html" &&
    fail "the victim's <script> PTR name reached report.html unescaped"
  grep -q ',"<script>window.__dsXss=1</script>.dsl.example.net",' "$work/sim-out/attacks.csv" ||
    grep -q ',<script>window.__dsXss=1</script>.dsl.example.net,' "$work/sim-out/attacks.csv" ||
    fail "attacks.csv does not carry the victim's PTR name verbatim"
  grep -qF "'=1+2.dsl.example.net" "$work/sim-out/hosts.csv" && ! grep -qE '(^|,)=1\+2' "$work/sim-out/hosts.csv" ||
    fail "hosts.csv: a PTR name starting with = is not defused with a leading '"
  browser "$work/sim-out/report.html" "$work/sim.png" --charts traffic --hostile-rdns
}

echo "== 4. page size with 200,000 hosts"
node -e '
const fs = require("fs"); const dir = process.argv[1]; fs.mkdirSync(dir, { recursive: true });
const T0 = 995500800, out = ["ip,signature,first_seen,last_seen,packets,monitors,first_monitor,country,lat,lon"];
let seed = 1; const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
for (let i = 0; i < 200000; i++) {
  const u = Math.min(0.999999, Math.max(1e-6, rnd())), t = T0 + 43200 + Math.log(u / (1 - u)) * 3600;
  const f = Math.min(T0 + 86399, Math.max(T0, t));
  out.push(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255},codered,${f.toFixed(6)},${Math.min(T0 + 86399, f + rnd() * 7200).toFixed(6)},4,a,a,US,${(rnd() * 120 - 50).toFixed(4)},${(rnd() * 340 - 170).toFixed(4)}`);
}
fs.writeFileSync(dir + "/hosts.csv", out.join("\n") + "\n");' "$work/large"
"$bin" report "$work/large"
size=$(stat -c %s "$work/large/report.html")
echo "200,000 hosts: report.html is $size bytes"
[ "$size" -lt 6000000 ] || fail "report.html of 200,000 hosts is $size bytes (limit 6 MB)"
browser "$work/large/report.html" "$work/large.png" --movie

echo "test_report: all checks passed; screenshots in $work"

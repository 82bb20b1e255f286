#!/usr/bin/env bash
# Report benchmark (issue: the report and the movie): one million infected hosts.
# Writes an output directory whose hosts.csv holds N hosts (default 1,000,000) with
# first sightings spread over a day along a logistic curve and random locations,
# then measures `darkscope report DIR` (the C side aggregates hosts to locations and
# frames), the size of report.html, and its load-and-render time in headless
# Chromium (tests/report_browser.mjs, network blocked, the movie played). Baseline
# measured in the same run: the same for an empty output directory (the page with
# no data), so the ratio says what the million hosts add. Prints a Markdown table.
#   bench/bench_report.sh [HOSTS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
DIR=${BENCH_DIR:-/tmp/darkscope-bench-report}
bdir=${BENCH_BUILD:-build-release}
scripts/install-deps.sh
DS_BUILD_DIR=$bdir scripts/build.sh -DCMAKE_BUILD_TYPE=Release > /dev/null
B=$bdir/darkscope
rm -rf "$DIR"
mkdir -p "$DIR/large" "$DIR/empty"
node -e '
const fs = require("fs"), [dir, n] = [process.argv[1], Number(process.argv[2])];
const T0 = 995500800, fd = fs.openSync(dir + "/hosts.csv", "w");
fs.writeSync(fd, "ip,signature,first_seen,last_seen,packets,monitors,first_monitor,country,lat,lon\n");
let seed = 1, buf = [];
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
for (let i = 0; i < n; i++) {
  const u = Math.min(0.999999, Math.max(1e-6, rnd()));
  const f = Math.min(T0 + 86399, Math.max(T0, T0 + 43200 + Math.log(u / (1 - u)) * 3600));
  buf.push(`10.${i >> 16 & 255}.${(i >> 8) & 255}.${i & 255},codered,${f.toFixed(6)},` +
    `${Math.min(T0 + 86399, f + rnd() * 7200).toFixed(6)},4,a,a,US,` +
    `${(rnd() * 120 - 50).toFixed(4)},${(rnd() * 340 - 170).toFixed(4)}`);
  if (buf.length === 65536) { fs.writeSync(fd, buf.join("\n") + "\n"); buf = []; }
}
if (buf.length) fs.writeSync(fd, buf.join("\n") + "\n");
fs.closeSync(fd);' "$DIR/large" "$N"

rtime() { /usr/bin/time -f "%e %M" "$B" report "$1" 2>&1 > /dev/null | tail -1; }
load_ms() { # DIR [browser flags]: the page's load-and-render time in ms
  local d=$1; shift
  { node tests/report_browser.mjs "$d/report.html" "$d.png" "$@" 2>&1 || true; } |
    sed -n 's/.*rendered in \([0-9]*\) ms.*/\1/p'
}
read -r we me < <(rtime "$DIR/empty")
read -r wl ml < <(rtime "$DIR/large")
le=$(load_ms "$DIR/empty")
ll=$(load_ms "$DIR/large" --movie)
size=$(stat -c %s "$DIR/large/report.html")
echo "| hosts | report s | report peak RSS | report.html | load+render ms | empty page ms | ratio |"
echo "|---|---|---|---|---|---|---|"
awk -v n="$N" -v w="$wl" -v m="$ml" -v s="$size" -v l="$ll" -v e="$le" \
  'BEGIN { printf "| %d | %s | %d MiB | %.2f MB | %d | %d | %.2f |\n", n, w, m / 1024, s / 1e6, l, e, l / e }'

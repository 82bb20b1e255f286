#!/usr/bin/env bash
# Simulator benchmark (issue: simulate). Times `darkscope simulate codered-2001`
# (24 hours, monitors ucsd /8 + lbl 2x/16, about 218 million packets) written as
# uncompressed pcap and as zstd, and, as a baseline measured in the same run on the
# same machine, `zstd -1 -T<cpus>` (the writer's level and threads, at most 4)
# compressing the uncompressed capture alone: what compression costs by itself.
# Writes the figures into bench/README.md (simulator section) and prints them.
#   bench/bench_sim.sh [DURATION]   (default: the preset's 24h; needs ~18 GB in $BENCH_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:-/tmp/darkscope-bench-sim}
DUR=${1:-}
mkdir -p "$DIR"
scripts/install-deps.sh
for pkg in time zstd; do # bench-only tools
  dpkg-query -W -f='${Status}' $pkg 2>/dev/null | grep -q "ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkg >/dev/null
done
# BENCH_BUILD: the build directory (default build-release), e.g. one's own tree's.
bdir=${BENCH_BUILD:-build-release}
DS_BUILD_DIR=$bdir scripts/build.sh -DCMAKE_BUILD_TYPE=Release
B=$bdir/darkscope
extra=()
[ -n "$DUR" ] && extra=(--duration "$DUR")

run() { # label, then the command; prints "wall user rss"
  local out
  out=$( { /usr/bin/time -f "%e %U %M" "$@" > /dev/null; } 2>&1 | tail -1)
  echo "$out"
}
rm -rf "$DIR/raw" "$DIR/zst"
# The machine is shared: the 1-minute load average before and after the runs says
# how much of the wall time was waiting for a core (CPU s is unaffected).
load0=$(cut -d' ' -f1 /proc/loadavg)
read -r w1 u1 m1 < <(run "$B" simulate -q codered-2001 -o "$DIR/raw" "${extra[@]}")
read -r w2 u2 m2 < <(run "$B" simulate -q --compress zstd codered-2001 -o "$DIR/zst" "${extra[@]}")
zt=$(nproc); [ "$zt" -gt 4 ] && zt=4
read -r w3 u3 _ < <(run zstd -q -1 -T"$zt" -f "$DIR/raw/ucsd.pcap" -o "$DIR/baseline.zst")
pk=$(python3 -c "import json;print(json.load(open('$DIR/raw/truth/scenario.json'))['packets'])")
sz1=$(du -cb "$DIR"/raw/*.pcap | tail -1 | cut -f1)
sz2=$(du -cb "$DIR"/zst/*.pcap.zst | tail -1 | cut -f1)
cmp -s "$DIR/raw/truth/hosts.csv" "$DIR/zst/truth/hosts.csv" || echo "warning: truth differs between runs"
load1=$(cut -d' ' -f1 /proc/loadavg)
cores=$(nproc)
when=$(date -u +%Y-%m-%d)
mpps() { python3 -c "print(f'{$pk/$1/1e6:.1f}')"; }
gb() { python3 -c "print(f'{$1/1e9:.1f}')"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
table=$(cat <<EOT
Measured $when on $cores cores ($(uname -m)), \`bench/bench_sim.sh${DUR:+ $DUR}\`: codered-2001,
${pk} packets; load average $load0 before the runs, $load1 after.

| run | wall s | CPU s | Mpps | output | peak RSS |
|---|---|---|---|---|---|
| simulate, uncompressed pcap | $w1 | $u1 | $(mpps "$w1") | $(gb "$sz1") GB | $((m1 / 1024)) MiB |
| simulate, \`--compress zstd\` | $w2 | $u2 | $(mpps "$w2") | $(gb "$sz2") GB | $((m2 / 1024)) MiB |
| baseline: \`zstd -1 -T$zt\` on the uncompressed ucsd capture | $w3 | $u3 | | | |

zstd run / zstd baseline: $(ratio "$w2" "$w3")x. Generation runs on one thread, the
capture writer on another, and ds_pcap_writer's zstd (level 1) on $zt libzstd worker
threads; "CPU s" is user time of all threads.
EOT
)
python3 - "$table" <<'PY'
import re, sys
path = "bench/README.md"
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmarks\n"
begin, end = "<!-- bench_sim:begin -->", "<!-- bench_sim:end -->"
block = begin + "\n" + sys.argv[1] + "\n" + end
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n## Simulator (`bench/bench_sim.sh`)\n\n" + block + "\n"
open(path, "w").write(text)
PY
echo "$table"

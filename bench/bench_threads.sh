#!/usr/bin/env bash
# Threads benchmark (issue 8, "One machine"): `darkscope analyze -j 1` (the
# single-threaded path, the baseline) against `-j 2` and `-j` every core, in the
# same run on the same machine, on the bench capture of bench/run.sh
# (bench/bench_gen.c: one synthetic hour of a /8, default 20 M packets), every
# analyzer on. Each figure is the median of REPS runs (default 3) with the capture
# in the page cache and the outputs on tmpfs (so disk writes do not blur them).
# DS_RUN_TIMES splits each run into analysis (reading, decoding and the analyzers),
# merging the threads' states (only starting the merges: each goes on under the
# outputs, until its analyzer writes), and outputs (the files and report.html,
# written on the -j threads too).
# It also gives the CPU seconds of the analysis per thread (the reading thread and
# each worker): on a shared machine the wall times mean little, so the table also
# gives what the analysis would take on idle cores, max(CPU sum / cores, the
# busiest thread's CPU), and that speed-up.
# The outputs of every -j are checked identical to -j 1's (as tests/test_threads.sh).
# Fuzzers pause meanwhile (/tmp/ds-bench-active.*). Writes the table into
# bench/README.md ("Threads") and prints it.
#   bench/bench_threads.sh [PACKETS]
#   DS_BUILD_DIR: the build (default build-release, configured Release and built
#   here when missing); BENCH_DIR: where the capture is (default as bench/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000000}
DIR=${BENCH_DIR:-/tmp/darkscope-bench}
REPS=${REPS:-3}
B=${DS_BUILD_DIR:-build-release}
[ -x "$B/darkscope" ] || DS_BUILD_DIR=$B scripts/build.sh -DCMAKE_BUILD_TYPE=Release
mkdir -p "$DIR"
CAP="$DIR/bench-$N.pcap"
[ -s "$CAP" ] || "$B/bench_gen" "$N" "$CAP"
OUT=$(mktemp -d /dev/shm/darkscope-bench-threads.XXXXXX 2> /dev/null || mktemp -d)
MARK=/tmp/ds-bench-active.bench-threads-$$
trap 'rm -rf "$OUT" "$MARK"' EXIT
touch "$MARK"
cat "$CAP" > /dev/null # into the page cache

cores=$(nproc)
JS="1 2"
[ "$cores" -gt 2 ] && JS="$JS $cores"
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
declare -A wall ana mrg outp cpu est
for j in $JS; do
  for _ in $(seq "$REPS"); do
    rm -rf "$OUT/j$j"
    s=$(date +%s.%N)
    DS_RUN_TIMES=1 "$B/darkscope" analyze -q -j "$j" --telescope ucsd=44.0.0.0/8 \
      -o "$OUT/j$j/out" "$CAP" 2> "$OUT/times"
    e=$(date +%s.%N)
    # wall analysis merge outputs cpu-sum cpu-estimate-on-idle-cores
    echo "$(echo "$e - $s" | bc -l) $(sed -n 's/.*analysis \([0-9.]*\) s, merging threads \([0-9.]*\) s, outputs \([0-9.]*\) s; analysis CPU s: \(.*\)/\1 \2 \3 \4/p' "$OUT/times" |
      awk -v c="$cores" '{s = 0; m = 0; for (i = 4; i <= NF; i++) {s += $i; if ($i > m) m = $i}
                          e = s / c > m ? s / c : m; print $1, $2, $3, s, e}')"
  done > "$OUT/runs$j"
  wall[$j]=$(cut -d' ' -f1 "$OUT/runs$j" | median)
  ana[$j]=$(cut -d' ' -f2 "$OUT/runs$j" | median)
  mrg[$j]=$(cut -d' ' -f3 "$OUT/runs$j" | median)
  outp[$j]=$(cut -d' ' -f4 "$OUT/runs$j" | median)
  cpu[$j]=$(cut -d' ' -f5 "$OUT/runs$j" | median)
  est[$j]=$(cut -d' ' -f6 "$OUT/runs$j" | median)
  # Keep only the first and this run's outputs (tmpfs is memory).
  if [ "$j" != 1 ]; then
    for f in $(cd "$OUT/j1/out" && ls); do
      case $f in
        summary.json) cmp -s <(jq -S 'del(.command_line)' "$OUT/j1/out/$f") <(jq -S 'del(.command_line)' "$OUT/j$j/out/$f") ;;
        report.html) cmp -s <(sed 's/"command_line":\[[^]]*\]//g' "$OUT/j1/out/$f") <(sed 's/"command_line":\[[^]]*\]//g' "$OUT/j$j/out/$f") ;;
        attacks.ndjson) cmp -s <(sort "$OUT/j1/out/$f") <(sort "$OUT/j$j/out/$f") ;;
        *) cmp -s "$OUT/j1/out/$f" "$OUT/j$j/out/$f" ;;
      esac || { echo "DIFFERENT: -j $j: $f"; exit 1; }
    done
    rm -rf "$OUT/j$j"
  fi
done
hosts=$(jq -r '.worm.hosts_tracked' "$OUT/j1/out/summary.json")
bph=$(jq -r '.worm.bytes_per_host' "$OUT/j1/out/summary.json")

r() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
f2() { printf %.2f "$1"; }
rows=""
for j in $JS; do
  rows+="| \`-j $j\` | $(f2 "${wall[$j]}") | $(r "${wall[1]}" "${wall[$j]}")x | $(f2 "$(echo "$N / ${wall[$j]} / 1000000" | bc -l)") | $(f2 "${ana[$j]}") | $(r "${ana[1]}" "${ana[$j]}")x | $(f2 "${cpu[$j]}") | $(f2 "${est[$j]}") | $(r "${est[1]}" "${est[$j]}")x | $(f2 "${mrg[$j]}") | $(f2 "${outp[$j]}") |"$'\n'
done
section=$(cat <<EOT
<!-- bench_threads:begin -->
Measured $(date -u +%Y-%m-%d) on $cores cores ($(uname -m)), \`DS_BUILD_DIR=$B bench/bench_threads.sh $N\`:
$N packets (bench_gen), every analyzer, outputs on tmpfs, median of $REPS runs; outputs
checked identical to \`-j 1\`'s. The worm analyzer tracked $hosts hosts at $bph bytes per
host (summary.json \`worm.bytes_per_host\`). "Analysis CPU s" adds the reading thread's and the
workers' CPU seconds; "analysis on idle cores" is max(that / $cores cores, the busiest thread's
CPU seconds): what the analysis takes when nothing else runs (the wall figures include the
other users of the shared machine). "Merging threads" is the time to start the merges of
the shards, which go on while the outputs are written (counted in "outputs").

| run | wall s | speed-up | Mpps | analysis s | analysis speed-up | analysis CPU s | analysis on idle cores s | its speed-up | merging threads s | outputs s |
|---|---|---|---|---|---|---|---|---|---|---|
${rows}
Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared).
<!-- bench_threads:end -->
EOT
)
echo "$section"
python3 - "$section" <<'EOF'
import re, sys
p = "bench/README.md"
s = open(p).read()
sec = sys.argv[1]
if "<!-- bench_threads:begin -->" in s:
    s = re.sub(r"<!-- bench_threads:begin -->.*?<!-- bench_threads:end -->", lambda m: sec, s, flags=re.S)
else:
    s = s.rstrip("\n") + "\n\n## Threads (`bench/bench_threads.sh`, issue 8)\n\n" \
        "`darkscope analyze -j N` against `-j 1` on the bench capture (docs/SCALE.md, " \
        "\"Threads\").\n\n" + sec + "\n"
open(p, "w").write(s)
EOF

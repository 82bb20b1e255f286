#!/usr/bin/env bash
# MPI benchmark (issue: scale). A simulated telescope (default: the codered-2001
# preset's first 12 hours, monitors ucsd /8 and lbl 2x/16, every analyzer on) cut
# into 12 files per monitor at common instants (packet-count twelfths of ucsd, as a
# size-based rotation would); times, in the same run on the same machine:
#   - one process, one thread: `darkscope analyze -j 1` over all files (the
#     baseline), and the same with every core (`-j $(nproc)`, issue 8's threads);
#   - `mpirun -np K darkscope analyze --mpi` for K = 1, 2, 3 (localhost; a rank
#     runs one thread by default);
#   - merge: `darkscope merge` of 3 states made by `analyze --state` over thirds.
# Each is the median of REPS runs (default 3). Reports ratios to the baseline and
# writes them into bench/README.md (MPI section) and prints them. The outputs of
# every configuration are checked identical to the baseline's (as tests/test_mpi.sh).
#   bench/bench_mpi.sh [PRESET [DURATION]]   (default codered-2001 720m)
#   BENCH_BUILD: build directory with MPI (default build-mpi); BENCH_DIR: scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:-/tmp/darkscope-bench-mpi}
PRESET=${1:-codered-2001}
DUR=${2:-720m}
REPS=${REPS:-3}
bdir=${BENCH_BUILD:-build-mpi}
B=$bdir/darkscope
[ -x "$B" ] || { echo "build $bdir first (cmake -B $bdir && make -C $bdir darkscope)"; exit 1; }
if "$B" analyze --mpi 2>&1 | grep -q "built without MPI"; then
  echo "$B was built without MPI"; exit 1
fi
MPIRUN=$(command -v mpirun)
rm -rf "$DIR"
mkdir -p "$DIR"
"$B" simulate -q --duration "$DUR" -o "$DIR/sim" "$PRESET"
python3 - "$DIR" <<'EOF'
import struct, sys
D = sys.argv[1]
def records(mon):
    d = open(f"{D}/sim/{mon}.pcap", "rb").read()
    e = "<" if struct.unpack("<I", d[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    div = 1e9 if struct.unpack(e + "I", d[:4])[0] == 0xA1B23C4D else 1e6
    off, recs = 24, []
    while off + 16 <= len(d):
        s, frac, cl, _ = struct.unpack_from(e + "IIII", d, off)
        recs.append((s + frac / div, off, 16 + cl))
        off += 16 + cl
    return d, recs
d, recs = records("ucsd")
cuts = [recs[len(recs) * k // 12][0] for k in range(1, 12)]
import bisect
for mon in ("ucsd", "lbl"):
    if mon == "lbl":
        d, recs = records(mon)
    outs = [open(f"{D}/{mon}-{i:02d}.pcap", "wb") for i in range(12)]
    for o in outs:
        o.write(d[:24])
    for t, o, n in recs:
        outs[bisect.bisect_right(cuts, t)].write(d[o:o + n])
EOF
TEL=$(python3 -c "import json;m=json.load(open('$DIR/sim/truth/scenario.json'));m=m.get('scenario',m)['monitors'];print(' '.join('--telescope %s=%s'%(k,','.join(v)) for k,v in m.items()))")
FILES=()
for i in $(seq -w 0 11); do FILES+=("$DIR/ucsd-$i.pcap" "$DIR/lbl-$i.pcap"); done
packets=$(python3 -c "import json;print(json.load(open('$DIR/sim/truth/scenario.json'))['packets'])")

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
timeit() { # timeit CMD...: median wall seconds over REPS runs (stderr of the last in $DIR/err)
  for _ in $(seq "$REPS"); do
    local a b
    a=$(now); "$@" > /dev/null 2> "$DIR/err"; b=$(now)
    echo "$b - $a" | bc -l
  done | median
}
same() { # same DIR: outputs as the baseline's (command line and ndjson order aside)
  local f
  # (report.html's title is the output directory's name: all are named "out")
  for f in $(cd "$DIR/one/out" && ls); do
    case $f in
      summary.json) cmp -s <(jq -S 'del(.command_line)' "$DIR/one/out/$f") <(jq -S 'del(.command_line)' "$1/$f") ;;
      report.html) cmp -s <(sed 's/"command_line":\[[^]]*\]//g' "$DIR/one/out/$f") <(sed 's/"command_line":\[[^]]*\]//g' "$1/$f") ;;
      attacks.ndjson) cmp -s <(sort "$DIR/one/out/$f") <(sort "$1/$f") ;;
      *) cmp -s "$DIR/one/out/$f" "$1/$f" ;;
    esac || { echo "DIFFERENT: $1/$f"; return 1; }
  done
}

t1=$(timeit /usr/bin/time -f "rank cpu %U %S rss %M" "$B" analyze -q -j 1 $TEL -o "$DIR/one/out" "${FILES[@]}")
cpu1=$(awk '/^rank cpu/ {printf "%.1f s CPU, %.0f MiB", $3 + $4, $6 / 1024}' "$DIR/err")
bph=$(jq -r 'if .worm.bytes_per_host then "\(.worm.hosts_tracked) worm hosts at \(.worm.bytes_per_host * 10 | round / 10) bytes per tracked host" else "no worm host tracked" end' "$DIR/one/out/summary.json")
tj=$(timeit /usr/bin/time -f "rank cpu %U %S rss %M" "$B" analyze -q -j "$(nproc)" $TEL -o "$DIR/threads/out" "${FILES[@]}")
cpuj=$(awk '/^rank cpu/ {printf "%.1f s CPU, %.0f MiB", $3 + $4, $6 / 1024}' "$DIR/err")
same "$DIR/threads/out"
declare -A tm
for np in 1 2 3; do
  # /usr/bin/time per rank: its CPU seconds and peak memory (memory per rank).
  tm[$np]=$(DS_MPI_TIMES=1 timeit "$MPIRUN" --allow-run-as-root --oversubscribe -np $np \
    /usr/bin/time -f "rank cpu %U %S rss %M" "$B" analyze -q --mpi $TEL -o "$DIR/mpi$np/out" "${FILES[@]}")
  cp "$DIR/err" "$DIR/times$np.txt"
  same "$DIR/mpi$np/out"
done
# Merge: states of three thirds (8 files each), then `darkscope merge`.
for p in 0 1 2; do
  "$B" analyze -q $TEL -o "$DIR/p$p" --state "$DIR/p$p.state" "${FILES[@]:$((p * 8)):8}"
done
tmerge=$(timeit "$B" merge -q -o "$DIR/merged/out" "$DIR/p0.state" "$DIR/p1.state" "$DIR/p2.state")
same "$DIR/merged/out"
ssize=$(du -cb "$DIR"/p?.state | tail -1 | cut -f1)
insize=$(du -cb "${FILES[@]}" | tail -1 | cut -f1)

r() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
cores=$(nproc)
rows=""
for np in 1 2 3; do
  ranks=$(awk '/^rank cpu/ {printf "%s%.1f s / %.0f MiB", sep, $3 + $4, $6 / 1024; sep = "; "}' "$DIR/times$np.txt")
  rows+="| \`mpirun -np $np ... --mpi\` | $(printf %.2f "${tm[$np]}") | $(r "$t1" "${tm[$np]}")x | $ranks |"$'\n'
done
split3=$(grep -- "--mpi: 3 ranks" "$DIR/times3.txt" | sed 's/^darkscope: --mpi: //' || true)
section=$(cat <<EOT
<!-- bench_mpi:begin -->
Measured $(date -u +%Y-%m-%d) on $cores cores ($(uname -m)), \`bench/bench_mpi.sh $PRESET $DUR\`:
$packets packets in 24 files ($((insize / 1000000)) MB), every analyzer on, median of $REPS runs;
outputs checked identical to the one-process run; $bph.

| run | wall s | speed-up vs one process | per process: CPU s / peak RSS |
|---|---|---|---|
| \`analyze -j 1\`, one process, one thread (baseline) | $(printf %.2f "$t1") | 1.00x | $cpu1 |
| \`analyze -j $cores\`, one process, every core | $(printf %.2f "$tj") | $(r "$t1" "$tj")x | $cpuj |
${rows}| \`merge\` of 3 states (thirds; $((ssize / 1000000)) MB of state) | $(printf %.2f "$tmerge") | merge / baseline: $(r "$tmerge" "$t1") | |

Split of the 3-rank run (rank 0's clocks): $split3.
Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared).
With ${cores} cores, 3 ranks oversubscribe it; \`mpirun\` start-up is in every MPI figure.
<!-- bench_mpi:end -->
EOT
)
echo "$section"
python3 - "$section" <<'EOF'
import re, sys
p = "bench/README.md"
s = open(p).read()
sec = sys.argv[1]
if "<!-- bench_mpi:begin -->" in s:
    s = re.sub(r"<!-- bench_mpi:begin -->.*?<!-- bench_mpi:end -->", lambda m: sec, s, flags=re.S)
else:
    s = s.rstrip("\n") + "\n\n## MPI and merge (`bench/bench_mpi.sh`)\n\n" \
        "`darkscope analyze --mpi` under `mpirun` on localhost against one process, and " \
        "`darkscope merge` (docs/SCALE.md).\n\n" + sec + "\n"
open(p, "w").write(s)
EOF

#!/usr/bin/env bash
# Worm tracking cost (issue 4): throughput of read+decode+classify alone versus the
# same with the worm analyzer, in one process, best of ROUNDS, on a bench capture
# whose Code-Red probes (SYN to port 80) come from HOSTS distinct hosts.
#   bench/bench_worm.sh [PACKETS] [HOSTS] [ROUNDS]   (defaults 20000000, 1000000, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000000}
H=${2:-1000000}
ROUNDS=${3:-3}
DIR=${BENCH_DIR:-/tmp/darkscope-bench}
B=${DS_BUILD_DIR:-build-release}
mkdir -p "$DIR"
if [ ! -x "$B/bench_worm" ]; then
  cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$B" -j"$(nproc)" --target bench_gen bench_worm >/dev/null
fi
CAP="$DIR/bench-$N-worm$H.pcap"
[ -s "$CAP" ] || "$B/bench_gen" "$N" "$CAP" "$H"
cat "$CAP" > /dev/null # into the page cache
"$B/bench_worm" "$CAP" "$ROUNDS"

#!/usr/bin/env bash
# DoS analysis cost (issue 3): throughput of read+decode+classify alone versus the
# same with the DoS analyzer, in one process, best of ROUNDS, on the bench capture
# (bench_gen: one synthetic hour of a /8, 10% backscatter from 300 victims).
#   bench/bench_dos.sh [PACKETS] [ROUNDS]   (defaults 5000000, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000000}
ROUNDS=${2:-3}
DIR=${BENCH_DIR:-/tmp/darkscope-bench}
B=${DS_BUILD_DIR:-build-release}
mkdir -p "$DIR"
if [ ! -x "$B/bench_dos" ]; then
  cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$B" -j"$(nproc)" --target bench_gen bench_dos >/dev/null
fi
CAP="$DIR/bench-$N.pcap"
[ -s "$CAP" ] || "$B/bench_gen" "$N" "$CAP"
cat "$CAP" > /dev/null # into the page cache
"$B/bench_dos" "$CAP" "$ROUNDS"

#!/usr/bin/env bash
# darkscope throughput benchmark (issue: foundation). Measures, in one run on the
# same machine, so that only ratios matter:
#   (a) a minimal libpcap pcap_next_ex loop that only counts packets (baseline)
#   (b) darkscope analyze --analyzers series (classification, signatures, series:
#       issue 2's workload) on the uncompressed capture, and on its zstd and gzip
#       versions; (b+) the same with every registered analyzer
#   (c) zstd -dc > /dev/null on the zstd version
#   peak RSS of (b) on this capture and on one a quarter its size (issue 2: memory
#   must not grow with the file)
# Each figure is the best of 3 runs with the files in the page cache.
#   bench/run.sh [PACKETS]   (default 20000000; needs ~2 GB in $BENCH_DIR)
# DS_BUILD_DIR picks the build (default build-release, configured and built here).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000000}
DIR=${BENCH_DIR:-/tmp/darkscope-bench}
mkdir -p "$DIR"
scripts/install-deps.sh
for pkg in time bc; do # bench-only tools
  dpkg-query -W -f='${Status}' $pkg 2>/dev/null | grep -q "ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkg >/dev/null
done
B=${DS_BUILD_DIR:-build-release}
DS_BUILD_DIR=$B scripts/build.sh -DCMAKE_BUILD_TYPE=Release
CAP="$DIR/bench-$N.pcap"
[ -s "$CAP" ] || "$B/bench_gen" "$N" "$CAP"
[ -s "$CAP.zst" ] || zstd -q -3 -T2 -f "$CAP" -o "$CAP.zst"
[ -s "$CAP.gz" ] || gzip -1 -c "$CAP" > "$CAP.gz"
Q=$((N / 4))
CAPQ="$DIR/bench-$Q.pcap"
[ -s "$CAPQ" ] || "$B/bench_gen" "$Q" "$CAPQ"
cat "$CAP" "$CAP.zst" "$CAP.gz" "$CAPQ" > /dev/null   # into the page cache

best() { # best wall time of 3 runs of a command, in seconds
  local b=999999
  for _ in 1 2 3; do
    local s e t
    s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    b=$(echo "if ($t < $b) $t else $b" | bc -l)
  done
  printf '%.3f' "$b"
}
TEL=(--telescope ucsd=44.0.0.0/8 --analyzers series)
ALL=(--telescope ucsd=44.0.0.0/8)
ta=$(best "$B/pcap_count" "$CAP")
tb=$(best "$B/darkscope" analyze -q -o "$DIR/out" "${TEL[@]}" "$CAP")
tbz=$(best "$B/darkscope" analyze -q -o "$DIR/outz" "${TEL[@]}" "$CAP.zst")
tbg=$(best "$B/darkscope" analyze -q -o "$DIR/outg" "${TEL[@]}" "$CAP.gz")
tball=$(best "$B/darkscope" analyze -q -o "$DIR/outa" "${ALL[@]}" "$CAP")
tc=$(best zstd -dc "$CAP.zst")
mem=""
memq=""
if [ -x /usr/bin/time ]; then
  mem=$(/usr/bin/time -f %M "$B/darkscope" analyze -q -o "$DIR/out" "${TEL[@]}" "$CAP" 2>&1 >/dev/null | tail -1)
  memq=$(/usr/bin/time -f %M "$B/darkscope" analyze -q -o "$DIR/out" "${TEL[@]}" "$CAPQ" 2>&1 >/dev/null | tail -1)
fi
r() { echo "scale=2; $1 / $2" | bc -l; }
echo "packets:                         $N"
echo "(a) libpcap pcap_next_ex count:  ${ta}s  ($(echo "scale=1; $N / $ta / 1000000" | bc -l) Mpps)"
echo "(b) darkscope, uncompressed:     ${tb}s  ($(echo "scale=1; $N / $tb / 1000000" | bc -l) Mpps)  speed vs (a): $(r "$ta" "$tb")x"
echo "(b) darkscope, zstd:             ${tbz}s  time vs (c): $(r "$tbz" "$tc")x"
echo "(b) darkscope, gzip:             ${tbg}s"
echo "(b+) every analyzer, uncompressed: ${tball}s  ($(echo "scale=1; $N / $tball / 1000000" | bc -l) Mpps)"
echo "(c) zstd -dc:                    ${tc}s"
[ -n "$mem" ] && echo "peak RSS (b), $N packets:  ${mem} KiB;  $Q packets: ${memq} KiB"

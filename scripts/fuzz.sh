#!/usr/bin/env bash
# fuzz.sh [SECONDS] — builds the libFuzzer harnesses (fuzz/fuzz_*.c) with clang,
# ASan and UBSan in build-fuzz, and runs each for SECONDS (default 60) on its seed
# corpus plus whatever earlier runs found (build-fuzz/corpus/<harness>/). Any crash,
# leak, sanitizer report, timeout or out-of-memory fails the script; the input that
# caused it is left in build-fuzz/artifacts/. docs/FUZZING.md explains the harnesses.
# scripts/test.sh gives 25 s each (10 harnesses: about 4.5 minutes with the build).
#
# Environment: DS_FUZZ_BUILD_DIR (default build-fuzz), DS_FUZZ_ONLY="capture decode"
# to run a subset, DS_FUZZ_JOBS=N to run N harnesses at once (default 1),
# DS_FUZZ_TIMEOUT (seconds one input may take, default 25). For a campaign measured
# in CPU time, DS_FUZZ_CPU="state=1900 capture=1400" stops each named harness (SIGINT)
# when its own CPU time (utime + stime, /proc) reaches its seconds instead of after
# SECONDS of wall time; on a shared machine wall time overstates what a fuzzer got.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
build=${DS_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${DS_FUZZ_JOBS:-1}

if ! command -v clang > /dev/null; then
  echo "fuzz.sh: clang is needed (apt-get install clang)" >&2
  exit 1
fi
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DDS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
# darkscope too: make-corpus.sh writes scenario and state seeds with it.
cmake --build "$build" -j"$(nproc)" --target fuzzers darkscope > /dev/null

seeds=$build/seeds
rm -rf "$seeds"
DS_FUZZ_BIN=$build fuzz/make-corpus.sh "$seeds" > /dev/null
mkdir -p "$build/corpus" "$build/artifacts" "$build/logs"

harnesses=()
for exe in "$build"/fuzz_*; do
  [ -x "$exe" ] && [ -f "$exe" ] || continue
  h=$(basename "$exe")
  if [ -n "${DS_FUZZ_ONLY:-}" ] && ! [[ " $DS_FUZZ_ONLY " == *" ${h#fuzz_} "* ]]; then continue; fi
  harnesses+=("$h")
done

run_one() {
  local h=$1 exe=$build/$1 log=$build/logs/$1.log
  local corpus=$build/corpus/$h
  mkdir -p "$corpus" "$seeds/$h"
  local dict=()
  [ -f "$seeds/$h.dict" ] && dict=(-dict="$seeds/$h.dict")
  # -timeout: one input may not take longer (a hang is a bug); -rss_limit_mb: a
  # decompression bomb must be refused by the reader's own limits, not by the OS.
  local cpu="" w
  for w in ${DS_FUZZ_CPU:-}; do [ "${w%%=*}" = "${h#fuzz_}" ] && cpu=${w#*=}; done
  local wall=$secs rc=0
  [ -n "$cpu" ] && wall=$((cpu * 100)) # the CPU target stops it first
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$exe" -max_total_time="$wall" -timeout="${DS_FUZZ_TIMEOUT:-25}" -rss_limit_mb=2560 \
    -print_final_stats=1 "${dict[@]}" -artifact_prefix="$build/artifacts/$h-" "$corpus" \
    "$seeds/$h" > "$log" 2>&1 &
  local pid=$! tck
  tck=$(getconf CLK_TCK)
  while [ -n "$cpu" ] && kill -0 "$pid" 2> /dev/null; do
    local t
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null || echo 0)
    [ "$t" -ge $((cpu * tck)) ] && kill -INT "$pid" 2> /dev/null
    sleep 2
  done
  wait "$pid" || rc=$?
  [ -n "$cpu" ] && [ "$rc" -eq 72 ] && rc=0 # 72: stopped by the SIGINT above
  if [ "$rc" -eq 0 ]; then
    local last
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    echo "fuzz.sh: $h ok: $last"
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" | tr '\n' ' ' | sed "s/^/fuzz.sh: $h /;s/\$/\n/"
    return 0
  fi
  echo "fuzz.sh: $h FAILED (log $log; inputs in $build/artifacts/):" >&2
  grep -E 'ERROR|runtime error|SUMMARY|differ|Test unit written' "$log" | head -20 >&2
  return 1
}

fails=0
if [ "$jobs" -le 1 ]; then
  for h in "${harnesses[@]}"; do run_one "$h" || fails=$((fails + 1)); done
else
  # Each job leaves its status in a file: `wait PID` on a job bash has already
  # reaped fails with "not a child of this shell" and counted a good run as failed.
  for h in "${harnesses[@]}"; do
    rm -f "$build/logs/$h.rc"
    (run_one "$h"; echo $? > "$build/logs/$h.rc") &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  done
  wait
  for h in "${harnesses[@]}"; do
    [ "$(cat "$build/logs/$h.rc" 2> /dev/null)" = 0 ] || fails=$((fails + 1))
  done
fi
echo "fuzz.sh: ${#harnesses[@]} harnesses, ${DS_FUZZ_CPU:+CPU seconds $DS_FUZZ_CPU, else }$secs s each, $fails failed"
[ "$fails" -eq 0 ] && [ "${#harnesses[@]}" -gt 0 ]

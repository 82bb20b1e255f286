#!/usr/bin/env bash
# `analyze -j N` (docs/SCALE.md, "Threads"): the outputs of 2 and 3 threads (more
# than this machine may have cores) must be those of one thread, on
#   - every capture in the shared data (captures/): malformed, reordered, non-IP
#     and real traffic, so the run-wide counts (inputs, anomalies, disorder) are
#     counted once;
#   - a simulated two-monitor telescope with a Code-Red outbreak, two DoS attacks
#     (SYN-ACK backscatter, and ICMP unreachables whose victim is the quoted
#     destination) and scanners, with the default scanner rule and with a short
#     window (thousands of episodes), and the dos-sample preset (many victims);
#   - --state: the state a -j run saves is byte-identical to a one-thread run's,
#     so it merges like one (a split by time, merged, equals the whole run).
# "The same outputs": every file byte-identical, but summary.json's command_line
# (and its copy in report.html).
# Also: -j 1 starts no thread (the single-threaded path), -j 2 does; bad values
# and -j with a live --interface are refused; --help documents -j.
set -u
BIN=${DS_BIN:?}
SRC=${DS_SRC:?}
SHARED=${DS_SHARED:-/work/shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck source=lib.sh
. "$SRC/tests/lib.sh"
# threads_same NAME ARGS...: -j 1, 2 and 3 on the same arguments, same exit status
# and outputs (in directories of the same name: report.html shows it).
threads_same() {
  local name=$1; shift
  "$BIN" analyze -q -j 1 -o "$T/$name-j1/out" "$@" 2> /dev/null
  local rc1=$?
  for j in 2 3; do
    "$BIN" analyze -q -j $j -o "$T/$name-j$j/out" "$@" 2> /dev/null
    local rcj=$?
    check "$name: -j $j exits as -j 1 ($rc1)" '[ $rcj -eq $rc1 ]'
    check "$name: -j $j writes the outputs of -j 1" 'same_dir "$T/$name-j1/out" "$T/$name-j$j/out"'
  done
}

# 1. Every shared capture.
n=0
for cap in "$SHARED"/captures/*.pcap "$SHARED"/captures/*.pcapng; do
  [ -r "$cap" ] || continue
  n=$((n + 1))
  threads_same "cap-$(basename "$cap")" "$cap"
done
check "shared captures were found ($SHARED/captures)" '[ $n -ge 10 ]'
# All of them in one run: several inputs merged by time.
threads_same "cap-all" "$SHARED"/captures/*.pcap

# 2. A simulated telescope: 90 minutes from 10:00 UTC, the outbreak at once, a
# SYN-ACK attack 10:20-10:45 and an ICMP-unreachable one 10:50-11:10 (as in
# test_state.sh).
codered_scenario "$T/scenario.json" 90m "$CODERED_ATTACKS"
"$BIN" simulate -q -o "$T/sim" "$T/scenario.json" || { echo "FAIL: simulate"; exit 1; }
TEL="--telescope ucsd=44.0.0.0/8 --telescope lbl=131.243.0.0/16,128.3.0.0/16"
SIM="$T/sim/ucsd.pcap $T/sim/lbl.pcap"
threads_same sim $TEL $SIM
check "sim: two attacks, one of ICMP unreachables" \
  '[ "$(jq -r .dos.attacks "$T/sim-j1/out/summary.json")" -ge 2 ] && [ "$(jq -r .dos.attack_packets_by_kind.unreach "$T/sim-j1/out/summary.json")" -gt 0 ]'
check "sim: the outbreak is there" '[ "$(wc -l < "$T/sim-j1/out/hosts.csv")" -gt 100 ]'
check "sim: two monitors see it" '[ "$(jq -r ".monitors | length" "$T/sim-j1/out/summary.json")" -eq 2 ]'
# A short scanner window: thousands of episodes, spread over every thread.
threads_same sim-scan $TEL --scan-window 20s --scan-min-dests 3 $SIM
check "sim-scan: many scanner episodes" '[ "$(wc -l < "$T/sim-scan-j1/out/scanners.csv")" -gt 1000 ]'
# One vector per victim, and a short interval (intervals round robin over threads).
threads_same sim-key $TEL --dos-key victim --interval 7s $SIM

"$BIN" simulate -q --duration 40m -o "$T/dos" dos-sample || { echo "FAIL: simulate dos-sample"; exit 1; }
threads_same dos --telescope ucsd=44.0.0.0/8 --telescope lbl=131.243.0.0/16 \
  "$T/dos/ucsd.pcap" "$T/dos/lbl.pcap"
check "dos-sample: many attacks" '[ "$(jq -r .dos.attacks "$T/dos-j1/out/summary.json")" -ge 5 ]'

# 3. --state: cut at 10:30:00.5 (inside the first attack); a -j state is the
# one-thread state byte for byte, and merges into the whole run.
for mon in ucsd lbl; do
  python3 "$SRC/tests/pcap_split.py" "$T/sim/$mon.pcap" 995538600.5 "$T/${mon}0.pcap" "$T/${mon}1.pcap"
done
for j in 1 2 3; do
  for i in 0 1; do
    "$BIN" analyze -q -j $j $TEL -o "$T/p$i-j$j/out" --state "$T/s$i-j$j.state" "$T/ucsd$i.pcap" "$T/lbl$i.pcap"
  done
done
for j in 2 3; do
  for i in 0 1; do
    check "part $i: the -j $j state is the -j 1 state" 'cmp -s "$T/s$i-j1.state" "$T/s$i-j$j.state"'
    check "part $i: -j $j outputs with --state are those of -j 1" 'same_dir "$T/p$i-j1/out" "$T/p$i-j$j/out"'
  done
done
"$BIN" analyze -q -j 1 $TEL -o "$T/whole" "$T/ucsd0.pcap" "$T/lbl0.pcap" "$T/ucsd1.pcap" "$T/lbl1.pcap"
"$BIN" merge -q -o "$T/merged" "$T/s0-j2.state" "$T/s1-j3.state"
rc=$?
check "states of -j 2 and -j 3 merge (exit 0)" '[ $rc -eq 0 ]'
for f in series.csv signatures.csv attacks.csv events.csv hosts.csv worm.csv worm.json scanners.csv; do
  check "merged -j states: $f as the whole run" 'cmp -s "$T/whole/$f" "$T/merged/$f"'
done

# 4. -j 1 is the single-threaded path: no thread is started (strace sees no clone);
# -j 2 starts its workers. (Under AddressSanitizer the runtime starts a thread of
# its own, and LeakSanitizer cannot run under ptrace: there, only the difference.)
if command -v strace > /dev/null && strace -f -qq -e trace=none true 2> /dev/null; then
  clones() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
               strace -f -qq -e trace=clone,clone3 -o "$T/strace.txt" "$BIN" analyze -q "$@" > /dev/null 2>&1
             grep -c 'CLONE_THREAD' "$T/strace.txt"; }
  c1=$(clones -j 1 -o "$T/st1" $TEL $SIM)
  c2=$(clones -j 2 -o "$T/st2" $TEL $SIM)
  if ldd "$BIN" 2> /dev/null | grep -q 'libasan\|libtsan'; then
    c0=$c1
  else
    c0=0
    check "-j 1 starts no thread" '[ "$c1" -eq 0 ]'
  fi
  check "-j 2 starts its two workers (and more)" '[ "$c2" -ge $((c0 + 2)) ]'
else
  echo "note: strace missing or not permitted: thread-count checks not run"
fi

# 5. Options.
"$BIN" analyze -q -j 0 -o "$T/bad" $SIM 2> "$T/e0.txt"
rc=$?
check "-j 0 is refused (exit 1) with a message" '[ $rc -eq 1 ] && grep -q -- "-j" "$T/e0.txt"'
"$BIN" analyze -q -j many -o "$T/bad" $SIM 2> /dev/null
rc=$?
check "-j many is refused (exit 1)" '[ $rc -eq 1 ]'
"$BIN" analyze -q -j 2 --interface lo -o "$T/bad" 2> "$T/ei.txt"
rc=$?
check "-j 2 with --interface is refused (exit 1)" '[ $rc -eq 1 ] && grep -q "one thread" "$T/ei.txt"'
check "--help documents -j" '"$BIN" analyze --help | grep -q -- "-j, --threads N"'

checks_done

#!/usr/bin/env bash
# State files and `darkscope merge` (docs/SCALE.md): a simulated telescope day with
# a worm outbreak, two DoS attacks and scanners is cut by time at points inside an
# attack, inside a window step and inside an interval; the parts are analysed with
# --state and merged; every output must be byte-identical to the run over all the
# parts at once (summary.json without command_line). Also a split by monitor (the
# documented subset), and the errors of corrupt, truncated, foreign, wrong-version
# and mismatched state files (exit status 2, file and offset named).
set -u
BIN=${DS_BIN:?}
SRC=${DS_SRC:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck source=lib.sh
. "$SRC/tests/lib.sh"

# A 90-minute scenario from 10:00 UTC: the outbreak starts at once, a SYN-ACK
# attack 10:20-10:45 and an ICMP-unreachable one 10:50-11:10.
codered_scenario "$T/scenario.json" 90m "$CODERED_ATTACKS"
"$BIN" simulate -q -o "$T/sim" "$T/scenario.json" || { echo "FAIL: simulate"; exit 1; }

# Cut each monitor's capture at 10:30:00.5 (inside the first attack), 10:41:23.37
# (inside an interval and a window step), 10:58:07.3 (inside the second attack).
for mon in ucsd lbl; do
  python3 "$SRC/tests/pcap_split.py" "$T/sim/$mon.pcap" 995538600.5,995539283.37,995540287.3 \
    "$T/${mon}0.pcap" "$T/${mon}1.pcap" "$T/${mon}2.pcap" "$T/${mon}3.pcap"
done

TEL="--telescope ucsd=44.0.0.0/8 --telescope lbl=131.243.0.0/16,128.3.0.0/16"
AN="--analyzers series,dos,worm,scan"
ALL=""
for i in 0 1 2 3; do ALL="$ALL $T/ucsd$i.pcap $T/lbl$i.pcap"; done
"$BIN" analyze -q $TEL $AN -o "$T/whole" $ALL
check "the whole run succeeds" '[ $? -eq 0 ]'
for i in 0 1 2 3; do
  "$BIN" analyze -q $TEL $AN -o "$T/part$i" --state "$T/s$i.state" "$T/ucsd$i.pcap" "$T/lbl$i.pcap"
  check "part $i writes a state" '[ -s "$T/s$i.state" ]'
done
"$BIN" merge -o "$T/merged" "$T/s0.state" "$T/s1.state" "$T/s2.state" "$T/s3.state"
check "merge exits 0" '[ $? -eq 0 ]'

# summary.json without the command line (the merge's own).
strip() { jq -S 'del(.command_line)' "$1"; }
same_outputs() { # same_outputs WHOLE MERGED FILES...
  local w=$1 m=$2; shift 2
  for f in "$@"; do
    check "$m/$f is byte-identical to the whole run" 'cmp -s "$w/$f" "$m/$f"'
  done
}
same_outputs "$T/whole" "$T/merged" series.csv signatures.csv attacks.csv attacks.ndjson \
  events.csv hosts.csv worm.csv worm.json scanners.csv
check "summary.json is identical but for command_line" \
  'cmp -s <(strip "$T/whole/summary.json") <(strip "$T/merged/summary.json")'
check "an attack spans a boundary" \
  '[ "$(jq -r .dos.attacks "$T/whole/summary.json")" -ge 2 ] && [ "$(jq -r .dos.attacks "$T/part1/summary.json")" -ge 1 ]'
check "the outbreak is there" '[ "$(wc -l < "$T/whole/hosts.csv")" -gt 100 ]'
# scanners.csv columns 4 and 5 are start and end: episodes running across each cut.
spans() { awk -F, -v c="$2" 'NR > 1 && $4 < c && $5 > c' "$1" | wc -l; }
check "scanner episodes span every cut" \
  '[ "$(spans "$T/whole/scanners.csv" 995538600.5)" -ge 10 ] && [ "$(spans "$T/whole/scanners.csv" 995540287.3)" -ge 10 ]'

# A merged state starts a later merge: (0+1) then 2, 3.
"$BIN" merge -q -o "$T/m01" --state "$T/s01.state" "$T/s0.state" "$T/s1.state"
"$BIN" merge -o "$T/merged2" "$T/s01.state" "$T/s2.state" "$T/s3.state"
check "merging a merged state with the later parts exits 0" '[ $? -eq 0 ]'
same_outputs "$T/whole" "$T/merged2" series.csv attacks.csv events.csv hosts.csv worm.csv worm.json \
  scanners.csv
"$BIN" merge -o "$T/bad" "$T/s2.state" "$T/s01.state" 2> "$T/err.txt"; rc=$?
check "a merged state cannot follow an earlier part (exit 2)" \
  '[ $rc -eq 2 ] && grep -q "time order" "$T/err.txt"'

# Scanners with a short window (20 s) and 3 destinations: thousands of episodes,
# many cut in the middle; parts 1 and 2 are cut again, part 1 into a piece of 2.7 s
# (shorter than the window, so a window spans three parts). Then a merge tree, (0+1)+(2+3), which only scan supports (its merged
# states keep their heads).
SC="--analyzers scan --scan-window 20s --scan-min-dests 3"
"$BIN" analyze -q $TEL $SC -o "$T/sw" $ALL
for mon in ucsd lbl; do
  python3 "$SRC/tests/pcap_split.py" "$T/${mon}1.pcap" 995538907.8,995538910.5 \
    "$T/${mon}1a.pcap" "$T/${mon}1b.pcap" "$T/${mon}1c.pcap"
  python3 "$SRC/tests/pcap_split.py" "$T/${mon}2.pcap" 995539783.87 "$T/${mon}2a.pcap" "$T/${mon}2b.pcap"
done
SP=""
for p in 0 1a 1b 1c 2a 2b 3; do
  "$BIN" analyze -q $TEL $SC -o "$T/sp$p" --state "$T/sc$p.state" "$T/ucsd$p.pcap" "$T/lbl$p.pcap"
  SP="$SP $T/sc$p.state"
done
"$BIN" merge -q -o "$T/scm" $SP
check "scan: merging 7 parts exits 0" '[ $? -eq 0 ]'
check "scan: some scanner episode is cut by a part boundary" \
  '[ "$(spans "$T/sw/scanners.csv" 995538907.8)" -ge 1 ] && [ "$(spans "$T/sw/scanners.csv" 995539783.87)" -ge 1 ]'
check "scan: many episodes" '[ "$(wc -l < "$T/sw/scanners.csv")" -gt 1000 ]'
same_outputs "$T/sw" "$T/scm" scanners.csv
"$BIN" merge -q -o "$T/t01" --state "$T/t01.state" "$T/sc0.state" "$T/sc1a.state" "$T/sc1b.state" "$T/sc1c.state"
"$BIN" merge -q -o "$T/t23" --state "$T/t23.state" "$T/sc2a.state" "$T/sc2b.state" "$T/sc3.state"
"$BIN" merge -q -o "$T/tree" "$T/t01.state" "$T/t23.state"
check "scan: a merged state follows a merged state (exit 0)" '[ $? -eq 0 ]'
same_outputs "$T/sw" "$T/tree" scanners.csv

# Two more cuts into 5 and 6 parts, merged flat and as a tree (first half, second
# half): split points where a part's scanner table, rebuilt when it filled, once
# ended keys that a merge still needed (a merge must not depend on when a part's
# table dropped its silent keys; found by random split points, not by the cuts above).
for cuts in 995537701.787,995538784.485,995540290.869,995540576.674,995540861.608 \
  995537141.670,995537339.857,995537455.021,995538807.397; do
  np=$(($(tr -cd , <<< "$cuts" | wc -c) + 2))
  for mon in ucsd lbl; do
    outs=""
    for k in $(seq 0 $((np - 1))); do outs="$outs $T/${mon}r$k.pcap"; done
    python3 "$SRC/tests/pcap_split.py" "$T/sim/$mon.pcap" "$cuts" $outs
  done
  A="" B=""
  for k in $(seq 0 $((np - 1))); do
    "$BIN" analyze -q $TEL $SC -o "$T/rp$k" --state "$T/r$k.state" "$T/ucsdr$k.pcap" "$T/lblr$k.pcap"
    if [ $k -lt $((np / 2)) ]; then A="$A $T/r$k.state"; else B="$B $T/r$k.state"; fi
  done
  rm -rf "$T/rflat" "$T/rtree"
  "$BIN" merge -q -o "$T/rflat" $A $B
  "$BIN" merge -q -o "$T/ra" --state "$T/ra.state" $A
  "$BIN" merge -q -o "$T/rb" --state "$T/rb.state" $B
  "$BIN" merge -q -o "$T/rtree" "$T/ra.state" "$T/rb.state"
  same_outputs "$T/sw" "$T/rflat" scanners.csv
  same_outputs "$T/sw" "$T/rtree" scanners.csv
done

# Split by monitor: the per-monitor outputs are exact (docs/SCALE.md).
"$BIN" analyze -q $TEL $AN -o "$T/mu" --state "$T/su.state" $(for i in 0 1 2 3; do echo "$T/ucsd$i.pcap"; done)
"$BIN" analyze -q $TEL $AN -o "$T/ml" --state "$T/sl.state" $(for i in 0 1 2 3; do echo "$T/lbl$i.pcap"; done)
"$BIN" analyze -q $TEL $AN -o "$T/wm" $(for i in 0 1 2 3; do echo "$T/ucsd$i.pcap"; done) \
  $(for i in 0 1 2 3; do echo "$T/lbl$i.pcap"; done)
"$BIN" merge -o "$T/mm" "$T/su.state" "$T/sl.state"
check "merge by monitor exits 0" '[ $? -eq 0 ]'
same_outputs "$T/wm" "$T/mm" series.csv signatures.csv hosts.csv worm.json
check "by monitor: worm.csv per monitor is identical" \
  'cmp -s <(grep -v ",all," "$T/wm/worm.csv") <(grep -v ",all," "$T/mm/worm.csv")'

# Errors: exit 2 and a message naming the file (and the offset when there is one).
S="$T/s1.state"
size=$(stat -c %s "$S")
cp "$S" "$T/flip.state"
printf '\xff' | dd of="$T/flip.state" bs=1 seek=$((size / 2)) conv=notrunc status=none
"$BIN" merge -o "$T/e1" "$T/s0.state" "$T/flip.state" 2> "$T/e1.txt"; rc=$?
check "a flipped byte: exit 2, checksum named" '[ $rc -eq 2 ] && grep -q "flip.state: offset [0-9]*: checksum mismatch" "$T/e1.txt"'
head -c $((size - 100)) "$S" > "$T/cut.state"
"$BIN" merge -o "$T/e2" "$T/s0.state" "$T/cut.state" 2> "$T/e2.txt"; rc=$?
check "a truncated state: exit 2, truncation named" '[ $rc -eq 2 ] && grep -q "cut.state: offset [0-9]*: truncated" "$T/e2.txt"'
cp "$S" "$T/v9.state"
printf '\x09' | dd of="$T/v9.state" bs=1 seek=8 conv=notrunc status=none
"$BIN" merge -o "$T/e3" "$T/v9.state" 2> "$T/e3.txt"; rc=$?
check "another format version: exit 2, versions named" '[ $rc -eq 2 ] && grep -q "format version 9" "$T/e3.txt"'
"$BIN" merge -o "$T/e4" "$T/ucsd0.pcap" 2> "$T/e4.txt"; rc=$?
check "not a state file: exit 2" '[ $rc -eq 2 ] && grep -q "not a darkscope state file" "$T/e4.txt"'
"$BIN" analyze -q $TEL $AN --dos-timeout 100 -o "$T/o" --state "$T/other.state" "$T/ucsd3.pcap"
"$BIN" merge -o "$T/e5" "$T/s0.state" "$T/other.state" 2> "$T/e5.txt"; rc=$?
check "other analysis options: exit 2" '[ $rc -eq 2 ] && grep -q "other analysis options" "$T/e5.txt"'
"$BIN" merge > /dev/null 2>&1; rc=$?
check "no state is a usage error (1)" '[ $rc -eq 1 ]'
check "merge --help documents --state" '"$BIN" merge --help | grep -q -- "--state"'
check "analyze --help documents --state" '"$BIN" analyze --help | grep -q -- "--state FILE"'

checks_done

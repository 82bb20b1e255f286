#!/usr/bin/env bash
# End-to-end checks of the darkscope command line: version, help, usage errors and
# their exit statuses, a bad input beside good ones, and an interrupted run that
# leaves its results marked incomplete.
set -u
BIN=${DS_BIN:?}
SRC=${DS_SRC:?}
CAP=${DS_SHARED:-/work/shared/data}/captures
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0; checks=0
check() { # check DESCRIPTION COMMAND...
  checks=$((checks + 1))
  if ! eval "$2"; then echo "FAIL: $1"; fails=$((fails + 1)); fi
}

check "--version prints the version" '"$BIN" --version | grep -Eq "^darkscope [0-9]+\.[0-9]+\.[0-9]+$"'
check "help lists analyze" '"$BIN" help | grep -q "analyze"'
"$BIN" analyze --help > "$T/help.txt"
for opt in output telescope telescope-file signatures interval tolerance interface filter snaplen analyzers quiet; do
  check "analyze --help documents --$opt" 'grep -q -- "--$opt" "$T/help.txt"'
done
"$BIN" analyze > /dev/null 2>&1; rc=$?
check "no capture is a usage error (1)" '[ $rc -eq 1 ]'
"$BIN" analyze --interval 0 x.pcap > /dev/null 2>&1; rc=$?
check "bad --interval is a usage error (1)" '[ $rc -eq 1 ]'
"$BIN" analyze --no-such-option x > /dev/null 2>&1; rc=$?
check "unknown option is a usage error (1)" '[ $rc -eq 1 ]'
"$BIN" analyze --analyzers series,nosuch x.pcap > /dev/null 2> "$T/an.txt"; rc=$?
check "unknown analyzer is a usage error naming the known ones" '[ $rc -eq 1 ] && grep -q "nosuch" "$T/an.txt" && grep -q "series" "$T/an.txt"'
"$BIN" analyze -q --analyzers series -o "$T/only" "$CAP/portscan.pcap"
check "--analyzers series writes only the series files" '[ -f "$T/only/series.csv" ] && [ ! -f "$T/only/hosts.csv" ]'
"$BIN" frobnicate > /dev/null 2>&1; rc=$?
check "unknown command exits 1" '[ $rc -eq 1 ]'

# A bad input among good ones: exit 2, one line naming it, the others complete.
"$BIN" analyze -q -o "$T/mixed" "$CAP/malformed.pcap" "$CAP/portscan.pcap" "$T/missing.pcap" 2> "$T/err.txt"; rc=$?
check "bad inputs give exit status 2" '[ $rc -eq 2 ]'
check "malformed.pcap is named with a reason" 'grep -q "malformed.pcap: not a capture" "$T/err.txt"'
check "a missing file is named" 'grep -q "missing.pcap" "$T/err.txt"'
check "the good input is analysed" 'grep -q "\"tcp_syn_only\": 29" "$T/mixed/summary.json"'
check "series.csv has the good input's packets" '[ "$(awk -F, "NR>1 && \$3==\"scan-tcp\" {s+=\$4} END {print s}" "$T/mixed/series.csv")" = 29 ]'

# Standard input, gzip-compressed.
gzip -c "$CAP/portscan.pcap" | "$BIN" analyze -q -o "$T/stdin" - ; rc=$?
check "stdin (gzip) reads fine" '[ $rc -eq 0 ] && grep -q "\"compression\": \"gzip\"" "$T/stdin/summary.json"'

# Interrupted run: a FIFO that stays open after some packets; SIGINT writes what
# was analysed, marked incomplete, and exits 130.
mkfifo "$T/fifo"
( gzip -dc "$SRC/data/sample-telescope.pcap.gz"; sleep 20 ) > "$T/fifo" &
feeder=$!
"$BIN" analyze -q -o "$T/intr" "$T/fifo" &
pid=$!
for _ in $(seq 50); do sleep 0.1; done
kill -INT $pid
wait $pid; rc=$?
kill $feeder 2>/dev/null; wait $feeder 2>/dev/null
check "interrupted run exits 130" '[ $rc -eq 130 ]'
check "interrupted run is marked incomplete" 'grep -q "\"complete\": false" "$T/intr/summary.json"'
check "interrupted run kept the packets read" 'grep -q "\"analysed\": 41568" "$T/intr/summary.json"'
check "no temporary files are left" '[ -z "$(ls -A "$T/intr" | grep "^\.")" ]'

echo "$checks checks, $fails failed"
[ $checks -gt 0 ] && [ $fails -eq 0 ]

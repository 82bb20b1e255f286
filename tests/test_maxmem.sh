#!/usr/bin/env bash
# --max-memory (docs/SCALE.md, "Bounded memory"):
#  1. below the bound nothing changes: on real captures and a simulated outbreak
#     with attacks and scanners, every output of `analyze --max-memory 4G` is
#     byte-identical to the run without it (summary.json without command_line;
#     report.html embeds the command line and is left out), nothing says
#     approximate, and the --state file is byte-identical too;
#  2. a flood of 2 million distinct spoofed sources under the smallest bound, 16M,
#     with one and with two threads: every affected output says approximate, the
#     HyperLogLog totals are within 3% of the truth, the real worm host, scanner and
#     attack are found exactly (tests/flood_check.py; the 50-million flood with the
#     RSS bound is tests/test_flood.sh). Runs under ASan too;
#  3. SIZE values: units, and clear errors for bad ones.
set -u
BIN=${DS_BIN:?}
SRC=${DS_SRC:?}
SHARED=${DS_SHARED:-/work/shared/data}
GEN=$(dirname "$BIN")/flood_gen
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck source=lib.sh
. "$SRC/tests/lib.sh"
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

same_outputs() { # same_outputs DIR_A DIR_B LABEL
  local f
  for f in "$1"/*; do
    f=$(basename "$f")
    case $f in report.html) continue ;; esac
    if [ "$f" = summary.json ]; then
      python3 - "$1/$f" "$2/$f" <<'PY' || fail "$3: summary.json differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("command_line", None)
assert a == b
assert "approximate" not in open(sys.argv[2]).read()
PY
    elif ! cmp -s "$1/$f" "$2/$f"; then
      fail "$3: $f differs with --max-memory 4G"
    fi
  done
  [ -e "$2/series.csv" ] || fail "$3: no outputs"
}

# 1. Byte-identical below the bound.
codered_scenario "$T/scenario.json" 40m '[{"victim": "24.12.80.7",
  "start": "2001-07-19T10:10:00Z", "duration": "15m", "rate": 3000, "response": "syn-ack",
  "port": 80}]'
"$BIN" simulate -q -o "$T/sim" "$T/scenario.json" || fail "simulate"
set -- "sim" "--telescope ucsd=44.0.0.0/8 --telescope lbl=131.243.0.0/16,128.3.0.0/16 \
  $T/sim/ucsd.pcap $T/sim/lbl.pcap" \
  "sample" "--telescope t=44.0.0.0/8 $SRC/data/sample-telescope.pcap.gz"
for c in pkt.TCP.synflood.spoofed.pcap amp.TCP.reflection.SYNACK.pcap pathspider_real.pcap; do
  [ -e "$SHARED/captures/$c" ] && set -- "$@" "$c" "$SHARED/captures/$c"
done
while [ $# -ge 2 ]; do
  label=$1 args=$2
  shift 2
  # shellcheck disable=SC2086
  "$BIN" analyze -q -o "$T/a-$label" $args > /dev/null 2>&1
  ra=$?
  # shellcheck disable=SC2086
  "$BIN" analyze -q --max-memory 4G -o "$T/b-$label" $args > /dev/null 2>&1
  rb=$?
  [ $ra = $rb ] || fail "$label: exit status $ra without, $rb with --max-memory"
  same_outputs "$T/a-$label" "$T/b-$label" "$label"
done

# ... and so is the state file of a run below the bound.
"$BIN" analyze -q --telescope t=44.0.0.0/8 --state "$T/s1" -o "$T/st1" \
  "$SRC/data/sample-telescope.pcap.gz" || fail "--state without --max-memory"
"$BIN" analyze -q --telescope t=44.0.0.0/8 --max-memory 4G --state "$T/s2" -o "$T/st2" \
  "$SRC/data/sample-telescope.pcap.gz" || fail "--state with --max-memory"
cmp -s "$T/s1" "$T/s2" || fail "the state file differs with --max-memory 4G"

# 2. A flood past the bound, with one and two threads.
N=2000000
if [ -x "$GEN" ]; then
  for j in 1 2; do
    "$GEN" $N 600 | "$BIN" analyze -q -j $j --telescope flood=44.0.0.0/8 --max-memory 16M \
      -o "$T/flood$j" -
    st=("${PIPESTATUS[@]}")
    [ "${st[0]}" = 0 ] && [ "${st[1]}" = 0 ] || fail "flood -j $j: exit statuses ${st[*]}"
    python3 "$SRC/tests/flood_check.py" "$T/flood$j" $N 0.03 || fail "flood -j $j: checks"
  done
  # An approximate state cannot be saved (yet): said so, outputs still written.
  "$GEN" 300000 600 > "$T/f.pcap"
  "$BIN" analyze -q -j 1 --telescope flood=44.0.0.0/8 --max-memory 16M --state "$T/s" \
    -o "$T/fs" "$T/f.pcap" 2> "$T/err"
  st=$?
  [ $st = 3 ] || fail "--state of an approximate run: exit status $st, not 3"
  grep -q "approximate state cannot be saved" "$T/err" || fail "--state: no message"
  [ -e "$T/fs/summary.json" ] || fail "--state: outputs not written"
else
  fail "$GEN is not built"
fi

# 3. SIZE values.
for v in 16M 16777216 512MiB 2G 1GB 1T; do
  "$BIN" analyze -q --max-memory $v -o "$T/sz" "$SRC/data/sample-telescope.pcap.gz" \
    || fail "--max-memory $v refused"
done
for v in 15M 12X -1G "" 1.5G 99999999999T; do
  "$BIN" analyze -q --max-memory "$v" -o "$T/sz" "$SRC/data/sample-telescope.pcap.gz" \
    2> "$T/err"
  st=$?
  [ $st = 1 ] || fail "--max-memory '$v': exit status $st, not 1"
  grep -q -- "--max-memory" "$T/err" || fail "--max-memory '$v': message does not name it"
done
"$BIN" analyze --help | grep -q -- "--max-memory SIZE" || fail "--help lacks --max-memory"

[ $fails = 0 ] && echo "test_maxmem: ok"
[ $fails = 0 ]

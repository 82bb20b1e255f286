#!/usr/bin/env bash
# analyze --mpi (docs/SCALE.md) with a real mpirun on localhost: a simulated DoS
# capture (two monitors) is cut at common instants (inside attacks) into 6 files
# per monitor, given in time order; `mpirun -np K darkscope analyze --mpi` with 1, 2
# and 3 ranks must write the same files as one process (summary.json and
# report.html differ only by command_line). Also the merge tree proper (scan alone
# merges pairwise away from rank 0), a real capture cut by tcpdump -C, and the
# error for inputs out of time order. Skipped (77) in a build without MPI.
set -u
BIN=${DS_BIN:?}
SRC=${DS_SRC:?}
if "$BIN" analyze --mpi 2>&1 | grep -q "built without MPI"; then
  echo "SKIP: this darkscope was built without MPI (install openmpi-bin libopenmpi-dev)"
  exit 77
fi
MPIRUN=$(command -v mpirun || command -v mpiexec) || {
  echo "SKIP: darkscope has MPI but no mpirun is installed (openmpi-bin)"
  exit 77
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck source=lib.sh
. "$SRC/tests/lib.sh"
# Local ranks only, as root in CI containers, more ranks than cores allowed.
# Under AddressSanitizer, LeakSanitizer would report Open MPI's own allocations (in
# libmpi, hwloc and MCA plugins it has unloaded, so no suppression can name them):
# leak checking is off for the ranks only; darkscope's state code, which the ranks
# run, is leak-checked by test_state.sh.
mpi() { # mpi NP ARGS...
  local np=$1; shift
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    "$MPIRUN" --allow-run-as-root --oversubscribe -np "$np" "$BIN" "$@"
}

"$BIN" simulate -q --duration 40m -o "$T/sim" dos-sample || { echo "FAIL: simulate"; exit 1; }
# Cuts (s after 00:00): 7m (first SYN-ACK attack), 13m30.25s (three attacks),
# 21m, 29m59.5s, 36m.
# (1614556800 = 00:00; the cuts below are 00:00 + 420, 810.25, 1260, 1799.5, 2160 s.)
for mon in ucsd lbl; do
  python3 "$SRC/tests/pcap_split.py" "$T/sim/$mon.pcap" \
    1614557220,1614557610.25,1614558060,1614558599.5,1614558960 \
    "$T/$mon-00.pcap" "$T/$mon-01.pcap" "$T/$mon-02.pcap" "$T/$mon-03.pcap" "$T/$mon-04.pcap" "$T/$mon-05.pcap"
done
TEL="--telescope ucsd=44.0.0.0/8 --telescope lbl=131.243.0.0/16"
FILES=""
for i in 00 01 02 03 04 05; do FILES="$FILES $T/ucsd-$i.pcap $T/lbl-$i.pcap"; done

"$BIN" analyze -q $TEL -o "$T/one/out" $FILES
check "the single-process run exits 0" '[ $? -eq 0 ]'
check "it finds attacks" '[ "$(jq -r .dos.attacks "$T/one/out/summary.json")" -ge 5 ]'
for np in 1 2 3; do
  DS_MPI_TIMES=1 mpi $np analyze -q --mpi $TEL -o "$T/mpi$np/out" $FILES 2> "$T/err$np.txt"
  rc=$?
  check "mpirun -np $np exits 0" '[ $rc -eq 0 ]'
  check "-np $np really ran $np ranks" 'grep -q -- "--mpi: $np ranks" "$T/err$np.txt"'
  check "-np $np: every output file as the single-process run" 'same_dir "$T/one/out" "$T/mpi$np/out"'
done

# The merge tree proper: scan alone keeps heads in merged states, so ranks merge
# pairwise before rank 0 (a short window makes many episodes cross the cuts).
SC="--analyzers scan --scan-window 30s --scan-min-dests 3"
"$BIN" analyze -q $TEL $SC -o "$T/sone/out" $FILES
mpi 3 analyze -q --mpi $TEL $SC -o "$T/smpi/out" $FILES
check "scan alone, 3 ranks: exits 0" '[ $? -eq 0 ]'
check "scan alone, 3 ranks: same outputs" 'same_dir "$T/sone/out" "$T/smpi/out"'
check "scan alone: scanners found" '[ "$(wc -l < "$T/sone/out/scanners.csv")" -gt 10 ]'

# A real capture (shared data), cut into 1-MB files by tcpdump.
REAL=${DS_SHARED:-/work/shared/data}/captures/pkt.TCP.synflood.spoofed.pcap
if [ -r "$REAL" ] && command -v tcpdump > /dev/null; then
  mkdir -p "$T/real"
  tcpdump -Z "$(id -un)" -q -r "$REAL" -w "$T/real/cut" -C 1 2> /dev/null
  RF=$(ls "$T"/real/cut* | sort -V)
  check "tcpdump cut the capture into 3 files" '[ $(echo $RF | wc -w) -ge 3 ]'
  "$BIN" analyze -q -o "$T/rone/out" $RF
  mpi 3 analyze -q --mpi -o "$T/rmpi/out" $RF
  check "real capture, 3 ranks: exits 0" '[ $? -eq 0 ]'
  check "real capture, 3 ranks: same outputs" 'same_dir "$T/rone/out" "$T/rmpi/out"'
else
  echo "note: $REAL or tcpdump missing: real-capture case not run"
fi

# Monitor by monitor (ucsd-00 .. ucsd-05 lbl-00 ..) is not time order: refused.
MM="$(ls "$T"/ucsd-*.pcap) $(ls "$T"/lbl-*.pcap)"
mpi 3 analyze -q --mpi $TEL -o "$T/bad" $MM 2> "$T/errbad.txt"
rc=$?
check "inputs out of time order: nonzero exit, message" \
  '[ $rc -ne 0 ] && grep -q "not given in time order" "$T/errbad.txt"'
check "--help documents --mpi" '"$BIN" analyze --help | grep -q -- "--mpi"'

checks_done

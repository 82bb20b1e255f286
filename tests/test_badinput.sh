#!/usr/bin/env bash
# Hostile and broken inputs, end to end (issue "Hostile input"). Every bad input is
# given together with a GOOD capture on the same command line, and every run checks:
#   - it ends (timeout) without a crash (exit status < 128) and with the expected
#     status (2 when an input is unreadable or corrupt, 0 when only warned about);
#   - the bad input gets one line on stderr naming the file and the reason (with the
#     offset when the fault is inside the file);
#   - summary.json parses, says "complete": true, and the good capture's dissection
#     equals the dissection of the good capture analysed alone.
# Then: a file that shrinks while mapped (SIGBUS guard), a file growing while read,
# a FIFO, output safety (atomic replace under SIGKILL, fixed output names, -o on a
# file, outputs replaced rather than written through: hard links and symlinks at the
# output names of analyze, --state, report, merge and movie; concurrent runs creating
# one output directory; simulate's temporaries). The bad files are written here with printf (fuzz/capgen.sh), head, dd,
# gzip, zstd, xz and bzip2. DS_BADINPUT_KEEP=1 keeps the files (for valgrind).
set -u
BIN=${DS_BIN:?}
SRC=${DS_SRC:?}
CAP=${DS_SHARED:-/work/shared/data}/captures
T=${DS_BADINPUT_DIR:-$(mktemp -d)}
mkdir -p "$T"
[ "${DS_BADINPUT_KEEP:-0}" = 1 ] || trap 'rm -rf "$T"' EXIT
# shellcheck source=../fuzz/capgen.sh
. "$SRC/fuzz/capgen.sh"
command -v jq > /dev/null || { echo "test_badinput: jq is needed"; exit 1; }

fails=0; checks=0
ok() { checks=$((checks + 1)); }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

GOOD=$CAP/dosattack.pcap
"$BIN" analyze -q -o "$T/ref" "$GOOD" || bad "the good capture alone"
dissect() { jq -S -c --arg p "$2" '.inputs[] | select(.path == $p) | .dissection' "$1/summary.json" 2>/dev/null; }
REF=$(dissect "$T/ref" "$GOOD")
check "the good capture has packets" '[ "$(jq -r .packets <<< "$REF")" -gt 0 ]'

# run NAME EXPECT MSGRE FILE [more inputs before the good one...]
#   EXPECT: exit status (a regex, e.g. '0|2'); MSGRE: extended regex the line about
#   FILE must match ("" = no line expected; '-' = do not check).
run() {
  local name=$1 expect=$2 msgre=$3 file=$4
  shift 3
  local out=$T/out-$name err=$T/$name.err rc
  local t0=$SECONDS
  timeout -k 5 60 "$BIN" analyze -q -o "$out" "$@" "$GOOD" > /dev/null 2> "$err"
  rc=$?
  if [ $rc -eq 124 ] || [ $((SECONDS - t0)) -ge 60 ]; then bad "$name: hangs (killed after 60 s)"; return; fi
  if [ $rc -ge 128 ]; then bad "$name: crashed with signal $((rc - 128))"; cat "$err"; return; fi
  if [[ ! "$rc" =~ ^($expect)$ ]]; then bad "$name: exit status $rc, expected $expect"; cat "$err"; else ok; fi
  if grep -qv '^darkscope: ' "$err"; then bad "$name: stderr has lines not from darkscope:"; cat "$err"; else ok; fi
  if [ "$msgre" != - ]; then
    if [ -z "$msgre" ]; then
      if grep -qF -- "$file" "$err"; then bad "$name: unexpected message"; cat "$err"; else ok; fi
    elif grep -F -- "$file" "$err" | grep -Eq -- "$msgre"; then
      ok
    else
      bad "$name: no line naming $file matching /$msgre/:"; cat "$err"
    fi
  fi
  if ! jq -e . "$out/summary.json" > /dev/null 2>&1; then bad "$name: summary.json does not parse"; return; fi
  check "$name: run complete" '[ "$(jq -r .complete "$out/summary.json")" = true ]'
  local got
  got=$(dissect "$out" "$GOOD")
  if [ "$got" = "$REF" ]; then ok; else bad "$name: the good capture's dissection changed: $got"; fi
  [ "${DS_BADINPUT_VERBOSE:-0}" = 1 ] && { echo "== $name rc=$rc"; cat "$err"; }
  return 0
}
# input_field NAME FILE JQ: a field of FILE's entry in the run's summary.json.
input_field() { jq -r --arg p "$2" ".inputs[] | select(.path == \$p) | $3" "$T/out-$1/summary.json" 2>/dev/null; }

B=$T/bad
mkdir -p "$B"
# Crafted packets are dated just before the good capture, so that only the cases
# about time put far-apart timestamps together.
TS=$(( $(jq -r '.inputs[0].first_ts' "$T/ref/summary.json" | cut -d. -f1) - 100 ))
pkts=("$pkt_syn" "$pkt_synack" "$pkt_rst" "$pkt_echo" "$pkt_unreach" "$pkt_dns" "$pkt_frag" "$pkt_mirai")
{ pcap_hdr le 65535 101; for p in "${pkts[@]}"; do pcap_pkt $TS 5 "$p"; done; } > "$B/ok.pcap"
run crafted-ok 0 "" "$B/ok.pcap"
check "crafted capture: 8 packets" '[ "$(input_field crafted-ok "$B/ok.pcap" .packets)" = 8 ]'

# ---- classic pcap truncated at every header boundary --------------------------------
# 24-byte file header, then 16-byte record header + 40 bytes (pkt_syn).
: > "$B/empty.pcap"; run empty 2 'empty' "$B/empty.pcap"
for n in 2 4 12 23; do
  head -c $n "$B/ok.pcap" > "$B/hdr$n.pcap"
  run "pcap-header-$n" 2 'too short|truncated pcap file header' "$B/hdr$n.pcap"
done
head -c 24 "$B/ok.pcap" > "$B/hdronly.pcap"
run pcap-header-only 0 "" "$B/hdronly.pcap"
for n in $((24 + 1)) $((24 + 8)) $((24 + 15)) $((24 + 16)) $((24 + 16 + 20)) $((24 + 16 + 39)); do
  head -c $n "$B/ok.pcap" > "$B/rec$n.pcap"
  run "pcap-record-cut-$n" 0 'warning: .*offset 24: last record (header )?truncated' "$B/rec$n.pcap"
done
sz=$(stat -c %s "$B/ok.pcap")
head -c $((sz - 1)) "$B/ok.pcap" > "$B/last-1.pcap"
run pcap-last-record-cut 0 'warning: .*last record truncated' "$B/last-1.pcap"
check "cut last record: the 7 whole ones are read" '[ "$(input_field pcap-last-record-cut "$B/last-1.pcap" .packets)" = 7 ]'

# ---- garbage after a valid header ------------------------------------------------------
{ pcap_hdr le 65535 101; yes 'garbage, not a record' | head -c 3000; } > "$B/garbage.pcap"
run pcap-garbage 2 'offset 24: .*(exceeds|corrupt)' "$B/garbage.pcap"
{ pcap_hdr le 65535 101; pcap_pkt $TS 0 "$pkt_syn"; head -c 3000 /dev/zero | tr '\0' '\377'; } > "$B/garbage2.pcap"
run pcap-garbage-after-record 2 'offset 80: .*(exceeds|corrupt)' "$B/garbage2.pcap"
{ ng_shb; yes 'garbage' | head -c 3000; } > "$B/garbage.pcapng"
run pcapng-garbage 2 'offset 28: ' "$B/garbage.pcapng"

# ---- caplen larger than snaplen, 0, 2^31 --------------------------------------------------
{ pcap_hdr le 96 101; pcap_rec $TS 0 200 200; head -c 200 /dev/zero; } > "$B/over-snaplen.pcap"
run caplen-over-snaplen 2 'offset 24: record length 200 exceeds the snaplen 96' "$B/over-snaplen.pcap"
{ pcap_hdr le 65535 101; pcap_rec $TS 0 0 60; pcap_pkt $TS 1 "$pkt_syn"; } > "$B/caplen0.pcap"
run caplen-0 0 "" "$B/caplen0.pcap"
check "caplen 0: both records read" '[ "$(input_field caplen-0 "$B/caplen0.pcap" .packets)" = 2 ]'
{ pcap_hdr le 0 101; pcap_rec $TS 0 $((1 << 31)) $((1 << 31)); head -c 100 /dev/zero; } > "$B/caplen2g.pcap"
run caplen-2-31 2 'offset 24: record length 2147483648 exceeds' "$B/caplen2g.pcap"
{ pcap_hdr le 0 101; pcap_rec $TS 0 $(( (1 << 32) - 1 )) 0; } > "$B/caplen4g.pcap"
run caplen-2-32-1 2 'offset 24: record length 4294967295 exceeds' "$B/caplen4g.pcap"
# A caplen just under the 256 MiB record limit, with the bytes missing: a warning,
# and no 256 MiB allocation needed to say so.
{ pcap_hdr le 0 101; pcap_rec $TS 0 $(( (256 << 20) - 100 )) 100; head -c 1000 /dev/zero; } > "$B/caplen-big.pcap"
run caplen-near-limit 0 'last record truncated' "$B/caplen-big.pcap"

# ---- timestamps going backwards and far in the future -------------------------------------
{ pcap_hdr le 65535 101; pcap_pkt $((TS + 20)) 0 "$pkt_syn"; pcap_pkt $((TS + 30)) 0 "$pkt_syn"; pcap_pkt $((TS - 3000)) 0 "$pkt_syn"; pcap_pkt $((TS + 29)) 999999 "$pkt_syn"; } > "$B/backwards.pcap"
run ts-backwards 0 "" "$B/backwards.pcap"
check "timestamps backwards: all 4 read" '[ "$(input_field ts-backwards "$B/backwards.pcap" .packets)" = 4 ]'
check "timestamps backwards: disorder counted" '[ "$(jq -r .anomalies.out_of_order "$T/out-ts-backwards/summary.json")" -ge 1 ]'
# Back to 1970 (epoch 10): a span of decades between the inputs.
{ pcap_hdr le 65535 101; pcap_pkt $TS 0 "$pkt_syn"; pcap_pkt 10 0 "$pkt_syn"; } > "$B/epoch.pcap"
run ts-back-to-1970 0 "" "$B/epoch.pcap"
{ pcap_hdr le 65535 101; pcap_pkt $TS 0 "$pkt_syn"; pcap_pkt $(( (1 << 32) - 1 )) 999999 "$pkt_syn"; pcap_pkt $((TS + 1)) 0 "$pkt_syn"; } > "$B/future.pcap"
run ts-far-future 0 "" "$B/future.pcap"
check "far-future timestamp: all 3 read" '[ "$(input_field ts-far-future "$B/future.pcap" .packets)" = 3 ]'
{ pcap_hdr ns 65535 101; pcap_pkt $(( (1 << 32) - 1 )) $(( (1 << 32) - 1 )) "$pkt_syn"; } > "$B/future-ns.pcap"
run ts-far-future-ns 0 "" "$B/future-ns.pcap"
# pcapng: 64-bit timestamps that overflow nanoseconds, and an if_tsoffset far away.
{ ng_shb; ng_idb 101 65535; ng_epb 0 $(( (1 << 63) - 1 )) "$pkt_syn"; ng_epb 0 -1 "$pkt_syn"; ng_epb 0 $((TS * 1000000)) "$pkt_syn"; } > "$B/future.pcapng"
run ts-pcapng-overflow 0 "" "$B/future.pcapng"
check "pcapng huge timestamps: all 3 read" '[ "$(input_field ts-pcapng-overflow "$B/future.pcapng" .packets)" = 3 ]'

# ---- pcapng block lengths and types ---------------------------------------------------------
shb=$(ng_shb | od -An -tx1 | tr -d ' \n')
idb=$(ng_idb 101 65535 | od -An -tx1 | tr -d ' \n')
epb=$(ng_epb 0 $((TS * 1000000)) "$pkt_syn" | od -An -tx1 | tr -d ' \n')
{ hexbytes "$shb$idb$epb$epb"; } > "$B/ok.pcapng"
run pcapng-ok 0 "" "$B/ok.pcapng"
check "crafted pcapng: 2 packets" '[ "$(input_field pcapng-ok "$B/ok.pcapng" .packets)" = 2 ]'
# Truncation at every block boundary: SHB (28 bytes), IDB (20), EPB (72).
for n in 4 8 12 27 28 32 36 47 48 52 56 100 119 $((48 + 72 + 4)); do
  head -c $n "$B/ok.pcapng" > "$B/ng$n.pcapng"
  if [ $n -lt 28 ]; then
    run "pcapng-cut-$n" 2 'too short|truncated|section header' "$B/ng$n.pcapng"
  elif [ $n -eq 28 ] || [ $n -eq 48 ]; then
    run "pcapng-cut-$n" 0 "" "$B/ng$n.pcapng"
  else
    run "pcapng-cut-$n" 0 "warning: .*offset $([ $n -lt 48 ] && echo 28 || { [ $n -lt 120 ] && echo 48 || echo 120; }): .*truncated" "$B/ng$n.pcapng"
  fi
done
# Wrong lengths: not a multiple of 4, below 12, trailer disagreeing, absurdly long.
badlen() { printf '%s' "${epb:0:8}$(le32hex "$1")${epb:16}"; }
hexbytes "$shb$idb$(badlen 73)" > "$B/len73.pcapng"
run pcapng-len-not-4 2 'offset 48: .*(multiple of 4|length)' "$B/len73.pcapng"
hexbytes "$shb$idb$(badlen 8)" > "$B/len8.pcapng"
run pcapng-len-8 2 'offset 48: .*length' "$B/len8.pcapng"
hexbytes "$shb$idb${epb:0:$(( ${#epb} - 8 ))}$(le32hex 76)" > "$B/trailer.pcapng"
run pcapng-trailer-mismatch 2 'offset 48: .*(trailing|length)' "$B/trailer.pcapng"
hexbytes "$shb$idb$(badlen $((0x7ffffff0)))" > "$B/lenhuge.pcapng"
run pcapng-len-huge 2 'offset 48: .*(length|limit|exceeds)' "$B/lenhuge.pcapng"
hexbytes "$shb$(ng_block 6 "$(le32hex 3) 00000000 00000000 $(le32hex 40) $(le32hex 40) $pkt_syn" | od -An -tx1 | tr -d ' \n')" > "$B/noif.pcapng"
run pcapng-no-interface 2 'offset 28: .*interface' "$B/noif.pcapng"
{ hexbytes "$shb$idb"; ng_block $((0x0BAD)) "0102030405"; ng_block $((0x80000001)) ""; hexbytes "$epb"; ng_block 5 "00000000"; } > "$B/unknown-blocks.pcapng"
run pcapng-unknown-types 0 "" "$B/unknown-blocks.pcapng"
check "unknown pcapng blocks skipped: 1 packet" '[ "$(input_field pcapng-unknown-types "$B/unknown-blocks.pcapng" .packets)" = 1 ]'
{ hexbytes "$shb"; ng_block 1 "6500 0000 ffff0000 0900 0100 ff000000 0000 0000"; hexbytes "$epb"; } > "$B/tsresol.pcapng"
run pcapng-bad-tsresol '0|2' - "$B/tsresol.pcapng"
{ hexbytes "$shb"; ng_block 1 "6500 0000 ffff0000 0e00 0300 010203 00 0000 0000"; hexbytes "$epb"; } > "$B/optlen.pcapng"
run pcapng-bad-option-length '0|2' - "$B/optlen.pcapng"

# ---- unknown link types -------------------------------------------------------------------
{ pcap_hdr le 65535 147; pcap_pkt $TS 0 "$pkt_syn"; pcap_pkt $TS 1 "$pkt_syn"; } > "$B/user0.pcap"
run linktype-unknown 0 "" "$B/user0.pcap"
check "unknown link type: frames counted as link_unsupported" '[ "$(jq -r .anomalies.link_unsupported "$T/out-linktype-unknown/summary.json")" = 2 ]'
{ pcap_hdr le 65535 65535; pcap_pkt $TS 0 "$pkt_syn"; } > "$B/lt65535.pcap"
run linktype-65535 0 "" "$B/lt65535.pcap"
{ hexbytes "$shb"; ng_idb 9999 65535; hexbytes "$epb"; } > "$B/lt9999.pcapng"
run linktype-unknown-pcapng 0 "" "$B/lt9999.pcapng"

# ---- corrupt compressed streams -------------------------------------------------------------
# A capture big enough (1 MB, dated like the others) that the corruption lies well
# inside the compressed stream.
{ for i in $(seq 64); do pcap_pkt $((TS + i)) $((i * 7919)) "${pkts[$((i % 8))]}"; done; } > "$B/recs"
for i in $(seq 8); do cat "$B/recs" "$B/recs" > "$B/x" && mv "$B/x" "$B/recs"; done
big=$B/big.pcap
{ pcap_hdr le 65535 101; cat "$B/recs"; } > "$big"
for z in gzip zstd xz bzip2; do
  case $z in gzip) c="gzip -c" ;; zstd) c="zstd -q -c" ;; xz) c="xz -c" ;; bzip2) c="bzip2 -c" ;; esac
  $c "$big" > "$B/ok.$z"
  zs=$(stat -c %s "$B/ok.$z")
  cp "$B/ok.$z" "$B/flip.$z"
  printf '\x55\xaa\x55\xaa\x55\xaa\x55\xaa' | dd of="$B/flip.$z" bs=1 seek=$((zs / 2)) conv=notrunc status=none
  run "corrupt-$z" 2 "compressed offset [0-9]+: corrupt $z data" "$B/flip.$z"
  head -c $((zs / 2)) "$B/ok.$z" > "$B/cut.$z"
  # The packets before the cut are read, with a warning; a bzip2 block (900 kB of
  # input) or a small zstd frame cut in half decodes to nothing at all, which is an
# error saying why.
  if [ "$($z -dc < "$B/cut.$z" 2>/dev/null | wc -c)" -eq 0 ]; then
    run "truncated-$z" 2 "empty after decompression with $z.*truncated" "$B/cut.$z"
  else
    run "truncated-$z" 0 "warning: .*$z .*(truncated|ends)" "$B/cut.$z"
    check "truncated $z: some packets read" '[ "$(input_field "truncated-$z" "$B/cut.$z" .packets)" -gt 0 ]'
  fi
  # The end of the stream is damaged: header and first blocks fine.
  cp "$B/ok.$z" "$B/tail.$z"
  printf '\xff\xff\xff\xff' | dd of="$B/tail.$z" bs=1 seek=$((zs - 6)) conv=notrunc status=none
  run "corrupt-end-$z" '0|2' "compressed offset|$z" "$B/tail.$z"
done
head -c 10 "$B/ok.gzip" > "$B/hdr.gzip"
run gzip-header-only 2 'empty|too short|truncated' "$B/hdr.gzip"
{ gzip -c "$B/ok.pcap"; echo "trailing garbage"; } > "$B/trail.gzip"
run gzip-trailing-garbage 0 '-' "$B/trail.gzip"
printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage garbage garbage' > "$B/garbage.gzip"
run gzip-garbage 2 'corrupt gzip' "$B/garbage.gzip"
printf '\x28\xb5\x2f\xfd garbage garbage garbage' > "$B/garbage.zstd"
run zstd-garbage 2 'corrupt zstd' "$B/garbage.zstd"
printf '\xfd7zXZ\x00 garbage garbage garbage' > "$B/garbage.xz"
run xz-garbage 2 'corrupt xz' "$B/garbage.xz"
printf 'BZh9 garbage garbage garbage' > "$B/garbage.bzip2"
run bzip2-garbage 2 'corrupt bzip2' "$B/garbage.bzip2"
# Nine nested gzip layers: more than the reader peels.
cp "$B/ok.pcap" "$B/nest0"
for i in 1 2 3 4 5 6 7 8 9; do gzip -c "$B/nest$((i - 1))" > "$B/nest$i"; done
run gzip-nested-9 2 'nested compression layers' "$B/nest9"
run gzip-nested-8 0 "" "$B/nest8"
# A zstd frame that decompresses to a huge run of zeros (a bomb): records of
# caplen 0 with time 0, read to the end, no memory blow-up, no hang.
head -c $((64 << 20)) /dev/zero | zstd -q -19 -c > "$B/bomb.zstd"
{ pcap_hdr le 0 101 | zstd -q -c; cat "$B/bomb.zstd"; } > "$B/bomb.pcap.zstd"
run zstd-bomb-of-zeros 0 - "$B/bomb.pcap.zstd"

# ---- things that are not capture files ------------------------------------------------------
run directory 2 'is a directory' "$B"
run dev-zero 2 'not a capture file \(first bytes 00 00 00 00\)' /dev/zero
run dev-null 2 'empty' /dev/null
run missing 2 'No such file' "$B/no-such-file"
ln -sf loop2 "$B/loop1"; ln -sf loop1 "$B/loop2"
run symlink-loop 2 'symbolic links' "$B/loop1"
run enotdir 2 'Not a directory' "$B/ok.pcap/x"
if [ "$(id -u)" -ne 0 ]; then
  cp "$B/ok.pcap" "$B/unreadable.pcap"; chmod 000 "$B/unreadable.pcap"
  run unreadable 2 'Permission denied' "$B/unreadable.pcap"
else
  echo "note: running as root, so chmod 000 does not make a file unreadable; checking a read error (EIO from /proc/self/mem) instead"
fi
# Opens fine, fails at the first read(): EIO.
run read-error 2 'read error at offset 0|Input/output error' /proc/self/mem
printf 'this is a text file, not a capture\n' > "$B/text.pcap"
run text-file 2 'not a capture file \(first bytes 74 68 69 73\)' "$B/text.pcap"
printf '\x34\xcd\xb2\xa1' > "$B/kuz.pcap"; head -c 100 /dev/zero >> "$B/kuz.pcap"
run kuznetzov 2 'Kuznetzov' "$B/kuz.pcap"
{ pcap_hdr le 65535 101 | head -c 4; u16le 3; u16le 0; head -c 16 /dev/zero; } > "$B/version.pcap"
run pcap-version 2 'unsupported pcap version 3' "$B/version.pcap"

# ---- a FIFO: a writer sends a capture then closes --------------------------------------------
FIFO_CAP=$big # dated like the good capture (see the worm-analysis hang in docs/FUZZING.md)
"$BIN" analyze -q -o "$T/fiforef" "$FIFO_CAP" || bad "the FIFO capture alone"
FREF=$(dissect "$T/fiforef" "$FIFO_CAP")
mkfifo "$B/fifo"
( sleep 0.3; cat "$FIFO_CAP" ) > "$B/fifo" &
run fifo 0 "" "$B/fifo"
wait
check "FIFO: the capture sent is read completely" '[ "$(dissect "$T/out-fifo" "$B/fifo")" = "$FREF" ]'
( gzip -c "$FIFO_CAP" | { head -c 100; sleep 0.5; cat; } ) > "$B/fifo" &
run fifo-gzip-slow 0 "" "$B/fifo"
wait
check "FIFO with gzip and a pause: complete" '[ "$(dissect "$T/out-fifo-gzip-slow" "$B/fifo")" = "$FREF" ]'
( head -c 30 "$FIFO_CAP" ) > "$B/fifo" &
run fifo-cut 0 'last record' "$B/fifo"
wait

# ---- a file growing while it is read ----------------------------------------------------------
# The reader maps the size it finds at open: what is appended later is not read (a
# defined result: the records present at open, the last one maybe cut short).
{ pcap_hdr le 65535 101; for i in $(seq 200); do pcap_pkt $TS $i "$pkt_syn"; done; } > "$B/grow-part"
cp "$B/grow-part" "$B/growing.pcap"
( for i in $(seq 50); do for j in $(seq 20); do pcap_pkt $((TS + 1)) $j "$pkt_synack"; done >> "$B/growing.pcap"; sleep 0.01; done ) &
grower=$!
run growing 0 '-' "$B/growing.pcap"
wait $grower
n=$(input_field growing "$B/growing.pcap" .packets)
check "growing file: the packets present at open are read ($n)" '[ "$n" -ge 200 ] && [ "$n" -le 1200 ]'

# ---- a file shrinking while it is read (mmap + truncate = SIGBUS) ----------------------------
# shrink.pcap: 30 MB of records at TS, then 30 MB at TS+20. A FIFO input sends a
# record at TS+10 and then waits, so the time-ordered merge stops reading shrink.pcap
# after its TS records; the file is cut to 100 kB; the FIFO then ends and the reader
# goes on into pages that no longer exist.
{ for i in $(seq 64); do pcap_pkt $TS $i "$pkt_syn"; done; } > "$B/recA"
{ for i in $(seq 64); do pcap_pkt $((TS + 20)) $i "$pkt_synack"; done; } > "$B/recB"
for i in $(seq 13); do cat "$B/recA" "$B/recA" > "$B/x" && mv "$B/x" "$B/recA"; cat "$B/recB" "$B/recB" > "$B/x" && mv "$B/x" "$B/recB"; done
{ pcap_hdr le 65535 101; cat "$B/recA" "$B/recB"; } > "$B/shrink.pcap"
rm -f "$B/recA" "$B/recB"
rm -f "$B/fifo"; mkfifo "$B/fifo"
# The cut waits until darkscope has mapped the file (a slow start, e.g. under ASan,
# must not turn the test into a file that was merely short when opened), and the
# FIFO's second record waits for the cut.
rm -f "$B/cut-done"
( { pcap_hdr le 65535 101; pcap_pkt $((TS + 10)) 0 "$pkt_echo"
    for _ in $(seq 600); do [ -e "$B/cut-done" ] && break; sleep 0.1; done
    pcap_pkt $((TS + 11)) 0 "$pkt_echo"; } > "$B/fifo" ) &
writer=$!
( for _ in $(seq 600); do grep -qsF "$B/shrink.pcap" /proc/[0-9]*/maps && break; sleep 0.1; done
  truncate -s 100000 "$B/shrink.pcap"; touch "$B/cut-done" ) &
run shrinking 2 'file offset [0-9]+: the file shrank while it was being read' "$B/shrink.pcap" "$B/fifo"
wait
check "shrinking file: the FIFO input is still complete" '[ "$(input_field shrinking "$B/fifo" .packets)" = 2 ]'
check "shrinking file: reported as an error in summary.json" '[ "$(input_field shrinking "$B/shrink.pcap" .status)" = error ]'
rm -f "$B/shrink.pcap"

# ---- output safety -------------------------------------------------------------------------------
O=$T/atomic
# Version A from the good capture, version B from a larger input; then runs that
# write B over A are killed at random moments: every file must be A or B, whole.
"$BIN" analyze -q -o "$O" "$GOOD" || bad "atomic: first run"
cp -r "$O" "$T/verA"
LARGE=$CAP/pathspider_real.pcap
# B is written to a directory of the same name (the report's title is the name).
VB=$T/verB/atomic
"$BIN" analyze -q -o "$VB" "$LARGE" || bad "atomic: reference run B"
sed -i "s|$VB|$O|g" "$VB"/* # outputs that name the output directory
for delay in 0.05 0.1 0.15 0.2 0.3 0.4 0.6; do
  "$BIN" analyze -q -o "$O" "$LARGE" & pid=$!
  sleep $delay; kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
  for f in "$T/verA"/*; do
    b=$(basename "$f")
    if [ ! -f "$O/$b" ]; then bad "atomic: $b vanished after SIGKILL at ${delay}s"; continue; fi
    if cmp -s "$O/$b" "$f" || cmp -s "$O/$b" "$VB/$b"; then ok; else bad "atomic: $b is neither the old nor the new version after SIGKILL at ${delay}s"; fi
  done
  jq -e . "$O/summary.json" > /dev/null 2>&1 && ok || bad "atomic: summary.json does not parse after SIGKILL at ${delay}s"
done
# Output names are fixed: a capture full of path-like text gives the same names.
printf '../../etc/passwd\0/tmp/x\0%%s%%n' > "$T/payload"
{ pcap_hdr le 65535 101; pcap_pkt $TS 0 "$pkt_syn $(od -An -tx1 "$T/payload" | tr -d ' \n')"; } > "$B/../evil name;\$(touch pwned).pcap"
mkdir -p "$T/cwd"
( cd "$T/cwd" && "$BIN" analyze -q -o out "$B/../evil name;\$(touch pwned).pcap" > /dev/null 2>&1 )
check "odd input names: nothing is created outside the output directory" '[ "$(ls -A "$T/cwd")" = out ]'
check "output names do not depend on the input" '[ "$(ls -A "$T/cwd/out" | sort)" = "$(ls -A "$T/ref" | sort)" ]'
check "no pwned file anywhere" '[ ! -e "$T/pwned" ] && [ ! -e "$T/cwd/pwned" ] && [ ! -e pwned ]'
# -o naming an existing file.
printf 'precious\n' > "$T/afile"
"$BIN" analyze -q -o "$T/afile" "$GOOD" 2> "$T/ofile.err"; rc=$?
check "-o on a file: exit status 1 or 3 (got $rc)" '[ $rc -eq 1 ] || [ $rc -eq 3 ]'
check "-o on a file: one line naming it" 'grep -q "$T/afile" "$T/ofile.err" && [ "$(wc -l < "$T/ofile.err")" -eq 1 ]'
check "-o on a file: the file is untouched" '[ "$(cat "$T/afile")" = precious ]'
"$BIN" analyze -q -o "$T/afile/sub" "$GOOD" 2> "$T/ofile2.err"; rc=$?
check "-o under a file: exit status 1 or 3 (got $rc)" '[ $rc -eq 1 ] || [ $rc -eq 3 ]'

# Replacing, not writing through: every existing output (analyze's files, report.html,
# the --state file, merge's outputs, report, the movie's GIF and frames) is hard-linked
# to a witness before a second run; a file written in place would change its witness
# too. An output name that is a symlink is replaced by a file, its target untouched.
R=$T/replace; W=$T/witness; mkdir -p "$W"
"$BIN" analyze -q --state "$T/replace.state" -o "$R" "$CAP/portscan.pcap" || bad "replace: first run"
M=$T/movie-in; mkdir -p "$M" # a few infected hosts with times, for the movie
printf 'signature,first_seen,last_seen,lat,lon\ncodered,1000000000,1000000900,10,10\ncodered,1000000300,1000000600,-30,100\n' > "$M/hosts.csv"
"$BIN" movie -o "$R/movie.gif" --frames "$R/frames" "$M" > /dev/null 2>&1 || bad "replace: first movie"
printf 'victim\n' > "$T/victim"
have_report=0 # report.html needs the front end built into the binary
if [ -f "$R/report.html" ]; then have_report=1; rm -f "$R/report.html" && ln -s "$T/victim" "$R/report.html"; fi
witness() { # every file under $R, and the state, hard-linked with a copy beside
  rm -rf "$W" && mkdir -p "$W"
  (cd "$R" && find . -type f) | while read -r f; do
    mkdir -p "$W/$(dirname "$f")"; ln "$R/$f" "$W/$f.link"; cp "$R/$f" "$W/$f.copy"
  done
  ln "$T/replace.state" "$W/state.link"; cp "$T/replace.state" "$W/state.copy"
}
witnessed() { # NAME: every witness still equals its copy
  local n=0 l
  for l in $(cd "$W" && find . -name '*.link'); do
    n=$((n + 1))
    cmp -s "$W/$l" "$W/${l%.link}.copy" || bad "$1: ${l%.link} was written in place"
  done
  check "$1: witnesses checked ($n)" '[ $n -ge 10 ]'
}
witness
"$BIN" analyze -q --state "$T/replace.state" -o "$R" "$CAP/dosattack.pcap" || bad "replace: second run"
printf 'codered,1000001000,1000001200,50,5\n' >> "$M/hosts.csv"
"$BIN" movie -o "$R/movie.gif" --frames "$R/frames" "$M" > /dev/null 2>&1 || bad "replace: second movie"
check "replace: the movie's frames are there" '[ -f "$R/frames/frame-00000.png" ]'
witnessed "analyze --state, movie over an earlier run"
check "replace: the symlinked report.html is a file now" '[ $have_report = 0 ] || { [ -f "$R/report.html" ] && [ ! -L "$R/report.html" ]; }'
check "replace: the symlink's target is untouched" '[ "$(cat "$T/victim")" = victim ]'
check "replace: the new state is the new run's" '! cmp -s "$T/replace.state" "$W/state.copy"'
witness
if [ $have_report = 1 ]; then "$BIN" report "$R" > /dev/null 2>&1 || bad "replace: report"; fi
"$BIN" merge -q --state "$T/replace.state" -o "$R" "$T/replace.state" > /dev/null 2>&1 || bad "replace: merge"
witnessed "report, merge --state over an earlier run"
check "replace: no temporary left behind" '[ -z "$(find "$R" -name ".*" -type f; ls "$T" | grep "replace.state.")" ]'
# The output directory is created without races: runs creating the same new nested
# directory at once all succeed (mkdir -p that tolerates the others' mkdir).
for i in 1 2 3 4; do "$BIN" analyze -q -o "$T/race/a/b/c" "$GOOD" > /dev/null 2>&1 & eval "rpid$i=\$!"; done
rfail=0
for i in 1 2 3 4; do eval "wait \$rpid$i" || rfail=$((rfail + 1)); done
check "concurrent runs creating one output directory: all succeed ($rfail failed)" '[ $rfail -eq 0 ]'
check "concurrent runs: summary.json parses" 'jq -e .complete "$T/race/a/b/c/summary.json" > /dev/null'

# simulate writes its captures under temporary names no one can guess: a symlink
# planted at the name it used to use (.MONITOR.pcap.tmp) is not written through.
SO=$T/sim-out; mkdir -p "$SO"
printf '{"start": 996206400, "duration": "10s", "monitors": {"m": "10.0.0.0/8"}}\n' > "$T/sim.json"
printf 'victim\n' > "$T/victim2"
ln -s "$T/victim2" "$SO/.m.pcap.tmp"
"$BIN" simulate -q --no-geo -o "$SO" "$T/sim.json" > /dev/null 2>&1 || bad "simulate: a small scenario"
check "simulate: the planted temporary's target is untouched" '[ "$(cat "$T/victim2")" = victim ]'
check "simulate: the capture is a file" '[ -f "$SO/m.pcap" ] && [ ! -L "$SO/m.pcap" ]'

echo "$checks checks, $fails failed"
[ $checks -gt 0 ] && [ $fails -eq 0 ]

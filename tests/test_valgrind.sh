#!/usr/bin/env bash
# darkscope analyze under valgrind memcheck: a few small shared captures (pcap,
# pcapng, gzip inside gzip, big-endian) and a set of broken inputs (truncated
# records, garbage after a header, corrupt gzip/zstd/xz/bzip2, bad pcapng lengths,
# a directory, /dev/zero). Any memcheck error or definite leak fails the test
# (--error-exitcode=99). Skipped (exit 77) when valgrind is not installed or when
# the binary is built with sanitizers (the two do not mix).
set -u
BIN=${DS_BIN:?}
SRC=${DS_SRC:?}
CAP=${DS_SHARED:-/work/shared/data}/captures
if ! command -v valgrind > /dev/null; then
  echo "SKIP: valgrind is not installed"
  exit 77
fi
if nm -an "$BIN" 2> /dev/null | grep -q '__asan_init\|__ubsan_handle'; then
  echo "SKIP: $BIN is built with sanitizers; valgrind runs on the plain build"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck source=../fuzz/capgen.sh
. "$SRC/fuzz/capgen.sh"

fails=0; checks=0
vg() { # vg NAME EXPECTED_STATUS ARGS...
  local name=$1 expect=$2
  shift 2
  checks=$((checks + 1))
  timeout -k 5 600 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --log-file="$T/$name.vg" "$BIN" analyze -q -o "$T/out-$name" "$@" > /dev/null 2> "$T/$name.err"
  local rc=$?
  if [ $rc -eq 99 ] || [ -s "$T/$name.vg" ]; then
    echo "FAIL: $name: memcheck errors:"; cat "$T/$name.vg"; fails=$((fails + 1))
  elif [ "$rc" != "$expect" ]; then
    echo "FAIL: $name: exit status $rc, expected $expect"; cat "$T/$name.err"; fails=$((fails + 1))
  fi
}

vg shared-pcap 0 "$CAP/blaster.pcap" "$CAP/destunreachable.pcap" "$CAP/be.pcap"
vg shared-pcapng 0 "$CAP/synscan.pcapng"
vg shared-gzip-in-gzip 0 "$CAP/anon-v4.pcap"
vg shared-icmp 0 "$CAP/icmp-sample.pcap" "$CAP/portscan.pcap"

B=$T/bad
mkdir -p "$B"
pkts=("$pkt_syn" "$pkt_synack" "$pkt_rst" "$pkt_echo" "$pkt_unreach" "$pkt_dns" "$pkt_frag" "$pkt_mirai" "$pkt_badihl" "$pkt_baddoff")
TS=1135111000
{ pcap_hdr le 65535 101; for p in "${pkts[@]}"; do pcap_pkt $TS 5 "$p"; done; } > "$B/ok.pcap"
head -c 50 "$B/ok.pcap" > "$B/cut.pcap"
{ pcap_hdr le 65535 101; yes garbage | head -c 2000; } > "$B/garbage.pcap"
{ pcap_hdr le 96 101; pcap_rec $TS 0 200 200; head -c 200 /dev/zero; } > "$B/snaplen.pcap"
{ ng_shb; ng_idb 1 65535 9; ng_epb 0 $((TS * 1000000000)) "$ETH $pkt_syn"; ng_block 6 "01000000"; } > "$B/badblock.pcapng"
{ ng_shb; ng_idb 113 65535; ng_spb "0000 0001 0006 001122334455 0000 0800 $pkt_syn"; ng_block 99 "00"; } > "$B/odd.pcapng"
for z in gzip zstd xz bzip2; do
  case $z in gzip) c="gzip -c" ;; zstd) c="zstd -q -c" ;; xz) c="xz -c" ;; bzip2) c="bzip2 -c" ;; esac
  $c "$CAP/dosattack.pcap" > "$B/ok.$z"
  zs=$(stat -c %s "$B/ok.$z")
  cp "$B/ok.$z" "$B/flip.$z"
  printf '\x55\xaa\x55\xaa' | dd of="$B/flip.$z" bs=1 seek=$((zs / 2)) conv=notrunc status=none
  head -c $((zs / 2)) "$B/ok.$z" > "$B/cut.$z"
done
vg crafted 0 "$B/ok.pcap"
vg bad-pcap 2 "$B/cut.pcap" "$B/garbage.pcap" "$B/snaplen.pcap" "$CAP/malformed.pcap" "$CAP/blaster.pcap"
vg bad-pcapng 2 "$B/badblock.pcapng" "$B/odd.pcapng"
vg bad-compressed 2 "$B"/flip.* "$B"/cut.* "$B/ok.gzip"
vg not-captures 2 "$B" /dev/zero /dev/null "$B/missing.pcap" "$CAP/be.pcap"

echo "$checks valgrind runs, $fails failed"
[ $checks -gt 0 ] && [ $fails -eq 0 ]

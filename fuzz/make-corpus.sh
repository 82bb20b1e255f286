#!/usr/bin/env bash
# make-corpus.sh OUTDIR — writes the seed corpora of the fuzz harnesses into
# OUTDIR/<harness>/ (nothing binary is kept in the repository): the first KBs of
# the shared captures, their gzip/zstd/xz/bzip2 and nested variants, crafted
# captures of every format corner, frames of every link type, signature and
# telescope texts. Needs bash, coreutils, gzip, zstd, xz, bzip2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
out=${1:?usage: make-corpus.sh OUTDIR}
shared=${DS_SHARED:-$src/../shared/data}
[ -d "$shared/captures" ] || shared=/work/shared/data
caps=$shared/captures
# shellcheck source=capgen.sh
. "$here/capgen.sh"

mkdir -p "$out"/{fuzz_capture,fuzz_decode,fuzz_signature,fuzz_telescope}
C=$out/fuzz_capture

# ---- fuzz_capture -------------------------------------------------------------------
# The head of every shared capture (the reader treats the cut as a truncated record).
if [ -d "$caps" ]; then
  for f in "$caps"/*.pcap* ; do
    b=$(basename "$f")
    head -c 4096 "$f" > "$C/head-$b"
  done
  for f in blaster.pcap be.pcap destunreachable.pcap portscan.pcap icmp-sample.pcap; do
    if [ -f "$caps/$f" ]; then head -c 3000 "$caps/$f" > "$C/small-$f"; fi
  done
fi
# Crafted captures.
pkts=("$pkt_syn" "$pkt_synack" "$pkt_rst" "$pkt_echo" "$pkt_unreach" "$pkt_dns" "$pkt_frag" "$pkt_mirai")
{ pcap_hdr le 65535 101; for p in "${pkts[@]}"; do pcap_pkt 1000 5 "$p"; done; } > "$C/raw-le.pcap"
{ pcap_hdr be 65535 101; } > "$C/raw-be-empty.pcap"
{ pcap_hdr nsbe 65535 12; u32be 1; u32be 5; u32be 40; u32be 40; hexbytes "$pkt_syn"; } > "$C/raw12-nsbe.pcap"
{ pcap_hdr ns 96 1; for p in "${pkts[@]}"; do pcap_pkt 1000 999999999 "$ETH $p"; done; } > "$C/eth-ns.pcap"
{ pcap_hdr le 65535 113; pcap_pkt 5 0 "0000 0001 0006 001122334455 0000 0800 $pkt_syn"; } > "$C/sll.pcap"
{ pcap_hdr le 65535 276; pcap_pkt 5 0 "0800 0000 00000002 0001 00 06 001122334455 0000 $pkt_syn"; } > "$C/sll2.pcap"
{ pcap_hdr le 65535 0; pcap_pkt 5 0 "02000000 $pkt_syn"; } > "$C/null.pcap"
{ pcap_hdr le 65535 1; pcap_pkt 5 0 "ffffffffffff 001122334455 8100 0005 88a8 0006 0800 $pkt_syn"; } > "$C/vlan.pcap"
{ pcap_hdr le 65535 101; pcap_rec 1 0 2000 2000; } > "$C/caplen-over-snaplen.pcap"
{ pcap_hdr le 0 101; pcap_rec 1 0 0 0; pcap_pkt 2 0 "$pkt_syn"; } > "$C/caplen0.pcap"
{
  ng_shb; ng_idb 101 65535; ng_idb 1 96 9; ng_idb 228 65535 $((0x80 | 20))
  ng_epb 0 1000000005 "$pkt_syn"; ng_epb 1 1000000000007 "$ETH $pkt_synack"
  ng_epb 2 $((1000 << 20)) "$pkt_rst"; ng_spb "$pkt_echo"
  ng_block 2 "0000 0000 $(le32hex 0) $(le32hex 5) $(le32hex 28) $(le32hex 28) $pkt_echo"
  ng_block 4 "0100 0400 0a000005 6e616d65 00000000"; ng_block 5 "00000000 00000000 00000000"
  ng_block $((0x40000BAD)) "deadbeef"
  ng_shb; ng_idb 229 65535; ng_epb 0 7 "$pkt_syn6"
} > "$C/multi.pcapng"
# Compressed variants, nested too: every decompressor gets seeds.
for f in raw-le.pcap multi.pcapng eth-ns.pcap; do
  gzip -9c "$C/$f" > "$C/$f.gz"
  zstd -q -19 -c "$C/$f" > "$C/$f.zst"
  xz -c "$C/$f" > "$C/$f.xz"
  bzip2 -c "$C/$f" > "$C/$f.bz2"
done
gzip -c "$C/raw-le.pcap.gz" > "$C/raw-le.pcap.gz.gz"
zstd -q -c "$C/multi.pcapng.gz" > "$C/multi.pcapng.gz.zst"
xz -c "$C/raw-le.pcap.bz2" > "$C/raw-le.pcap.bz2.xz"
{ gzip -c "$C/raw-le.pcap" | head -c 100; gzip -c "$C/eth-ns.pcap"; } > "$C/gzip-two-members.gz"
{ zstd -q -c "$C/raw-le.pcap"; zstd -q -c "$C/eth-ns.pcap"; } > "$C/zstd-two-frames.zst"
if [ -f "$caps/anon-v4.pcap" ]; then head -c 4096 "$caps/anon-v4.pcap" > "$C/anon-gz-head"; fi

# ---- fuzz_decode: byte 0 = link type index, byte 1 = wire-length mode ------------------
# Link type indexes in fuzz_decode.c: 0 NULL, 1 ETHERNET, 2 RAW12, 3 RAW14, 4 RAW,
# 5 LOOP, 6 SLL, 7 IPV4, 8 IPV6, 9 SLL2.
D=$out/fuzz_decode
i=0
for p in "${pkts[@]}" "$pkt_badihl" "$pkt_baddoff"; do
  i=$((i + 1))
  { hexbytes "04 00"; hexbytes "$p"; } > "$D/raw-$i"
  { hexbytes "01 01"; hexbytes "$ETH $p"; } > "$D/eth-$i"
  { hexbytes "07 00"; hexbytes "$p"; } > "$D/ipv4-$i"
done
{ hexbytes "08 00"; hexbytes "$pkt_syn6"; } > "$D/ipv6-syn"
{ hexbytes "01 00"; hexbytes "$ETH6 $pkt_syn6"; } > "$D/eth6-syn"
{ hexbytes "01 00"; hexbytes "ffffffffffff 001122334455 8100 0005 88a8 0006 0800 $pkt_syn"; } > "$D/vlan"
{ hexbytes "06 00"; hexbytes "0000 0001 0006 001122334455 0000 0800 $pkt_dns"; } > "$D/sll"
{ hexbytes "09 00"; hexbytes "0800 0000 00000002 0001 00 06 001122334455 0000 $pkt_unreach"; } > "$D/sll2"
{ hexbytes "00 00"; hexbytes "02000000 $pkt_echo"; } > "$D/null"
{ hexbytes "05 00"; hexbytes "00000002 $pkt_rst"; } > "$D/loop"
# IPv6 with hop-by-hop + fragment headers, and ICMPv6 unreachable quoting IPv6.
{ hexbytes "08 00"; hexbytes "60000000 0020 00 40 20010db8000000000000000000000001 20010db8000000000000000000000005 2c00 0000 00000000 1100 0001 00000007 3039 0035 0008 0000"; } > "$D/ipv6-ext"
{ hexbytes "08 00"; hexbytes "60000000 0038 3a 40 20010db8000000000000000000000009 20010db8000000000000000000000005 0104 0000 00000000 60000000 0008 11 40 20010db8000000000000000000000005 20010db8000000000000000000000001 c350 0035 0008 0000"; } > "$D/icmp6-unreach"
# Slammer: UDP to 1434 with a 376-byte payload.
{ hexbytes "04 00"; hexbytes "45000194 000a0000 40110000 c6336407 0a00000e 1234 059a 0180 0000"; head -c 376 /dev/zero | tr '\0' '\001'; } > "$D/slammer"

# ---- fuzz_signature -----------------------------------------------------------------------
S=$out/fuzz_signature
if [ -f "$src/docs/SIGNATURES.md" ]; then
  awk '/^```ini/{on=1; n++; next} /^```/{on=0} on{print > (dir "/doc-" n ".ini")}' dir="$S" "$src/docs/SIGNATURES.md"
fi
printf '[probe]\nprotocol = udp\ndst_ports = 1-1024, 5000\npayload_min = 4\npayload_max = 1500\npayload_offset = 2\npayload_hex = de:ad be ef\n' > "$S/user.ini"
printf '[ping]\nprotocol = icmp\nicmp_type = 8, 13-14\n\n[x]\nprotocol = tcp\ntcp_flags_set = SYN, FIN\ntcp_flags_clear = ACK|RST\nseq_equals_dst = yes\ndst_ports = 23,\n  2323\n' > "$S/multi.ini"
printf '[codered]\nprotocol = tcp\ndst_ports = 8080\n; replaces the built-in\n' > "$S/replace.ini"
printf 'protocol = tcp\n[bad name!]\n' > "$S/bad.ini"

# ---- fuzz_telescope: byte 0 odd = spec lines, even = INI text --------------------------
T=$out/fuzz_telescope
printf '\001ucsd=44.0.0.0/8\nlbl=131.243.0.0/16,128.3.0.0/16\nv6=2001:db8::/32\n' > "$T/specs"
printf '\001a=10.0.0.0/8\nb=10.1.0.0/16\na=192.0.2.1/32\n' > "$T/overlap"
printf '\001x=0.0.0.0/0\ny=::/0\nz=::ffff:10.0.0.0/104\n' > "$T/everything"
printf '\000; the two telescopes of the Code-Red study\n[ucsd]\nprefix = 44.0.0.0/8\n\n[lbl]\nprefix = 131.243.0.0/16\nprefix = 128.3.0.0/16\n' > "$T/codered.ini"
printf '\000[v6]\nprefix = 2001:db8::/48, 2001:db8:1::/48\n  fe80::/10\n[t]\nprefix = "198.51.100.0/24"\n' > "$T/v6.ini"

# Dictionaries beside the corpora (libFuzzer -dict=).
cat > "$out/fuzz_signature.dict" <<'EOF'
"["
"]"
"="
"protocol"
"tcp"
"udp"
"icmp"
"dst_ports"
"tcp_flags_set"
"tcp_flags_clear"
"payload_min"
"payload_max"
"payload_hex"
"payload_offset"
"seq_equals_dst"
"icmp_type"
"SYN"
"ACK"
"RST"
"FIN"
"true"
"65535"
"\x0a  "
EOF
cat > "$out/fuzz_telescope.dict" <<'EOF'
"prefix"
"/8"
"/32"
"/128"
"::"
"::ffff:"
"0.0.0.0"
"255.255.255.255"
"2001:db8::"
","
"="
"["
"]"
EOF
cat > "$out/fuzz_capture.dict" <<'EOF'
"\xd4\xc3\xb2\xa1"
"\xa1\xb2\xc3\xd4"
"\x4d\x3c\xb2\xa1"
"\x0a\x0d\x0d\x0a"
"\x4d\x3c\x2b\x1a"
"\x1a\x2b\x3c\x4d"
"\x1f\x8b\x08"
"\x28\xb5\x2f\xfd"
"\xfd7zXZ\x00"
"BZh9"
"\x06\x00\x00\x00"
"\x01\x00\x00\x00"
"\x03\x00\x00\x00"
"\x09\x00\x01\x00"
"\x0e\x00\x08\x00"
EOF
echo "seed corpora in $out: $(for d in "$out"/fuzz_*/; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"

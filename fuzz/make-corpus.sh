#!/usr/bin/env bash
# make-corpus.sh OUTDIR — writes the seed corpora of the fuzz harnesses into
# OUTDIR/<harness>/ (nothing binary is kept in the repository): the first KBs of
# the shared captures, their gzip/zstd/xz/bzip2 and nested variants, crafted
# captures of every format corner, frames of every link type, signature and
# telescope texts, scenario files (the presets, printed by darkscope, and the
# documented example), DNS answers and PTR names, state files written by
# `darkscope analyze --state` over small shared captures, the first lines of the
# shared bulk rDNS lists and of data/geo's AS range files, and the heads of
# analysis output directories (for report/movie). Needs bash, coreutils, gzip,
# zstd, xz, bzip2; DS_FUZZ_BIN (default build-fuzz) is where darkscope and
# fuzz_state are found for the scenario, state and report seeds (skipped when
# missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
out=${1:?usage: make-corpus.sh OUTDIR}
shared=${DS_SHARED:-$src/../shared/data}
[ -d "$shared/captures" ] || shared=/work/shared/data
caps=$shared/captures
# shellcheck source=capgen.sh
. "$here/capgen.sh"

bin=${DS_FUZZ_BIN:-$src/build-fuzz}
mkdir -p "$out"/{fuzz_capture,fuzz_decode,fuzz_signature,fuzz_telescope,fuzz_scenario,fuzz_hostname,fuzz_state,fuzz_rdns,fuzz_asn,fuzz_report}
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

# ---- fuzz_scenario: scenario JSON ---------------------------------------------------------
SC=$out/fuzz_scenario
if [ -x "$bin/darkscope" ]; then
  presets=$("$bin/darkscope" simulate --help 2>/dev/null | sed -n 's/.*Presets: \(.*\)\./\1/p')
  for p in $presets; do
    "$bin/darkscope" simulate --print-scenario "$p" > "$SC/preset-$p.json" 2>/dev/null || rm -f "$SC/preset-$p.json"
  done
fi
if [ -f "$src/docs/SCENARIOS.md" ]; then
  awk '/^```json/{on=1; n++; next} /^```/{on=0} on{print > (dir "/doc-" n ".json")}' dir="$SC" "$src/docs/SCENARIOS.md"
  for f in "$SC"/doc-*.json; do [ -f "$f" ] && sed -E 's#[[:space:]]+//.*$##' "$f" > "${f%.json}-plain.json"; done
fi
printf '{"start": 996206400, "monitors": {"m": "10.0.0.0/8, 192.0.2.0/24"}}\n' > "$SC/minimal.json"
printf '{"start": "2003-01-25T05:30:00Z", "duration": "+1h", "monitors": {"a": ["44.0.0.0/9"], "b": ["44.128.0.0/9"]},\n "worm": {"protocol": "udp", "port": 1434, "vulnerable": 75000, "scan_rate": 4000, "phase_switch": "+30m"},\n "attacks": [{"victim": "8.8.4.4", "response": "ttl-exceeded", "protocol": "udp", "router": "62.115.0.1", "spoof": ["1.0.0.0/8"]}],\n "scanners": [{"tool": "masscan", "ports": [22, 23, 2323], "sources": 3}, {"tool": "mirai", "protocol": "icmp"}],\n "misconfig": [{"monitor": "b", "port": 6881}]}\n' > "$SC/sections.json"
printf '{"start": "2001-07-19T04:00:00Z", "monitors": {"x": ["300.0.0.0/8"]}, "worm": {"scan_rate": -1}}\n' > "$SC/bad.json"

# ---- fuzz_hostname: byte 0 family (bit 0: IPv6), bytes 1-4 address, then a DNS
# answer that is also read as a PTR name -----------------------------------------------------
H=$out/fuzz_hostname
dns_name() { # NAME -> wire labels (hex)
  local l out=""
  IFS=. read -r -a labels <<< "$1"
  for l in "${labels[@]}"; do out+="$(printf '%02x' "${#l}")$(printf '%s' "$l" | od -An -tx1 | tr -d ' \n')"; done
  echo "${out}00"
}
ptr_reply() { # QNAME TARGET-HEX [RCODE]
  local q t=$2
  q=$(dns_name "$1")
  echo "1234 818${3:-0} 0001 0001 0000 0000 $q 000c 0001 c00c 000c 0001 00000e10 $(printf '%04x' $(( ${#t} / 2 ))) $t"
}
{ hexbytes "00 c0000201"; hexbytes "$(ptr_reply 1.2.0.192.in-addr.arpa "$(dns_name host-192-0-2-1.dsl.example.co.uk)")"; } > "$H/dns-isp"
{ hexbytes "00 0a000005"; hexbytes "$(ptr_reply 5.0.0.10.in-addr.arpa "$(dns_name www.mod.gov.uk)")"; } > "$H/dns-gov"
# The target compressed against the question, and a label with '.', NUL and '\'.
{ hexbytes "00 0a000006"; hexbytes "1234 8180 0001 0001 0000 0000 $(dns_name 6.0.0.10.in-addr.arpa) 000c 0001 c00c 000c 0001 00000e10 0006 03616263 c01d"; } > "$H/dns-compressed"
{ hexbytes "00 0a000007"; hexbytes "1234 8180 0001 0001 0000 0000 $(dns_name 7.0.0.10.in-addr.arpa) 000c 0001 c00c 000c 0001 00000e10 000c 07612e62005c3c3e 03636f6d 00"; } > "$H/dns-escaped"
# A CNAME first (RFC 2317 classless delegation), then the PTR.
{ hexbytes "00 0a000008"; hexbytes "1234 8180 0001 0002 0000 0000 $(dns_name 8.0.0.10.in-addr.arpa) 000c 0001 c00c 0005 0001 00000e10 0002 c00c c00c 000c 0001 00000e10 0009 0468 6f73 7403 6e65 7400"; } > "$H/dns-cname"
{ hexbytes "00 0a000009"; hexbytes "1234 8183 0001 0000 0000 0000 $(dns_name 9.0.0.10.in-addr.arpa) 000c 0001"; } > "$H/dns-nxdomain"
{ hexbytes "01 00000001"; hexbytes "$(ptr_reply 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa "$(dns_name xn--bcher-kva.example)")"; } > "$H/dns-v6"
{ hexbytes "00 c6336407"; printf 'pool-198-51-100-7.res.example.com.'; } > "$H/name-isp"
{ hexbytes "00 7f000001"; printf '127.0.0.1'; } > "$H/name-numeric"
{ hexbytes "00 01020304"; printf '=HYPERLINK("http://x","y"),<script>\r\n\033[2J\xc3\x28'; } > "$H/name-hostile"
{ hexbytes "00 01020304"; printf 'a.%.0s' $(seq 130); printf 'com'; } > "$H/name-long"
{ hexbytes "00 0a0b0c0d"; printf 'customer-010011012013.cable.example.ac.jp'; } > "$H/name-packed"

# ---- fuzz_state: byte 0 even = payload (framed by the harness), odd = whole file -------------
ST=$out/fuzz_state
if [ -x "$bin/darkscope" ] && [ -x "$bin/fuzz_state" ] && [ -d "$caps" ]; then
  list=$(DS_FUZZ_PRINT_ANALYZERS=1 "$bin/fuzz_state" 2>/dev/null | tail -1)
  tmp=$(mktemp -d)
  made=()
  for f in icmp-sample.pcap destunreachable.pcap portscan.pcap blaster.pcap; do
    [ -f "$caps/$f" ] || continue
    # Heads keep the states small (the fuzzer mutates every byte).
    head -c 6000 "$caps/$f" > "$tmp/$f"
    if ASAN_OPTIONS=detect_leaks=0 "$bin/darkscope" analyze -q --analyzers "$list" --state "$tmp/$f.state" \
       -o "$tmp/out" "$tmp/$f" > /dev/null 2>&1 || [ -s "$tmp/$f.state" ]; then
      [ -s "$tmp/$f.state" ] && made+=("$tmp/$f.state")
    fi
  done
  # A merged state (parts > 1) too.
  if [ "${#made[@]}" -ge 2 ]; then
    for pair in "${made[0]} ${made[1]}" "${made[1]} ${made[0]}"; do # in time order
      # shellcheck disable=SC2086
      if ASAN_OPTIONS=detect_leaks=0 "$bin/darkscope" merge -q --state "$tmp/merged.state" -o "$tmp/outm" \
        $pair > /dev/null 2>&1; then
        made+=("$tmp/merged.state")
        break
      fi
    done
  fi
  for s in "${made[@]}"; do
    b=$(basename "$s")
    n=$(stat -c %s "$s")
    { printf '\000'; tail -c +25 "$s" | head -c $((n - 28)); } > "$ST/payload-$b"
    { printf '\001'; cat "$s"; } > "$ST/file-$b"
  done
  rm -rf "$tmp"
fi
printf '\001DSSTATE\n\002\000\000\000' > "$ST/file-version2"

# ---- fuzz_rdns: byte 0 bit 0 = gzip the rest in the harness; the rest = a bulk rDNS file --
R=$out/fuzz_rdns
for f in "$shared"/rdns/*.csv; do
  [ -f "$f" ] || continue
  b=$(basename "$f" .csv)
  { printf '\000'; head -n 25 "$f"; } > "$R/head-$b"              # header with more columns
  { printf '\001'; head -n 25 "$f"; } > "$R/head-$b-gzip"         # the same, gzip in the harness
  { printf '\000'; head -n 25 "$f" | gzip -c; } > "$R/head-$b.gz" # a gzip file to damage
  { printf '\000'; sed -n '2,12p' "$f"; } > "$R/rows-$b"          # no header: columns 0 and 1
done
{ printf '\000'; printf 'saddr,country,ptr\r\n"192.0.2.1",DE,"a,b.example."\n192.0.2.2,,"say ""hi""."\n2001:db8::1,,v6.example.\n192.0.2.3,,\nnot-an-ip,,x\n'; } > "$R/quoted.csv"
{ printf '\000'; printf '{"timestamp":"1","name":"192.0.2.1","type":"ptr","value":"host.example.com"}\n{"name":"192.0.2.2","type":"a","value":"x"}\n{"name":"2001:db8::2","value":"v6.example"}\n{"name":"192.0.2.3","type":"ptr","value":"esc\\u00e9\\t.example"}\n{broken\n'; } > "$R/sonar.json"
{ printf '\001'; printf '\n\n  \t\n{"name":"10.0.0.1","type":"ptr","value":"a.b"}\n'; } > "$R/sonar-blank-gzip.json"
{ printf '\000'; printf 'ip,name\n'; head -c 5000 /dev/zero | tr '\0' 'a'; printf ',x\n10.0.0.1,long.example\n'; } > "$R/long-line.csv"

# ---- fuzz_asn: the bytes of an --asn file (range CSV; an mmdb is recognised first) -------
A=$out/fuzz_asn
for f in asn-ipv4.csv asn-ipv6.csv; do
  if [ -f "$src/data/geo/$f" ]; then head -n 30 "$src/data/geo/$f" > "$A/head-$f"; fi
done
printf 'range_start,range_end,asn,as_org\n1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n16777472,16778239,38803,Numeric Ltd\n2001:db8::,2001:db8::ffff,64500,"Doc ""v6"""\n42540766411282592856903984951653826560,42540766411282592856903984951653826815,64501,num6\n' > "$A/mixed.csv"
printf '# comment\n9.9.9.0,9.9.9.255,19281,\n9.9.9.255,9.9.9.0,1,reversed\n1.1.1.0,::1,2,families\n1.1.1.0,1.1.1.1,4294967296,too big\n' > "$A/bad-rows.csv"
gzip -c "$A/mixed.csv" > "$A/mixed.csv.gz"

# ---- fuzz_report: byte 0 report limits, byte 1 movie limits, then `==> NAME <==` files ---
RP=$out/fuzz_report
if [ -x "$bin/darkscope" ] && [ -d "$caps" ]; then
  tmp=$(mktemp -d)
  for f in blaster.pcap dosattack.pcap portscan.pcap; do
    [ -f "$caps/$f" ] || continue
    if ASAN_OPTIONS=detect_leaks=0 "$bin/darkscope" analyze -q -o "$tmp/$f" "$caps/$f" > /dev/null 2>&1; then
      # The heads of an analysis's files, as `head` prints several (byte 1: movie on).
      { printf '\003\205'; (cd "$tmp/$f" && head -n 12 ./*.csv ./*.json); } > "$RP/out-$f"
    fi
  done
  rm -rf "$tmp"
fi
{
  printf '\001\341' # 3 points per series; 1 ms frames, at most 3; movie on
  printf '==> summary.json <==\n{"interval_s": 60, "attribution": {"geo": {"hosts": 3}}, "enrich": {"x": true}}\n'
  printf '==> series.csv <==\ninterval_start,monitor,class,packets\n0,a,scan,5\n60,a,scan,1\n120,a,backscatter,3\n180,a,scan,2\n1e9,a,other,1\n'
  printf '==> worm.json <==\n{"interval_s": 60, "signatures": {"codered": {"peak": 1}}}\n'
  printf '==> worm.csv <==\ninterval_start,signature,monitor,new_hosts,cumulative_hosts,active_hosts,probes\n0,codered,all,1,1,1,4\n60,codered,all,2,3,2,9\n60,codered,m1,2,3,2,9\n'
  printf '==> hosts.csv <==\nsignature,ip,first_seen,last_seen,lat,lon,country\ncodered,192.0.2.1,0.5,100.25,52.5,13.4,DE\n"co,de\\\\red",192.0.2.2,30,20,,,US\nslammer,192.0.2.3,59,3000,91,181,\n'
  printf '==> attacks.csv <==\nvictim,start,end,duration_s,packets,est_attack_pps,mean_pps,lat,lon,country\n198.51.100.1,10,70,60,500,8.3,,40,-74,US\n198.51.100.2,5,,0,x,,2,,,FR\n'
  printf '==> scanners.csv <==\nsource,protocol,port,tool,packets\n203.0.113.1,tcp,23,mirai,100\n203.0.113.2,udp,53,,"%s=1+1"\n' "'"
  printf '==> countries.csv <==\nrole,signature,key,hosts,percent\nworm,codered,DE,2,66.7\nworm,codered,US,1,33.3\n'
} > "$RP/crafted"

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
cat > "$out/fuzz_scenario.dict" <<'EOF'
"{"
"}"
"["
"]"
":"
","
"\"start\""
"\"duration\""
"\"monitors\""
"\"worm\""
"\"attacks\""
"\"scanners\""
"\"misconfig\""
"\"name\""
"\"protocol\""
"\"port\""
"\"ports\""
"\"vulnerable\""
"\"cluster\""
"\"initial\""
"\"initial_at\""
"\"scan_rate\""
"\"scan_rate_sigma\""
"\"scan_rate_max\""
"\"phase_switch\""
"\"deactivation_per_hour\""
"\"dhcp_churn_per_hour\""
"\"local_preference\""
"\"countries\""
"\"victim\""
"\"rate\""
"\"response\""
"\"spoof\""
"\"router\""
"\"tool\""
"\"sources\""
"\"source\""
"\"targets\""
"\"monitor\""
"\"payload_bytes\""
"\"tcp\""
"\"udp\""
"\"icmp\""
"\"syn-ack\""
"\"rst-ack\""
"\"echo-reply\""
"\"icmp-unreachable\""
"\"ttl-exceeded\""
"\"uniform\""
"\"zmap\""
"\"masscan\""
"\"mirai\""
"\"+1h\""
"\"2001-07-19T04:00:00Z\""
"\"10.0.0.0/8\""
"1e308"
"-0"
"null"
"true"
EOF
cat > "$out/fuzz_rdns.dict" <<'EOF'
","
"\""
"{"
"}"
"\"name\":"
"\"type\":"
"\"value\":"
"\"ptr\""
"ip,name"
"address"
"saddr"
"hostname"
"ptr"
"rdns"
"192.0.2.1"
"2001:db8::1"
"\x0d\x0a"
EOF
cat > "$out/fuzz_asn.dict" <<'EOF'
","
"\""
"#"
"::"
"::ffff:"
"255.255.255.255"
"4294967295"
"4294967296"
"340282366920938463463374607431768211455"
"\xab\xcd\xefMaxMind.com"
EOF
cat > "$out/fuzz_report.dict" <<'EOF'
"==> summary.json <==\x0a"
"==> worm.json <==\x0a"
"==> series.csv <==\x0a"
"==> worm.csv <==\x0a"
"==> hosts.csv <==\x0a"
"==> attacks.csv <==\x0a"
"==> scanners.csv <==\x0a"
"==> countries.csv <==\x0a"
"interval_start"
"interval_s"
"first_seen"
"last_seen"
"signature"
"monitor"
"all"
"lat"
"lon"
"country"
"start"
"end"
"packets"
"est_attack_pps"
"1e308"
"-1e308"
"\"\""
EOF
cat > "$out/fuzz_hostname.dict" <<'EOF'
"\xc0\x0c"
"\x00\x0c\x00\x01"
"\x00\x05\x00\x01"
"\x81\x80"
"\x07in-addr\x04arpa\x00"
"\x03ip6\x04arpa\x00"
"xn--"
"dsl"
"cable"
"pool"
"dyn"
".gov.uk"
".ac.jp"
".com"
".mil"
".edu"
"192-0-2-1"
"\\"
EOF
echo "seed corpora in $out: $(for d in "$out"/fuzz_*/; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"

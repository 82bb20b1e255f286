# capgen.sh — shell functions that write capture bytes (pcap, pcapng, crafted
# packets) with nothing but bash's printf, for fuzz/make-corpus.sh and
# tests/test_badinput.sh. Source it; every function writes to standard output.
#
#   hexbytes "45 00 00 28"            the bytes, given in hex
#   u16le/u32le/u64le/u32be/u16be N   an integer in that byte order
#   pcap_hdr [le|be|ns|nsbe] SNAPLEN LINKTYPE
#   pcap_rec SEC FRAC CAPLEN WIRELEN  a record header (data follows separately)
#   pcap_pkt SEC FRAC HEXFRAME        a whole record with caplen = wirelen
#   ng_shb / ng_idb LINKTYPE SNAPLEN [TSRESOL] / ng_epb IF TS_UNITS HEXFRAME /
#   ng_spb HEXFRAME / ng_block TYPE HEXBODY   (little-endian pcapng blocks)
#   pkt_* variables: crafted frames (raw IP; prefix $ETH for Ethernet)

hexbytes() {
  local h=${1//[^0-9a-fA-F]/} out="" i
  for ((i = 0; i < ${#h}; i += 2)); do out+="\\x${h:i:2}"; done
  printf "$out"
}
u16le() { hexbytes "$(printf '%04x' "$1" | sed -E 's/(..)(..)/\2\1/')"; }
u16be() { hexbytes "$(printf '%04x' "$1")"; }
u32le() { hexbytes "$(printf '%08x' "$1" | sed -E 's/(..)(..)(..)(..)/\4\3\2\1/')"; }
u32be() { hexbytes "$(printf '%08x' "$1")"; }
u64le() { u32le $(( $1 & 0xffffffff )); u32le $(( ($1 >> 32) & 0xffffffff )); }
hexlen() { local h=${1//[^0-9a-fA-F]/}; echo $(( ${#h} / 2 )); }

pcap_hdr() { # ORDER SNAPLEN LINKTYPE
  case $1 in
    le) hexbytes "d4c3b2a1 0200 0400 00000000 00000000"; u32le "$2"; u32le "$3" ;;
    ns) hexbytes "4d3cb2a1 0200 0400 00000000 00000000"; u32le "$2"; u32le "$3" ;;
    be) hexbytes "a1b2c3d4 0002 0004 00000000 00000000"; u32be "$2"; u32be "$3" ;;
    nsbe) hexbytes "a1b23c4d 0002 0004 00000000 00000000"; u32be "$2"; u32be "$3" ;;
  esac
}
pcap_rec() { u32le "$1"; u32le "$2"; u32le "$3"; u32le "$4"; }
pcap_pkt() { local n; n=$(hexlen "$3"); pcap_rec "$1" "$2" "$n" "$n"; hexbytes "$3"; }

# pcapng, little-endian. Bodies are padded to 4 bytes.
ng_block() { # TYPE HEXBODY
  local h=${2//[^0-9a-fA-F]/}
  while (( ${#h} % 8 )); do h+="00"; done
  local len=$(( ${#h} / 2 + 12 ))
  u32le "$1"; u32le "$len"; hexbytes "$h"; u32le "$len"
}
le32hex() { printf '%08x' "$1" | sed -E 's/(..)(..)(..)(..)/\4\3\2\1/'; }
le16hex() { printf '%04x' "$1" | sed -E 's/(..)(..)/\2\1/'; }
ng_shb() { ng_block $((0x0A0D0D0A)) "4d3c2b1a 0100 0000 ffffffffffffffff"; }
ng_idb() { # LINKTYPE SNAPLEN [TSRESOL]
  local body="$(le16hex "$1") 0000 $(le32hex "$2")"
  [ -n "${3:-}" ] && body+=" 0900 0100 $(printf '%02x' "$3") 000000 0000 0000"
  ng_block 1 "$body"
}
ng_epb() { # IF TS_UNITS HEXFRAME
  local n; n=$(hexlen "$3")
  ng_block 6 "$(le32hex "$1") $(le32hex $(( ($2 >> 32) & 0xffffffff ))) $(le32hex $(( $2 & 0xffffffff ))) $(le32hex "$n") $(le32hex "$n") $3"
}
ng_spb() { local n; n=$(hexlen "$1"); ng_block 3 "$(le32hex "$n") $1"; }

# Crafted packets (raw IPv4/IPv6, checksums zero: nothing checks them).
ETH="ffffffffffff 001122334455 0800"
ETH6="ffffffffffff 001122334455 86dd"
# TCP SYN 198.51.100.1:12345 -> 10.0.0.5:80
pkt_syn="45000028 00010000 40060000 c6336401 0a000005 3039 0050 00000001 00000000 5002ffff 00000000"
# TCP SYN+ACK 203.0.113.9:80 -> 10.0.0.6:40000 (backscatter)
pkt_synack="45000028 00020000 40060000 cb007109 0a000006 0050 9c40 00000001 00000002 5012ffff 00000000"
# TCP RST 203.0.113.10:443 -> 10.0.0.7:40001
pkt_rst="45000028 00030000 40060000 cb00710a 0a000007 01bb 9c41 00000001 00000000 5004ffff 00000000"
# ICMP echo request 198.51.100.2 -> 10.0.0.8
pkt_echo="4500001c 00040000 40010000 c6336402 0a000008 0800 0000 0001 0001"
# ICMP port unreachable from 192.0.2.1 -> 10.0.0.9, quoting UDP 10.0.0.9 -> 203.0.113.1:53
pkt_unreach="45000038 00050000 40010000 c0000201 0a000009 0303 0000 00000000 4500001c 00000000 40110000 0a000009 cb007101 c350 0035 0008 0000"
# UDP DNS response 203.0.113.53:53 -> 10.0.0.10:50000
pkt_dns="45000024 00060000 40110000 cb007135 0a00000a 0035 c350 0010 0000 81800001 00000000"
# IPv6 TCP SYN 2001:db8::1 -> 2001:db8::5
pkt_syn6="60000000 0014 06 40 20010db8000000000000000000000001 20010db8000000000000000000000005 3039 0050 00000001 00000000 5002ffff 00000000"
# IPv4 fragment (MF, offset 0) UDP
pkt_frag="4500001c 00072000 40110000 c6336403 0a00000b 1234 05aa 0008 0000"
# Mirai-like SYN to 10.0.0.23:23 with seq = destination
pkt_mirai="45000028 d4310000 40060000 c6336404 0a000017 3039 0017 0a000017 00000000 5002ffff 00000000"
# Truncated IPv4 (IHL 4), TCP data offset 2
pkt_badihl="44000028 00080000 40060000 c6336405 0a00000c"
pkt_baddoff="45000028 00090000 40060000 c6336406 0a00000d 3039 0050 00000001 00000000 2002ffff 00000000"

/*
 * ds_decode.h — frames to packet records.
 *
 * One function, branch-light and allocation-free: it strips the link layer
 * (Ethernet with 802.1Q/802.1ad tags, Linux SLL and SLL2, raw IP in all its link-type
 * numbers, BSD null/loopback), then decodes IPv4 (options, fragments) or IPv6 (common
 * extension headers), then TCP, UDP, ICMP or ICMPv6 including the quoted header of
 * ICMP errors. It never reads past caplen.
 */
#ifndef DS_DECODE_H
#define DS_DECODE_H

#include "capture/ds_capture.h"
#include "decode/ds_packet.h"

/* Fills *p from *f (ts, wirelen, addresses, ...; not monitor/cls/tags beyond
 * DS_TAG_FRAGMENT and DS_TAG_NONFIRST, not sigs, not input). Returns an enum
 * ds_dec_result: DS_DEC_OK for an IP packet, DS_DEC_NONIP for a frame without IP,
 * otherwise the reason it is malformed. */
int ds_decode(const ds_frame *f, ds_pkt *p);

#endif

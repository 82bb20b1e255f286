/*
 * ds_craft.h — building IPv4 packets byte by byte (TCP, UDP, ICMP, with correct
 * checksums), optionally inside an Ethernet header. The simulator writes its
 * captures with it and tests build their edge cases with it. An ICMP error's quote
 * is its payload: build the inner packet first, then pass its first bytes.
 */
#ifndef DS_CRAFT_H
#define DS_CRAFT_H

#include "core/ds_common.h"

typedef struct ds_craft {
    uint32_t src, dst; /* host byte order */
    uint8_t proto;     /* 6 TCP, 17 UDP, 1 ICMP, other: raw payload */
    uint8_t ttl;       /* 0 means 64 */
    uint16_t ip_id;
    uint16_t frag;         /* flags and offset field, host order (0x2000 = MF) */
    uint16_t sport, dport; /* TCP/UDP */
    uint32_t seq, ack;     /* TCP */
    uint8_t tcp_flags;
    uint16_t window; /* 0 means 65535 */
    uint8_t icmp_type, icmp_code;
    uint32_t icmp_rest; /* the 4 bytes after the ICMP checksum */
    const uint8_t *payload;
    uint16_t payload_len;
} ds_craft;

/* Largest frame ds_craft_frame writes: Ethernet + IPv4 + max header + payload. */
#define DS_CRAFT_MAX (14 + 20 + 20 + 65535)

/* Writes the packet into buf (at least DS_CRAFT_MAX bytes, or 14+20+20+payload_len),
 * preceded by an Ethernet header when ethernet is true. Returns the frame length. */
size_t ds_craft_frame(const ds_craft *c, uint8_t *buf, bool ethernet);

#endif

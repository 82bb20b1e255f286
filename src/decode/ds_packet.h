/*
 * ds_packet.h — the compact packet record every analyzer consumes.
 *
 * The decoder fills the network and transport fields from a frame; the telescope
 * stage adds the monitor, the class, the tags and the matched worm signatures. The
 * record holds copies, not pointers, so that it survives the frame buffer (records
 * sit in a reorder ring before the analyzers see them); the one exception is
 * `payload`, valid only while the frame is (the signature matcher reads it then).
 */
#ifndef DS_PACKET_H
#define DS_PACKET_H

#include "core/ds_common.h"

/* Why a frame could not be decoded. DS_DEC_OK and DS_DEC_NONIP are not anomalies. */
enum ds_dec_result {
    DS_DEC_OK = 0,            /* an IP packet, fields filled */
    DS_DEC_NONIP,             /* a frame without IP (ARP, STP, LLC, ...) */
    DS_DEC_LINK_TRUNCATED,    /* link header cut short */
    DS_DEC_LINK_UNSUPPORTED,  /* unknown link type */
    DS_DEC_IP_TRUNCATED,      /* fewer bytes than an IP header */
    DS_DEC_IP_VERSION,        /* version nibble neither 4 nor 6, or not matching the link */
    DS_DEC_IP_IHL,            /* IPv4 IHL < 5 or beyond the captured bytes */
    DS_DEC_IP_TOTLEN,         /* IP total length below the header length */
    DS_DEC_IP_BEYOND_CAPTURE, /* IP total length beyond the frame's original length */
    DS_DEC_IP6_EXT,           /* IPv6 extension header chain broken */
    DS_DEC_L4_TRUNCATED,      /* transport header not within the IP packet or capture */
    DS_DEC_TCP_DOFF,          /* TCP data offset < 5 or beyond the packet */
    DS_DEC_COUNT
};

/* Short, stable names for reports ("tcp_data_offset", ...). */
const char *ds_dec_result_name(int r);

/* Classes: every IP packet gets exactly one (see docs/CLASSES.md). */
enum ds_class {
    DS_CLS_BACKSCATTER = 0,
    DS_CLS_UDP_RESPONSE,
    DS_CLS_SCAN_TCP,
    DS_CLS_SCAN_UDP,
    DS_CLS_SCAN_ICMP,
    DS_CLS_OTHER,
    DS_CLS_COUNT
};

/* Tags do not change the class; several can be set. */
enum ds_tag {
    DS_TAG_FRAGMENT = 1u << 0,    /* IPv4 MF or offset > 0, or an IPv6 fragment header */
    DS_TAG_NONFIRST = 1u << 1,    /* a fragment with offset > 0: no transport header */
    DS_TAG_SPECIAL_SRC = 1u << 2, /* source in an RFC 6890 special-purpose block */
    DS_TAG_ZMAP = 1u << 3,        /* IP ID 54321 */
    DS_TAG_MASSCAN = 1u << 4,     /* IP ID == (dst ^ dport ^ seq) & 0xffff */
    DS_TAG_MIRAI = 1u << 5,       /* TCP seq == destination address */
    DS_TAG_SIGNATURE = 1u << 6,   /* at least one worm signature matched */
};
#define DS_TAG_COUNT 7
const char *ds_tag_name(unsigned bit_index);

/* What the decoder saw of an ICMP error's quoted packet. */
enum ds_quote {
    DS_QUOTE_NONE = 0,  /* not an ICMP error, or nothing quoted */
    DS_QUOTE_SHORT = 1, /* an error quoting less than a full IP header */
    DS_QUOTE_FULL = 2   /* a full inner IP header (and maybe 8 bytes after it) */
};

#define DS_MONITOR_OUTSIDE 0xffff

typedef struct ds_pkt {
    int64_t ts_ns;
    ds_ip src, dst;         /* outer addresses */
    ds_ip q_src, q_dst;     /* quoted inner addresses when quote == DS_QUOTE_FULL */
    const uint8_t *payload; /* transport payload; valid only during classification */
    uint32_t ip_len;        /* IP total length (IPv6: payload length + 40) */
    uint32_t wirelen;       /* frame length on the wire */
    uint32_t tcp_seq;
    uint32_t tcp_ack;
    uint32_t tags;           /* enum ds_tag bits */
    uint32_t sigs;           /* bit i = worm signature i matched */
    uint16_t payload_len;    /* transport payload bytes per the IP length */
    uint16_t payload_caplen; /* of which captured */
    uint16_t sport, dport;   /* TCP/UDP ports; 0 otherwise */
    uint16_t ip_id;          /* IPv4 identification; IPv6: low 16 bits of a fragment id */
    uint16_t frag_off;       /* fragment offset in bytes */
    uint16_t q_sport, q_dport;
    uint16_t monitor;  /* telescope monitor index, DS_MONITOR_OUTSIDE if none */
    uint16_t input;    /* index of the input the packet came from */
    uint8_t ipver;     /* 4 or 6 */
    uint8_t proto;     /* transport protocol (after IPv6 extension headers) */
    uint8_t ttl;       /* TTL / hop limit */
    uint8_t tcp_flags; /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
    uint8_t icmp_type, icmp_code; /* ICMP or ICMPv6 */
    uint8_t quote;                /* enum ds_quote */
    uint8_t q_proto;              /* quoted transport protocol */
    uint8_t q_ipver;
    uint8_t cls; /* enum ds_class */
} ds_pkt;

#define DS_TCP_FIN 0x01
#define DS_TCP_SYN 0x02
#define DS_TCP_RST 0x04
#define DS_TCP_PSH 0x08
#define DS_TCP_ACK 0x10

#endif

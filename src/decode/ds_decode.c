/*
 * ds_decode.c — frames to packet records: the per-packet hot path.
 *
 * How it works. ds_decode() runs three stages, each a short straight-line piece:
 *
 *   1. Link layer: a switch on the link type yields the offset of the network header
 *      and what the link says it is (IPv4, IPv6, or "look at the version nibble" for
 *      raw IP). Ethernet, Linux SLL and SLL2 all end in an EtherType, so they share one
 *      loop that peels 802.1Q / 802.1ad / 0x9100 tags, stacked to any depth.
 *   2. Network layer: IPv4 (options, fragments) or IPv6 (hop-by-hop, routing,
 *      fragment, destination options and AH extension headers; ESP and "no next
 *      header" end the chain because what follows cannot be read).
 *   3. Transport: TCP, UDP, ICMP and ICMPv6; for ICMP errors, the quoted inner IP
 *      header and ports (the victim of backscatter is the quoted destination).
 *
 * Two lengths bound every read, and they mean different things:
 *   - caplen, the bytes we have. Nothing past it is ever read.
 *   - wirelen, the frame's original length. Snap-truncated captures (caplen <
 *     wirelen) are normal for telescopes (96-byte snaplen is common), so an IP total
 *     length beyond caplen is fine; only one beyond wirelen is a lie and counted as
 *     DS_DEC_IP_BEYOND_CAPTURE. We then parse what was captured, except that a first
 *     fragment whose transport header was not captured is DS_DEC_L4_TRUNCATED,
 *     because a record without ports and flags would be misclassified downstream.
 *
 * Lengths of the record (payload_len, ip_len) follow the IP header, not the capture,
 * so that byte counts and signature length rules see the real packet.
 *
 * A malformed record keeps what was read before the fault, so that the caller can
 * still count it the way a dissector would: ipver as soon as the version is known;
 * for IPv4 the header fields (addresses, protocol, ID, fragment tags) once the IHL is
 * sane, i.e. also for DS_DEC_IP_TOTLEN and DS_DEC_IP_BEYOND_CAPTURE; for IPv6 the
 * fixed header's fields once its 40 bytes are there; ports and flags once the
 * transport header is (DS_DEC_TCP_DOFF). Fields not reached stay zero.
 *
 * Why one function with inline helpers: at tens of millions of packets a second, a
 * call per layer and the resulting register spills show up; the helpers here are
 * static inline and the compiler folds them into ds_decode().
 */
#include "decode/ds_decode.h"

/* Link types, as LINKTYPE_* values in capture files (libpcap's linktype.h). */
enum {
    DS_LT_NULL = 0, /* BSD loopback, AF in the capturing host's byte order */
    DS_LT_ETHERNET = 1,
    DS_LT_RAW_12 = 12, /* DLT_RAW on most systems, seen in old files */
    DS_LT_RAW_14 = 14, /* DLT_RAW on OpenBSD */
    DS_LT_RAW = 101,   /* LINKTYPE_RAW */
    DS_LT_LOOP = 108,  /* OpenBSD loopback, AF in network byte order */
    DS_LT_SLL = 113,   /* Linux "cooked" v1 */
    DS_LT_IPV4 = 228,
    DS_LT_IPV6 = 229,
    DS_LT_SLL2 = 276, /* Linux "cooked" v2 */
};

/* What the link layer says the network header is. */
enum { DS_NET_ANY = 0, DS_NET_V4 = 4, DS_NET_V6 = 6 };

enum {
    DS_IPPROTO_HOPOPTS = 0,
    DS_IPPROTO_ICMP = 1,
    DS_IPPROTO_TCP = 6,
    DS_IPPROTO_UDP = 17,
    DS_IPPROTO_ROUTING = 43,
    DS_IPPROTO_FRAGMENT = 44,
    DS_IPPROTO_AH = 51,
    DS_IPPROTO_ICMPV6 = 58,
    DS_IPPROTO_DSTOPTS = 60,
    DS_IPPROTO_SCTP = 132,
};

static inline uint16_t ds_rd16(const uint8_t *b)
{
    return (uint16_t)(((unsigned)b[0] << 8) | b[1]);
}

static inline uint32_t ds_rd32(const uint8_t *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static inline uint32_t ds_min32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* IPv4 addresses go into the IPv4-mapped form; the record was zeroed, so only the
 * ::ffff marker and the four address bytes need writing. */
static inline void ds_put_v4(ds_ip *a, const uint8_t *bytes)
{
    a->b[10] = a->b[11] = 0xff;
    memcpy(a->b + 12, bytes, 4);
}

static inline bool ds_is_v6_ext(uint8_t nh)
{
    return nh == DS_IPPROTO_HOPOPTS || nh == DS_IPPROTO_ROUTING || nh == DS_IPPROTO_DSTOPTS ||
           nh == DS_IPPROTO_AH;
}

/* Length of an IPv6 extension header from its second byte: AH counts 4-byte words
 * minus 2, the others 8-byte units minus 1 (RFC 4302, RFC 8200). */
static inline uint32_t ds_v6_ext_len(uint8_t nh, uint8_t lenbyte)
{
    return nh == DS_IPPROTO_AH ? ((uint32_t)lenbyte + 2) * 4 : ((uint32_t)lenbyte + 1) * 8;
}

static inline bool ds_is_icmp_error(uint8_t proto, uint8_t type)
{
    if (proto == DS_IPPROTO_ICMP)
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    return type >= 1 && type <= 4; /* ICMPv6 */
}

/*
 * The packet an ICMP error quotes: q points at the quoted bytes, qlen of them per the
 * outer IP length, qcap of them captured. A quote is FULL when the whole inner IP
 * header is readable; anything less (including a quote cut by the snap length, or
 * bytes that are not an IP header) is SHORT, because the victim cannot be named.
 * Ports come from the first 4 bytes after the inner header, when captured and when
 * the quoted packet is not itself a non-first fragment.
 */
static inline void ds_decode_quote(ds_pkt *p, const uint8_t *q, uint32_t qlen, uint32_t qcap)
{
    if (qlen == 0)
        return;
    p->quote = DS_QUOTE_SHORT;
    if (qcap == 0)
        return;
    uint32_t tp;
    bool has_ports;
    uint8_t ver = q[0] >> 4;
    if (ver == 4) {
        uint32_t ihl = (uint32_t)(q[0] & 0x0f) * 4;
        if (qcap < 20 || ihl < 20 || ihl > qcap)
            return;
        p->q_ipver = 4;
        p->q_proto = q[9];
        ds_put_v4(&p->q_src, q + 12);
        ds_put_v4(&p->q_dst, q + 16);
        tp = ihl;
        has_ports = (ds_rd16(q + 6) & 0x1fff) == 0;
    } else if (ver == 6) {
        if (qcap < 40)
            return;
        p->q_ipver = 6;
        memcpy(p->q_src.b, q + 8, 16);
        memcpy(p->q_dst.b, q + 24, 16);
        uint8_t nh = q[6];
        tp = 40;
        has_ports = true;
        /* Walk the inner extension headers as far as they were quoted; a quote cut
         * inside them still names the victim, only the ports are lost. */
        for (;;) {
            if (ds_is_v6_ext(nh)) {
                if (tp + 2 > qcap) {
                    has_ports = false;
                    break;
                }
                uint8_t next = q[tp];
                tp += ds_v6_ext_len(nh, q[tp + 1]);
                nh = next;
            } else if (nh == DS_IPPROTO_FRAGMENT) {
                if (tp + 8 > qcap) {
                    has_ports = false;
                    break;
                }
                if (ds_rd16(q + tp + 2) & 0xfff8)
                    has_ports = false;
                nh = q[tp];
                tp += 8;
            } else {
                break;
            }
        }
        p->q_proto = nh;
    } else {
        return;
    }
    p->quote = DS_QUOTE_FULL;
    if (has_ports && tp + 4 <= qcap &&
        (p->q_proto == DS_IPPROTO_TCP || p->q_proto == DS_IPPROTO_UDP ||
         p->q_proto == DS_IPPROTO_SCTP)) {
        p->q_sport = ds_rd16(q + tp);
        p->q_dport = ds_rd16(q + tp + 2);
    }
}

/* The transport header at l4: len bytes per the IP header, cap of them captured
 * (cap <= len). Sets ports, flags, ICMP fields and the payload. */
static inline int ds_decode_transport(ds_pkt *p, const uint8_t *l4, uint32_t len, uint32_t cap)
{
    uint32_t hl = 0;
    switch (p->proto) {
    case DS_IPPROTO_TCP:
        if (cap < 20)
            return DS_DEC_L4_TRUNCATED; /* len < 20 implies cap < 20 */
        p->sport = ds_rd16(l4);
        p->dport = ds_rd16(l4 + 2);
        p->tcp_seq = ds_rd32(l4 + 4);
        p->tcp_ack = ds_rd32(l4 + 8);
        p->tcp_flags = l4[13];
        hl = (uint32_t)(l4[12] >> 4) * 4;
        if (hl < 20 || hl > len)
            return DS_DEC_TCP_DOFF;
        break;
    case DS_IPPROTO_UDP:
        if (cap < 8)
            return DS_DEC_L4_TRUNCATED;
        p->sport = ds_rd16(l4);
        p->dport = ds_rd16(l4 + 2);
        hl = 8;
        break;
    case DS_IPPROTO_ICMP:
    case DS_IPPROTO_ICMPV6:
        /* Every ICMP message has an 8-byte header (type, code, checksum, 4 bytes
         * that depend on the type); errors quote the offending packet after it. */
        if (cap < 8)
            return DS_DEC_L4_TRUNCATED;
        p->icmp_type = l4[0];
        p->icmp_code = l4[1];
        hl = 8;
        if (ds_is_icmp_error(p->proto, l4[0]))
            ds_decode_quote(p, l4 + 8, len - 8, cap - 8);
        break;
    default:
        break;
    }
    p->payload = l4 + ds_min32(hl, cap);
    p->payload_len = (uint16_t)(len - hl);
    p->payload_caplen = (uint16_t)(cap > hl ? cap - hl : 0);
    return DS_DEC_OK;
}

static inline int ds_decode_ipv4(ds_pkt *p, const uint8_t *ip, uint32_t cap, uint32_t wire)
{
    p->ipver = 4;
    if (cap < 20)
        return DS_DEC_IP_TRUNCATED;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > cap)
        return DS_DEC_IP_IHL;
    uint32_t tot = ds_rd16(ip + 2);
    p->ip_len = tot;
    p->ip_id = ds_rd16(ip + 4);
    p->ttl = ip[8];
    p->proto = ip[9];
    ds_put_v4(&p->src, ip + 12);
    ds_put_v4(&p->dst, ip + 16);
    uint16_t fr = ds_rd16(ip + 6);
    uint16_t off = (uint16_t)((fr & 0x1fff) << 3);
    p->frag_off = off;
    p->tags = ((fr & 0x2000) || off ? DS_TAG_FRAGMENT : 0u) | (off ? DS_TAG_NONFIRST : 0u);
    if (tot < ihl)
        return DS_DEC_IP_TOTLEN;
    if (tot > wire)
        return DS_DEC_IP_BEYOND_CAPTURE;

    const uint8_t *l4 = ip + ihl;
    uint32_t l4len = tot - ihl;
    uint32_t l4cap = ds_min32(tot, cap) - ihl;
    if (off) {
        /* No transport header here: the record keeps the outer protocol and the
         * fragment's bytes as payload (their size still counts). */
        p->payload = l4;
        p->payload_len = (uint16_t)l4len;
        p->payload_caplen = (uint16_t)l4cap;
        return DS_DEC_OK;
    }
    return ds_decode_transport(p, l4, l4len, l4cap);
}

static inline int ds_decode_ipv6(ds_pkt *p, const uint8_t *ip, uint32_t cap, uint32_t wire)
{
    p->ipver = 6;
    if (cap < 40)
        return DS_DEC_IP_TRUNCATED;
    uint32_t tot = (uint32_t)ds_rd16(ip + 4) + 40;
    p->ip_len = tot;
    p->ttl = ip[7];
    p->proto = ip[6];
    memcpy(p->src.b, ip + 8, 16);
    memcpy(p->dst.b, ip + 24, 16);
    if (tot > wire)
        return DS_DEC_IP_BEYOND_CAPTURE;

    uint32_t capend = ds_min32(tot, cap);
    uint32_t pos = 40;
    uint8_t nh = ip[6];
    /* Each step advances by at least 8 bytes and stays within tot, so the loop ends. */
    for (;;) {
        if (ds_is_v6_ext(nh)) {
            if (pos + 2 > tot)
                return DS_DEC_IP6_EXT;
            if (pos + 2 > capend)
                return DS_DEC_L4_TRUNCATED;
            uint32_t len = ds_v6_ext_len(nh, ip[pos + 1]);
            if (pos + len > tot)
                return DS_DEC_IP6_EXT;
            nh = ip[pos];
            pos += len;
        } else if (nh == DS_IPPROTO_FRAGMENT) {
            if (pos + 8 > tot)
                return DS_DEC_IP6_EXT;
            if (pos + 8 > capend)
                return DS_DEC_L4_TRUNCATED;
            uint16_t off = ds_rd16(ip + pos + 2) & 0xfff8;
            p->frag_off = off;
            p->ip_id = (uint16_t)ds_rd32(ip + pos + 4);
            p->tags |= DS_TAG_FRAGMENT | (off ? DS_TAG_NONFIRST : 0u);
            nh = ip[pos];
            pos += 8;
            if (off) {
                p->proto = nh;
                p->payload = ip + pos;
                p->payload_len = (uint16_t)(tot - pos);
                p->payload_caplen = (uint16_t)(capend > pos ? capend - pos : 0);
                return DS_DEC_OK;
            }
        } else {
            break; /* transport, ESP (50), no next header (59), or unknown */
        }
    }
    p->proto = nh;
    if (pos > capend)
        return DS_DEC_L4_TRUNCATED; /* the last extension header was cut by the snap */
    return ds_decode_transport(p, ip + pos, tot - pos, capend - pos);
}

int ds_decode(const ds_frame *f, ds_pkt *p)
{
    /* The record is reused across packets: start clean, keep what the caller owns. */
    uint16_t input = p->input;
    memset(p, 0, sizeof *p);
    p->input = input;
    p->monitor = DS_MONITOR_OUTSIDE;
    p->cls = DS_CLS_OTHER;
    p->ts_ns = f->ts_ns;
    p->wirelen = f->wirelen;

    const uint8_t *d = f->data;
    uint32_t cap = f->caplen;
    /* A wire length below caplen is a writer's bug; trust the bytes we have. */
    uint32_t wire = f->wirelen > cap ? f->wirelen : cap;
    uint32_t off;
    int net = DS_NET_ANY;
    uint16_t et;

    switch (f->linktype) {
    case DS_LT_ETHERNET:
        if (cap < 14)
            return DS_DEC_LINK_TRUNCATED;
        et = ds_rd16(d + 12);
        off = 14;
        goto ethertype;
    case DS_LT_SLL:
        if (cap < 16)
            return DS_DEC_LINK_TRUNCATED;
        et = ds_rd16(d + 14);
        off = 16;
        goto ethertype;
    case DS_LT_SLL2:
        if (cap < 20)
            return DS_DEC_LINK_TRUNCATED;
        et = ds_rd16(d);
        off = 20;
        goto ethertype;
    case DS_LT_NULL:
    case DS_LT_LOOP: {
        if (cap < 4)
            return DS_DEC_LINK_TRUNCATED;
        /* The address family is 32 bits in an unknown byte order (DLT_NULL uses
         * the capturing host's, LOOP network order). The values are small, so one
         * of the end bytes holds it and the other three are zero. */
        if (d[1] | d[2] | (d[0] && d[3]))
            return DS_DEC_NONIP;
        unsigned af = (unsigned)d[0] | d[3];
        if (af == 2)
            net = DS_NET_V4;
        else if (af == 24 || af == 28 || af == 30) /* AF_INET6: NetBSD/OpenBSD, FreeBSD, Darwin */
            net = DS_NET_V6;
        else
            return DS_DEC_NONIP;
        off = 4;
        goto network;
    }
    case DS_LT_RAW_12:
    case DS_LT_RAW_14:
    case DS_LT_RAW:
        off = 0;
        goto network;
    case DS_LT_IPV4:
        net = DS_NET_V4;
        off = 0;
        goto network;
    case DS_LT_IPV6:
        net = DS_NET_V6;
        off = 0;
        goto network;
    default:
        return DS_DEC_LINK_UNSUPPORTED;
    }

ethertype:
    /* VLAN tags: 2 bytes of tag control, then the next EtherType. */
    while (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
        if (cap - off < 4)
            return DS_DEC_LINK_TRUNCATED;
        et = ds_rd16(d + off + 2);
        off += 4;
    }
    if (et == 0x0800)
        net = DS_NET_V4;
    else if (et == 0x86dd)
        net = DS_NET_V6;
    else
        return DS_DEC_NONIP;

network:
    if (cap <= off)
        return DS_DEC_IP_TRUNCATED;
    const uint8_t *ip = d + off;
    int ver = ip[0] >> 4;
    if (net == DS_NET_ANY ? (ver != 4 && ver != 6) : ver != net)
        return DS_DEC_IP_VERSION;
    if (ver == 4)
        return ds_decode_ipv4(p, ip, cap - off, wire - off);
    return ds_decode_ipv6(p, ip, cap - off, wire - off);
}

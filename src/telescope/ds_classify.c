/*
 * ds_classify.c — one class per packet, plus the fingerprint and source tags.
 *
 * The rules (docs/CLASSES.md gives the reasons and sources) in the order they are
 * applied; the first that fits wins, so each packet has exactly one class:
 *
 *   TCP with a header:     SYN+ACK, or RST            -> backscatter (Moore et al.)
 *                          SYN without ACK            -> scan-tcp
 *                          anything else (ACK, FIN..) -> other
 *   UDP with a header:     source port a well-known service that answers requests
 *                          and destination port >= 1024 -> udp-response
 *                          anything else              -> scan-udp
 *   ICMPv4:                0 3 4 5 11 12 14 16 18     -> backscatter (Corsaro's list)
 *                          8 10 13 15 17              -> scan-icmp (queries)
 *   ICMPv6:                1-4 (errors), 129 (echo reply) -> backscatter
 *                          128 (echo request), 139 (node information query) -> scan-icmp
 *   everything else (non-first fragments, other protocols, other ICMP types such as
 *   router advertisements or neighbour discovery)     -> other
 *
 * Tags, which never change the class:
 *   special-source  source in an RFC 6890 special-purpose block (spoofed or leaked);
 *   zmap            IPv4 ID 54321 on a probe (scan-* classes): ZMap's default;
 *   masscan         IPv4 TCP SYN probe with ID == (dst ^ dport ^ seq) & 0xffff;
 *   mirai           IPv4 TCP SYN probe with seq == destination address.
 * Fingerprints are only looked for on probes because they describe how a scanner
 * builds its probes: an ID of 54321 on a SYN-ACK says nothing about ZMap. They are
 * IPv4 only because they live in the IPv4 ID field or compare a 32-bit address.
 *
 * The special-source test is a 256-entry table on the first octet (most octets
 * decide alone), with a short list for the octets that need more bits; IPv6 has a
 * short list. Everything else is a handful of compares on the record.
 */
#include "telescope/ds_classify.h"

enum { DS_P_ICMP = 1, DS_P_TCP = 6, DS_P_UDP = 17, DS_P_ICMPV6 = 58 };

static const char *const ds_class_names[DS_CLS_COUNT] = {
    [DS_CLS_BACKSCATTER] = "backscatter", [DS_CLS_UDP_RESPONSE] = "udp-response",
    [DS_CLS_SCAN_TCP] = "scan-tcp",       [DS_CLS_SCAN_UDP] = "scan-udp",
    [DS_CLS_SCAN_ICMP] = "scan-icmp",     [DS_CLS_OTHER] = "other",
};

const char *ds_class_name(int cls)
{
    if (cls < 0 || cls >= DS_CLS_COUNT)
        return "unknown";
    return ds_class_names[cls];
}

int ds_class_find(const char *name)
{
    for (int i = 0; i < DS_CLS_COUNT; i++)
        if (strcmp(ds_class_names[i], name) == 0)
            return i;
    return -1;
}

bool ds_icmp_is_error(uint8_t ipver, uint8_t type)
{
    if (ipver == 6)
        return type >= 1 && type <= 4;
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * UDP services that answer a single datagram with a datagram (so a reply can come
 * from them unasked when someone spoofed the telescope's addresses: reflection and
 * amplification backscatter). Keep in sync with docs/CLASSES.md.
 */
bool ds_udp_service_port(uint16_t port)
{
    switch (port) {
    case 7:     /* echo */
    case 17:    /* qotd */
    case 19:    /* chargen */
    case 53:    /* DNS */
    case 69:    /* TFTP */
    case 111:   /* portmapper / rpcbind */
    case 123:   /* NTP */
    case 137:   /* NetBIOS name service */
    case 161:   /* SNMP */
    case 389:   /* CLDAP */
    case 443:   /* QUIC */
    case 500:   /* IKE / ISAKMP */
    case 520:   /* RIP */
    case 623:   /* IPMI / RMCP */
    case 1434:  /* MS-SQL browser */
    case 1900:  /* SSDP */
    case 3283:  /* Apple Remote Desktop */
    case 3478:  /* STUN / TURN */
    case 3702:  /* WS-Discovery */
    case 4500:  /* IKE NAT traversal */
    case 5060:  /* SIP */
    case 5351:  /* NAT-PMP */
    case 5353:  /* mDNS */
    case 5683:  /* CoAP */
    case 10001: /* Ubiquiti discovery */
    case 11211: /* memcached */
    case 27015: /* Steam / Source engine queries */
    case 37810: /* Dahua DVR discovery (DHDiscover) */
    case 47808: /* BACnet */
        return true;
    default:
        return false;
    }
}

/* ---- RFC 6890 special-purpose sources ---------------------------------------- */

/* By first octet: 0 = never special, 1 = always, 2 = look at ds_special4_list. */
static const uint8_t ds_special4_octet[256] = {
    [0] = 1,   /* 0.0.0.0/8 "this network" */
    [10] = 1,  /* 10.0.0.0/8 private */
    [100] = 2, /* 100.64.0.0/10 shared address space (CGN) */
    [127] = 1, /* 127.0.0.0/8 loopback */
    [169] = 2, /* 169.254.0.0/16 link local */
    [172] = 2, /* 172.16.0.0/12 private */
    [192] = 2, /* 192.0.0.0/24, 192.0.2.0/24, 192.88.99.0/24, 192.168.0.0/16 */
    [198] = 2, /* 198.18.0.0/15 benchmarking, 198.51.100.0/24 TEST-NET-2 */
    [203] = 2, /* 203.0.113.0/24 TEST-NET-3 */
    /* 240.0.0.0/4 reserved, which holds 255.255.255.255 (limited broadcast) */
    [240] = 1,
    [241] = 1,
    [242] = 1,
    [243] = 1,
    [244] = 1,
    [245] = 1,
    [246] = 1,
    [247] = 1,
    [248] = 1,
    [249] = 1,
    [250] = 1,
    [251] = 1,
    [252] = 1,
    [253] = 1,
    [254] = 1,
    [255] = 1,
};

typedef struct ds_net4 {
    uint32_t net, mask;
} ds_net4;

static const ds_net4 ds_special4_list[] = {
    {0x64400000u, 0xffc00000u}, /* 100.64.0.0/10 */
    {0xa9fe0000u, 0xffff0000u}, /* 169.254.0.0/16 */
    {0xac100000u, 0xfff00000u}, /* 172.16.0.0/12 */
    {0xc0000000u, 0xffffff00u}, /* 192.0.0.0/24 IETF protocol assignments */
    {0xc0000200u, 0xffffff00u}, /* 192.0.2.0/24 TEST-NET-1 */
    {0xc0586300u, 0xffffff00u}, /* 192.88.99.0/24 6to4 relay anycast */
    {0xc0a80000u, 0xffff0000u}, /* 192.168.0.0/16 */
    {0xc6120000u, 0xfffe0000u}, /* 198.18.0.0/15 */
    {0xc6336400u, 0xffffff00u}, /* 198.51.100.0/24 */
    {0xcb007100u, 0xffffff00u}, /* 203.0.113.0/24 */
};

typedef struct ds_net6 {
    uint64_t hi, lo, mhi, mlo;
} ds_net6;

/* ::ffff:0:0/96 is not listed: darkscope stores IPv4 in that form, and such packets
 * reach ds_ip_is_v4() first. */
static const ds_net6 ds_special6_list[] = {
    {0, 0, ~0ull, ~0ull},                                     /* ::/128 unspecified */
    {0, 1, ~0ull, ~0ull},                                     /* ::1/128 loopback */
    {0x0064ff9b00000000ull, 0, ~0ull, 0xffffffff00000000ull}, /* 64:ff9b::/96 NAT64 */
    {0x0100000000000000ull, 0, ~0ull, 0},                     /* 100::/64 discard-only */
    {0x2001000000000000ull, 0, 0xfffffe0000000000ull, 0},     /* 2001::/23 IETF protocols */
    {0x20010db800000000ull, 0, 0xffffffff00000000ull, 0},     /* 2001:db8::/32 documentation */
    {0x2002000000000000ull, 0, 0xffff000000000000ull, 0},     /* 2002::/16 6to4 */
    {0xfc00000000000000ull, 0, 0xfe00000000000000ull, 0},     /* fc00::/7 unique local */
    {0xfe80000000000000ull, 0, 0xffc0000000000000ull, 0},     /* fe80::/10 link local */
};

static bool ds_special_source(const ds_ip *a)
{
    if (ds_ip_is_v4(a)) {
        uint8_t k = ds_special4_octet[a->b[12]];
        if (k != 2)
            return k;
        uint32_t v = ds_ip_v4(a);
        for (size_t i = 0; i < sizeof ds_special4_list / sizeof ds_special4_list[0]; i++)
            if ((v & ds_special4_list[i].mask) == ds_special4_list[i].net)
                return true;
        return false;
    }
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = hi << 8 | a->b[i];
        lo = lo << 8 | a->b[8 + i];
    }
    for (size_t i = 0; i < sizeof ds_special6_list / sizeof ds_special6_list[0]; i++) {
        const ds_net6 *n = &ds_special6_list[i];
        if ((hi & n->mhi) == n->hi && (lo & n->mlo) == n->lo)
            return true;
    }
    return false;
}

/* ---- classes ------------------------------------------------------------------ */

static uint8_t ds_class_icmp4(uint8_t type)
{
    switch (type) {
    case 0:
    case 3:
    case 4:
    case 5:
    case 11:
    case 12:
    case 14:
    case 16:
    case 18:
        return DS_CLS_BACKSCATTER; /* replies and errors: answers to someone else */
    case 8:
    case 10:
    case 13:
    case 15:
    case 17:
        return DS_CLS_SCAN_ICMP; /* echo, router solicitation, timestamp, info, mask */
    default:
        return DS_CLS_OTHER;
    }
}

static uint8_t ds_class_icmp6(uint8_t type)
{
    if ((type >= 1 && type <= 4) || type == 129)
        return DS_CLS_BACKSCATTER;
    if (type == 128 || type == 139)
        return DS_CLS_SCAN_ICMP;
    return DS_CLS_OTHER; /* neighbour discovery, MLD, router advertisements, ... */
}

static uint8_t ds_class_of(const ds_pkt *p)
{
    if (p->tags & DS_TAG_NONFIRST)
        return DS_CLS_OTHER; /* no transport header to judge by */
    switch (p->proto) {
    case DS_P_TCP: {
        uint8_t f = p->tcp_flags;
        if ((f & (DS_TCP_SYN | DS_TCP_ACK)) == (DS_TCP_SYN | DS_TCP_ACK) || (f & DS_TCP_RST))
            return DS_CLS_BACKSCATTER;
        if (f & DS_TCP_SYN)
            return DS_CLS_SCAN_TCP; /* ACK is clear here */
        return DS_CLS_OTHER;
    }
    case DS_P_UDP:
        return p->dport >= 1024 && ds_udp_service_port(p->sport) ? DS_CLS_UDP_RESPONSE
                                                                 : DS_CLS_SCAN_UDP;
    case DS_P_ICMP:
        return p->ipver == 4 ? ds_class_icmp4(p->icmp_type) : DS_CLS_OTHER;
    case DS_P_ICMPV6:
        return p->ipver == 6 ? ds_class_icmp6(p->icmp_type) : DS_CLS_OTHER;
    default:
        return DS_CLS_OTHER;
    }
}

void ds_classify(ds_pkt *p)
{
    uint8_t cls = ds_class_of(p);
    p->cls = cls;
    uint32_t tags = p->tags;
    if (ds_special_source(&p->src))
        tags |= DS_TAG_SPECIAL_SRC;
    if (p->ipver == 4 &&
        (cls == DS_CLS_SCAN_TCP || cls == DS_CLS_SCAN_UDP || cls == DS_CLS_SCAN_ICMP)) {
        if (p->ip_id == 54321)
            tags |= DS_TAG_ZMAP;
        if (cls == DS_CLS_SCAN_TCP) {
            uint32_t dst = ds_ip_v4(&p->dst);
            if (p->ip_id == ((dst ^ p->dport ^ p->tcp_seq) & 0xffff))
                tags |= DS_TAG_MASSCAN;
            if (p->tcp_seq == dst)
                tags |= DS_TAG_MIRAI;
        }
    }
    p->tags = tags;
}

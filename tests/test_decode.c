/*
 * test_decode.c — the decoder on packets built byte by byte in the test: every link
 * type, VLAN stacks, IPv4 options and fragments, IPv6 extension headers, ICMP errors
 * and their quotes, every malformed reason, snap-truncated frames; then every prefix
 * of every test frame and random frames (under ASan this proves the decoder never
 * reads past caplen); then the real shared captures, read with libpcap, against the
 * independent reference-counts.csv.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <zlib.h>

#include "decode/ds_decode.h"
#include "ds_test.h"

/* ---- frame building --------------------------------------------------------- */

typedef struct fb {
    uint8_t b[4096];
    size_t n;
} fb;

static void put(fb *f, const void *p, size_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}
static void put8(fb *f, unsigned v)
{
    f->b[f->n++] = (uint8_t)v;
}
static void put16(fb *f, unsigned v)
{
    put8(f, v >> 8);
    put8(f, v & 255);
}
static void put32(fb *f, uint32_t v)
{
    put16(f, v >> 16);
    put16(f, v & 0xffff);
}
static void zeros(fb *f, size_t n)
{
    memset(f->b + f->n, 0, n);
    f->n += n;
}
static void set16(fb *f, size_t at, unsigned v)
{
    f->b[at] = (uint8_t)(v >> 8);
    f->b[at + 1] = (uint8_t)v;
}

static void eth(fb *f, unsigned ethertype)
{
    static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    put(f, macs, 12);
    put16(f, ethertype);
}

#define A4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/* IPv4 header with `optwords` 4-byte words of NOP options; returns its offset.
 * The total length is set by ip4_end(). */
static size_t ip4(fb *f, unsigned proto, uint32_t src, uint32_t dst, unsigned id, unsigned frag,
                  int optwords)
{
    size_t at = f->n;
    put8(f, 0x40 | (5 + optwords));
    put8(f, 0);
    put16(f, 0);
    put16(f, id);
    put16(f, frag);
    put8(f, 57); /* ttl */
    put8(f, proto);
    put16(f, 0);
    put32(f, src);
    put32(f, dst);
    for (int i = 0; i < optwords * 4; i++)
        put8(f, 1);
    return at;
}
static void ip_end4(fb *f, size_t at)
{
    set16(f, at + 2, (unsigned)(f->n - at));
}

static const uint8_t V6A[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t V6B[16] = {0x26, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static size_t ip6(fb *f, unsigned nh, const uint8_t *src, const uint8_t *dst)
{
    size_t at = f->n;
    put32(f, 0x60000000u);
    put16(f, 0);
    put8(f, nh);
    put8(f, 33); /* hop limit */
    put(f, src, 16);
    put(f, dst, 16);
    return at;
}
static void ip_end6(fb *f, size_t at)
{
    set16(f, at + 4, (unsigned)(f->n - at - 40));
}

/* An 8-byte-unit extension header (hop-by-hop, routing, destination options). */
static void ext6(fb *f, unsigned nh, unsigned units)
{
    put8(f, nh);
    put8(f, units - 1);
    zeros(f, units * 8 - 2);
}

static void tcp(fb *f, unsigned sp, unsigned dp, uint32_t seq, uint32_t ack, unsigned flags,
                int optwords)
{
    put16(f, sp);
    put16(f, dp);
    put32(f, seq);
    put32(f, ack);
    put8(f, (5 + optwords) << 4);
    put8(f, flags);
    put16(f, 1024);
    put32(f, 0);
    for (int i = 0; i < optwords * 4; i++)
        put8(f, 1);
}

static void udp(fb *f, unsigned sp, unsigned dp, unsigned paylen)
{
    put16(f, sp);
    put16(f, dp);
    put16(f, 8 + paylen);
    put16(f, 0);
    for (unsigned i = 0; i < paylen; i++)
        put8(f, i & 255);
}

static void icmph(fb *f, unsigned type, unsigned code)
{
    put8(f, type);
    put8(f, code);
    put16(f, 0);
    put32(f, 0x00010002);
}

/* Every frame decoded in this file is remembered, to be re-decoded at every caplen. */
#define MAX_SAVED 256
static fb saved[MAX_SAVED];
static uint16_t saved_lt[MAX_SAVED];
static int nsaved;
static bool saving = true;

static int dec3(const fb *f, uint16_t lt, uint32_t caplen, uint32_t wirelen, ds_pkt *p)
{
    if (saving && nsaved < MAX_SAVED) {
        saved[nsaved] = *f;
        saved_lt[nsaved++] = lt;
    }
    /* An exact-size heap copy: ASan reports any read past caplen. */
    uint8_t *copy = malloc(caplen ? caplen : 1);
    memcpy(copy, f->b, caplen);
    ds_frame fr = {.ts_ns = 1234567890123456789LL,
                   .caplen = caplen,
                   .wirelen = wirelen,
                   .linktype = lt,
                   .data = copy,
                   .offset = 0};
    p->input = 7;
    int r = ds_decode(&fr, p);
    /* The payload pointer must stay inside the frame. */
    if (r == DS_DEC_OK && p->payload) {
        DS_CHECK(p->payload >= copy && p->payload + p->payload_caplen <= copy + caplen);
        DS_CHECK(p->payload_caplen <= p->payload_len);
    }
    free(copy);
    p->payload = NULL; /* the copy is gone */
    return r;
}

static int dec(const fb *f, uint16_t lt, ds_pkt *p)
{
    return dec3(f, lt, (uint32_t)f->n, (uint32_t)f->n, p);
}

static ds_ip v4(uint32_t a)
{
    ds_ip x;
    ds_ip_set_v4(&x, a);
    return x;
}
static ds_ip v6(const uint8_t *b)
{
    ds_ip x;
    ds_ip_set_v6(&x, b);
    return x;
}

/* A plain TCP SYN over IPv4 after whatever link header f already holds. */
static void syn4(fb *f)
{
    size_t at = ip4(f, 6, A4(192, 0, 2, 1), A4(44, 1, 2, 3), 54321, 0x4000, 0);
    tcp(f, 40000, 80, 0x2c010203, 0, 0x02, 0);
    ip_end4(f, at);
}

static void syn6(fb *f)
{
    size_t at = ip6(f, 6, V6A, V6B);
    tcp(f, 40001, 443, 7, 0, 0x02, 0);
    ip_end6(f, at);
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_ethernet_tcp_fields(void)
{
    fb f = {0};
    eth(&f, 0x0800);
    size_t at = ip4(&f, 6, A4(192, 0, 2, 1), A4(44, 1, 2, 3), 4321, 0x4000, 0);
    tcp(&f, 40000, 80, 0xdeadbeef, 0x01020304, 0x12, 0);
    put(&f, "hello", 5);
    ip_end4(&f, at);
    ds_pkt p;
    memset(&p, 0xaa, sizeof p);
    DS_CHECK_EQ_INT(dec(&f, 1, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.input, 7);
    DS_CHECK_EQ_INT(p.ts_ns, 1234567890123456789LL);
    DS_CHECK_EQ_INT(p.ipver, 4);
    DS_CHECK_EQ_INT(p.proto, 6);
    ds_ip s = v4(A4(192, 0, 2, 1)), d = v4(A4(44, 1, 2, 3));
    DS_CHECK(ds_ip_eq(&p.src, &s));
    DS_CHECK(ds_ip_eq(&p.dst, &d));
    DS_CHECK_EQ_INT(p.sport, 40000);
    DS_CHECK_EQ_INT(p.dport, 80);
    DS_CHECK_EQ_INT(p.tcp_seq, 0xdeadbeefu);
    DS_CHECK_EQ_INT(p.tcp_ack, 0x01020304u);
    DS_CHECK_EQ_INT(p.tcp_flags, 0x12);
    DS_CHECK_EQ_INT(p.ttl, 57);
    DS_CHECK_EQ_INT(p.ip_id, 4321);
    DS_CHECK_EQ_INT(p.ip_len, 45);
    DS_CHECK_EQ_INT(p.wirelen, 59);
    DS_CHECK_EQ_INT(p.payload_len, 5);
    DS_CHECK_EQ_INT(p.payload_caplen, 5);
    DS_CHECK_EQ_INT(p.frag_off, 0);
    DS_CHECK_EQ_INT(p.tags, 0);
    DS_CHECK_EQ_INT(p.sigs, 0);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_NONE);
    DS_CHECK_EQ_INT(p.monitor, DS_MONITOR_OUTSIDE);
    DS_CHECK_EQ_INT(p.icmp_type, 0);
}

static void test_ethernet_padding(void)
{
    /* A minimum-size Ethernet frame carries padding after a short IP packet: the
     * lengths follow the IP header, not the frame. */
    fb f = {0};
    eth(&f, 0x0800);
    size_t at = ip4(&f, 17, A4(1, 2, 3, 4), A4(44, 0, 0, 1), 1, 0, 0);
    udp(&f, 1234, 53, 2);
    ip_end4(&f, at);
    zeros(&f, 60 - f.n);
    ds_pkt p;
    DS_CHECK_EQ_INT(dec(&f, 1, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.ip_len, 30);
    DS_CHECK_EQ_INT(p.payload_len, 2);
    DS_CHECK_EQ_INT(p.payload_caplen, 2);
    DS_CHECK_EQ_INT(p.wirelen, 60);
    DS_CHECK_EQ_INT(p.sport, 1234);
    DS_CHECK_EQ_INT(p.dport, 53);
}

static void test_vlan(void)
{
    static const unsigned tpids[] = {0x8100, 0x88a8, 0x9100};
    for (int k = 0; k < 3; k++) {
        fb f = {0};
        eth(&f, tpids[k]);
        put16(&f, 100);
        put16(&f, 0x0800);
        syn4(&f);
        ds_pkt p;
        DS_CHECK_EQ_INT(dec(&f, 1, &p), DS_DEC_OK);
        DS_CHECK_EQ_INT(p.dport, 80);
    }
    /* QinQ: 802.1ad outer, 802.1Q inner, IPv6 inside. */
    fb f = {0};
    eth(&f, 0x88a8);
    put16(&f, 10);
    put16(&f, 0x8100);
    put16(&f, 20);
    put16(&f, 0x86dd);
    syn6(&f);
    ds_pkt p;
    DS_CHECK_EQ_INT(dec(&f, 1, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.ipver, 6);
    DS_CHECK_EQ_INT(p.dport, 443);
    /* Three stacked tags, the old 0x9100 among them. */
    fb g = {0};
    eth(&g, 0x9100);
    put16(&g, 1);
    put16(&g, 0x88a8);
    put16(&g, 2);
    put16(&g, 0x8100);
    put16(&g, 3);
    put16(&g, 0x0800);
    syn4(&g);
    DS_CHECK_EQ_INT(dec(&g, 1, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.sport, 40000);
    /* A tag cut short is a link-layer truncation. */
    fb h = {0};
    eth(&h, 0x8100);
    put16(&h, 5);
    DS_CHECK_EQ_INT(dec(&h, 1, &p), DS_DEC_LINK_TRUNCATED);
    /* A tagged ARP frame is not IP. */
    fb a = {0};
    eth(&a, 0x8100);
    put16(&a, 5);
    put16(&a, 0x0806);
    zeros(&a, 28);
    DS_CHECK_EQ_INT(dec(&a, 1, &p), DS_DEC_NONIP);
}

static void test_nonip_and_link_errors(void)
{
    ds_pkt p;
    fb arp = {0};
    eth(&arp, 0x0806);
    zeros(&arp, 28);
    DS_CHECK_EQ_INT(dec(&arp, 1, &p), DS_DEC_NONIP);
    fb llc = {0}; /* 802.3 length field, LLC (STP) */
    eth(&llc, 38);
    put8(&llc, 0x42);
    put8(&llc, 0x42);
    put8(&llc, 3);
    zeros(&llc, 35);
    DS_CHECK_EQ_INT(dec(&llc, 1, &p), DS_DEC_NONIP);
    fb shorteth = {0};
    zeros(&shorteth, 13);
    DS_CHECK_EQ_INT(dec(&shorteth, 1, &p), DS_DEC_LINK_TRUNCATED);
    fb any = {0};
    syn4(&any);
    DS_CHECK_EQ_INT(dec(&any, 105, &p), DS_DEC_LINK_UNSUPPORTED); /* 802.11 */
    DS_CHECK_EQ_INT(dec(&any, 9999, &p), DS_DEC_LINK_UNSUPPORTED);
}

static void test_sll(void)
{
    ds_pkt p;
    fb f = {0};
    put16(&f, 0); /* packet type: to us */
    put16(&f, 1); /* ARPHRD_ETHER */
    put16(&f, 6); /* address length */
    zeros(&f, 8); /* address */
    put16(&f, 0x0800);
    syn4(&f);
    DS_CHECK_EQ_INT(dec(&f, 113, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.dport, 80);
    fb g = {0};
    zeros(&g, 14);
    put16(&g, 0x86dd);
    syn6(&g);
    DS_CHECK_EQ_INT(dec(&g, 113, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.ipver, 6);
    fb vl = {0}; /* SLL with a VLAN tag left in */
    zeros(&vl, 14);
    put16(&vl, 0x8100);
    put16(&vl, 7);
    put16(&vl, 0x0800);
    syn4(&vl);
    DS_CHECK_EQ_INT(dec(&vl, 113, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.dport, 80);
    fb t = {0};
    zeros(&t, 15);
    DS_CHECK_EQ_INT(dec(&t, 113, &p), DS_DEC_LINK_TRUNCATED);
    fb n = {0};
    zeros(&n, 14);
    put16(&n, 0x0806);
    zeros(&n, 28);
    DS_CHECK_EQ_INT(dec(&n, 113, &p), DS_DEC_NONIP);

    /* SLL2: protocol first, 20 bytes in all. */
    fb s2 = {0};
    put16(&s2, 0x0800);
    put16(&s2, 0);
    put32(&s2, 3); /* ifindex */
    put16(&s2, 1);
    put8(&s2, 0);
    put8(&s2, 6);
    zeros(&s2, 8);
    syn4(&s2);
    DS_CHECK_EQ_INT(dec(&s2, 276, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.dport, 80);
    fb s6 = {0};
    put16(&s6, 0x86dd);
    zeros(&s6, 18);
    syn6(&s6);
    DS_CHECK_EQ_INT(dec(&s6, 276, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.ipver, 6);
    fb s2t = {0};
    zeros(&s2t, 19);
    DS_CHECK_EQ_INT(dec(&s2t, 276, &p), DS_DEC_LINK_TRUNCATED);
}

static void test_raw(void)
{
    ds_pkt p;
    fb f4 = {0}, f6 = {0};
    syn4(&f4);
    syn6(&f6);
    static const uint16_t raw[] = {12, 14, 101};
    for (int i = 0; i < 3; i++) {
        DS_CHECK_EQ_INT(dec(&f4, raw[i], &p), DS_DEC_OK);
        DS_CHECK_EQ_INT(p.ipver, 4);
        DS_CHECK_EQ_INT(dec(&f6, raw[i], &p), DS_DEC_OK);
        DS_CHECK_EQ_INT(p.ipver, 6);
    }
    DS_CHECK_EQ_INT(dec(&f4, 228, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(dec(&f6, 228, &p), DS_DEC_IP_VERSION); /* LINKTYPE_IPV4 holding IPv6 */
    DS_CHECK_EQ_INT(dec(&f6, 229, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.dport, 443);
    DS_CHECK_EQ_INT(dec(&f4, 229, &p), DS_DEC_IP_VERSION);
    fb bad = f4;
    bad.b[0] = 0x55;
    DS_CHECK_EQ_INT(dec(&bad, 101, &p), DS_DEC_IP_VERSION);
    fb empty = {0};
    DS_CHECK_EQ_INT(dec(&empty, 101, &p), DS_DEC_IP_TRUNCATED);
}

static void test_null_loop(void)
{
    ds_pkt p;
    /* AF values in both byte orders, for both link types. */
    static const unsigned afs[] = {2, 24, 28, 30};
    for (int lt = 0; lt < 2; lt++) {
        uint16_t linktype = lt ? 108 : 0;
        for (int i = 0; i < 4; i++) {
            for (int order = 0; order < 2; order++) {
                fb f = {0};
                uint8_t hdr[4] = {0, 0, 0, 0};
                hdr[order ? 3 : 0] = (uint8_t)afs[i];
                put(&f, hdr, 4);
                if (afs[i] == 2)
                    syn4(&f);
                else
                    syn6(&f);
                DS_CHECK_EQ_INT(dec(&f, linktype, &p), DS_DEC_OK);
                DS_CHECK_EQ_INT(p.ipver, afs[i] == 2 ? 4 : 6);
            }
        }
    }
    fb f = {0};
    put32(&f, 7); /* AF_IPX-ish: not IP */
    zeros(&f, 20);
    DS_CHECK_EQ_INT(dec(&f, 0, &p), DS_DEC_NONIP);
    fb g = {0};
    put32(&g, 0x01000002u); /* garbage in a middle byte */
    syn4(&g);
    DS_CHECK_EQ_INT(dec(&g, 0, &p), DS_DEC_NONIP);
    fb m = {0};
    put32(&m, 2); /* says IPv4, holds IPv6 */
    syn6(&m);
    DS_CHECK_EQ_INT(dec(&m, 108, &p), DS_DEC_IP_VERSION);
    fb t = {0};
    zeros(&t, 3);
    DS_CHECK_EQ_INT(dec(&t, 0, &p), DS_DEC_LINK_TRUNCATED);
    DS_CHECK_EQ_INT(dec(&t, 108, &p), DS_DEC_LINK_TRUNCATED);
}

static void test_ipv4_malformed(void)
{
    ds_pkt p;
    fb base = {0};
    eth(&base, 0x0800);
    syn4(&base); /* IP header at 14 */

    fb t = base;
    t.n = 14 + 19;
    DS_CHECK_EQ_INT(dec(&t, 1, &p), DS_DEC_IP_TRUNCATED);
    fb t0 = base;
    t0.n = 14;
    DS_CHECK_EQ_INT(dec(&t0, 1, &p), DS_DEC_IP_TRUNCATED);

    fb v = base;
    v.b[14] = 0x65; /* EtherType IPv4, version 6 */
    DS_CHECK_EQ_INT(dec(&v, 1, &p), DS_DEC_IP_VERSION);

    fb ihl = base;
    ihl.b[14] = 0x44;
    DS_CHECK_EQ_INT(dec(&ihl, 1, &p), DS_DEC_IP_IHL);
    fb ihl2 = base; /* IHL 15 = 60 bytes, only 40 present */
    ihl2.b[14] = 0x4f;
    DS_CHECK_EQ_INT(dec(&ihl2, 1, &p), DS_DEC_IP_IHL);

    fb tl = base;
    set16(&tl, 16, 19);
    DS_CHECK_EQ_INT(dec(&tl, 1, &p), DS_DEC_IP_TOTLEN);
    /* A malformed record keeps what was read before the fault. */
    ds_ip want_dst = v4(A4(44, 1, 2, 3));
    DS_CHECK_EQ_INT(p.ipver, 4);
    DS_CHECK_EQ_INT(p.proto, 6);
    DS_CHECK(ds_ip_eq(&p.dst, &want_dst));
    DS_CHECK_EQ_INT(dec(&t, 1, &p), DS_DEC_IP_TRUNCATED);
    DS_CHECK_EQ_INT(p.ipver, 4);
    DS_CHECK_EQ_INT(p.proto, 0);
    DS_CHECK_EQ_INT(dec(&v, 1, &p), DS_DEC_IP_VERSION);
    DS_CHECK_EQ_INT(p.ipver, 0);

    fb beyond = base; /* 40-byte packet claiming 100 bytes, wire length 54 */
    set16(&beyond, 16, 100);
    DS_CHECK_EQ_INT(dec(&beyond, 1, &p), DS_DEC_IP_BEYOND_CAPTURE);
    DS_CHECK_EQ_INT(p.ipver, 4);
    DS_CHECK(ds_ip_eq(&p.dst, &want_dst));
    /* The same header in a snap-truncated frame whose wire length covers it is fine. */
    DS_CHECK_EQ_INT(dec3(&beyond, 1, (uint32_t)beyond.n, 14 + 100, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.ip_len, 100);
    DS_CHECK_EQ_INT(p.payload_len, 60);
    DS_CHECK_EQ_INT(p.payload_caplen, 0);

    fb l4 = {0}; /* TCP header longer than the IP packet */
    eth(&l4, 0x0800);
    size_t at = ip4(&l4, 6, 1, 2, 0, 0, 0);
    put32(&l4, 0x12345678);
    put32(&l4, 0);
    ip_end4(&l4, at);
    DS_CHECK_EQ_INT(dec(&l4, 1, &p), DS_DEC_L4_TRUNCATED);
    fb u4 = {0};
    eth(&u4, 0x0800);
    at = ip4(&u4, 17, 1, 2, 0, 0, 0);
    put32(&u4, 0x12345678);
    ip_end4(&u4, at);
    DS_CHECK_EQ_INT(dec(&u4, 1, &p), DS_DEC_L4_TRUNCATED);
    fb i4 = {0};
    eth(&i4, 0x0800);
    at = ip4(&i4, 1, 1, 2, 0, 0, 0);
    put32(&i4, 0x08000000);
    ip_end4(&i4, at);
    DS_CHECK_EQ_INT(dec(&i4, 1, &p), DS_DEC_L4_TRUNCATED);

    fb doff = base;
    doff.b[14 + 20 + 12] = 0x40; /* data offset 4 */
    DS_CHECK_EQ_INT(dec(&doff, 1, &p), DS_DEC_TCP_DOFF);
    fb doff2 = base;
    doff2.b[14 + 20 + 12] = 0xf0; /* 60 bytes, packet has 20 */
    DS_CHECK_EQ_INT(dec(&doff2, 1, &p), DS_DEC_TCP_DOFF);
}

static void test_ipv4_options(void)
{
    ds_pkt p;
    for (int words = 1; words <= 10; words += 9) {
        fb f = {0};
        eth(&f, 0x0800);
        size_t at = ip4(&f, 6, A4(10, 0, 0, 1), A4(44, 9, 9, 9), 7, 0, words);
        tcp(&f, 1111, 2222, 5, 0, 0x02, 3); /* TCP options too */
        put(&f, "xyz", 3);
        ip_end4(&f, at);
        DS_CHECK_EQ_INT(dec(&f, 1, &p), DS_DEC_OK);
        DS_CHECK_EQ_INT(p.sport, 1111);
        DS_CHECK_EQ_INT(p.dport, 2222);
        DS_CHECK_EQ_INT(p.payload_len, 3);
        DS_CHECK_EQ_INT(p.ip_len, 20 + 4 * words + 32 + 3);
    }
}

static void test_ipv4_fragments(void)
{
    ds_pkt p;
    /* First fragment: MF, offset 0: transport parsed. */
    fb f = {0};
    eth(&f, 0x0800);
    size_t at = ip4(&f, 17, A4(8, 8, 8, 8), A4(44, 0, 0, 9), 999, 0x2000, 0);
    udp(&f, 53, 33333, 100);
    ip_end4(&f, at);
    DS_CHECK_EQ_INT(dec(&f, 1, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.tags, DS_TAG_FRAGMENT);
    DS_CHECK_EQ_INT(p.sport, 53);
    DS_CHECK_EQ_INT(p.dport, 33333);
    DS_CHECK_EQ_INT(p.frag_off, 0);
    /* Middle fragment: MF and offset: no transport header, outer protocol kept. */
    fb m = {0};
    eth(&m, 0x0800);
    at = ip4(&m, 17, A4(8, 8, 8, 8), A4(44, 0, 0, 9), 999, 0x2000 | 185, 0);
    zeros(&m, 64);
    ip_end4(&m, at);
    DS_CHECK_EQ_INT(dec(&m, 1, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.tags, DS_TAG_FRAGMENT | DS_TAG_NONFIRST);
    DS_CHECK_EQ_INT(p.proto, 17);
    DS_CHECK_EQ_INT(p.sport, 0);
    DS_CHECK_EQ_INT(p.dport, 0);
    DS_CHECK_EQ_INT(p.frag_off, 1480);
    DS_CHECK_EQ_INT(p.payload_len, 64);
    DS_CHECK_EQ_INT(p.ip_id, 999);
    /* Last fragment: no MF, offset > 0; 8 bytes that look like a TCP header are
     * not read as one. */
    fb l = {0};
    eth(&l, 0x0800);
    at = ip4(&l, 6, A4(8, 8, 8, 8), A4(44, 0, 0, 9), 999, 3, 0);
    put32(&l, 0x00500050);
    ip_end4(&l, at);
    DS_CHECK_EQ_INT(dec(&l, 1, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.tags, DS_TAG_FRAGMENT | DS_TAG_NONFIRST);
    DS_CHECK_EQ_INT(p.proto, 6);
    DS_CHECK_EQ_INT(p.tcp_flags, 0);
    DS_CHECK_EQ_INT(p.frag_off, 24);
    /* A tiny first fragment whose TCP header continues in the next one. */
    fb tiny = {0};
    eth(&tiny, 0x0800);
    at = ip4(&tiny, 6, 1, 2, 5, 0x2000, 0);
    put32(&tiny, 0x00500050);
    put32(&tiny, 0);
    ip_end4(&tiny, at);
    DS_CHECK_EQ_INT(dec(&tiny, 1, &p), DS_DEC_L4_TRUNCATED);
    /* DF alone is not a fragment. */
    fb df = {0};
    syn4(&df);
    DS_CHECK_EQ_INT(dec(&df, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.tags, 0);
}

static void test_ipv6_ext(void)
{
    ds_pkt p;
    /* hop-by-hop -> destination options -> routing -> AH -> TCP */
    fb f = {0};
    eth(&f, 0x86dd);
    size_t at = ip6(&f, 0, V6A, V6B);
    ext6(&f, 60, 1);
    ext6(&f, 43, 2);
    ext6(&f, 51, 1);
    put8(&f, 6); /* AH: next TCP, length 4 -> (4+2)*4 = 24 bytes */
    put8(&f, 4);
    zeros(&f, 22);
    tcp(&f, 5555, 22, 99, 0, 0x02, 0);
    put(&f, "ab", 2);
    ip_end6(&f, at);
    DS_CHECK_EQ_INT(dec(&f, 1, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.ipver, 6);
    DS_CHECK_EQ_INT(p.proto, 6);
    DS_CHECK_EQ_INT(p.sport, 5555);
    DS_CHECK_EQ_INT(p.dport, 22);
    DS_CHECK_EQ_INT(p.ttl, 33);
    DS_CHECK_EQ_INT(p.payload_len, 2);
    DS_CHECK_EQ_INT(p.ip_len, 40 + 8 + 16 + 8 + 24 + 20 + 2);
    ds_ip s = v6(V6A), d = v6(V6B);
    DS_CHECK(ds_ip_eq(&p.src, &s));
    DS_CHECK(ds_ip_eq(&p.dst, &d));

    /* ESP ends the chain: an IP packet without readable transport. */
    fb e = {0};
    size_t ae = ip6(&e, 0, V6A, V6B);
    ext6(&e, 50, 1);
    put32(&e, 0x1000);
    put32(&e, 1);
    zeros(&e, 16);
    ip_end6(&e, ae);
    DS_CHECK_EQ_INT(dec(&e, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.proto, 50);
    DS_CHECK_EQ_INT(p.payload_len, 24);
    /* No next header. */
    fb nn = {0};
    size_t an = ip6(&nn, 59, V6A, V6B);
    ip_end6(&nn, an);
    DS_CHECK_EQ_INT(dec(&nn, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.proto, 59);

    /* Fragment header, first fragment: transport parsed, fragment tag set. */
    fb ff = {0};
    size_t af = ip6(&ff, 44, V6A, V6B);
    put8(&ff, 17);
    put8(&ff, 0);
    put16(&ff, 0x0001); /* offset 0, M */
    put32(&ff, 0xabcd1234);
    udp(&ff, 53, 40000, 10);
    ip_end6(&ff, af);
    DS_CHECK_EQ_INT(dec(&ff, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.tags, DS_TAG_FRAGMENT);
    DS_CHECK_EQ_INT(p.proto, 17);
    DS_CHECK_EQ_INT(p.dport, 40000);
    DS_CHECK_EQ_INT(p.ip_id, 0x1234);
    /* Non-first fragment. */
    fb fn = {0};
    size_t an2 = ip6(&fn, 0, V6A, V6B);
    ext6(&fn, 44, 1);
    put8(&fn, 17);
    put8(&fn, 0);
    put16(&fn, 1448); /* offset 181 units, M clear */
    put32(&fn, 0xabcd1234);
    zeros(&fn, 40);
    ip_end6(&fn, an2);
    DS_CHECK_EQ_INT(dec(&fn, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.tags, DS_TAG_FRAGMENT | DS_TAG_NONFIRST);
    DS_CHECK_EQ_INT(p.proto, 17);
    DS_CHECK_EQ_INT(p.frag_off, 1448);
    DS_CHECK_EQ_INT(p.dport, 0);
    DS_CHECK_EQ_INT(p.payload_len, 40);

    /* Broken chains: an extension header running past the payload length. */
    fb b = {0};
    size_t ab = ip6(&b, 0, V6A, V6B);
    put8(&b, 6);
    put8(&b, 3); /* 32 bytes, only 8 present */
    zeros(&b, 6);
    ip_end6(&b, ab);
    DS_CHECK_EQ_INT(dec(&b, 101, &p), DS_DEC_IP6_EXT);
    fb b2 = {0}; /* next header says hop-by-hop, payload length 0 */
    size_t ab2 = ip6(&b2, 0, V6A, V6B);
    ip_end6(&b2, ab2);
    DS_CHECK_EQ_INT(dec(&b2, 101, &p), DS_DEC_IP6_EXT);
    fb b3 = {0}; /* fragment header cut by the payload length */
    size_t ab3 = ip6(&b3, 44, V6A, V6B);
    put32(&b3, 0x11000000);
    ip_end6(&b3, ab3);
    DS_CHECK_EQ_INT(dec(&b3, 101, &p), DS_DEC_IP6_EXT);
    /* IPv6 malformed at the IP level. */
    fb t6 = {0};
    syn6(&t6);
    t6.n = 39;
    DS_CHECK_EQ_INT(dec(&t6, 101, &p), DS_DEC_IP_TRUNCATED);
    fb bb = {0};
    syn6(&bb);
    set16(&bb, 4, 500);
    DS_CHECK_EQ_INT(dec(&bb, 101, &p), DS_DEC_IP_BEYOND_CAPTURE);
    DS_CHECK_EQ_INT(p.ipver, 6);
    DS_CHECK(ds_ip_eq(&p.dst, &d));
    DS_CHECK_EQ_INT(dec(&t6, 101, &p), DS_DEC_IP_TRUNCATED);
    DS_CHECK_EQ_INT(p.ipver, 6);
    fb v6bad = {0};
    eth(&v6bad, 0x86dd);
    syn4(&v6bad);
    zeros(&v6bad, 20);
    DS_CHECK_EQ_INT(dec(&v6bad, 1, &p), DS_DEC_IP_VERSION);
    fb l6 = {0};
    size_t al6 = ip6(&l6, 6, V6A, V6B);
    zeros(&l6, 12);
    ip_end6(&l6, al6);
    DS_CHECK_EQ_INT(dec(&l6, 101, &p), DS_DEC_L4_TRUNCATED);
}

/* An ICMP(v4) error quoting an IPv4+TCP packet; quotelen bytes of the inner packet. */
static void icmp_error4(fb *f, unsigned type, size_t quotelen, int inner_opt)
{
    size_t at = ip4(f, 1, A4(203, 0, 113, 1), A4(44, 3, 3, 3), 77, 0, 0);
    icmph(f, type, 1);
    fb in = {0};
    size_t ai = ip4(&in, 6, A4(44, 3, 3, 3), A4(198, 51, 100, 7), 1, 0, inner_opt);
    tcp(&in, 12345, 80, 1, 0, 0x02, 0);
    ip_end4(&in, ai);
    put(f, in.b, quotelen < in.n ? quotelen : in.n);
    ip_end4(f, at);
}

static void test_icmp(void)
{
    ds_pkt p;
    fb echo = {0};
    size_t at = ip4(&echo, 1, A4(1, 1, 1, 1), A4(44, 0, 0, 1), 0, 0, 0);
    icmph(&echo, 8, 0);
    put(&echo, "pingpong", 8);
    ip_end4(&echo, at);
    DS_CHECK_EQ_INT(dec(&echo, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.icmp_type, 8);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_NONE);
    DS_CHECK_EQ_INT(p.payload_len, 8);
    DS_CHECK_EQ_INT(p.sport, 0);

    static const unsigned errors[] = {3, 4, 5, 11, 12};
    for (int i = 0; i < 5; i++) {
        fb f = {0};
        icmp_error4(&f, errors[i], 1000, 0);
        DS_CHECK_EQ_INT(dec(&f, 101, &p), DS_DEC_OK);
        DS_CHECK_EQ_INT(p.icmp_type, errors[i]);
        DS_CHECK_EQ_INT(p.icmp_code, 1);
        DS_CHECK_EQ_INT(p.quote, DS_QUOTE_FULL);
        DS_CHECK_EQ_INT(p.q_ipver, 4);
        DS_CHECK_EQ_INT(p.q_proto, 6);
        ds_ip qs = v4(A4(44, 3, 3, 3)), qd = v4(A4(198, 51, 100, 7));
        DS_CHECK(ds_ip_eq(&p.q_src, &qs));
        DS_CHECK(ds_ip_eq(&p.q_dst, &qd));
        DS_CHECK_EQ_INT(p.q_sport, 12345);
        DS_CHECK_EQ_INT(p.q_dport, 80);
    }
    /* The classic 28-byte quote (header + 8 bytes), inner header with options. */
    fb o = {0};
    icmp_error4(&o, 3, 24 + 8, 1);
    DS_CHECK_EQ_INT(dec(&o, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_FULL);
    DS_CHECK_EQ_INT(p.q_dport, 80);
    /* Full header but only 2 bytes after it: addresses yes, ports no. */
    fb h = {0};
    icmp_error4(&h, 11, 22, 0);
    DS_CHECK_EQ_INT(dec(&h, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_FULL);
    DS_CHECK_EQ_INT(p.q_proto, 6);
    DS_CHECK_EQ_INT(p.q_dport, 0);
    /* Short quote: less than the inner header. */
    fb s = {0};
    icmp_error4(&s, 3, 12, 0);
    DS_CHECK_EQ_INT(dec(&s, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_SHORT);
    DS_CHECK_EQ_INT(p.q_ipver, 0);
    /* Inner IHL says options that were not quoted. */
    fb so = {0};
    icmp_error4(&so, 3, 20, 1);
    DS_CHECK_EQ_INT(dec(&so, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_SHORT);
    /* Nothing quoted at all. */
    fb z = {0};
    icmp_error4(&z, 3, 0, 0);
    DS_CHECK_EQ_INT(dec(&z, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_NONE);
    /* A full quote cut by the snap length: not malformed, quote unreadable. */
    fb c = {0};
    icmp_error4(&c, 3, 1000, 0);
    DS_CHECK_EQ_INT(dec3(&c, 101, 20 + 8 + 10, (uint32_t)c.n, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_SHORT);
    DS_CHECK_EQ_INT(p.icmp_type, 3);
    /* The quoted packet is itself a non-first fragment: no ports. */
    fb qf = {0};
    icmp_error4(&qf, 3, 1000, 0);
    set16(&qf, 28 + 6, 10);
    DS_CHECK_EQ_INT(dec(&qf, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_FULL);
    DS_CHECK_EQ_INT(p.q_dport, 0);
    /* Not an error type: the body is not a quote. */
    fb ts = {0};
    at = ip4(&ts, 1, 1, 2, 0, 0, 0);
    icmph(&ts, 13, 0);
    fb in = {0};
    syn4(&in);
    put(&ts, in.b, in.n);
    ip_end4(&ts, at);
    DS_CHECK_EQ_INT(dec(&ts, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_NONE);
}

static void test_icmpv6(void)
{
    ds_pkt p;
    for (unsigned type = 1; type <= 4; type++) {
        fb f = {0};
        eth(&f, 0x86dd);
        size_t at = ip6(&f, 58, V6B, V6A);
        icmph(&f, type, 0);
        fb in = {0}; /* quoted: IPv6 + dst options + UDP */
        size_t ai = ip6(&in, 60, V6A, V6B);
        ext6(&in, 17, 1);
        udp(&in, 4444, 53, 4);
        ip_end6(&in, ai);
        put(&f, in.b, in.n);
        ip_end6(&f, at);
        DS_CHECK_EQ_INT(dec(&f, 1, &p), DS_DEC_OK);
        DS_CHECK_EQ_INT(p.proto, 58);
        DS_CHECK_EQ_INT(p.icmp_type, type);
        DS_CHECK_EQ_INT(p.quote, DS_QUOTE_FULL);
        DS_CHECK_EQ_INT(p.q_ipver, 6);
        DS_CHECK_EQ_INT(p.q_proto, 17);
        DS_CHECK_EQ_INT(p.q_sport, 4444);
        DS_CHECK_EQ_INT(p.q_dport, 53);
        ds_ip qd = v6(V6B);
        DS_CHECK(ds_ip_eq(&p.q_dst, &qd));
    }
    fb s = {0}; /* error quoting 30 bytes: short */
    size_t at = ip6(&s, 58, V6B, V6A);
    icmph(&s, 1, 4);
    zeros(&s, 30);
    s.b[s.n - 30] = 0x60;
    ip_end6(&s, at);
    DS_CHECK_EQ_INT(dec(&s, 229, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_SHORT);
    fb e = {0}; /* echo request: no quote */
    at = ip6(&e, 58, V6B, V6A);
    icmph(&e, 128, 0);
    zeros(&e, 56);
    ip_end6(&e, at);
    DS_CHECK_EQ_INT(dec(&e, 229, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.icmp_type, 128);
    DS_CHECK_EQ_INT(p.quote, DS_QUOTE_NONE);
    DS_CHECK_EQ_INT(p.payload_len, 56);
}

static void test_snap_truncated(void)
{
    ds_pkt p;
    fb f = {0};
    eth(&f, 0x0800);
    size_t at = ip4(&f, 6, A4(10, 1, 1, 1), A4(44, 2, 2, 2), 1, 0, 0);
    tcp(&f, 80, 50000, 1, 2, 0x18, 0);
    zeros(&f, 1400);
    ip_end4(&f, at);
    /* 96-byte snap: headers all there, payload cut. */
    DS_CHECK_EQ_INT(dec3(&f, 1, 96, (uint32_t)f.n, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.ip_len, 1440);
    DS_CHECK_EQ_INT(p.wirelen, f.n);
    DS_CHECK_EQ_INT(p.payload_len, 1400);
    DS_CHECK_EQ_INT(p.payload_caplen, 96 - 54);
    DS_CHECK_EQ_INT(p.tcp_flags, 0x18);
    /* Snap inside the TCP header of a first fragment: transport truncated. */
    DS_CHECK_EQ_INT(dec3(&f, 1, 40, (uint32_t)f.n, &p), DS_DEC_L4_TRUNCATED);
    /* Snap inside the IP header. */
    DS_CHECK_EQ_INT(dec3(&f, 1, 30, (uint32_t)f.n, &p), DS_DEC_IP_TRUNCATED);
    /* A non-first fragment needs no transport header: fine with any snap past IP. */
    fb n = {0};
    eth(&n, 0x0800);
    at = ip4(&n, 17, 1, 2, 3, 100, 0);
    zeros(&n, 1000);
    ip_end4(&n, at);
    DS_CHECK_EQ_INT(dec3(&n, 1, 40, (uint32_t)n.n, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.payload_len, 1000);
    DS_CHECK_EQ_INT(p.payload_caplen, 6);
    /* IPv6 with extension headers cut by the snap: transport truncated, not a
     * broken chain. */
    fb v = {0};
    size_t av = ip6(&v, 0, V6A, V6B);
    ext6(&v, 60, 2);
    ext6(&v, 6, 1);
    tcp(&v, 1, 2, 3, 4, 2, 0);
    ip_end6(&v, av);
    DS_CHECK_EQ_INT(dec3(&v, 101, 50, (uint32_t)v.n, &p), DS_DEC_L4_TRUNCATED);
    DS_CHECK_EQ_INT(dec3(&v, 101, 60, (uint32_t)v.n, &p), DS_DEC_L4_TRUNCATED);
    DS_CHECK_EQ_INT(dec(&v, 101, &p), DS_DEC_OK);
    DS_CHECK_EQ_INT(p.dport, 2);
    /* wirelen below caplen (a writer bug): the captured bytes are trusted. */
    fb w = {0};
    syn4(&w);
    DS_CHECK_EQ_INT(dec3(&w, 101, (uint32_t)w.n, 10, &p), DS_DEC_OK);
}

static void test_names(void)
{
    DS_CHECK_EQ_STR(ds_dec_result_name(DS_DEC_OK), "ok");
    DS_CHECK_EQ_STR(ds_dec_result_name(DS_DEC_TCP_DOFF), "tcp_data_offset");
    DS_CHECK_EQ_STR(ds_dec_result_name(-1), "unknown");
    DS_CHECK_EQ_STR(ds_dec_result_name(DS_DEC_COUNT), "unknown");
    /* Every name is distinct and a plain identifier. */
    for (int i = 0; i < DS_DEC_COUNT; i++) {
        const char *a = ds_dec_result_name(i);
        DS_CHECK(a && *a && strcmp(a, "unknown") != 0);
        DS_CHECK(strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(a));
        for (int j = 0; j < i; j++)
            DS_CHECK(strcmp(a, ds_dec_result_name(j)) != 0);
    }
    for (unsigned i = 0; i < DS_TAG_COUNT; i++) {
        const char *a = ds_tag_name(i);
        DS_CHECK(a && *a && strcmp(a, "unknown") != 0);
        for (unsigned j = 0; j < i; j++)
            DS_CHECK(strcmp(a, ds_tag_name(j)) != 0);
    }
    DS_CHECK_EQ_STR(ds_tag_name(3), "zmap");
    DS_CHECK_EQ_STR(ds_tag_name(DS_TAG_COUNT), "unknown");
}

/* Every frame above, cut at every length, both as a snap (wirelen full) and as a
 * short frame (wirelen = caplen). Under ASan any read past caplen aborts. */
static void test_every_prefix(void)
{
    saving = false;
    int n = nsaved;
    long ran = 0;
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k <= saved[i].n; k++) {
            ds_pkt p;
            int r1 = dec3(&saved[i], saved_lt[i], (uint32_t)k, (uint32_t)saved[i].n, &p);
            int r2 = dec3(&saved[i], saved_lt[i], (uint32_t)k, (uint32_t)k, &p);
            DS_CHECK(r1 >= 0 && r1 < DS_DEC_COUNT);
            DS_CHECK(r2 >= 0 && r2 < DS_DEC_COUNT);
            ran++;
        }
    }
    DS_CHECK(ran > 1000);
}

/* Random frames and random mutations of the test frames. */
static void test_random(void)
{
    static const uint16_t lts[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int ok = 0;
    for (int iter = 0; iter < 200000; iter++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        fb f;
        int base = (int)(x % (uint64_t)nsaved);
        f = saved[base];
        uint16_t lt = (x >> 20) & 1 ? saved_lt[base] : lts[(x >> 24) % 10];
        int flips = 1 + (int)((x >> 32) % 4);
        for (int k = 0; k < flips && f.n; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            f.b[x % f.n] = (uint8_t)(x >> 40);
        }
        uint32_t cap = (uint32_t)(f.n ? (x >> 48) % (f.n + 1) : 0);
        ds_pkt p;
        int r = dec3(&f, lt, cap, (uint32_t)f.n, &p);
        DS_CHECK(r >= 0 && r < DS_DEC_COUNT);
        ok += r == DS_DEC_OK;
    }
    DS_CHECK(ok > 0);
}

/* ---- the real captures against reference-counts.csv ---------------------------- */

enum {
    C_PACKETS,
    C_IPV4,
    C_IPV6,
    C_TCP,
    C_SYN,
    C_SYNACK,
    C_RST,
    C_UDP,
    C_ICMP,
    C_ECHO_REQ,
    C_ECHO_REP,
    C_UNREACH,
    C_TIMEX,
    C_ICMP_OTHER,
    C_FRAGS,
    C_SRC,
    C_DST,
    C_N
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static long distinct(uint32_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u32);
    long d = 0;
    for (size_t i = 0; i < n; i++)
        d += i == 0 || v[i] != v[i - 1];
    return d;
}

/* fopencookie reader over gzip, so libpcap can read the gzip-compressed capture. */
static ssize_t gz_read(void *c, char *buf, size_t n)
{
    return gzread((gzFile)c, buf, (unsigned)n);
}
static int gz_close(void *c)
{
    return gzclose((gzFile)c);
}

static void count_file(const char *path, long *c, long *errs)
{
    char eb[PCAP_ERRBUF_SIZE];
    gzFile gz = gzopen(path, "rb"); /* reads plain files transparently too */
    DS_CHECK(gz != NULL);
    if (!gz)
        return;
    cookie_io_functions_t io = {.read = gz_read, .close = gz_close};
    FILE *fp = fopencookie(gz, "r", io);
    pcap_t *pc = fp ? pcap_fopen_offline(fp, eb) : NULL;
    DS_CHECK(pc != NULL);
    if (!pc) {
        fprintf(stderr, "%s: %s\n", path, eb);
        return;
    }
    int lt = pcap_datalink(pc);
    if (lt == 12) /* libpcap reports LINKTYPE_RAW as DLT_RAW */
        lt = 101;
    size_t cap = 1 << 16, ns = 0;
    uint32_t *src = malloc(cap * 4), *dst = malloc(cap * 4);
    struct pcap_pkthdr *h;
    const u_char *data;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        ds_frame fr = {.ts_ns = 0,
                       .caplen = h->caplen,
                       .wirelen = h->len,
                       .linktype = (uint16_t)lt,
                       .data = data};
        ds_pkt p;
        memset(&p, 0, sizeof p);
        int r = ds_decode(&fr, &p);
        c[C_PACKETS]++;
        if (r != DS_DEC_OK) {
            errs[r]++;
            continue;
        }
        if (p.ipver == 6) {
            c[C_IPV6]++;
            continue;
        }
        c[C_IPV4]++;
        if (ns == cap) {
            cap *= 2;
            src = realloc(src, cap * 4);
            dst = realloc(dst, cap * 4);
        }
        src[ns] = ds_ip_v4(&p.src);
        dst[ns++] = ds_ip_v4(&p.dst);
        if (p.tags & DS_TAG_FRAGMENT)
            c[C_FRAGS]++;
        bool hdr = !(p.tags & DS_TAG_NONFIRST);
        if (p.proto == 6) {
            c[C_TCP]++;
            uint8_t fl = p.tcp_flags;
            if (hdr && (fl & 0x12) == 0x02)
                c[C_SYN]++;
            if (hdr && (fl & 0x12) == 0x12)
                c[C_SYNACK]++;
            if (hdr && (fl & 0x04))
                c[C_RST]++;
        } else if (p.proto == 17) {
            c[C_UDP]++;
        } else if (p.proto == 1) {
            c[C_ICMP]++;
            int t = hdr ? p.icmp_type : -1;
            c[t == 8    ? C_ECHO_REQ
              : t == 0  ? C_ECHO_REP
              : t == 3  ? C_UNREACH
              : t == 11 ? C_TIMEX
                        : C_ICMP_OTHER]++;
        }
    }
    c[C_SRC] = distinct(src, ns);
    c[C_DST] = distinct(dst, ns);
    free(src);
    free(dst);
    pcap_close(pc);
}

static void test_reference_captures(void)
{
    const char *dir = ds_test_captures_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/reference-counts.csv", dir);
    char *csv = ds_test_read_file(path, NULL);
    DS_CHECK(csv != NULL);
    if (!csv)
        return;
    int rows = 0;
    char *save = NULL;
    strtok_r(csv, "\n", &save); /* header */
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *fields[32];
        int nf = 0;
        for (char *s = line; nf < 32;) {
            fields[nf++] = s;
            char *comma = strchr(s, ',');
            if (!comma)
                break;
            *comma = 0;
            s = comma + 1;
        }
        if (nf < 2 + C_N || !*fields[2])
            continue; /* malformed.pcap: not a capture */
        long c[C_N] = {0}, errs[DS_DEC_COUNT] = {0};
        snprintf(path, sizeof path, "%s/%s", dir, fields[0]);
        count_file(path, c, errs);
        rows++;
        for (int k = 0; k < C_N; k++) {
            long want = atol(fields[2 + k]);
            ds_test_checks++;
            if (c[k] != want) {
                fprintf(stderr, "%s: column %d: got %ld, reference %ld\n", fields[0], 2 + k, c[k],
                        want);
                ds_test_failures++;
            }
        }
        /* None of these captures holds a malformed IP packet. */
        for (int r = DS_DEC_LINK_TRUNCATED; r < DS_DEC_COUNT; r++) {
            ds_test_checks++;
            if (errs[r]) {
                fprintf(stderr, "%s: %ld x %s\n", fields[0], errs[r], ds_dec_result_name(r));
                ds_test_failures++;
            }
        }
    }
    DS_CHECK_EQ_INT(rows, 18);
    free(csv);
}

int main(void)
{
    DS_RUN(test_ethernet_tcp_fields);
    DS_RUN(test_ethernet_padding);
    DS_RUN(test_vlan);
    DS_RUN(test_nonip_and_link_errors);
    DS_RUN(test_sll);
    DS_RUN(test_raw);
    DS_RUN(test_null_loop);
    DS_RUN(test_ipv4_malformed);
    DS_RUN(test_ipv4_options);
    DS_RUN(test_ipv4_fragments);
    DS_RUN(test_ipv6_ext);
    DS_RUN(test_icmp);
    DS_RUN(test_icmpv6);
    DS_RUN(test_snap_truncated);
    DS_RUN(test_names);
    DS_RUN(test_every_prefix);
    DS_RUN(test_random);
    DS_RUN(test_reference_captures);
    return ds_test_result();
}

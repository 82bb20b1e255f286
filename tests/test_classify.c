/*
 * test_classify.c — classes and tags (every class, every tag, the scanner-tool
 * fingerprints and the RFC 6890 blocks at their edges), the telescope (specs and INI
 * files, good and bad, overlaps, rollback, lookup checked against brute force), and
 * worm signatures (the built-ins, a user file with payload bytes, and bad files with
 * FILE:LINE messages).
 */
#include "ds_test.h"
#include "telescope/ds_classify.h"
#include "telescope/ds_signature.h"
#include "telescope/ds_telescope.h"

#define A4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static ds_pkt pkt4(uint8_t proto, uint32_t src, uint32_t dst)
{
    ds_pkt p;
    memset(&p, 0, sizeof p);
    p.ipver = 4;
    p.proto = proto;
    ds_ip_set_v4(&p.src, src);
    ds_ip_set_v4(&p.dst, dst);
    p.ip_id = 1000;
    p.tcp_seq = 0x01020304;
    p.monitor = DS_MONITOR_OUTSIDE;
    return p;
}

static ds_pkt tcp4(uint8_t flags, uint16_t dport)
{
    ds_pkt p = pkt4(6, A4(1, 2, 3, 4), A4(44, 5, 6, 7));
    p.tcp_flags = flags;
    p.sport = 40000;
    p.dport = dport;
    return p;
}

static ds_pkt udp4(uint16_t sport, uint16_t dport)
{
    ds_pkt p = pkt4(17, A4(1, 2, 3, 4), A4(44, 5, 6, 7));
    p.sport = sport;
    p.dport = dport;
    return p;
}

static ds_pkt icmp(int ver, uint8_t type)
{
    ds_pkt p = pkt4(ver == 4 ? 1 : 58, A4(1, 2, 3, 4), A4(44, 5, 6, 7));
    if (ver == 6) {
        ds_ip_parse("2600::1", &p.src);
        ds_ip_parse("2001:4860::2", &p.dst);
        p.ipver = 6;
    }
    p.icmp_type = type;
    return p;
}

static int cls_of(ds_pkt p)
{
    ds_classify(&p);
    return p.cls;
}

static uint32_t tags_of(ds_pkt p)
{
    ds_classify(&p);
    return p.tags;
}

/* ---- classes ------------------------------------------------------------------ */

static void test_tcp_classes(void)
{
    DS_CHECK_EQ_INT(cls_of(tcp4(0x12, 80)), DS_CLS_BACKSCATTER); /* SYN+ACK */
    DS_CHECK_EQ_INT(cls_of(tcp4(0x04, 80)), DS_CLS_BACKSCATTER); /* RST */
    DS_CHECK_EQ_INT(cls_of(tcp4(0x14, 80)), DS_CLS_BACKSCATTER); /* RST+ACK */
    DS_CHECK_EQ_INT(cls_of(tcp4(0x06, 80)), DS_CLS_BACKSCATTER); /* SYN+RST: RST wins */
    DS_CHECK_EQ_INT(cls_of(tcp4(0x02, 80)), DS_CLS_SCAN_TCP);    /* SYN */
    DS_CHECK_EQ_INT(cls_of(tcp4(0xc2, 80)), DS_CLS_SCAN_TCP);    /* SYN+ECE+CWR */
    DS_CHECK_EQ_INT(cls_of(tcp4(0x03, 80)), DS_CLS_SCAN_TCP);    /* SYN+FIN */
    DS_CHECK_EQ_INT(cls_of(tcp4(0x10, 80)), DS_CLS_OTHER);       /* ACK */
    DS_CHECK_EQ_INT(cls_of(tcp4(0x18, 80)), DS_CLS_OTHER);       /* PSH+ACK */
    DS_CHECK_EQ_INT(cls_of(tcp4(0x01, 80)), DS_CLS_OTHER);       /* FIN scan */
    DS_CHECK_EQ_INT(cls_of(tcp4(0x00, 80)), DS_CLS_OTHER);       /* NULL scan */
    /* Fragments: a first fragment is judged by its header, a non-first has none. */
    ds_pkt f = tcp4(0x02, 80);
    f.tags = DS_TAG_FRAGMENT;
    DS_CHECK_EQ_INT(cls_of(f), DS_CLS_SCAN_TCP);
    f.tags = DS_TAG_FRAGMENT | DS_TAG_NONFIRST;
    f.tcp_flags = 0;
    f.sport = f.dport = 0;
    DS_CHECK_EQ_INT(cls_of(f), DS_CLS_OTHER);
    DS_CHECK_EQ_INT(tags_of(f) & (DS_TAG_FRAGMENT | DS_TAG_NONFIRST),
                    DS_TAG_FRAGMENT | DS_TAG_NONFIRST);
    /* IPv6 TCP is classified the same way. */
    ds_pkt v6 = tcp4(0x12, 443);
    ds_ip_parse("2001:4860::1", &v6.src);
    ds_ip_parse("2600::5", &v6.dst);
    v6.ipver = 6;
    DS_CHECK_EQ_INT(cls_of(v6), DS_CLS_BACKSCATTER);
}

static void test_udp_classes(void)
{
    DS_CHECK_EQ_INT(cls_of(udp4(53, 33333)), DS_CLS_UDP_RESPONSE);
    DS_CHECK_EQ_INT(cls_of(udp4(123, 1024)), DS_CLS_UDP_RESPONSE);
    DS_CHECK_EQ_INT(cls_of(udp4(161, 65535)), DS_CLS_UDP_RESPONSE);
    DS_CHECK_EQ_INT(cls_of(udp4(47808, 30120)), DS_CLS_UDP_RESPONSE);
    DS_CHECK_EQ_INT(cls_of(udp4(4500, 500)), DS_CLS_SCAN_UDP); /* to a service port */
    DS_CHECK_EQ_INT(cls_of(udp4(53, 53)), DS_CLS_SCAN_UDP);    /* resolver to resolver */
    DS_CHECK_EQ_INT(cls_of(udp4(53, 1023)), DS_CLS_SCAN_UDP);
    DS_CHECK_EQ_INT(cls_of(udp4(40000, 161)), DS_CLS_SCAN_UDP);
    DS_CHECK_EQ_INT(cls_of(udp4(40000, 40001)), DS_CLS_SCAN_UDP);
    DS_CHECK_EQ_INT(cls_of(udp4(80, 40001)), DS_CLS_SCAN_UDP); /* 80 is not a UDP service */
    ds_pkt nf = udp4(0, 0);
    nf.tags = DS_TAG_FRAGMENT | DS_TAG_NONFIRST;
    DS_CHECK_EQ_INT(cls_of(nf), DS_CLS_OTHER);

    /* The documented list, and only it. */
    static const uint16_t listed[] = {7,     17,    19,    53,    69,   111,  123,  137,
                                      161,   389,   443,   500,   520,  623,  1434, 1900,
                                      3283,  3478,  3702,  4500,  5060, 5351, 5353, 5683,
                                      10001, 11211, 27015, 37810, 47808};
    size_t n = sizeof listed / sizeof listed[0];
    int count = 0;
    for (uint32_t port = 0; port < 65536; port++)
        count += ds_udp_service_port((uint16_t)port);
    DS_CHECK_EQ_INT(count, n);
    for (size_t i = 0; i < n; i++)
        DS_CHECK(ds_udp_service_port(listed[i]));
    /* docs/CLASSES.md lists every port. */
    const char *src = getenv("DS_SRC");
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/CLASSES.md", src && *src ? src : "..");
    char *doc = ds_test_read_file(path, NULL);
    DS_CHECK(doc != NULL);
    for (size_t i = 0; doc && i < n; i++) {
        char needle[16];
        snprintf(needle, sizeof needle, "| %u ", listed[i]);
        ds_test_checks++;
        if (!strstr(doc, needle)) {
            fprintf(stderr, "docs/CLASSES.md does not list UDP port %u\n", listed[i]);
            ds_test_failures++;
        }
    }
    free(doc);
}

static void test_icmp_classes(void)
{
    for (int t = 0; t < 256; t++) {
        int want = DS_CLS_OTHER;
        if (t == 0 || t == 3 || t == 4 || t == 5 || t == 11 || t == 12 || t == 14 || t == 16 ||
            t == 18)
            want = DS_CLS_BACKSCATTER;
        else if (t == 8 || t == 10 || t == 13 || t == 15 || t == 17)
            want = DS_CLS_SCAN_ICMP;
        DS_CHECK_EQ_INT(cls_of(icmp(4, (uint8_t)t)), want);
        int want6 = DS_CLS_OTHER;
        if ((t >= 1 && t <= 4) || t == 129)
            want6 = DS_CLS_BACKSCATTER;
        else if (t == 128 || t == 139)
            want6 = DS_CLS_SCAN_ICMP;
        DS_CHECK_EQ_INT(cls_of(icmp(6, (uint8_t)t)), want6);
    }
    /* ICMP numbering belongs to its IP version. */
    ds_pkt odd = icmp(4, 128);
    odd.proto = 58;
    DS_CHECK_EQ_INT(cls_of(odd), DS_CLS_OTHER);
    DS_CHECK(ds_icmp_is_error(4, 3) && ds_icmp_is_error(4, 4) && ds_icmp_is_error(4, 5));
    DS_CHECK(ds_icmp_is_error(4, 11) && ds_icmp_is_error(4, 12));
    DS_CHECK(!ds_icmp_is_error(4, 0) && !ds_icmp_is_error(4, 8) && !ds_icmp_is_error(4, 1));
    for (int t = 1; t <= 4; t++)
        DS_CHECK(ds_icmp_is_error(6, (uint8_t)t));
    DS_CHECK(!ds_icmp_is_error(6, 0) && !ds_icmp_is_error(6, 5) && !ds_icmp_is_error(6, 129));
}

static void test_other_classes(void)
{
    DS_CHECK_EQ_INT(cls_of(pkt4(47, 1, 2)), DS_CLS_OTHER);  /* GRE */
    DS_CHECK_EQ_INT(cls_of(pkt4(50, 1, 2)), DS_CLS_OTHER);  /* ESP */
    DS_CHECK_EQ_INT(cls_of(pkt4(2, 1, 2)), DS_CLS_OTHER);   /* IGMP */
    DS_CHECK_EQ_INT(cls_of(pkt4(132, 1, 2)), DS_CLS_OTHER); /* SCTP */
}

static void test_class_names(void)
{
    static const char *names[] = {"backscatter", "udp-response", "scan-tcp",
                                  "scan-udp",    "scan-icmp",    "other"};
    for (int i = 0; i < DS_CLS_COUNT; i++) {
        DS_CHECK_EQ_STR(ds_class_name(i), names[i]);
        DS_CHECK_EQ_INT(ds_class_find(names[i]), i);
    }
    DS_CHECK_EQ_INT(ds_class_find("scan"), -1);
    DS_CHECK_EQ_STR(ds_class_name(DS_CLS_COUNT), "unknown");
}

/* ---- tags --------------------------------------------------------------------- */

static void test_zmap(void)
{
    ds_pkt s = tcp4(0x02, 80);
    s.ip_id = 54321;
    DS_CHECK(tags_of(s) & DS_TAG_ZMAP);
    ds_pkt u = udp4(40000, 53);
    u.ip_id = 54321;
    DS_CHECK(tags_of(u) & DS_TAG_ZMAP);
    ds_pkt e = icmp(4, 8);
    e.ip_id = 54321;
    DS_CHECK(tags_of(e) & DS_TAG_ZMAP);
    /* Not on answers, not on other IDs. */
    ds_pkt b = tcp4(0x12, 80);
    b.ip_id = 54321;
    DS_CHECK(!(tags_of(b) & DS_TAG_ZMAP));
    ds_pkt r = udp4(53, 40000);
    r.ip_id = 54321;
    DS_CHECK(!(tags_of(r) & DS_TAG_ZMAP));
    s.ip_id = 54320;
    DS_CHECK(!(tags_of(s) & DS_TAG_ZMAP));
    /* Not on IPv6 (no IP ID there; the record's ip_id comes from fragment ids). */
    ds_pkt v6 = icmp(6, 128);
    v6.ip_id = 54321;
    DS_CHECK(!(tags_of(v6) & DS_TAG_ZMAP));
}

static void test_masscan(void)
{
    ds_pkt s = tcp4(0x02, 8080);
    uint32_t dst = A4(44, 5, 6, 7);
    s.tcp_seq = 0x9abcdef0;
    s.ip_id = (uint16_t)((dst ^ 8080u ^ s.tcp_seq) & 0xffff);
    uint32_t t = tags_of(s);
    DS_CHECK(t & DS_TAG_MASSCAN);
    DS_CHECK(!(t & DS_TAG_ZMAP));
    DS_CHECK(!(t & DS_TAG_MIRAI));
    ds_pkt off = s;
    off.ip_id ^= 1;
    DS_CHECK(!(tags_of(off) & DS_TAG_MASSCAN));
    ds_pkt ack = s;
    ack.tcp_flags = 0x12; /* a SYN-ACK with the same numbers is not a Masscan probe */
    DS_CHECK(!(tags_of(ack) & DS_TAG_MASSCAN));
    ds_pkt udp = udp4(40000, 8080);
    udp.tcp_seq = s.tcp_seq;
    udp.ip_id = s.ip_id;
    DS_CHECK(!(tags_of(udp) & DS_TAG_MASSCAN));
}

static void test_mirai(void)
{
    ds_pkt s = tcp4(0x02, 23);
    s.tcp_seq = A4(44, 5, 6, 7);
    DS_CHECK(tags_of(s) & DS_TAG_MIRAI);
    s.tcp_seq++;
    DS_CHECK(!(tags_of(s) & DS_TAG_MIRAI));
    ds_pkt b = tcp4(0x14, 23);
    b.tcp_seq = A4(44, 5, 6, 7);
    DS_CHECK(!(tags_of(b) & DS_TAG_MIRAI));
    ds_pkt v6 = tcp4(0x02, 23);
    ds_ip_parse("2600::1", &v6.dst);
    v6.ipver = 6;
    v6.tcp_seq = 1;
    DS_CHECK(!(tags_of(v6) & DS_TAG_MIRAI));
}

static bool special(const char *addr)
{
    ds_pkt p = tcp4(0x12, 80);
    if (ds_ip_parse(addr, &p.src) != 0) {
        fprintf(stderr, "bad test address %s\n", addr);
        return false;
    }
    if (!ds_ip_is_v4(&p.src))
        p.ipver = 6;
    return tags_of(p) & DS_TAG_SPECIAL_SRC;
}

static void test_special_source(void)
{
    /* first, last, and the neighbours just outside each block */
    static const char *in4[] = {
        "0.0.0.0",         "0.255.255.255",   "10.0.0.0",       "10.255.255.255",  "100.64.0.0",
        "100.127.255.255", "127.0.0.1",       "169.254.0.0",    "169.254.255.255", "172.16.0.0",
        "172.31.255.255",  "192.0.0.0",       "192.0.0.255",    "192.0.2.0",       "192.0.2.255",
        "192.88.99.0",     "192.88.99.255",   "192.168.0.0",    "192.168.255.255", "198.18.0.0",
        "198.19.255.255",  "198.51.100.0",    "198.51.100.255", "203.0.113.0",     "203.0.113.255",
        "240.0.0.0",       "255.255.255.254", "255.255.255.255"};
    static const char *out4[] = {
        "1.0.0.0",         "9.255.255.255", "11.0.0.0",        "100.63.255.255",  "100.128.0.0",
        "126.255.255.255", "128.0.0.0",     "169.253.255.255", "169.255.0.0",     "172.15.255.255",
        "172.32.0.0",      "192.0.1.0",     "192.0.3.0",       "192.88.98.255",   "192.88.100.0",
        "192.167.255.255", "192.169.0.0",   "198.17.255.255",  "198.20.0.0",      "198.51.99.255",
        "198.51.101.0",    "203.0.112.255", "203.0.114.0",     "239.255.255.255", "224.0.0.1",
        "8.8.8.8",         "44.0.0.1"};
    for (size_t i = 0; i < sizeof in4 / sizeof *in4; i++) {
        ds_test_checks++;
        if (!special(in4[i])) {
            fprintf(stderr, "%s should be special-purpose\n", in4[i]);
            ds_test_failures++;
        }
    }
    for (size_t i = 0; i < sizeof out4 / sizeof *out4; i++) {
        ds_test_checks++;
        if (special(out4[i])) {
            fprintf(stderr, "%s should not be special-purpose\n", out4[i]);
            ds_test_failures++;
        }
    }
    static const char *in6[] = {"::",
                                "::1",
                                "64:ff9b::1.2.3.4",
                                "100::",
                                "100::ffff:ffff:ffff:ffff",
                                "2001::1",
                                "2001:1ff:ffff::",
                                "2001:db8::5",
                                "2001:db8:ffff::1",
                                "2002::1",
                                "fc00::1",
                                "fdff::1",
                                "fe80::1",
                                "febf:ffff::1"};
    static const char *out6[] = {"::2",        "64:ff9b::1:0:0:0", "100:0:0:1::", "2001:200::",
                                 "2001:db9::", "2003::1",          "fe00::1",     "fec0::1",
                                 "2600::1",    "ff02::1"};
    for (size_t i = 0; i < sizeof in6 / sizeof *in6; i++) {
        ds_test_checks++;
        if (!special(in6[i])) {
            fprintf(stderr, "%s should be special-purpose\n", in6[i]);
            ds_test_failures++;
        }
    }
    for (size_t i = 0; i < sizeof out6 / sizeof *out6; i++) {
        ds_test_checks++;
        if (special(out6[i])) {
            fprintf(stderr, "%s should not be special-purpose\n", out6[i]);
            ds_test_failures++;
        }
    }
    /* The tag does not change the class, and other tags survive. */
    ds_pkt p = tcp4(0x02, 80);
    ds_ip_parse("10.1.1.1", &p.src);
    p.tags = DS_TAG_FRAGMENT | DS_TAG_SIGNATURE;
    ds_classify(&p);
    DS_CHECK_EQ_INT(p.cls, DS_CLS_SCAN_TCP);
    DS_CHECK_EQ_INT(p.tags, DS_TAG_FRAGMENT | DS_TAG_SIGNATURE | DS_TAG_SPECIAL_SRC);
}

/* ---- telescope ------------------------------------------------------------------ */

static int look(const ds_telescope *t, const char *addr)
{
    ds_ip a;
    if (ds_ip_parse(addr, &a) != 0)
        return -99;
    return ds_telescope_lookup(t, &a);
}

static void test_telescope_open(void)
{
    ds_telescope *t = ds_telescope_new();
    DS_CHECK(ds_telescope_is_open(t));
    DS_CHECK_EQ_INT(ds_telescope_count(t), 1);
    DS_CHECK_EQ_STR(ds_telescope_name(t, 0), "all");
    DS_CHECK_EQ_INT(ds_telescope_find(t, "all"), 0);
    DS_CHECK_EQ_INT(ds_telescope_find(t, "ucsd"), -1);
    DS_CHECK_EQ_INT(ds_telescope_size_v4(t, 0), 0);
    DS_CHECK(ds_telescope_size_v6_log2(t, 0) < 0);
    DS_CHECK_EQ_STR(ds_telescope_prefixes(t, 0), "");
    DS_CHECK_EQ_INT(look(t, "1.2.3.4"), 0);
    DS_CHECK_EQ_INT(look(t, "2600::1"), 0);
    ds_telescope_free(t);
}

static void test_telescope_specs(void)
{
    char err[DS_ERRLEN];
    ds_telescope *t = ds_telescope_new();
    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "ucsd=44.0.0.0/8", err, sizeof err), 0);
    DS_CHECK(!ds_telescope_is_open(t));
    DS_CHECK_EQ_INT(ds_telescope_count(t), 1);
    DS_CHECK_EQ_STR(ds_telescope_name(t, 0), "ucsd");
    DS_CHECK_EQ_INT(ds_telescope_size_v4(t, 0), 1u << 24);
    DS_CHECK_EQ_INT(look(t, "44.0.0.0"), 0);
    DS_CHECK_EQ_INT(look(t, "44.255.255.255"), 0);
    DS_CHECK_EQ_INT(look(t, "43.255.255.255"), -1);
    DS_CHECK_EQ_INT(look(t, "45.0.0.0"), -1);
    DS_CHECK_EQ_INT(look(t, "2600::1"), -1);
    DS_CHECK_EQ_INT(ds_telescope_find(t, "all"), -1);

    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "lbl=131.243.0.0/16, 198.129.0.0/16", err, sizeof err),
                    0);
    DS_CHECK_EQ_INT(ds_telescope_count(t), 2);
    DS_CHECK_EQ_INT(ds_telescope_find(t, "lbl"), 1);
    DS_CHECK_EQ_INT(ds_telescope_size_v4(t, 1), 2 * 65536);
    DS_CHECK_EQ_STR(ds_telescope_prefixes(t, 1), "131.243.0.0/16,198.129.0.0/16");
    DS_CHECK_EQ_INT(look(t, "198.129.77.1"), 1);
    /* A known name gains prefixes; longer prefixes split the table. */
    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "ucsd=192.0.2.128/25", err, sizeof err), 0);
    DS_CHECK_EQ_INT(ds_telescope_count(t), 2);
    DS_CHECK_EQ_STR(ds_telescope_prefixes(t, 0), "44.0.0.0/8,192.0.2.128/25");
    DS_CHECK_EQ_INT(ds_telescope_size_v4(t, 0), (1u << 24) + 128);
    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "tiny=192.0.2.7,192.0.2.8/30", err, sizeof err), 0);
    DS_CHECK_EQ_INT(look(t, "192.0.2.6"), -1);
    DS_CHECK_EQ_INT(look(t, "192.0.2.7"), 2);
    DS_CHECK_EQ_INT(look(t, "192.0.2.8"), 2);
    DS_CHECK_EQ_INT(look(t, "192.0.2.11"), 2);
    DS_CHECK_EQ_INT(look(t, "192.0.2.12"), -1);
    DS_CHECK_EQ_INT(look(t, "192.0.2.127"), -1);
    DS_CHECK_EQ_INT(look(t, "192.0.2.128"), 0);
    DS_CHECK_EQ_INT(look(t, "192.0.2.255"), 0);
    DS_CHECK_EQ_INT(look(t, "192.0.3.0"), -1);
    DS_CHECK_EQ_INT(ds_telescope_size_v4(t, 2), 5);
    /* IPv6 monitors. */
    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "v6=2001:db8:1::/48", err, sizeof err), 0);
    DS_CHECK_EQ_INT(look(t, "2001:db8:1::5"), 3);
    DS_CHECK_EQ_INT(look(t, "2001:db8:1:ffff:ffff:ffff:ffff:ffff"), 3);
    DS_CHECK_EQ_INT(look(t, "2001:db8:2::"), -1);
    DS_CHECK_EQ_INT(ds_telescope_size_v4(t, 3), 0);
    DS_CHECK(ds_telescope_size_v6_log2(t, 3) == 80.0);
    DS_CHECK(ds_telescope_size_v6_log2(t, 0) < 0);
    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "both=2001:db8:3::/47,5.0.0.0/8", err, sizeof err),
                    -1);
    DS_CHECK(strstr(err, "host bits") != NULL);
    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "both=2001:db8:4::/47,5.0.0.0/8", err, sizeof err), 0);
    DS_CHECK_EQ_INT(ds_telescope_size_v4(t, 4), 1u << 24);
    DS_CHECK(ds_telescope_size_v6_log2(t, 4) == 81.0);
    DS_CHECK_EQ_STR(ds_telescope_prefixes(t, 4), "5.0.0.0/8,2001:db8:4::/47"); /* IPv4 first */
    DS_CHECK_EQ_INT(look(t, "2001:db8:5:1::1"), 4);
    DS_CHECK_EQ_INT(look(t, "5.6.7.8"), 4);
    DS_CHECK(ds_telescope_name(t, 5) == NULL);

    /* Errors leave the telescope as it was. */
    static const struct {
        const char *spec, *msg;
    } bad[] = {
        {"noequals", "NAME=PREFIX"},
        {"=44.0.0.0/8", "bad monitor name"},
        {"bad name=1.0.0.0/8", "bad monitor name"},
        {"a234567890123456789012345678901x=1.0.0.0/8", "bad monitor name"},
        {"x=1.1.0.0/8", "did you mean 1.0.0.0/8"},
        {"x=1.2.3.4/33", "more than 32"},
        {"x=1.2.3/24", "not an IPv4 or IPv6 address"},
        {"x=1.0.0.0/8,", "empty prefix"},
        {"x=1.0.0.0/8,,2.0.0.0/8", "empty prefix"},
        {"x=1.0.0.0/8x", "bad prefix length"},
        {"x=1.0.0.0/", "bad prefix length"},
        {"x=1.0.0.0/-8", "bad prefix length"},
        {"x=44.5.0.0/16", "overlaps 44.0.0.0/8 of monitor ucsd"},
        {"x=0.0.0.0/0", "overlaps"},
        {"ucsd=44.0.0.0/8", "overlaps 44.0.0.0/8 of monitor ucsd"},
        {"x=9.0.0.0/8,9.9.0.0/16", "overlaps 9.0.0.0/8 of monitor x"},
        {"x=2001:db8:1:5::/64", "overlaps 2001:db8:1::/48 of monitor v6"},
        {"x=::ffff:1.2.3.0/120", "IPv4-mapped"},
        {"x=2001:db8::1/32", "did you mean 2001:db8::/32"},
        {"x=2001:db8::/129", "more than 128"},
        {"new=7.0.0.0/8,44.0.0.0/9", "overlaps"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        int rc = ds_telescope_add_spec(t, bad[i].spec, err, sizeof err);
        ds_test_checks++;
        if (rc != -1 || !strstr(err, bad[i].msg)) {
            fprintf(stderr, "spec '%s': rc %d, error '%s', expected '%s'\n", bad[i].spec, rc, err,
                    bad[i].msg);
            ds_test_failures++;
        }
        DS_CHECK_EQ_INT(ds_telescope_count(t), 5);
    }
    DS_CHECK_EQ_INT(ds_telescope_find(t, "new"), -1);
    DS_CHECK_EQ_INT(ds_telescope_find(t, "x"), -1);
    DS_CHECK_EQ_INT(look(t, "7.1.1.1"), -1);
    DS_CHECK_EQ_INT(look(t, "9.1.1.1"), -1);
    DS_CHECK_EQ_INT(look(t, "44.1.1.1"), 0);
    DS_CHECK_EQ_INT(look(t, "192.0.2.9"), 2);
    DS_CHECK_EQ_STR(ds_telescope_prefixes(t, 0), "44.0.0.0/8,192.0.2.128/25");
    ds_telescope_free(t);

    /* At most DS_MONITORS_MAX monitors. */
    t = ds_telescope_new();
    for (int i = 0; i < DS_MONITORS_MAX; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "m%d=10.%d.0.0/16", i, i);
        DS_CHECK_EQ_INT(ds_telescope_add_spec(t, spec, err, sizeof err), 0);
    }
    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "one.more=11.0.0.0/8", err, sizeof err), -1);
    DS_CHECK(strstr(err, "too many monitors") != NULL);
    DS_CHECK_EQ_INT(look(t, "10.63.1.1"), 63);
    ds_telescope_free(t);
}

/* Lookup against a brute-force scan, over many prefixes of all lengths. */
static void test_telescope_bruteforce(void)
{
    char err[DS_ERRLEN];
    ds_telescope *t = ds_telescope_new();
    enum { N = 400 };
    uint32_t net[N], mask[N];
    int mon[N], n = 0;
    uint64_t x = 12345;
    for (int tries = 0; tries < 5000 && n < N; tries++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int len = 8 + (int)(x % 25); /* /8 .. /32 */
        uint32_t m = len ? ~0u << (32 - len) : 0;
        /* cluster prefixes in a few /8s so that splits happen at every level */
        uint32_t a = ((uint32_t)(x >> 32) & 0x00ffffffu) | ((20u + (uint32_t)((x >> 8) % 3)) << 24);
        a &= m;
        bool clash = false;
        for (int i = 0; i < n && !clash; i++) {
            uint32_t common = mask[i] & m;
            clash = ((net[i] ^ a) & common) == 0;
        }
        if (clash)
            continue;
        char spec[64];
        int mi = (int)((x >> 40) % 8);
        snprintf(spec, sizeof spec, "m%d=%u.%u.%u.%u/%d", mi, a >> 24, (a >> 16) & 255,
                 (a >> 8) & 255, a & 255, len);
        if (ds_telescope_add_spec(t, spec, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            ds_test_failures++;
            continue;
        }
        net[n] = a;
        mask[n] = m;
        char name[8];
        snprintf(name, sizeof name, "m%d", mi);
        mon[n] = ds_telescope_find(t, name);
        n++;
    }
    DS_CHECK(n > 100);
    long mismatches = 0;
    for (int k = 0; k < 300000; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t a;
        if (k % 2) {
            /* near a prefix boundary */
            int i = (int)(x % (uint64_t)n);
            a = net[i] + (uint32_t)((int)((x >> 32) % 5) - 2) + ((x >> 40) & 1 ? ~mask[i] : 0);
        } else {
            a = (uint32_t)(x >> 16);
        }
        int want = -1;
        for (int i = 0; i < n; i++)
            if ((a & mask[i]) == net[i])
                want = mon[i];
        ds_ip ip;
        ds_ip_set_v4(&ip, a);
        mismatches += ds_telescope_lookup(t, &ip) != want;
    }
    DS_CHECK_EQ_INT(mismatches, 0);
    ds_telescope_free(t);
}

static void write_text(const char *path, const char *text)
{
    ds_test_write_file(path, text, strlen(text));
}

static void test_telescope_files(void)
{
    char *dir = ds_test_tmpdir("telescope");
    char path[4096], err[DS_ERRLEN];
    snprintf(path, sizeof path, "%s/telescope.ini", dir);
    write_text(path, "; two monitors\n"
                     "[ucsd]\n"
                     "prefix = 44.0.0.0/8\n"
                     "\n"
                     "# the LBL /16s, one per line or comma-separated\n"
                     "[lbl]\n"
                     "prefix = 131.243.0.0/16\n"
                     "prefix = 198.129.0.0/16, 2001:db8:100::/40 ; inline comment\n");
    ds_telescope *t = ds_telescope_new();
    DS_CHECK_EQ_INT(ds_telescope_load_file(t, path, err, sizeof err), 0);
    DS_CHECK_EQ_INT(ds_telescope_count(t), 2);
    DS_CHECK_EQ_INT(ds_telescope_find(t, "ucsd"), 0);
    DS_CHECK_EQ_INT(ds_telescope_find(t, "lbl"), 1);
    DS_CHECK_EQ_INT(look(t, "131.243.1.1"), 1);
    DS_CHECK_EQ_INT(look(t, "2001:db8:1ff::1"), 1);
    DS_CHECK_EQ_INT(look(t, "44.44.44.44"), 0);
    DS_CHECK_EQ_STR(ds_telescope_prefixes(t, 1), "131.243.0.0/16,198.129.0.0/16,2001:db8:100::/40");
    /* A spec and a file combine. */
    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "extra=192.0.2.0/24", err, sizeof err), 0);
    DS_CHECK_EQ_INT(ds_telescope_count(t), 3);

    static const struct {
        const char *text;
        int line;
        const char *msg;
    } bad[] = {
        {"[a]\nprefix = 10.0.0.0/8\nprefix = 10.1.0.0/33\n", 3, "more than 32"},
        {"[a]\nprefix = 10.1.0.0/8\n", 2, "host bits set"},
        {"[a]\nprefixes = 10.0.0.0/8\n", 2, "unknown key 'prefixes'"},
        {"prefix = 10.0.0.0/8\n[a]\nprefix = 11.0.0.0/8\n", 1, "outside a section"},
        {"[a]\nprefix = 10.0.0.0/8\n[b]\n[c]\nprefix = 12.0.0.0/8\n", 3, "section [b] has no keys"},
        {"[a]\nprefix = 10.0.0.0/8\n[b]\n", 3, "section [b] has no keys"},
        {"[a]\nprefix = 10.0.0.0/8\njust words\n", 3, "expected '[section]' or 'key = value'"},
        {"[a\nprefix = 10.0.0.0/8\n", 1, "expected '[section]'"},
        {"[a]\nprefix = 10.0.0.0/8\n[b]\nprefix = 10.2.0.0/16\n", 4,
         "overlaps 10.0.0.0/8 of monitor a"},
        {"[a]\nprefix = 44.0.0.0/16\n", 2, "of monitor ucsd"},
        {"[a b]\nprefix = 10.0.0.0/8\n", 1, "bad monitor name"},
        {"[a]\nprefix =\n", 2, "empty prefix"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_text(path, bad[i].text);
        err[0] = 0;
        int rc = ds_telescope_load_file(t, path, err, sizeof err);
        char want[4200];
        snprintf(want, sizeof want, "%s:%d: ", path, bad[i].line);
        ds_test_checks++;
        if (rc != -1 || strncmp(err, want, strlen(want)) != 0 || !strstr(err, bad[i].msg)) {
            fprintf(stderr, "case %zu: rc %d, error '%s', expected '%s...%s'\n", i, rc, err, want,
                    bad[i].msg);
            ds_test_failures++;
        }
        /* nothing applied */
        DS_CHECK_EQ_INT(ds_telescope_count(t), 3);
        DS_CHECK_EQ_INT(look(t, "10.1.1.1"), -1);
    }
    /* A line too long for inih is refused, not split. */
    char longline[400];
    snprintf(longline, sizeof longline, "[a]\nprefix = 10.0.0.0/8%*s\n", 250, "");
    write_text(path, longline);
    DS_CHECK_EQ_INT(ds_telescope_load_file(t, path, err, sizeof err), -1);
    DS_CHECK(strstr(err, ":2: line longer than") != NULL);
    /* Missing file. */
    snprintf(path, sizeof path, "%s/missing.ini", dir);
    DS_CHECK_EQ_INT(ds_telescope_load_file(t, path, err, sizeof err), -1);
    DS_CHECK(strstr(err, "missing.ini: No such file") != NULL);
    DS_CHECK_EQ_INT(ds_telescope_count(t), 3);
    ds_telescope_free(t);
    ds_test_rmtree(dir);
    free(dir);
}

/* ---- signatures ------------------------------------------------------------------ */

static ds_pkt sigpkt(uint8_t proto, uint8_t flags, uint16_t dport)
{
    ds_pkt p = pkt4(proto, A4(1, 2, 3, 4), A4(44, 5, 6, 7));
    p.tcp_flags = flags;
    p.sport = 1025;
    p.dport = dport;
    return p;
}

static void test_builtin_signatures(void)
{
    ds_sigset *s = ds_sigset_builtin();
    DS_CHECK_EQ_INT(ds_sigset_count(s), 4);
    int cr = ds_sigset_find(s, "codered"), sl = ds_sigset_find(s, "slammer"),
        cf = ds_sigset_find(s, "conficker"), mi = ds_sigset_find(s, "mirai");
    DS_CHECK(cr >= 0 && sl >= 0 && cf >= 0 && mi >= 0);
    DS_CHECK_EQ_INT(ds_sigset_find(s, "blaster"), -1);
    DS_CHECK_EQ_STR(ds_sigset_name(s, cr), "codered");
    DS_CHECK_EQ_STR(ds_sigset_describe(s, cr),
                    "protocol=tcp dst_ports=80 tcp_flags_set=SYN tcp_flags_clear=ACK");
    DS_CHECK_EQ_STR(ds_sigset_describe(s, sl),
                    "protocol=udp dst_ports=1434 payload_min=376 payload_max=376");
    DS_CHECK_EQ_STR(ds_sigset_describe(s, mi),
                    "protocol=tcp dst_ports=23,2323 tcp_flags_set=SYN tcp_flags_clear=ACK "
                    "seq_equals_dst=true");
    DS_CHECK(ds_sigset_name(s, 4) == NULL);

    /* Code-Red: SYN to 80, not SYN+ACK, not another port, not UDP. */
    DS_CHECK_EQ_INT(ds_sigset_match(s, &(ds_pkt){0}), 0);
    ds_pkt p = sigpkt(6, 0x02, 80);
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << cr);
    p.tcp_flags = 0xc2; /* SYN+ECE+CWR still a SYN without ACK */
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << cr);
    p.tcp_flags = 0x12;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    p = sigpkt(6, 0x02, 81);
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    p = sigpkt(17, 0, 80);
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    /* Slammer: UDP to 1434 with exactly 376 payload bytes. */
    p = sigpkt(17, 0, 1434);
    p.payload_len = 376;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << sl);
    p.payload_len = 375;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    p.payload_len = 377;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    p = sigpkt(6, 0x02, 1434);
    p.payload_len = 376;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    /* Conficker. */
    p = sigpkt(6, 0x02, 445);
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << cf);
    p.tcp_flags = 0x10;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    /* Mirai: seq must equal the destination. */
    p = sigpkt(6, 0x02, 23);
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    p.tcp_seq = A4(44, 5, 6, 7);
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << mi);
    p.dport = 2323;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << mi);
    p.dport = 2324;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    p.dport = 23;
    ds_ip_parse("2600::7", &p.dst);
    p.ipver = 6;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    /* Non-first fragments have no ports to match. */
    p = sigpkt(6, 0x02, 80);
    p.tags = DS_TAG_FRAGMENT | DS_TAG_NONFIRST;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    ds_sigset_free(s);

    ds_sigset *e = ds_sigset_new();
    DS_CHECK_EQ_INT(ds_sigset_count(e), 0);
    p = sigpkt(6, 0x02, 80);
    DS_CHECK_EQ_INT(ds_sigset_match(e, &p), 0);
    ds_sigset_free(e);
}

static void test_user_signatures(void)
{
    char *dir = ds_test_tmpdir("sigs");
    char path[4096], err[DS_ERRLEN];
    snprintf(path, sizeof path, "%s/sigs.ini", dir);
    write_text(path, "; user signatures\n"
                     "[http-get]\n"
                     "protocol = tcp\n"
                     "dst_ports = 80, 8080, 8000-8010\n"
                     "tcp_flags_set = PSH|ACK\n"
                     "payload_hex = \"47 45 54 20\"\n"
                     "\n"
                     "[nachi]\n"
                     "protocol = icmp\n"
                     "icmp_type = 8\n"
                     "payload_min = 64\n"
                     "payload_max = 64\n"
                     "payload_offset = 2\n"
                     "payload_hex = aa:aa:aa\n"
                     "   aaaa\n"
                     "[codered]\n"
                     "protocol = tcp\n"
                     "dst_ports = 8080\n");
    ds_sigset *s = ds_sigset_builtin();
    DS_CHECK_EQ_INT(ds_sigset_load(s, path, err, sizeof err), 0);
    DS_CHECK_EQ_INT(ds_sigset_count(s), 6);
    int cr = ds_sigset_find(s, "codered"), hg = ds_sigset_find(s, "http-get"),
        na = ds_sigset_find(s, "nachi");
    DS_CHECK_EQ_INT(cr, 0); /* replaced in place */
    DS_CHECK_EQ_INT(hg, 4);
    DS_CHECK_EQ_INT(na, 5);
    DS_CHECK_EQ_STR(ds_sigset_describe(s, cr), "protocol=tcp dst_ports=8080");
    DS_CHECK_EQ_STR(ds_sigset_describe(s, hg),
                    "protocol=tcp dst_ports=80,8080,8000-8010 tcp_flags_set=PSH,ACK "
                    "payload_hex=47455420");
    DS_CHECK_EQ_STR(ds_sigset_describe(s, na),
                    "protocol=icmp icmp_type=8 payload_min=64 payload_max=64 "
                    "payload_hex=aaaaaaaaaa payload_offset=2");

    uint8_t get[] = "GET /default.ida?NNNN";
    ds_pkt p = sigpkt(6, 0x18, 8005);
    p.payload = get;
    p.payload_len = p.payload_caplen = 21;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << hg);
    p.dport = 8080; /* now also the replaced codered, which has no flag rule */
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), (1u << hg) | (1u << cr));
    p.dport = 80;
    p.payload_caplen = 3; /* the bytes were not captured: cannot confirm */
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    p.payload_caplen = 21;
    get[0] = 'P';
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    get[0] = 'G';
    p.tcp_flags = 0x10; /* PSH missing */
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    /* The old codered rule is gone. */
    p = sigpkt(6, 0x02, 80);
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);

    uint8_t ping[64];
    memset(ping, 0xaa, sizeof ping);
    ping[0] = ping[1] = 0;
    p = sigpkt(1, 0, 0);
    p.icmp_type = 8;
    p.payload = ping;
    p.payload_len = p.payload_caplen = 64;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << na);
    ping[6] = 0xab; /* inside the 5 bytes at offset 2 */
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    ping[6] = 0xaa;
    ping[7] = 0xab; /* just after them */
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << na);
    p.icmp_type = 0;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    p.icmp_type = 8;
    p.payload_len = 65;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    ds_sigset_free(s);

    /* The full 32 signatures, and bit 31 works. */
    ds_sigset *big = ds_sigset_new();
    char text[8192] = "";
    for (int i = 0; i < DS_SIG_MAX; i++) {
        char one[128];
        snprintf(one, sizeof one, "[s%d]\nprotocol = udp\ndst_ports = %d\n", i, 1000 + i);
        strcat(text, one);
    }
    DS_CHECK_EQ_INT(ds_sigset_load_string(big, text, "many", err, sizeof err), 0);
    DS_CHECK_EQ_INT(ds_sigset_count(big), 32);
    p = sigpkt(17, 0, 1031);
    DS_CHECK_EQ_INT(ds_sigset_match(big, &p), 1u << 31);
    DS_CHECK_EQ_INT(ds_sigset_load_string(big, "[s33]\nprotocol = tcp\n", "more", err, sizeof err),
                    -1);
    DS_CHECK(strstr(err, "more: 33 signatures in all") != NULL);
    DS_CHECK_EQ_INT(
        ds_sigset_load_string(big, "[s3]\nprotocol = tcp\n", "replace", err, sizeof err), 0);
    DS_CHECK_EQ_INT(ds_sigset_count(big), 32);
    ds_sigset_free(big);

    snprintf(path, sizeof path, "%s/none.ini", dir);
    s = ds_sigset_new();
    DS_CHECK_EQ_INT(ds_sigset_load(s, path, err, sizeof err), -1);
    DS_CHECK(strstr(err, "none.ini: No such file") != NULL);
    ds_sigset_free(s);
    ds_test_rmtree(dir);
    free(dir);
}

static void test_bad_signatures(void)
{
    static const struct {
        const char *text;
        int line;
        const char *msg;
    } bad[] = {
        {"[a]\nprotocol = tcp\ncolour = red\n", 3, "unknown key 'colour'"},
        {"[a]\nprotocol = sctp\n", 2, "protocol must be tcp, udp or icmp"},
        {"[a]\nprotocol = tcp\ndst_ports = 80, 70000\n", 3, "bad number or range"},
        {"[a]\nprotocol = tcp\ndst_ports = 90-80\n", 3, "backwards"},
        {"[a]\nprotocol = tcp\ndst_ports = 80,,81\n", 3, "bad number"},
        {"[a]\nprotocol = tcp\ntcp_flags_set = SYN,FOO\n", 3, "unknown TCP flag 'FOO'"},
        {"[a]\nprotocol = tcp\ntcp_flags_set =\n", 3, "no TCP flag"},
        {"[a]\nprotocol = udp\ntcp_flags_set = SYN\n", 3, "tcp_flags_set needs protocol tcp"},
        {"[a]\ndst_ports = 80\nprotocol = icmp\n", 2, "dst_ports needs protocol tcp or udp"},
        {"[a]\nprotocol = tcp\nicmp_type = 8\n", 3, "icmp_type needs protocol icmp"},
        {"[a]\nprotocol = udp\nseq_equals_dst = true\n", 3, "seq_equals_dst needs protocol tcp"},
        {"[a]\nprotocol = tcp\nseq_equals_dst = maybe\n", 3, "true or false"},
        {"[a]\ndst_ports = 80\n\n[b]\nprotocol = tcp\n", 1, "[a] has no 'protocol'"},
        {"[a]\nprotocol = tcp\n[b]\nprotocol = tcp\n[a]\nprotocol = udp\n", 5,
         "defined twice (first at line 1)"},
        {"[a]\nprotocol = tcp\nprotocol = udp\n", 3, "'protocol' given twice (first at line 2)"},
        {"[a]\nprotocol = udp\npayload_hex = zz\n", 3, "hex digits"},
        {"[a]\nprotocol = udp\npayload_hex = abc\n", 3, "hex digits"},
        {"[a]\nprotocol = udp\npayload_offset = 4\n", 3, "payload_offset without payload_hex"},
        {"[a]\nprotocol = udp\npayload_min = 10\npayload_max = 5\n", 4, "payload_min 10 is above"},
        {"[a]\nprotocol = udp\npayload_min = -1\n", 3, "from 0 to 65535"},
        {"[a]\nprotocol = udp\npayload_max = 3\npayload_hex = 01020304\n", 4, "never match"},
        {"[a]\nprotocol = tcp\ntcp_flags_set = SYN\ntcp_flags_clear = syn+ack\n", 4,
         "both in tcp_flags_set and tcp_flags_clear"},
        {"protocol = tcp\n", 1, "outside a section"},
        {"[a]\nprotocol = tcp\n[b]\n", 3, "section [b] has no keys"},
        {"[a]\nprotocol tcp\n", 2, "expected '[section]' or 'key = value'"},
        {"[bad name]\nprotocol = tcp\n", 1, "bad signature name"},
        {"[a]\nprotocol = udp\npayload_hex = \"\"\n", 3, "payload_hex is empty"},
    };
    char err[DS_ERRLEN];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ds_sigset *s = ds_sigset_builtin();
        err[0] = 0;
        int rc = ds_sigset_load_string(s, bad[i].text, "sigs.ini", err, sizeof err);
        char want[64];
        snprintf(want, sizeof want, "sigs.ini:%d: ", bad[i].line);
        ds_test_checks++;
        if (rc != -1 || strncmp(err, want, strlen(want)) != 0 || !strstr(err, bad[i].msg)) {
            fprintf(stderr, "case %zu: rc %d, error '%s', expected '%s...%s'\n", i, rc, err, want,
                    bad[i].msg);
            ds_test_failures++;
        }
        DS_CHECK_EQ_INT(ds_sigset_count(s), 4); /* nothing applied */
        ds_pkt p = sigpkt(6, 0x02, 80);
        DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1u << ds_sigset_find(s, "codered"));
        ds_sigset_free(s);
    }
    /* Over-long lines are refused with their line number; long hex goes on
     * continuation lines instead. */
    ds_sigset *s = ds_sigset_new();
    char text[2048];
    snprintf(text, sizeof text, "[a]\nprotocol = udp\npayload_hex = %0300d\n", 0);
    DS_CHECK_EQ_INT(ds_sigset_load_string(s, text, "long", err, sizeof err), -1);
    DS_CHECK(strstr(err, "long:3: line longer than") != NULL);
    char *hexlines = text;
    int n = snprintf(hexlines, sizeof text, "[a]\nprotocol = udp\npayload_hex = ");
    for (int line = 0; line < 4; line++) {
        n += snprintf(hexlines + n, sizeof text - (size_t)n, "%s", line ? "\n  " : "");
        for (int b = 0; b < 60; b++)
            n += snprintf(hexlines + n, sizeof text - (size_t)n, "%02x", (line * 60 + b) & 255);
    }
    DS_CHECK_EQ_INT(ds_sigset_load_string(s, text, "cont", err, sizeof err), 0);
    uint8_t pay[240];
    for (int i = 0; i < 240; i++)
        pay[i] = (uint8_t)i;
    ds_pkt p = sigpkt(17, 0, 9);
    p.payload = pay;
    p.payload_len = p.payload_caplen = 240;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 1);
    pay[239] = 0;
    DS_CHECK_EQ_INT(ds_sigset_match(s, &p), 0);
    ds_sigset_free(s);
}

/* The INI blocks of docs/SIGNATURES.md parse, and the built-ins block is the code's. */
static char *doc_block(const char *doc, const char *heading)
{
    const char *h = strstr(doc, heading);
    const char *b = h ? strstr(h, "```ini\n") : NULL;
    const char *e = b ? strstr(b + 7, "```") : NULL;
    if (!e)
        return NULL;
    size_t n = (size_t)(e - (b + 7));
    char *out = malloc(n + 1);
    memcpy(out, b + 7, n);
    out[n] = 0;
    return out;
}

static void test_signature_doc(void)
{
    const char *src = getenv("DS_SRC");
    char path[4096], err[DS_ERRLEN];
    snprintf(path, sizeof path, "%s/docs/SIGNATURES.md", src && *src ? src : "..");
    char *doc = ds_test_read_file(path, NULL);
    DS_CHECK(doc != NULL);
    if (!doc)
        return;
    char *builtin = doc_block(doc, "## Built-ins");
    char *example = doc_block(doc, "## Example");
    DS_CHECK(builtin && example);
    ds_sigset *ref = ds_sigset_builtin();
    ds_sigset *s = ds_sigset_new();
    DS_CHECK_EQ_INT(ds_sigset_load_string(s, builtin ? builtin : "", "doc", err, sizeof err), 0);
    DS_CHECK_EQ_INT(ds_sigset_count(s), ds_sigset_count(ref));
    for (int i = 0; i < ds_sigset_count(ref); i++) {
        DS_CHECK_EQ_STR(ds_sigset_name(s, i), ds_sigset_name(ref, i));
        DS_CHECK_EQ_STR(ds_sigset_describe(s, i), ds_sigset_describe(ref, i));
    }
    int rc = ds_sigset_load_string(ref, example ? example : "", "example", err, sizeof err);
    DS_CHECK_EQ_INT(rc, 0);
    if (rc)
        fprintf(stderr, "%s\n", err);
    DS_CHECK_EQ_INT(ds_sigset_count(ref), 8);
    int cg = ds_sigset_find(ref, "codered-get");
    DS_CHECK(cg >= 0);
    uint8_t get[] = "GET /default.ida?NNNNNNNN";
    ds_pkt p = sigpkt(6, 0x18, 80);
    p.payload = get;
    p.payload_len = p.payload_caplen = 25;
    DS_CHECK_EQ_INT(ds_sigset_match(ref, &p), 1u << cg);
    ds_sigset_free(s);
    ds_sigset_free(ref);
    free(builtin);
    free(example);
    free(doc);
}

/* Decoder-independent end-to-end: records as the pipeline would hold them. */
static void test_classify_is_pure(void)
{
    ds_pkt a = tcp4(0x02, 80);
    a.ip_id = 54321;
    a.tcp_seq = A4(44, 5, 6, 7);
    ds_pkt b = a;
    ds_classify(&a);
    ds_classify(&a); /* idempotent */
    ds_classify(&b);
    DS_CHECK(memcmp(&a, &b, sizeof a) == 0);
    DS_CHECK_EQ_INT(a.tags, DS_TAG_ZMAP | DS_TAG_MIRAI);
}

int main(void)
{
    DS_RUN(test_tcp_classes);
    DS_RUN(test_udp_classes);
    DS_RUN(test_icmp_classes);
    DS_RUN(test_other_classes);
    DS_RUN(test_class_names);
    DS_RUN(test_zmap);
    DS_RUN(test_masscan);
    DS_RUN(test_mirai);
    DS_RUN(test_special_source);
    DS_RUN(test_classify_is_pure);
    DS_RUN(test_telescope_open);
    DS_RUN(test_telescope_specs);
    DS_RUN(test_telescope_bruteforce);
    DS_RUN(test_telescope_files);
    DS_RUN(test_builtin_signatures);
    DS_RUN(test_user_signatures);
    DS_RUN(test_bad_signatures);
    DS_RUN(test_signature_doc);
    return ds_test_result();
}

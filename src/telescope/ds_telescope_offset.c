/*
 * ds_telescope_offset.c — address → position within monitors' space (see the
 * header). A telescope has a handful of prefixes and positions are asked for only
 * when attacks are written (for their sampled addresses), so plain arrays and
 * linear scans are enough.
 */
#include "telescope/ds_telescope_offset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct ds_trange {
    int mon;
    int family;
    uint64_t hi, lo; /* first address (IPv4: lo holds it) */
    unsigned len;    /* prefix length */
    double size;     /* addresses in the prefix */
} ds_trange;

struct ds_tspace {
    ds_trange *r;
    size_t n;
};

static uint64_t ds_be64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

static int ds_trange_cmp(const void *a, const void *b)
{
    const ds_trange *x = a, *y = b;
    if (x->mon != y->mon)
        return x->mon < y->mon ? -1 : 1;
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    if (x->hi != y->hi)
        return x->hi < y->hi ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return 0;
}

/* Parses one "ADDR/LEN" into r; returns 0 or -1. */
static int ds_trange_parse(const char *txt, int mon, ds_trange *r)
{
    char buf[128];
    const char *slash = strchr(txt, '/');
    size_t al = slash ? (size_t)(slash - txt) : strlen(txt);
    if (al >= sizeof buf)
        return -1;
    memcpy(buf, txt, al);
    buf[al] = 0;
    ds_ip a;
    if (ds_ip_parse(buf, &a) != 0)
        return -1;
    r->mon = mon;
    if (ds_ip_is_v4(&a)) {
        unsigned len = slash ? (unsigned)atoi(slash + 1) : 32;
        if (len > 32)
            return -1;
        r->family = 4;
        r->hi = 0;
        r->lo = ds_ip_v4(&a);
        r->len = len;
        r->size = ldexp(1.0, 32 - (int)len);
    } else {
        unsigned len = slash ? (unsigned)atoi(slash + 1) : 128;
        if (len > 128)
            return -1;
        r->family = 6;
        r->hi = ds_be64(a.b);
        r->lo = ds_be64(a.b + 8);
        r->len = len;
        r->size = ldexp(1.0, 128 - (int)len);
    }
    return 0;
}

ds_tspace *ds_tspace_new(const ds_telescope *t)
{
    if (ds_telescope_is_open(t))
        return NULL;
    ds_tspace *s = ds_xcalloc(1, sizeof *s);
    size_t cap = 0;
    for (int m = 0; m < ds_telescope_count(t); m++) {
        const char *p = ds_telescope_prefixes(t, m);
        while (p && *p) {
            const char *comma = strchr(p, ',');
            size_t l = comma ? (size_t)(comma - p) : strlen(p);
            char one[128];
            if (l < sizeof one) {
                memcpy(one, p, l);
                one[l] = 0;
                ds_trange r;
                if (ds_trange_parse(one, m, &r) == 0) {
                    if (s->n == cap) {
                        cap = cap ? 2 * cap : 16;
                        s->r = ds_xrealloc(s->r, cap * sizeof *s->r);
                    }
                    s->r[s->n++] = r;
                }
            }
            p = comma ? comma + 1 : NULL;
        }
    }
    if (s->n)
        qsort(s->r, s->n, sizeof *s->r, ds_trange_cmp);
    return s;
}

void ds_tspace_free(ds_tspace *s)
{
    if (!s)
        return;
    free(s->r);
    free(s);
}

static bool ds_in_mask(uint64_t mask, int mon)
{
    return mon < 64 && ((mask >> mon) & 1);
}

double ds_tspace_size(const ds_tspace *s, uint64_t mask, int family)
{
    double n = 0;
    for (size_t i = 0; s && i < s->n; i++)
        if (s->r[i].family == family && ds_in_mask(mask, s->r[i].mon))
            n += s->r[i].size;
    return n;
}

/* Offset of the address within range r, or -1 when outside it. */
static double ds_trange_offset(const ds_trange *r, int family, uint64_t hi, uint64_t lo)
{
    if (r->family != family)
        return -1;
    if (family == 4) {
        uint64_t span = 1ull << (32 - r->len);
        if (lo < r->lo || lo - r->lo >= span)
            return -1;
        return (double)(lo - r->lo);
    }
    /* IPv6: compare the prefix bits, then take the host bits as a double. */
    uint64_t mhi = r->len >= 64 ? ~0ull : (r->len ? ~0ull << (64 - r->len) : 0);
    uint64_t mlo = r->len <= 64 ? 0 : (r->len >= 128 ? ~0ull : ~0ull << (128 - r->len));
    if ((hi & mhi) != r->hi || (lo & mlo) != r->lo)
        return -1;
    return ldexp((double)(hi & ~mhi), 64) + (double)(lo & ~mlo);
}

double ds_tspace_position(const ds_tspace *s, uint64_t mask, const ds_ip *addr)
{
    if (!s)
        return -1;
    int family = ds_ip_is_v4(addr) ? 4 : 6;
    uint64_t hi = family == 4 ? 0 : ds_be64(addr->b);
    uint64_t lo = family == 4 ? ds_ip_v4(addr) : ds_be64(addr->b + 8);
    double before = 0, total = 0, pos = -1;
    for (size_t i = 0; i < s->n; i++) {
        const ds_trange *r = &s->r[i];
        if (r->family != family || !ds_in_mask(mask, r->mon))
            continue;
        if (pos < 0) {
            double off = ds_trange_offset(r, family, hi, lo);
            if (off >= 0)
                pos = before + off;
            else
                before += r->size;
        }
        total += r->size;
    }
    if (pos < 0 || total <= 0)
        return -1;
    return (pos + 0.5) / total;
}

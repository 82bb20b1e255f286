/*
 * ds_sim_addr.c — prefix sets, routable space, and the address set (see the header).
 */
#include "sim/ds_sim_addr.h"

#include <stdio.h>
#include <stdlib.h>

static uint32_t ds_sim_mask(uint8_t len)
{
    return len ? 0xffffffffu << (32 - len) : 0;
}
static uint64_t ds_sim_psize(uint8_t len)
{
    return 1ULL << (32 - len);
}

int ds_sim_prefix_parse(const char *s, ds_sim_prefix *out)
{
    unsigned a, b, c, d, len = 32;
    char tail;
    int n = sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &len, &tail);
    if (n != 5 && !(n == 4 && !strchr(s, '/')))
        return -1;
    if (a > 255 || b > 255 || c > 255 || d > 255 || len > 32)
        return -1;
    uint32_t addr = a << 24 | b << 16 | c << 8 | d;
    out->len = (uint8_t)len;
    out->base = addr & ds_sim_mask(out->len);
    return 0;
}

static bool ds_sim_overlap(ds_sim_prefix x, ds_sim_prefix y)
{
    uint8_t l = x.len < y.len ? x.len : y.len;
    return ((x.base ^ y.base) & ds_sim_mask(l)) == 0;
}

int ds_sim_pset_add(ds_sim_pset *s, ds_sim_prefix p)
{
    for (size_t i = 0; i < s->n; i++)
        if (ds_sim_overlap(s->p[i], p))
            return -1;
    s->p = ds_xrealloc(s->p, (s->n + 1) * sizeof *s->p);
    s->cum = ds_xrealloc(s->cum, (s->n + 1) * sizeof *s->cum);
    s->p[s->n] = p;
    s->size += ds_sim_psize(p.len);
    s->cum[s->n] = s->size;
    s->n++;
    return 0;
}

void ds_sim_pset_free(ds_sim_pset *s)
{
    free(s->p);
    free(s->cum);
    memset(s, 0, sizeof *s);
}

void ds_sim_pset_all(ds_sim_pset *s)
{
    memset(s, 0, sizeof *s);
    ds_sim_pset_add(s, (ds_sim_prefix){0, 0});
}

bool ds_sim_pset_contains(const ds_sim_pset *s, uint32_t a)
{
    for (size_t i = 0; i < s->n; i++)
        if (((a ^ s->p[i].base) & ds_sim_mask(s->p[i].len)) == 0)
            return true;
    return false;
}

void ds_sim_pset_intersect(const ds_sim_pset *a, const ds_sim_pset *b, ds_sim_pset *out)
{
    memset(out, 0, sizeof *out);
    /* Two prefixes either nest or are disjoint: the intersection is the longer one. */
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++)
            if (ds_sim_overlap(a->p[i], b->p[j]))
                ds_sim_pset_add(out, a->p[i].len >= b->p[j].len ? a->p[i] : b->p[j]);
}

bool ds_sim_pset_touches_16(const ds_sim_pset *s, uint32_t a)
{
    ds_sim_prefix blk = {a & 0xffff0000u, 16};
    for (size_t i = 0; i < s->n; i++)
        if (ds_sim_overlap(s->p[i], blk))
            return true;
    return false;
}

uint32_t ds_sim_pset_draw(const ds_sim_pset *s, ds_sim_rng *r)
{
    uint64_t x = ds_sim_below(r, s->size);
    size_t i = 0;
    while (x >= s->cum[i])
        i++;
    uint64_t off = x - (i ? s->cum[i - 1] : 0);
    return s->p[i].base + (uint32_t)off;
}

void ds_sim_pset_format(const ds_sim_pset *s, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < s->n && o < len; i++) {
        uint32_t b = s->p[i].base;
        int w = snprintf(buf + o, len - o, "%s%u.%u.%u.%u/%u", i ? "," : "", b >> 24,
                         (b >> 16) & 255, (b >> 8) & 255, b & 255, s->p[i].len);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

bool ds_sim_routable(uint32_t a)
{
    static const struct {
        uint32_t base;
        uint8_t len;
    } special[] = {
        {0x00000000u, 8},  {0x0a000000u, 8},  {0x64400000u, 10}, {0x7f000000u, 8},
        {0xa9fe0000u, 16}, {0xac100000u, 12}, {0xc0000000u, 24}, {0xc0000200u, 24},
        {0xc0586300u, 24}, {0xc0a80000u, 16}, {0xc6120000u, 15}, {0xc6336400u, 24},
        {0xcb007100u, 24}, {0xe0000000u, 3},
    };
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (((a ^ special[i].base) & ds_sim_mask(special[i].len)) == 0)
            return false;
    return true;
}

/* ---- address set ------------------------------------------------------------ */

static size_t ds_sim_ahash(uint32_t a, size_t cap)
{
    return (size_t)(((uint64_t)a * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

void ds_sim_aset_init(ds_sim_aset *s, size_t expected)
{
    size_t cap = 64;
    while (cap < expected * 2)
        cap <<= 1;
    s->slot = ds_xcalloc(cap, sizeof *s->slot);
    s->cap = cap;
    s->count = 0;
}

void ds_sim_aset_free(ds_sim_aset *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

static void ds_sim_aset_grow(ds_sim_aset *s)
{
    ds_sim_aset n;
    ds_sim_aset_init(&n, s->cap);
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i])
            ds_sim_aset_add(&n, s->slot[i]);
    free(s->slot);
    *s = n;
}

bool ds_sim_aset_add(ds_sim_aset *s, uint32_t a)
{
    if ((s->count + 1) * 2 > s->cap)
        ds_sim_aset_grow(s);
    size_t i = ds_sim_ahash(a, s->cap);
    while (s->slot[i]) {
        if (s->slot[i] == a)
            return false;
        i = (i + 1) & (s->cap - 1);
    }
    s->slot[i] = a;
    s->count++;
    return true;
}

bool ds_sim_aset_has(const ds_sim_aset *s, uint32_t a)
{
    size_t i = ds_sim_ahash(a, s->cap);
    while (s->slot[i]) {
        if (s->slot[i] == a)
            return true;
        i = (i + 1) & (s->cap - 1);
    }
    return false;
}

uint32_t ds_sim_draw_host_address(ds_sim_rng *r, const ds_sim_pset *const *avoid, size_t navoid,
                                  ds_sim_aset *used, uint32_t block16)
{
    /* Rejection sampling: routable space is about 86% of IPv4, so a few tries at most;
     * a full /16 would loop, so give up on the block after many tries and draw
     * anywhere (documented in docs/SCENARIOS.md as the cluster limit). */
    for (unsigned tries = 0;; tries++) {
        uint32_t a = block16 && tries < 4096 ? (block16 & 0xffff0000u) | (ds_sim_u32(r) >> 16)
                                             : ds_sim_u32(r);
        if (!ds_sim_routable(a) || (a & 0xff) == 0 || (a & 0xff) == 255)
            continue;
        bool bad = false;
        for (size_t i = 0; i < navoid && !bad; i++)
            bad = ds_sim_pset_touches_16(avoid[i], a);
        if (bad || !a || ds_sim_aset_has(used, a))
            continue;
        ds_sim_aset_add(used, a);
        return a;
    }
}

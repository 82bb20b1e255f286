/*
 * ds_distinct.c — append, then radix-sort and deduplicate (see ds_distinct.h).
 *
 * The radix sort is LSD with 11-bit digits and skips the digits above key_bits, so
 * a 32-bit key costs 3 passes. A compaction keeps the sorted unique prefix and
 * grows the array when more than half of it stays occupied, which bounds the
 * amortised work per appended key by a constant.
 *
 * ds_kset and ds_bits32: see ds_distinct.h for why they exist.
 */
#include "core/ds_distinct.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <sys/mman.h>

#define DS_DISTINCT_MIN_CAP 4096

void ds_distinct64_init_cap(ds_distinct64 *d, unsigned key_bits, size_t cap)
{
    memset(d, 0, sizeof *d);
    d->key_bits = key_bits > 64 ? 64 : key_bits;
    d->cap = cap < 2 ? 2 : cap;
    d->v = ds_xmalloc(d->cap * sizeof *d->v);
    d->tmp = ds_xmalloc(d->cap * sizeof *d->tmp);
}

void ds_distinct64_init(ds_distinct64 *d, unsigned key_bits)
{
    ds_distinct64_init_cap(d, key_bits, DS_DISTINCT_MIN_CAP);
}

void ds_distinct64_free(ds_distinct64 *d)
{
    free(d->v);
    free(d->tmp);
    memset(d, 0, sizeof *d);
}

/* LSD radix sort with 11-bit digits (3 passes for a 32-bit key, 4 for 44 bits); a
 * few keys are sorted by insertion, cheaper than clearing 2048 counters a pass. */
static void ds_radix_sort64(uint64_t *v, uint64_t *tmp, size_t n, unsigned key_bits)
{
    enum { BITS = 11, RADIX = 1 << BITS };
    if (n <= 64) {
        for (size_t i = 1; i < n; i++) {
            uint64_t k = v[i];
            size_t j = i;
            for (; j > 0 && v[j - 1] > k; j--)
                v[j] = v[j - 1];
            v[j] = k;
        }
        return;
    }
    unsigned passes = (key_bits + BITS - 1) / BITS;
    uint64_t *src = v, *dst = tmp;
    static_assert(RADIX == 2048, "digit size");
    size_t *count = ds_xmalloc(RADIX * sizeof *count);
    for (unsigned pass = 0; pass < passes; pass++) {
        unsigned shift = pass * BITS;
        memset(count, 0, RADIX * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & (RADIX - 1)]++;
        if (count[(src[0] >> shift) & (RADIX - 1)] == n)
            continue; /* every key has the same digit: nothing to move */
        size_t pos = 0;
        for (int b = 0; b < RADIX; b++) {
            size_t c = count[b];
            count[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & (RADIX - 1)]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    free(count);
    if (src != v)
        memcpy(v, src, n * sizeof *v);
}

static size_t ds_unique64(uint64_t *v, size_t n)
{
    if (n == 0)
        return 0;
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[w - 1])
            v[w++] = v[i];
    return w;
}

/* Sorts only the keys appended since the last compaction, then merges them with the
 * sorted prefix: each key is radix-sorted once, not once per compaction. */
void ds_distinct64_finish(ds_distinct64 *d)
{
    if (d->sorted == d->n)
        return;
    size_t old = d->sorted, add = d->n - old;
    uint64_t *tail = d->v + old;
    if (add > 1)
        ds_radix_sort64(tail, d->tmp, add, d->key_bits);
    add = ds_unique64(tail, add);
    if (old == 0) {
        d->n = d->sorted = add;
        return;
    }
    size_t i = 0, j = 0, w = 0;
    uint64_t *out = d->tmp;
    while (i < old && j < add) {
        uint64_t a = d->v[i], b = tail[j];
        if (a < b) {
            out[w++] = a;
            i++;
        } else if (b < a) {
            out[w++] = b;
            j++;
        } else {
            out[w++] = a;
            i++;
            j++;
        }
    }
    while (i < old)
        out[w++] = d->v[i++];
    while (j < add)
        out[w++] = tail[j++];
    uint64_t *t = d->v;
    d->v = d->tmp;
    d->tmp = t;
    d->n = d->sorted = w;
}

void ds_distinct64_compact(ds_distinct64 *d)
{
    ds_distinct64_finish(d);
    if (d->n > d->cap / 2) {
        d->cap *= 2;
        d->v = ds_xrealloc(d->v, d->cap * sizeof *d->v);
        d->tmp = ds_xrealloc(d->tmp, d->cap * sizeof *d->tmp);
    }
}

void ds_distinct64_clear(ds_distinct64 *d)
{
    d->n = 0;
    d->sorted = 0;
}

void ds_distinct64_merge(ds_distinct64 *d, const ds_distinct64 *src)
{
    for (size_t i = 0; i < src->n; i++)
        ds_distinct64_add(d, src->v[i]);
}

void ds_distinct128_init(ds_distinct128 *d)
{
    memset(d, 0, sizeof *d);
}

void ds_distinct128_free(ds_distinct128 *d)
{
    free(d->v);
    memset(d, 0, sizeof *d);
}

static int ds_key128_cmp(const void *a, const void *b)
{
    const ds_key128 *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    return ds_ip_cmp(&x->addr, &y->addr);
}

void ds_distinct128_finish(ds_distinct128 *d)
{
    if (d->sorted == d->n || d->n == 0)
        return;
    qsort(d->v, d->n, sizeof *d->v, ds_key128_cmp);
    size_t w = 1;
    for (size_t i = 1; i < d->n; i++)
        if (ds_key128_cmp(&d->v[i], &d->v[w - 1]) != 0)
            d->v[w++] = d->v[i];
    d->n = w;
    d->sorted = w;
}

void ds_distinct128_add(ds_distinct128 *d, const ds_ip *addr, uint32_t group)
{
    if (d->n == d->cap) {
        ds_distinct128_finish(d);
        if (d->n >= d->cap / 2) {
            d->cap = d->cap ? d->cap * 2 : 256;
            d->v = ds_xrealloc(d->v, d->cap * sizeof *d->v);
        }
    }
    d->v[d->n].addr = *addr;
    d->v[d->n].group = group;
    d->n++;
}

void ds_distinct128_clear(ds_distinct128 *d)
{
    d->n = 0;
    d->sorted = 0;
}

/* ---- ds_kset ----------------------------------------------------------------------- */

#define DS_KSET_MIN_CAP 1024
#define DS_HUGE (2u << 20)

/* Memory for a table probed at random: 2 MiB-aligned and backed by transparent huge
 * pages when it is that big, because with 4 KiB pages nearly every probe of a table
 * of a million keys also misses the TLB, and on a virtual machine the nested page
 * walk costs more than the cache miss itself (measured: bench/README.md). */
static void *ds_table_alloc(size_t bytes)
{
    if (bytes < DS_HUGE)
        return ds_xmalloc(bytes);
    size_t len = (bytes + DS_HUGE - 1) / DS_HUGE * DS_HUGE;
    void *p = aligned_alloc(DS_HUGE, len);
    if (!p)
        return ds_xmalloc(bytes); /* dies with the usual message if memory is short */
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE);
#endif
    return p;
}

static void ds_kset_alloc(ds_kset *s, size_t cap)
{
    s->slot = ds_table_alloc(cap * sizeof *s->slot);
    memset(s->slot, 0xff, cap * sizeof *s->slot); /* every slot DS_KSET_EMPTY */
    s->mask = cap - 1;
    s->n = 0;
    unsigned bits = 0;
    while (((size_t)1 << bits) < cap)
        bits++;
    s->shift = 64 - bits;
}

void ds_kset_init(ds_kset *s)
{
    memset(s, 0, sizeof *s);
    ds_kset_alloc(s, DS_KSET_MIN_CAP);
}

void ds_kset_bound(ds_kset *s, ds_membudget *mem, void (*spill)(void *arg, const ds_kset *s),
                   void *arg)
{
    s->mem = mem;
    s->spill = spill;
    s->spill_arg = arg;
    if (!ds_mem_bounded(mem))
        return;
    s->charged = (s->mask + 1) * sizeof *s->slot;
    ds_mem_force(mem, s->charged);
}

void ds_kset_free(ds_kset *s)
{
    free(s->slot);
    ds_mem_give(s->mem, s->charged);
    memset(s, 0, sizeof *s);
}

void ds_kset_grow(ds_kset *s)
{
    uint64_t *old = s->slot;
    size_t oldcap = s->mask + 1, n = s->n, old_charge = 0;
    if (s->mem) {
        size_t nb = 2 * oldcap * sizeof *s->slot;
        if (!ds_mem_take(s->mem, nb)) {
            /* Past the bound: the owner folds the keys into its sketches and the
             * table starts again empty, at the same size. */
            s->spill(s->spill_arg, s);
            memset(s->slot, 0xff, oldcap * sizeof *s->slot);
            s->n = 0;
            s->spills++;
            return;
        }
        old_charge = s->charged;
        s->charged = nb;
    }
    ds_kset_alloc(s, 2 * oldcap);
    for (size_t i = 0; i < oldcap; i++) {
        uint64_t k = old[i];
        if (k == DS_KSET_EMPTY)
            continue;
        size_t j = ds_kset_pos(s, k);
        while (s->slot[j] != DS_KSET_EMPTY)
            j = (j + 1) & s->mask;
        s->slot[j] = k;
    }
    s->n = n;
    free(old);
    /* Only now: while both tables were allocated, the budget covered both. */
    ds_mem_give(s->mem, old_charge);
}

void ds_kset_clear(ds_kset *s)
{
    size_t want = DS_KSET_MIN_CAP;
    while (want < 4 * s->n)
        want *= 2;
    size_t cap = s->mask + 1;
    if (cap > 4 * want) { /* far too big for what it held: shrink, clearing less */
        free(s->slot);
        ds_kset_alloc(s, want);
        if (s->mem) {
            ds_mem_give(s->mem, s->charged);
            s->charged = want * sizeof *s->slot;
            ds_mem_force(s->mem, s->charged);
        }
        return;
    }
    memset(s->slot, 0xff, cap * sizeof *s->slot);
    s->n = 0;
}

void ds_kset_to_distinct(const ds_kset *s, ds_distinct64 *d)
{
    for (size_t i = 0; i <= s->mask; i++)
        if (s->slot[i] != DS_KSET_EMPTY)
            ds_distinct64_add(d, s->slot[i]);
}

/* ---- ds_aset ----------------------------------------------------------------------- */

static void ds_aset_alloc(ds_aset *s, size_t cap)
{
    s->slot = ds_table_alloc(cap * sizeof *s->slot);
    memset(s->slot, 0, cap * sizeof *s->slot);
    s->mask = cap - 1;
    unsigned bits = 0;
    while (((size_t)1 << bits) < cap)
        bits++;
    s->shift = 64 - bits;
}

void ds_aset_init(ds_aset *s)
{
    memset(s, 0, sizeof *s);
    ds_aset_alloc(s, DS_KSET_MIN_CAP);
}

void ds_aset_bound(ds_aset *s, ds_membudget *mem)
{
    s->mem = mem;
    if (!ds_mem_bounded(mem))
        return;
    s->charged = (s->mask + 1) * sizeof *s->slot;
    ds_mem_force(mem, s->charged);
}

void ds_aset_free(ds_aset *s)
{
    free(s->slot);
    ds_mem_give(s->mem, s->charged);
    if (s->hll) {
        ds_mem_give(s->mem, ds_hll_bytes(s->hll));
        ds_hll_free(s->hll);
        free(s->hll);
    }
    memset(s, 0, sizeof *s);
}

/* Adds the set's addresses to h. */
static void ds_aset_fold(const ds_aset *s, ds_hll *h)
{
    for (size_t i = 0; i <= s->mask; i++)
        if (s->slot[i])
            ds_hll_add(h, s->slot[i]);
    if (s->zero)
        ds_hll_add(h, 0);
}

uint64_t ds_aset_count(const ds_aset *s)
{
    if (!s->hll)
        return s->n;
    ds_hll t;
    ds_hll_init(&t, s->hll->p);
    memcpy(t.reg, s->hll->reg, ds_hll_bytes(s->hll));
    ds_aset_fold(s, &t);
    double e = ds_hll_estimate(&t);
    ds_hll_free(&t);
    return (uint64_t)llround(e);
}

void ds_aset_grow(ds_aset *s)
{
    uint32_t *old = s->slot;
    size_t oldcap = s->mask + 1, old_charge = 0;
    if (s->mem) {
        size_t nb = 2 * oldcap * sizeof *s->slot;
        if (!ds_mem_take(s->mem, nb)) {
            if (!s->hll) {
                s->hll = ds_xmalloc(sizeof *s->hll);
                ds_hll_init(s->hll, DS_ASET_HLL_P);
                ds_mem_force(s->mem, ds_hll_bytes(s->hll));
            }
            ds_aset_fold(s, s->hll);
            memset(s->slot, 0, oldcap * sizeof *s->slot);
            s->n = 0;
            s->zero = false;
            return;
        }
        old_charge = s->charged;
        s->charged = nb;
    }
    ds_aset_alloc(s, 2 * oldcap);
    for (size_t i = 0; i < oldcap; i++) {
        uint32_t a = old[i];
        if (a == 0)
            continue;
        size_t j = ds_aset_pos(s, a);
        while (s->slot[j] != 0)
            j = (j + 1) & s->mask;
        s->slot[j] = a;
    }
    free(old);
    ds_mem_give(s->mem, old_charge); /* as in ds_kset_grow */
}

/* ---- ds_bits32 --------------------------------------------------------------------- */

void ds_bits32_init(ds_bits32 *b, size_t max_leaves)
{
    memset(b, 0, sizeof *b);
    b->leaf = ds_xcalloc(65536, sizeof *b->leaf);
    b->leaves_left = max_leaves;
    ds_aset_init(&b->over);
}

void ds_bits32_free(ds_bits32 *b)
{
    for (size_t i = 0; i < b->nchunks; i++)
        free(b->chunks[i]);
    free(b->chunks);
    free(b->leaf);
    ds_aset_free(&b->over);
    memset(b, 0, sizeof *b);
}

/* Leaves come from 2 MiB huge-page chunks of 256 leaves (a /8's worth), for the TLB
 * reason given at ds_table_alloc. */
uint64_t *ds_bits32_leaf(ds_bits32 *b, uint32_t hi16)
{
    enum { LEAF_WORDS = 1024, PER_CHUNK = 256 };
    if (b->leaves_left == 0)
        return NULL;
    b->leaves_left--;
    if (b->chunk_used == 0 || b->chunk_used == PER_CHUNK) {
        b->chunks = ds_xrealloc(b->chunks, (b->nchunks + 1) * sizeof *b->chunks);
        uint64_t *c = ds_table_alloc(DS_HUGE);
        memset(c, 0, DS_HUGE);
        b->chunks[b->nchunks++] = c;
        b->chunk_used = 0;
    }
    uint64_t *l = b->chunks[b->nchunks - 1] + (size_t)b->chunk_used++ * LEAF_WORDS;
    b->leaf[hi16] = l;
    return l;
}

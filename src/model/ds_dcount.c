/*
 * ds_dcount.c — exact-then-estimated distinct counting (see ds_dcount.h).
 *
 * The table uses linear probing at a load of at most one half, so a lookup is
 * usually one cache line; it is never shrunk or deleted from (a counter only grows
 * until it is cleared), so no tombstones are needed.
 */
#include "model/ds_dcount.h"

#include <math.h>
#include <stdlib.h>

#define DS_DCOUNT_EMPTY UINT64_MAX

static inline size_t ds_dcount_slot(uint64_t key, uint32_t mask)
{
    return (size_t)(ds_hll_mix(key) & mask);
}

/* Inserts into the table (known absent or present); returns 1 if it was new. */
static int ds_dcount_tab_put(uint64_t *tab, uint32_t mask, uint64_t key)
{
    size_t i = ds_dcount_slot(key, mask);
    for (;;) {
        if (tab[i] == key)
            return 0;
        if (tab[i] == DS_DCOUNT_EMPTY) {
            tab[i] = key;
            return 1;
        }
        i = (i + 1) & mask;
    }
}

static void ds_dcount_grow(ds_dcount *d)
{
    uint32_t slots = d->mask ? 2 * (d->mask + 1) : 4 * DS_DCOUNT_INLINE;
    uint64_t *tab = ds_xmalloc((size_t)slots * sizeof *tab);
    for (uint32_t i = 0; i < slots; i++)
        tab[i] = DS_DCOUNT_EMPTY;
    if (d->tab) {
        for (uint32_t i = 0; i <= d->mask; i++)
            if (d->tab[i] != DS_DCOUNT_EMPTY)
                ds_dcount_tab_put(tab, slots - 1, d->tab[i]);
        free(d->tab);
    } else {
        for (uint32_t i = 0; i < d->n; i++)
            ds_dcount_tab_put(tab, slots - 1, d->inl[i]);
    }
    d->tab = tab;
    d->mask = slots - 1;
}

static void ds_dcount_to_hll_cb(uint64_t key, void *arg)
{
    ds_hll_add(arg, key);
}

static void ds_dcount_to_hll(ds_dcount *d, unsigned p)
{
    ds_hll *h = ds_xmalloc(sizeof *h);
    ds_hll_init(h, p);
    ds_dcount_each(d, ds_dcount_to_hll_cb, h);
    free(d->tab);
    d->tab = NULL;
    d->mask = 0;
    d->hll = h;
}

int ds_dcount_add(ds_dcount *d, uint64_t key, uint32_t cap, unsigned p)
{
    if (d->hll) {
        ds_hll_add(d->hll, key);
        return -1;
    }
    if (!d->tab) {
        for (uint32_t i = 0; i < d->n; i++)
            if (d->inl[i] == key)
                return 0;
        if (d->n < DS_DCOUNT_INLINE && d->n < cap) {
            d->inl[d->n++] = key;
            return 1;
        }
        if (d->n >= cap) {
            ds_dcount_to_hll(d, p);
            ds_hll_add(d->hll, key);
            return -1;
        }
        ds_dcount_grow(d);
    }
    size_t i = ds_dcount_slot(key, d->mask);
    for (;;) {
        if (d->tab[i] == key)
            return 0;
        if (d->tab[i] == DS_DCOUNT_EMPTY)
            break;
        i = (i + 1) & d->mask;
    }
    if (d->n >= cap) {
        ds_dcount_to_hll(d, p);
        ds_hll_add(d->hll, key);
        return -1;
    }
    d->tab[i] = key;
    d->n++;
    if (2 * (uint64_t)d->n > (uint64_t)d->mask + 1)
        ds_dcount_grow(d);
    return 1;
}

uint64_t ds_dcount_value(const ds_dcount *d)
{
    if (d->hll)
        return (uint64_t)llround(ds_hll_estimate(d->hll));
    return d->n;
}

size_t ds_dcount_bytes(const ds_dcount *d)
{
    if (d->hll)
        return sizeof *d->hll + ds_hll_bytes(d->hll);
    return d->tab ? ((size_t)d->mask + 1) * sizeof *d->tab : 0;
}

void ds_dcount_clear(ds_dcount *d)
{
    free(d->tab);
    if (d->hll) {
        ds_hll_free(d->hll);
        free(d->hll);
    }
    memset(d, 0, sizeof *d);
}

void ds_dcount_reset(ds_dcount *d)
{
    if (!d->tab || d->hll) {
        ds_dcount_clear(d);
        return;
    }
    for (uint32_t i = 0; i <= d->mask; i++)
        d->tab[i] = DS_DCOUNT_EMPTY;
    d->n = 0;
}

void ds_dcount_each(const ds_dcount *d, void (*fn)(uint64_t key, void *arg), void *arg)
{
    if (d->hll)
        return;
    if (!d->tab) {
        for (uint32_t i = 0; i < d->n; i++)
            fn(d->inl[i], arg);
        return;
    }
    for (uint32_t i = 0; i <= d->mask; i++)
        if (d->tab[i] != DS_DCOUNT_EMPTY)
            fn(d->tab[i], arg);
}

static void ds_dcount_merge_cb(uint64_t key, void *arg)
{
    struct {
        ds_dcount *d;
        uint32_t cap;
        unsigned p;
    } *a = arg;
    ds_dcount_add(a->d, key, a->cap, a->p);
}

void ds_dcount_merge(ds_dcount *d, const ds_dcount *s, uint32_t cap, unsigned p)
{
    if (!s->hll) {
        struct {
            ds_dcount *d;
            uint32_t cap;
            unsigned p;
        } a = {d, cap, p};
        ds_dcount_each(s, ds_dcount_merge_cb, &a);
        return;
    }
    if (!d->hll)
        ds_dcount_to_hll(d, s->hll->p);
    size_t m = (size_t)1 << d->hll->p;
    for (size_t i = 0; i < m && d->hll->p == s->hll->p; i++)
        if (s->hll->reg[i] > d->hll->reg[i])
            d->hll->reg[i] = s->hll->reg[i];
}

void ds_dcount_make_hll(ds_dcount *d, unsigned p)
{
    if (!d->hll)
        ds_dcount_to_hll(d, p);
}

/*
 * ds_hosttab.c — the compact (host, signature) table: chunked records plus a
 * tagged 4-byte open-addressing index (see ds_hosttab.h for the memory budget).
 */
#include "analysis/ds_hosttab.h"

#include <stdio.h>
#include <stdlib.h>

#define DS_HT_MIN_BITS 10
#define DS_HT_MAX_BITS 31
#define DS_HOST_CHUNK (1u << DS_HOST_CHUNK_BITS)

static uint64_t ds_ht_hash_rec(const ds_hosttab *t, const ds_host *h)
{
    ds_ip a;
    ds_hosttab_addr(t, h, &a);
    return ds_hosttab_hash(&a, ds_host_sig(h));
}

void ds_hosttab_init(ds_hosttab *t)
{
    memset(t, 0, sizeof *t);
    t->bits = DS_HT_MIN_BITS;
    t->slots = ds_xzalloc((size_t)1 << t->bits, sizeof *t->slots);
}

void ds_hosttab_bound(ds_hosttab *t, ds_membudget *mem)
{
    t->mem = mem;
    if (!ds_mem_bounded(mem))
        return;
    t->charged = ds_hosttab_bytes(t);
    ds_mem_force(mem, t->charged);
}

/* Charges a growth of `more` bytes; false when the budget refuses it. */
static bool ds_ht_charge(ds_hosttab *t, size_t more)
{
    if (!t->mem)
        return true;
    if (!ds_mem_take(t->mem, more))
        return false;
    t->charged += more;
    return true;
}

void ds_hosttab_free(ds_hosttab *t)
{
    ds_mem_give(t->mem, t->charged);
    for (size_t i = 0; i < t->nchunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
    free(t->slots);
    free(t->v6);
    memset(t, 0, sizeof *t);
}

void ds_hosttab_addr(const ds_hosttab *t, const ds_host *h, ds_ip *out)
{
    if (ds_host_is_v6(h))
        *out = t->v6[h->key];
    else
        ds_ip_set_v4(out, h->key);
}

static void ds_ht_place(ds_hosttab *t, uint64_t h, uint32_t rec)
{
    size_t mask = ((size_t)1 << t->bits) - 1;
    size_t i = (size_t)h & mask;
    while (t->slots[i])
        i = (i + 1) & mask;
    t->slots[i] = ds_hosttab_tag(t, h) | (rec + 1);
}

/* Places every record into the (empty) slots. Records are read in order but land
 * in slots at random: each placement's slot is prefetched some records ahead, as
 * a rebuild of a table of millions would otherwise wait on a miss per record. */
static void ds_ht_rebuild(ds_hosttab *t)
{
    enum { AHEAD = 16 };
    uint64_t ring[AHEAD];
    for (uint32_t r = 0; r < t->n && r < AHEAD; r++) {
        ring[r] = ds_ht_hash_rec(t, ds_hosttab_at(t, r));
        ds_hosttab_prefetch_slot(t, ring[r]);
    }
    for (uint32_t r = 0; r < t->n; r++) {
        uint64_t h = ring[r % AHEAD];
        if (r + AHEAD < t->n) {
            ring[r % AHEAD] = ds_ht_hash_rec(t, ds_hosttab_at(t, r + AHEAD));
            ds_hosttab_prefetch_slot(t, ring[r % AHEAD]);
        }
        ds_ht_place(t, h, r);
    }
}

static void ds_ht_grow(ds_hosttab *t)
{
    if (t->bits >= DS_HT_MAX_BITS) {
        fprintf(stderr, "darkscope: worm host table full (%u hosts)\n", t->n);
        exit(3);
    }
    free(t->slots);
    t->bits++;
    t->slots = ds_xzalloc((size_t)1 << t->bits, sizeof *t->slots);
    ds_ht_rebuild(t);
}

static bool ds_ht_same(const ds_hosttab *t, const ds_host *h, const ds_ip *a, unsigned sig)
{
    if (ds_host_sig(h) != sig)
        return false;
    if (ds_ip_is_v4(a))
        return !ds_host_is_v6(h) && h->key == ds_ip_v4(a);
    return ds_host_is_v6(h) && ds_ip_eq(&t->v6[h->key], a);
}

uint32_t ds_hosttab_upsert(ds_hosttab *t, const ds_ip *addr, unsigned sig, int64_t ts_ns,
                           unsigned monitor, bool *created)
{
    uint64_t h = ds_hosttab_hash(addr, sig);
    size_t mask = ((size_t)1 << t->bits) - 1;
    uint32_t tag = ds_hosttab_tag(t, h), low = (1u << t->bits) - 1;
    size_t i = (size_t)h & mask;
    for (uint32_t s; (s = t->slots[i]) != 0; i = (i + 1) & mask) {
        if ((s & ~low) != tag)
            continue;
        uint32_t rec = (s & low) - 1;
        if (ds_ht_same(t, ds_hosttab_at(t, rec), addr, sig)) {
            *created = false;
            return rec;
        }
    }
    /* New host. Keep the load at most 0.7 (checked before adding, so the record
     * number always fits in the slot's low bits). */
    if ((uint64_t)(t->n + 1) * 10 > ((uint64_t)1 << t->bits) * 7) {
        if (!ds_ht_charge(t, ((size_t)1 << t->bits) * sizeof *t->slots))
            return DS_HOSTTAB_FULL;
        ds_ht_grow(t);
        return ds_hosttab_upsert(t, addr, sig, ts_ns, monitor, created);
    }
    if ((t->n >> DS_HOST_CHUNK_BITS) >= t->nchunks) {
        size_t more = DS_HOST_CHUNK * sizeof(ds_host) + sizeof(ds_host *);
        if (t->nchunks == 0 && t->mem) { /* the first chunk always: room to evict in */
            ds_mem_force(t->mem, more);
            t->charged += more;
        } else if (!ds_ht_charge(t, more)) {
            return DS_HOSTTAB_FULL;
        }
    }
    if (!ds_ip_is_v4(addr) && t->n6 == t->cap6 &&
        !ds_ht_charge(t, (t->cap6 ? t->cap6 : 64) * sizeof *t->v6))
        return DS_HOSTTAB_FULL;
    if (!t->has_base) {
        t->base_us = ds_floor_div(ts_ns, 1000);
        t->has_base = true;
    }
    uint32_t rec = t->n;
    if ((rec >> DS_HOST_CHUNK_BITS) >= t->nchunks) {
        t->chunks = ds_xrealloc(t->chunks, (t->nchunks + 1) * sizeof *t->chunks);
        t->chunks[t->nchunks++] = ds_xmalloc(DS_HOST_CHUNK * sizeof(ds_host));
    }
    ds_host *r = ds_hosttab_at(t, rec);
    uint64_t rel = ds_hosttab_rel(t, ts_ns);
    r->packets = 1;
    r->monitors = 1ull << monitor;
    r->first = rel | (uint64_t)(sig & 0xff) << 48 | (uint64_t)(monitor & 0xff) << 56;
    r->last = rel;
    if (ds_ip_is_v4(addr)) {
        r->key = ds_ip_v4(addr);
    } else {
        if (t->n6 == t->cap6) {
            t->cap6 = t->cap6 ? t->cap6 * 2 : 64;
            t->v6 = ds_xrealloc(t->v6, t->cap6 * sizeof *t->v6);
        }
        t->v6[t->n6] = *addr;
        r->key = t->n6++;
        r->last |= 1ull << 48;
    }
    t->slots[i] = tag | (rec + 1);
    t->n++;
    *created = true;
    return rec;
}

size_t ds_hosttab_bytes(const ds_hosttab *t)
{
    return t->nchunks * (DS_HOST_CHUNK * sizeof(ds_host) + sizeof(ds_host *)) +
           ((size_t)1 << t->bits) * sizeof(uint32_t) + (size_t)t->cap6 * sizeof(ds_ip);
}

uint32_t ds_hosttab_evict(ds_hosttab *t, uint32_t max_packets, uint64_t *gone)
{
    uint32_t w = 0, w6 = 0;
    for (uint32_t r = 0; r < t->n; r++) {
        ds_host h = *ds_hosttab_at(t, r);
        if (h.packets <= max_packets) {
            if (gone)
                gone[r >> 6] |= 1ull << (r & 63);
            continue;
        }
        if (ds_host_is_v6(&h)) { /* the IPv6 addresses are renumbered in order too */
            t->v6[w6] = t->v6[h.key];
            h.key = w6++;
        }
        *ds_hosttab_at(t, w++) = h;
    }
    uint32_t removed = t->n - w;
    t->n = w;
    t->n6 = w6;
    memset(t->slots, 0, ((size_t)1 << t->bits) * sizeof *t->slots);
    ds_ht_rebuild(t);
    return removed;
}

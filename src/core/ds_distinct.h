/*
 * ds_distinct.h — exact distinct counting of grouped keys on the hot path.
 *
 * Why not a hash set: a telescope interval can hold a million sources, and a hash
 * insert per packet into a table that size is a cache miss per packet. Here a packet
 * only appends its 64-bit key to an array (a sequential write); when the array fills
 * up it is radix-sorted and deduplicated in place, so memory stays proportional to
 * the number of distinct keys, and the cost per packet is a few nanoseconds,
 * amortised. A key carries its group in its high bits (e.g. monitor and class) and
 * the address in the low bits, so one sort yields the distinct count of every group.
 *
 * ds_distinct128 is the same for IPv6 keys (16-byte address plus a 32-bit group);
 * IPv6 is rare on telescopes, so it uses qsort.
 */
#ifndef DS_DISTINCT_H
#define DS_DISTINCT_H

#include "core/ds_common.h"

typedef struct ds_distinct64 {
    uint64_t *v;
    uint64_t *tmp;
    size_t n, cap;
    size_t sorted;     /* v[0..sorted) is sorted and unique */
    unsigned key_bits; /* highest bit used + 1, limits the radix passes */
} ds_distinct64;

void ds_distinct64_init(ds_distinct64 *d, unsigned key_bits);
void ds_distinct64_free(ds_distinct64 *d);
void ds_distinct64_compact(ds_distinct64 *d);

static inline void ds_distinct64_add(ds_distinct64 *d, uint64_t key)
{
    if (d->n == d->cap)
        ds_distinct64_compact(d);
    d->v[d->n++] = key;
}

/* Sorts and deduplicates; afterwards v[0..n) are the distinct keys in order. */
void ds_distinct64_finish(ds_distinct64 *d);
/* Forgets every key (keeps the memory). */
void ds_distinct64_clear(ds_distinct64 *d);
/* Merges the keys of src into d (src unchanged). */
void ds_distinct64_merge(ds_distinct64 *d, const ds_distinct64 *src);

typedef struct ds_key128 {
    ds_ip addr;
    uint32_t group;
} ds_key128;

typedef struct ds_distinct128 {
    ds_key128 *v;
    size_t n, cap, sorted;
} ds_distinct128;

void ds_distinct128_init(ds_distinct128 *d);
void ds_distinct128_free(ds_distinct128 *d);
void ds_distinct128_add(ds_distinct128 *d, const ds_ip *addr, uint32_t group);
void ds_distinct128_finish(ds_distinct128 *d);
void ds_distinct128_clear(ds_distinct128 *d);

#endif

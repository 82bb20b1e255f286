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
 *
 * ds_kset and ds_bits32 are the per-packet counters that replaced the append-and-sort
 * scheme on the hottest paths (bench/README.md has the measurements). Appending was
 * cheap, but every key was then radix-sorted (3-4 passes) and merged with the sorted
 * prefix at each compaction: 38% of an analyze run went there. ds_kset is an
 * open-addressing set of 64-bit keys with linear probing that says, at insert time,
 * whether a key is new, so a count is kept as packets arrive and nothing is sorted;
 * callers prefetch the slot of a packet a few records ahead, which hides the cache
 * miss a table of a million keys costs. A generic hash table library (khash, a
 * std::unordered_set-like chain) would store a hash or a pointer per entry, test a
 * tombstone flag and call through a hash function pointer; this one is a plain array
 * of keys with one sentinel, 8 bytes a key, nothing else. ds_bits32 is a set of IPv4
 * addresses as a two-level bitmap (a lazily allocated 8 KiB leaf per /16): a
 * telescope's destinations all fall in a few /16s (256 leaves, 2 MiB, for a /8), so
 * the set never grows past the telescope's size whatever the capture's length.
 */
#ifndef DS_DISTINCT_H
#define DS_DISTINCT_H

#include "core/ds_common.h"
#include "core/ds_membudget.h"
#include "model/ds_hll.h"

typedef struct ds_distinct64 {
    uint64_t *v;
    uint64_t *tmp;
    size_t n, cap;
    size_t sorted;     /* v[0..sorted) is sorted and unique */
    unsigned key_bits; /* highest bit used + 1, limits the radix passes */
} ds_distinct64;

void ds_distinct64_init(ds_distinct64 *d, unsigned key_bits);
/* The same with room for cap keys at first (a power of two; ds_distinct64_init's is
 * 4096), for the many small sets of one analyzer. */
void ds_distinct64_init_cap(ds_distinct64 *d, unsigned key_bits, size_t cap);
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

/* ---- ds_kset: a set of 64-bit keys (never DS_KSET_EMPTY) -------------------------- */

#define DS_KSET_EMPTY UINT64_MAX

typedef struct ds_kset {
    uint64_t *slot; /* a key or DS_KSET_EMPTY */
    size_t mask;    /* capacity - 1 (a power of two) */
    size_t n;       /* keys held */
    unsigned shift; /* 64 - log2(capacity) */
    /* Bounded mode (--max-memory, ds_kset_bound): the table's bytes are charged to
     * `mem` when it grows; a growth the budget refuses calls spill() with the full
     * table (the owner folds the keys into its sketches) and empties it instead,
     * so the table never grows past the bound. ds_kset_add's "new" answer is then
     * only "new since the last spill". Checked only at growth, never per key. */
    ds_membudget *mem;
    void (*spill)(void *arg, const struct ds_kset *s);
    void *spill_arg;
    size_t charged; /* bytes charged to mem */
    uint64_t spills;
} ds_kset;

void ds_kset_init(ds_kset *s);
/* Puts the set in bounded mode (see above); its current table is charged. */
void ds_kset_bound(ds_kset *s, ds_membudget *mem, void (*spill)(void *arg, const ds_kset *s),
                   void *arg);
void ds_kset_free(ds_kset *s);
/* Forgets every key; the table is resized to fit as many keys as it just held, so a
 * series of similar intervals neither regrows nor clears a table far too big. */
void ds_kset_clear(ds_kset *s);
void ds_kset_grow(ds_kset *s);

static inline size_t ds_kset_pos(const ds_kset *s, uint64_t key)
{
    /* Fibonacci hashing: the high bits of the product depend on every key bit. */
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> s->shift);
}

static inline void ds_kset_prefetch(const ds_kset *s, uint64_t key)
{
    ds_prefetchw(&s->slot[ds_kset_pos(s, key)]);
}

/* Adds key; returns true when it was not there yet. */
static inline bool ds_kset_add(ds_kset *s, uint64_t key)
{
    size_t i = ds_kset_pos(s, key);
    for (;;) {
        uint64_t v = s->slot[i];
        if (v == key)
            return false;
        if (v == DS_KSET_EMPTY)
            break;
        i = (i + 1) & s->mask;
    }
    s->slot[i] = key;
    if (++s->n > s->mask / 2) /* load <= 1/2 keeps probe runs short */
        ds_kset_grow(s);
    return true;
}

/* Appends every key of s to d (in table order). */
void ds_kset_to_distinct(const ds_kset *s, ds_distinct64 *d);

/* ---- ds_aset: a set of IPv4 addresses spread over the whole address space ------- */

/* ds_kset with 4-byte slots (half the cache footprint for the same load): 0 marks an
 * empty slot, so the address 0.0.0.0 is kept aside in a flag. */
typedef struct ds_aset {
    uint32_t *slot;
    size_t mask, n;
    unsigned shift;
    bool zero; /* 0.0.0.0 is in the set */
    /* Bounded mode (ds_aset_bound): a growth the budget refuses folds the table
     * into a HyperLogLog sketch (allocated then) and empties it; the count is then
     * ds_aset_count()'s estimate of the union. */
    ds_membudget *mem;
    size_t charged;
    ds_hll *hll;
} ds_aset;

void ds_aset_init(ds_aset *s);
/* Puts the set in bounded mode; its current table is charged to mem. */
void ds_aset_bound(ds_aset *s, ds_membudget *mem);
/* The number of distinct addresses: exact while s->hll is NULL, else estimated
 * (HyperLogLog, relative standard error 1.04/sqrt(2^DS_ASET_HLL_P)). */
uint64_t ds_aset_count(const ds_aset *s);
#define DS_ASET_HLL_P 14
void ds_aset_free(ds_aset *s);
void ds_aset_grow(ds_aset *s);

static inline size_t ds_aset_pos(const ds_aset *s, uint32_t a)
{
    return (size_t)(((uint64_t)a * 0x9e3779b97f4a7c15ull) >> s->shift);
}

static inline void ds_aset_prefetch(const ds_aset *s, uint32_t a)
{
    ds_prefetchw(&s->slot[ds_aset_pos(s, a)]);
}

static inline void ds_aset_add(ds_aset *s, uint32_t a)
{
    if (a == 0) {
        s->n += !s->zero;
        s->zero = true;
        return;
    }
    size_t i = ds_aset_pos(s, a);
    for (;;) {
        uint32_t v = s->slot[i];
        if (v == a)
            return;
        if (v == 0)
            break;
        i = (i + 1) & s->mask;
    }
    s->slot[i] = a;
    if (++s->n > s->mask / 2)
        ds_aset_grow(s);
}

/* ---- ds_bits32: a set of IPv4 addresses ------------------------------------------ */

/* At most `max_leaves` leaves are made (8 KiB each): a capture whose addresses are
 * spread over more /16s than that (not a telescope's destinations) keeps the rest in
 * a hash set, `over`, so memory stays proportional to the addresses. A /16 with a
 * leaf keeps it, so every address always goes to the same side; the count is
 * ds_bits32_count(). */
typedef struct ds_bits32 {
    uint64_t **leaf; /* [65536], a leaf of 1024 words per /16, NULL until used */
    size_t n;        /* addresses held in leaves */
    size_t leaves_left;
    ds_aset over;      /* addresses of /16s without a leaf */
    uint64_t **chunks; /* the leaves' memory, 256 leaves a chunk */
    size_t nchunks;
    unsigned chunk_used; /* leaves handed out of the last chunk */
} ds_bits32;

void ds_bits32_init(ds_bits32 *b, size_t max_leaves);
void ds_bits32_free(ds_bits32 *b);
uint64_t *ds_bits32_leaf(ds_bits32 *b, uint32_t hi16);

static inline size_t ds_bits32_count(const ds_bits32 *b)
{
    return b->n + b->over.n;
}

static inline void ds_bits32_prefetch(const ds_bits32 *b, uint32_t a)
{
    const uint64_t *l = b->leaf[a >> 16];
    if (l)
        ds_prefetchw(&l[(a >> 6) & 1023]);
}

static inline void ds_bits32_add(ds_bits32 *b, uint32_t a)
{
    uint64_t *l = b->leaf[a >> 16];
    if (__builtin_expect(l == NULL, 0)) {
        l = ds_bits32_leaf(b, a >> 16);
        if (!l) {
            ds_aset_add(&b->over, a);
            return;
        }
    }
    uint64_t *w = &l[(a >> 6) & 1023], bit = 1ull << (a & 63);
    b->n += !(*w & bit);
    *w |= bit;
}

#endif

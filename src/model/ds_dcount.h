/*
 * ds_dcount.h — a distinct counter that is exact while small and bounded when big.
 *
 * Keys (64-bit, never UINT64_MAX) are kept in the struct while there are at most
 * DS_DCOUNT_INLINE of them (most DoS vectors are a handful of packets, and a new
 * vector must not cost an allocation), then in an open-addressing table that
 * doubles as it fills, and past `cap` distinct keys the table is replaced by a
 * HyperLogLog sketch of 2^p bytes: from then on the count is an estimate and memory
 * no longer grows. The caller passes cap and p on every add so the struct stays
 * small (they are analyzer-wide settings).
 */
#ifndef DS_DCOUNT_H
#define DS_DCOUNT_H

#include "model/ds_hll.h"

#define DS_DCOUNT_INLINE 4

typedef struct ds_dcount {
    uint32_t n;    /* distinct keys while exact */
    uint32_t mask; /* table slots - 1 when a table is in use, else 0 */
    uint64_t *tab; /* open addressing, UINT64_MAX = empty; NULL while inline */
    ds_hll *hll;   /* non-NULL once past the cap (tab is then NULL) */
    uint64_t inl[DS_DCOUNT_INLINE];
} ds_dcount;

/* Adds a key. Returns 1 when the key is new, 0 when already counted, and -1 when
 * the counter is an estimate and cannot tell. */
int ds_dcount_add(ds_dcount *d, uint64_t key, uint32_t cap, unsigned p);

/* The count: exact, or the rounded HyperLogLog estimate. */
uint64_t ds_dcount_value(const ds_dcount *d);
static inline bool ds_dcount_exact(const ds_dcount *d)
{
    return d->hll == NULL;
}
/* Heap bytes held (not counting the struct itself). */
size_t ds_dcount_bytes(const ds_dcount *d);
/* Empties the counter but keeps an exact table for reuse (its slots are cleared),
 * so a counter emptied every minute does not allocate and fault in pages again. */
void ds_dcount_reset(ds_dcount *d);
/* Frees the heap memory and empties the counter. */
void ds_dcount_clear(ds_dcount *d);
/* Adds every key of s to d (s unchanged): the counter of the union, the same as
 * adding all the keys to one counter in any order (an exact set past the cap and
 * a sketch become the sketch of the union: registers are maxima). */
void ds_dcount_merge(ds_dcount *d, const ds_dcount *s, uint32_t cap, unsigned p);
/* Makes d a sketch holding its keys (for loading a saved sketch). */
void ds_dcount_make_hll(ds_dcount *d, unsigned p);
/* Calls fn on every key while exact (in no particular order). */
void ds_dcount_each(const ds_dcount *d, void (*fn)(uint64_t key, void *arg), void *arg);

#endif

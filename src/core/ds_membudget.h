/*
 * ds_membudget.h — the memory bound of `analyze --max-memory` (docs/SCALE.md,
 * "Bounded memory").
 *
 * A budget is a byte count shared by every analyzer of a run (ds_ctx.mem): each
 * growing table charges its bytes when it grows (never per packet: a table doubles,
 * a pool doubles, a chunk is added) and gives them back when it shrinks or is freed.
 * A growth that would pass the bound is refused, and the table then degrades to its
 * documented approximation instead of growing (HyperLogLog for distinct counts,
 * eviction of the smallest entries for per-host tables).
 *
 * `reserve` bytes of the limit are kept for the approximations themselves (the
 * sketches are allocated when a table degrades, i.e. exactly when the exact tables
 * have used up their part): exact tables may use limit - reserve, sketches are
 * charged with ds_mem_force and may use the rest. A NULL budget or a limit of 0
 * means unbounded: every call is then a no-op returning true, so a run without
 * --max-memory behaves exactly as before.
 *
 * With -j N threads each thread gets its own budget of limit / N (the threads do
 * not share counters, so there is nothing to lock).
 */
#ifndef DS_MEMBUDGET_H
#define DS_MEMBUDGET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ds_membudget {
    size_t limit;   /* bytes; 0 = unbounded */
    size_t reserve; /* part of limit only the approximations may use */
    size_t used;    /* bytes charged */
    size_t peak;    /* highest `used` seen */
} ds_membudget;

/* A budget of `limit` bytes with the default reserve (1/8 of it). */
static inline void ds_membudget_init(ds_membudget *b, size_t limit)
{
    b->limit = limit;
    b->reserve = limit / 8;
    b->used = 0;
    b->peak = 0;
}

static inline bool ds_mem_bounded(const ds_membudget *b)
{
    return b && b->limit;
}

/* Charges `n` bytes of exact-table growth; false (nothing charged) when that would
 * pass limit - reserve. */
static inline bool ds_mem_take(ds_membudget *b, size_t n)
{
    if (!ds_mem_bounded(b))
        return true;
    if (b->used + n > b->limit - b->reserve)
        return false;
    b->used += n;
    if (b->used > b->peak)
        b->peak = b->used;
    return true;
}

/* Charges `n` bytes that must be spent (an approximation's sketch). */
static inline void ds_mem_force(ds_membudget *b, size_t n)
{
    if (!ds_mem_bounded(b))
        return;
    b->used += n;
    if (b->used > b->peak)
        b->peak = b->used;
}

/* Whether `n` more bytes of exact tables would fit (nothing charged). */
static inline bool ds_mem_fits(const ds_membudget *b, size_t n)
{
    return !ds_mem_bounded(b) || b->used + n <= b->limit - b->reserve;
}

static inline void ds_mem_give(ds_membudget *b, size_t n)
{
    if (!ds_mem_bounded(b))
        return;
    b->used = n > b->used ? 0 : b->used - n;
}

#endif

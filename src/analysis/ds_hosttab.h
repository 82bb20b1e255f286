/*
 * ds_hosttab.h — the exact per-(host, signature) table of the worm analyzer.
 *
 * Every infected host a telescope sees must be kept exactly (no sampling) for the
 * whole run, and an outbreak has millions of them, so the budget is under 48 bytes
 * per host *including* the table overhead at any moment, not only at a lucky load:
 *
 *   records  a dense array of 32-byte ds_host records, appended in first-sighting
 *            order and stored in fixed chunks of 64 Ki records (growing never
 *            copies, and the slack is at most one chunk);
 *   index    an open-addressing table (linear probing, power-of-two size, load
 *            0.35-0.7) of 4-byte slots holding record number + 1; the bits of a
 *            slot above the record number hold a tag from the hash, so a probe that
 *            meets another host's slot rarely has to touch that host's record.
 *
 * That is 32 + 4/0.7 = 37.7 to 32 + 4/0.35 = 43.4 bytes per host. IPv6 hosts use
 * the same records and index; their record key is the number of their address in
 * a side array (16 bytes more each: IPv6 is rare on telescopes).
 *
 * Times are kept in microseconds since the first packet (48 bits: 8.9 years):
 * every output prints times with 6 decimals truncated toward minus infinity, so a
 * nanosecond more would never show. Record order is first-sighting order, which
 * hosts.csv and the peak/quantile computations use without sorting.
 *
 * Bounded memory (--max-memory): with a budget (ds_hosttab.mem) every growth of the
 * records or the index is charged to it, and a growth it refuses makes
 * ds_hosttab_upsert return DS_HOSTTAB_FULL instead of creating the host; the owner
 * then evicts the smallest hosts (ds_hosttab_evict) and tries again.
 */
#ifndef DS_HOSTTAB_H
#define DS_HOSTTAB_H

#include "core/ds_common.h"
#include "core/ds_membudget.h"
#include "model/ds_hll.h"

typedef struct ds_host {
    uint32_t key;      /* IPv4 address (host order), or index into the IPv6 array */
    uint32_t packets;  /* matching packets, saturating at 2^32-1 */
    uint64_t monitors; /* bit m: seen in monitor m */
    uint64_t
        first; /* bits 0-47 first sighting (µs since base), 48-55 signature, 56-63 first monitor */
    uint64_t last; /* bits 0-47 last sighting (µs since base), bit 48: IPv6 */
} ds_host;

_Static_assert(sizeof(ds_host) == 32, "ds_host must stay 32 bytes (memory budget)");

#define DS_HOST_CHUNK_BITS 16
#define DS_HOST_TIME_MASK ((1ull << 48) - 1)

typedef struct ds_hosttab {
    ds_host **chunks;
    size_t nchunks;
    uint32_t n; /* records */
    uint32_t *slots;
    unsigned bits; /* log2 of the number of slots */
    ds_ip *v6;     /* IPv6 addresses, by record key */
    uint32_t n6, cap6;
    int64_t base_us; /* time origin of the records */
    bool has_base;
    ds_membudget *mem; /* NULL: unbounded */
    size_t charged;    /* bytes charged to mem */
} ds_hosttab;

#define DS_HOSTTAB_FULL UINT32_MAX

void ds_hosttab_init(ds_hosttab *t);
void ds_hosttab_free(ds_hosttab *t);

/* Finds the record of (addr, sig), or creates it with the sighting ts_ns in monitor
 * `monitor` (packets 1). *created tells which. Returns the record number, or
 * DS_HOSTTAB_FULL when creating it would pass the budget (t->mem). Times must
 * not go backwards by more than the base (the pipeline guarantees order). */
uint32_t ds_hosttab_upsert(ds_hosttab *t, const ds_ip *addr, unsigned sig, int64_t ts_ns,
                           unsigned monitor, bool *created);

static inline ds_host *ds_hosttab_at(const ds_hosttab *t, uint32_t i)
{
    return &t->chunks[i >> DS_HOST_CHUNK_BITS][i & ((1u << DS_HOST_CHUNK_BITS) - 1)];
}

/* Microseconds since base for a packet time (clamped to the 48-bit range). */
static inline uint64_t ds_hosttab_rel(const ds_hosttab *t, int64_t ts_ns)
{
    int64_t us = ds_floor_div(ts_ns, 1000) - t->base_us;
    if (us < 0)
        return 0;
    return (uint64_t)us > DS_HOST_TIME_MASK ? DS_HOST_TIME_MASK : (uint64_t)us;
}

/* Records a later sighting. Returns true when the monitor is new for the host. */
static inline bool ds_hosttab_touch(const ds_hosttab *t, ds_host *h, int64_t ts_ns,
                                    unsigned monitor)
{
    h->last = (h->last & ~DS_HOST_TIME_MASK) | ds_hosttab_rel(t, ts_ns);
    if (h->packets != UINT32_MAX)
        h->packets++;
    uint64_t bit = 1ull << monitor;
    bool fresh = !(h->monitors & bit);
    h->monitors |= bit;
    return fresh;
}

static inline int64_t ds_host_first_ns(const ds_hosttab *t, const ds_host *h)
{
    return (t->base_us + (int64_t)(h->first & DS_HOST_TIME_MASK)) * 1000;
}
static inline int64_t ds_host_last_ns(const ds_hosttab *t, const ds_host *h)
{
    return (t->base_us + (int64_t)(h->last & DS_HOST_TIME_MASK)) * 1000;
}
static inline unsigned ds_host_sig(const ds_host *h)
{
    return (unsigned)(h->first >> 48) & 0xff;
}
static inline unsigned ds_host_first_monitor(const ds_host *h)
{
    return (unsigned)(h->first >> 56);
}
static inline bool ds_host_is_v6(const ds_host *h)
{
    return (h->last >> 48) & 1;
}

/* The hash of (addr, sig): its low bits pick the slot, the bits above the 32 give
 * the tag (cut to the slot bits left free by the record number). */
static inline uint64_t ds_hosttab_hash(const ds_ip *a, unsigned sig)
{
    if (ds_ip_is_v4(a))
        return ds_hll_mix((uint64_t)ds_ip_v4(a) << 8 | sig);
    return ds_hll_mix(a->q[0] ^ ds_hll_mix(a->q[1] ^ ((uint64_t)sig << 56 | 1)));
}
static inline uint32_t ds_hosttab_tag(const ds_hosttab *t, uint64_t h)
{
    return (uint32_t)(h >> 32) & ~((1u << t->bits) - 1);
}

/* Prefetch hints for batch processing (see ds_worm_packets), from the hash: a
 * lookup is two dependent cache misses (slot, then record), ~300 ns on a machine
 * with slow memory; issued a few probes ahead they overlap. The record hint reads
 * the slot, so it comes after the slot's hint has had time to land. Hints only:
 * they never change state. */
static inline void ds_hosttab_prefetch_slot(const ds_hosttab *t, uint64_t h)
{
    ds_prefetch(&t->slots[(size_t)h & (((size_t)1 << t->bits) - 1)]);
}
static inline void ds_hosttab_prefetch_record(const ds_hosttab *t, uint64_t h)
{
    uint32_t s = t->slots[(size_t)h & (((size_t)1 << t->bits) - 1)];
    uint32_t low = (1u << t->bits) - 1;
    if (s && (s & ~low) == ds_hosttab_tag(t, h))
        ds_prefetchw(ds_hosttab_at(t, (s & low) - 1));
}

/* The host's address. */
void ds_hosttab_addr(const ds_hosttab *t, const ds_host *h, ds_ip *out);

/* Bytes held by the table (records, index, IPv6 addresses, chunk list). */
size_t ds_hosttab_bytes(const ds_hosttab *t);

/* Puts the table under a budget; its current bytes are charged. */
void ds_hosttab_bound(ds_hosttab *t, ds_membudget *mem);
/* Removes every record with at most max_packets packets, keeping the others in
 * their order (renumbered), and rebuilds the index; the memory stays allocated for
 * the records that follow. Sets bit r of gone[] (n bits, zeroed by the caller; may
 * be NULL) for each removed old record r. Returns the number removed. */
uint32_t ds_hosttab_evict(ds_hosttab *t, uint32_t max_packets, uint64_t *gone);

#endif

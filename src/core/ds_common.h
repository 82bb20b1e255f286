/*
 * ds_common.h — the few types every part of darkscope shares: addresses, times,
 * error buffers.
 *
 * Addresses are one 16-byte type for IPv4 and IPv6 (IPv4 stored IPv4-mapped,
 * ::ffff:a.b.c.d, in network byte order) so that tables and outputs handle both
 * families with one code path; the hot IPv4 paths use ds_ip_v4() to get a host-order
 * uint32 and may keep IPv4-only tables for memory. Times are signed 64-bit
 * nanoseconds since the Unix epoch, taken from packet timestamps only.
 */
#ifndef DS_COMMON_H
#define DS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef DS_VERSION
#define DS_VERSION "0.0.0"
#endif

#define DS_NS_PER_SEC 1000000000LL

typedef union ds_ip {
    uint8_t b[16];
    uint32_t w[4];
    uint64_t q[2];
} ds_ip;

static inline bool ds_ip_is_v4(const ds_ip *a)
{
    return a->q[0] == 0 && a->b[8] == 0 && a->b[9] == 0 && a->b[10] == 0xff && a->b[11] == 0xff;
}

/* IPv4 address in host byte order (only meaningful when ds_ip_is_v4). */
static inline uint32_t ds_ip_v4(const ds_ip *a)
{
    return ((uint32_t)a->b[12] << 24) | ((uint32_t)a->b[13] << 16) | ((uint32_t)a->b[14] << 8) |
           (uint32_t)a->b[15];
}

static inline void ds_ip_set_v4(ds_ip *a, uint32_t host)
{
    a->q[0] = 0;
    a->b[8] = a->b[9] = 0;
    a->b[10] = a->b[11] = 0xff;
    a->b[12] = (uint8_t)(host >> 24);
    a->b[13] = (uint8_t)(host >> 16);
    a->b[14] = (uint8_t)(host >> 8);
    a->b[15] = (uint8_t)host;
}

static inline void ds_ip_set_v6(ds_ip *a, const uint8_t bytes[16])
{
    memcpy(a->b, bytes, 16);
}

static inline bool ds_ip_eq(const ds_ip *a, const ds_ip *b)
{
    return a->q[0] == b->q[0] && a->q[1] == b->q[1];
}

static inline int ds_ip_cmp(const ds_ip *a, const ds_ip *b)
{
    return memcmp(a->b, b->b, 16);
}

/* Longest text form of an address, with the terminating NUL. */
#define DS_IP_STRLEN 46

/* Text form: dotted quad for IPv4, RFC 5952 for IPv6. Returns buf. */
char *ds_ip_format(const ds_ip *a, char buf[DS_IP_STRLEN]);
/* Parses dotted quad or IPv6 text; returns 0 on success, -1 otherwise. */
int ds_ip_parse(const char *s, ds_ip *a);

/* Longest text form of a time, with the terminating NUL. */
#define DS_TIME_STRLEN 32
/* Epoch seconds with exactly 6 decimals ("1626105669.291787"), truncating toward
 * minus infinity so that the text never shows a time later than the packet. */
char *ds_time_format(int64_t ts_ns, char buf[DS_TIME_STRLEN]);

/* Floor division that is correct for negative numerators (pre-1970 timestamps). */
static inline int64_t ds_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Error text buffer used across the API: functions that can fail take one and
 * write a single line naming the file, the offset when there is one, and the reason. */
#define DS_ERRLEN 512

/* Allocation that never returns NULL: darkscope cannot do anything useful without
 * memory, so it prints one line and exits with status 3. */
void *ds_xmalloc(size_t n);
void *ds_xcalloc(size_t n, size_t size);
/* Zeroed like ds_xcalloc, but by writing every byte now. For a large table whose
 * slots are read (probed) before they are written: calloc's fresh pages map the
 * shared zero page on that first read, and the write that follows faults again to
 * copy it, which flushes the TLB of every CPU running a thread of the process (an
 * inter-processor interrupt, a VM exit on a virtual machine). With -j 2 these
 * flushes took 30% of the analysis (ds_scan_rebuild's new tables). */
void *ds_xzalloc(size_t n, size_t size);
void *ds_xrealloc(void *p, size_t n);
char *ds_xstrdup(const char *s);

/* Sorts v[0..n) ascending: an LSD radix sort on 16-bit digits that skips the digits
 * every key shares (for million-element sorts by a packed key, where qsort's
 * comparator calls were most of the work). */
void ds_sort_u64(uint64_t *v, size_t n);

/* Prefetch hints (read, and read for a write). Not plain __builtin_prefetch: in a
 * small inline helper GCC 12 drops it — ipa-pure-const finds the helper free of
 * side effects and deletes the call before inlining (seen in the disassembly: the
 * hash-table hints of the worm, DoS and dissection loops were gone). The empty
 * volatile asm that takes the address keeps the hint; it emits no instruction. */
#define ds_prefetch(p) ds_prefetch_rw_((p), 0)
#define ds_prefetchw(p) ds_prefetch_rw_((p), 1)
#define ds_prefetch_rw_(p, rw)                                                                     \
    do {                                                                                           \
        const void *ds_pf_ = (p);                                                                  \
        __asm__ volatile("" : : "r"(ds_pf_));                                                      \
        __builtin_prefetch(ds_pf_, rw);                                                            \
    } while (0)

#endif

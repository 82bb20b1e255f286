/*
 * ds_pcapng.c — the pcapng file format (draft-ietf-opsawg-pcapng): a sequence of
 * blocks, each "type, total length, body, total length again".
 *
 * A Section Header Block (SHB) starts each section and fixes its byte order (its
 * byte-order magic; the block type 0a0d0d0a reads the same both ways). Each section
 * has its own list of Interface Description Blocks (IDB): link type, snaplen, and the
 * if_tsresol / if_tsoffset options that say what a timestamp unit is. Packets come in
 * Enhanced Packet Blocks (EPB: interface id, 64-bit timestamp, caplen, wire length),
 * in obsolete Packet Blocks (OPB, type 2: the same with a 16-bit interface id) and in
 * Simple Packet Blocks (SPB: only the wire length; interface 0 implied). An SPB has
 * no timestamp, so we give it the timestamp of the previous packet of its section
 * (0, the epoch, before the first one): that keeps time order, which is all the
 * analyzers need from a timestamp-less record. Every other block type (name
 * resolution, statistics, custom, journal, secrets, ...) is skipped by its length.
 *
 * Like ds_pcap.c there are a native and a byte-swapped copy of the reader. The fast
 * path handles the common case, a complete, well-formed EPB of a known interface
 * with a power-of-ten resolution of at most nanoseconds, inline; any other block, or
 * any doubt, goes to ds_pcapng_block(), which validates everything. A block length
 * below 12, not a multiple of 4, above DS_STREAM_MAX_CONTIG, or different from the
 * trailing copy, and an interface id without an IDB, are corruption: the reader
 * stops with an error naming the block's offset. A file that ends inside a block
 * ends cleanly after the last whole block, with a warning.
 */
#include "capture/ds_capture_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define DS_BT_SHB 0x0A0D0D0Au
#define DS_BT_IDB 1u
#define DS_BT_OPB 2u
#define DS_BT_SPB 3u
#define DS_BT_EPB 6u
#define DS_BOM 0x1A2B3C4Du

#define DS_OPT_ENDOFOPT 0
#define DS_OPT_IF_TSRESOL 9
#define DS_OPT_IF_TSOFFSET 14

/* ds_pcapng_block() results besides the DS_CAP_* values. */
enum { DS_NG_AGAIN = 100, DS_NG_RESTART = 101 };

static int64_t ds_ts_slow(const ds_pcapng_if *i, uint64_t units)
{
    uint64_t ns;
    if (i->kind == DS_TS_DIV) {
        ns = units / i->factor;
    } else {
        /* units / 2^k seconds: whole seconds plus the fraction, where frac * 10^9
         * could overflow 64 bits, so it is split into 32-bit halves. */
        unsigned k = i->shift;
        uint64_t sec = units >> k, frac = units & ((UINT64_C(1) << k) - 1);
        uint64_t sub;
        if (k < 32) {
            sub = (frac * 1000000000u) >> k;
        } else {
            uint64_t hi = (frac >> 32) * 1000000000u, lo = (frac & 0xffffffffu) * 1000000000u;
            sub = (hi + (lo >> 32)) >> (k - 32);
        }
        ns = sec * 1000000000u + sub;
    }
    return (int64_t)(ns + (uint64_t)i->off_ns);
}

static inline int64_t ds_ts(const ds_pcapng_if *i, uint64_t units)
{
    if (DS_LIKELY(i->kind == DS_TS_MUL))
        return (int64_t)(units * i->factor + (uint64_t)i->off_ns);
    return ds_ts_slow(i, units);
}

/* Fills the frame from a block whose data starts at p + hdr; consumes the block. */
static inline void ds_ng_emit(ds_capture *c, ds_frame *f, const uint8_t *p, uint32_t blen,
                              size_t hdr, const ds_pcapng_if *ifc, int64_t ts, uint32_t caplen,
                              uint32_t wirelen)
{
    ds_stream *s = c->s;
    /* A timestamp past 2262 wraps, and a negative if_tsoffset goes before 1970: both
     * read as 1970, since the pipeline subtracts timestamps and negative ones made it
     * overflow (a 200-byte pcapng did; see docs/FUZZING.md). */
    ts = ts < 0 ? 0 : ts;
    c->last_ts = ts;
    f->ts_ns = ts;
    f->caplen = caplen;
    f->wirelen = wirelen;
    f->linktype = ifc->linktype;
    f->data = p + hdr;
    f->offset = s->base_off + (uint64_t)(p - s->base);
    s->cur = p + blen;
}

static int ds_ng_idb(ds_capture *c, const uint8_t *p, uint32_t blen, uint64_t off, bool swap)
{
    if (blen < 20)
        return ds_cap_fail(c, off, "interface description block too short (%" PRIu32 " bytes)",
                           blen);
    ds_pcapng_if ifc = {.factor = 1000, .kind = DS_TS_MUL};
    ifc.linktype = ds_rd16(p + 8, swap);
    ifc.snaplen = ds_rd32(p + 12, swap);
    const uint8_t *q = p + 16, *end = p + blen - 4;
    while (end - q >= 4) {
        uint16_t code = ds_rd16(q, swap), len = ds_rd16(q + 2, swap);
        if (code == DS_OPT_ENDOFOPT)
            break;
        size_t padded = ((size_t)len + 3) & ~(size_t)3;
        if (padded > (size_t)(end - q) - 4)
            return ds_cap_fail(c, off, "interface option %u of length %u overruns its block", code,
                               len);
        const uint8_t *v = q + 4;
        if (code == DS_OPT_IF_TSRESOL && len >= 1) {
            unsigned k = v[0] & 0x7f;
            if (v[0] & 0x80) {
                if (k == 0) {
                    ifc.kind = DS_TS_MUL, ifc.factor = 1000000000u;
                } else if (k <= 63) {
                    ifc.kind = DS_TS_SHIFT, ifc.shift = (uint8_t)k;
                } else {
                    return ds_cap_fail(c, off, "unsupported if_tsresol 2^-%u", k);
                }
            } else if (k <= 19) {
                uint64_t pow = 1;
                for (unsigned j = 0; j < (k <= 9 ? 9 - k : k - 9); j++)
                    pow *= 10;
                ifc.kind = k <= 9 ? DS_TS_MUL : DS_TS_DIV;
                ifc.factor = pow;
            } else {
                return ds_cap_fail(c, off, "unsupported if_tsresol 10^-%u", k);
            }
        } else if (code == DS_OPT_IF_TSOFFSET && len >= 8) {
            uint64_t lo = ds_rd32(v, swap), hi = ds_rd32(v + 4, swap);
            /* A 64-bit option value is in section byte order as a whole. */
            uint64_t secs = ds_host_is_le() != swap ? (hi << 32 | lo) : (lo << 32 | hi);
            ifc.off_ns = (int64_t)(secs * 1000000000u);
        }
        q += 4 + padded;
    }
    if (c->n_if == c->cap_if) {
        c->cap_if = c->cap_if ? 2 * c->cap_if : 4;
        c->ifs = ds_xrealloc(c->ifs, c->cap_if * sizeof *c->ifs);
    }
    c->ifs[c->n_if++] = ifc;
    ds_cap_add_linktype(c, ifc.linktype);
    return DS_NG_AGAIN;
}

static int ds_pcapng_next_native(ds_capture *c, ds_frame *f);
static int ds_pcapng_next_swapped(ds_capture *c, ds_frame *f);

static int ds_ng_shb(ds_capture *c, const uint8_t *p, uint32_t blen, uint64_t off, bool swap)
{
    if (blen < 28)
        return ds_cap_fail(c, off, "section header block too short (%" PRIu32 " bytes)", blen);
    uint16_t major = ds_rd16(p + 12, swap), minor = ds_rd16(p + 14, swap);
    if (major != 1)
        return ds_cap_fail(c, off, "unsupported pcapng version %u.%u", major, minor);
    c->n_if = 0;
    c->last_ts = 0;
    c->sections++;
    bool changed = swap != c->swap;
    c->swap = swap;
    c->byte_order = (ds_host_is_le() != swap) ? "little-endian" : "big-endian";
    c->next = swap ? ds_pcapng_next_swapped : ds_pcapng_next_native;
    return changed ? DS_NG_RESTART : DS_NG_AGAIN;
}

/* Reads and handles one block of any type with full validation. Returns a DS_CAP_*
 * value, DS_NG_AGAIN when the block was consumed without a frame, or DS_NG_RESTART
 * when a new section switched the byte order. f may be NULL for the first SHB. */
static int ds_pcapng_block(ds_capture *c, ds_frame *f, bool swap)
{
    ds_stream *s = c->s;
    if (atomic_load_explicit(&c->stop, memory_order_relaxed))
        return ds_cap_eof(c);
    uint64_t off = ds_stream_offset(s);
    int r = ds_stream_fill(s, 12);
    if (r < 0)
        return ds_cap_stream_failed(c);
    if (r == 0) {
        if (ds_stream_avail(s))
            ds_cap_warn(c, "offset %" PRIu64 ": last block header truncated (%zu of 12 bytes)", off,
                        ds_stream_avail(s));
        return ds_cap_eof(c);
    }
    const uint8_t *p = s->cur;
    uint32_t type = ds_rd32(p, swap);
    if (type == DS_BT_SHB) {
        uint32_t bom = ds_rd32(p + 8, false);
        if (bom == DS_BOM)
            swap = false;
        else if (bom == __builtin_bswap32(DS_BOM))
            swap = true;
        else
            return ds_cap_fail(c, off,
                               "section header with a bad byte-order magic %02x%02x%02x%02x", p[8],
                               p[9], p[10], p[11]);
    }
    uint32_t blen = ds_rd32(p + 4, swap);
    if (blen < 12)
        return ds_cap_fail(c, off, "pcapng block length %" PRIu32 " is less than 12", blen);
    if (blen % 4)
        return ds_cap_fail(c, off, "pcapng block length %" PRIu32 " is not a multiple of 4", blen);
    if (blen > DS_STREAM_MAX_CONTIG)
        return ds_cap_fail(c, off, "pcapng block length %" PRIu32 " exceeds the %u-byte limit",
                           blen, DS_STREAM_MAX_CONTIG);
    r = ds_stream_fill(s, blen);
    if (r < 0)
        return ds_cap_stream_failed(c);
    if (r == 0) {
        ds_cap_warn(c, "offset %" PRIu64 ": last block truncated (%zu of %" PRIu32 " bytes)", off,
                    ds_stream_avail(s), blen);
        return ds_cap_eof(c);
    }
    p = s->cur;
    uint32_t trail = ds_rd32(p + blen - 4, swap);
    if (trail != blen)
        return ds_cap_fail(
            c, off, "pcapng block trailing length %" PRIu32 " differs from its length %" PRIu32,
            trail, blen);
    uint32_t ifid, caplen, wirelen;
    uint64_t units;
    size_t hdr;
    switch (type) {
    case DS_BT_SHB:
        r = ds_ng_shb(c, p, blen, off, swap);
        if (r >= DS_NG_AGAIN)
            ds_stream_consume(s, blen);
        return r;
    case DS_BT_IDB:
        r = ds_ng_idb(c, p, blen, off, swap);
        if (r == DS_NG_AGAIN)
            ds_stream_consume(s, blen);
        return r;
    case DS_BT_EPB:
    case DS_BT_OPB:
        if (blen < 32)
            return ds_cap_fail(c, off, "packet block too short (%" PRIu32 " bytes)", blen);
        ifid = type == DS_BT_EPB ? ds_rd32(p + 8, swap) : ds_rd16(p + 8, swap);
        units = (uint64_t)ds_rd32(p + 12, swap) << 32 | ds_rd32(p + 16, swap);
        caplen = ds_rd32(p + 20, swap);
        wirelen = ds_rd32(p + 24, swap);
        hdr = 28;
        if (ifid >= c->n_if)
            return ds_cap_fail(c, off,
                               "packet of interface %" PRIu32 " but the section has %" PRIu32
                               " interface(s)",
                               ifid, c->n_if);
        if (caplen > blen - 32)
            return ds_cap_fail(c, off,
                               "packet length %" PRIu32 " exceeds its block (%" PRIu32 " bytes)",
                               caplen, blen);
        ds_ng_emit(c, f, p, blen, hdr, &c->ifs[ifid], ds_ts(&c->ifs[ifid], units), caplen, wirelen);
        return DS_CAP_FRAME;
    case DS_BT_SPB: {
        if (blen < 16)
            return ds_cap_fail(c, off, "simple packet block too short (%" PRIu32 " bytes)", blen);
        if (c->n_if == 0)
            return ds_cap_fail(c, off, "simple packet block before any interface description");
        const ds_pcapng_if *ifc = &c->ifs[0];
        wirelen = ds_rd32(p + 8, swap);
        caplen = wirelen;
        if (ifc->snaplen && caplen > ifc->snaplen)
            caplen = ifc->snaplen;
        if (caplen > blen - 16)
            caplen = blen - 16;
        ds_ng_emit(c, f, p, blen, 12, ifc, c->last_ts, caplen, wirelen);
        return DS_CAP_FRAME;
    }
    default:
        ds_stream_consume(s, blen);
        return DS_NG_AGAIN;
    }
}

static inline int ds_pcapng_next_impl(ds_capture *c, ds_frame *f, bool swap)
{
    ds_stream *s = c->s;
    for (;;) {
        const uint8_t *p = s->cur;
        size_t avail = (size_t)(s->end - p);
        if (DS_LIKELY(avail >= 32)) {
            uint32_t type = ds_rd32(p, swap), blen = ds_rd32(p + 4, swap);
            if (DS_LIKELY(type == DS_BT_EPB && blen >= 32 && blen <= avail && !(blen & 3))) {
                uint32_t ifid = ds_rd32(p + 8, swap), caplen = ds_rd32(p + 20, swap);
                if (DS_LIKELY(ifid < c->n_if && caplen <= blen - 32 &&
                              ds_rd32(p + blen - 4, swap) == blen)) {
                    const ds_pcapng_if *ifc = &c->ifs[ifid];
                    uint64_t units = (uint64_t)ds_rd32(p + 12, swap) << 32 | ds_rd32(p + 16, swap);
                    ds_ng_emit(c, f, p, blen, 28, ifc, ds_ts(ifc, units), caplen,
                               ds_rd32(p + 24, swap));
                    return DS_CAP_FRAME;
                }
            }
        }
        int r = ds_pcapng_block(c, f, swap);
        if (r == DS_NG_RESTART)
            return c->next(c, f);
        if (r != DS_NG_AGAIN)
            return r;
    }
}

static int ds_pcapng_next_native(ds_capture *c, ds_frame *f)
{
    return ds_pcapng_next_impl(c, f, false);
}
static int ds_pcapng_next_swapped(ds_capture *c, ds_frame *f)
{
    return ds_pcapng_next_impl(c, f, true);
}

int ds_pcapng_init(ds_capture *c)
{
    c->format = "pcapng";
    c->swap = false;
    int r = ds_pcapng_block(c, NULL, false);
    if (r == DS_NG_AGAIN || r == DS_NG_RESTART)
        return 0;
    if (r == DS_CAP_EOF)
        snprintf(c->err, sizeof c->err, "truncated pcapng section header (%zu bytes)",
                 ds_stream_avail(c->s));
    return -1;
}

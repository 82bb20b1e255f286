/*
 * ds_pcap.c — the classic libpcap file format: a 24-byte file header, then records
 * of a 16-byte header (seconds, fraction, caplen, wire length) and caplen bytes.
 *
 * The fraction is microseconds (magic a1b2c3d4) or nanoseconds (a1b23c4d); the
 * magic's byte order on disk gives the byte order of every field. Both are fixed for
 * the file, so there are two copies of the reader (native and byte-swapped), each a
 * straight-line fast path: if the window holds the whole record and caplen is sane,
 * fill in the frame with a pointer into the window and advance; no call, no copy.
 * Everything else (refill, end of input, corruption) is the out-of-line slow path.
 *
 * Corruption: caplen above the file's snaplen (when the snaplen is set) or above
 * DS_STREAM_MAX_CONTIG means the reader is no longer on a record boundary, so it
 * stops with an error naming the record's offset. A file that ends inside a record
 * (a capture cut short) ends cleanly after the last whole record, with a warning.
 * caplen 0 is legal and yields an empty frame.
 */
#include "capture/ds_capture_int.h"

#include <inttypes.h>
#include <stdio.h>

#define DS_PCAP_HDR 24
#define DS_PCAP_REC 16
#define DS_PCAP_MAX_CAPLEN (DS_STREAM_MAX_CONTIG - DS_PCAP_REC)

static inline void ds_pcap_emit(ds_capture *c, ds_frame *f, const uint8_t *p, uint32_t caplen,
                                bool swap)
{
    ds_stream *s = c->s;
    f->ts_ns =
        (int64_t)ds_rd32(p, swap) * DS_NS_PER_SEC + (int64_t)ds_rd32(p + 4, swap) * c->frac_mul;
    f->caplen = caplen;
    f->wirelen = ds_rd32(p + 12, swap);
    f->linktype = c->linktype;
    f->data = p + DS_PCAP_REC;
    f->offset = s->base_off + (uint64_t)(p - s->base);
    s->cur = p + DS_PCAP_REC + caplen;
}

static int ds_pcap_slow(ds_capture *c, ds_frame *f, bool swap)
{
    ds_stream *s = c->s;
    if (atomic_load_explicit(&c->stop, memory_order_relaxed))
        return ds_cap_eof(c);
    uint64_t off = ds_stream_offset(s);
    int r = ds_stream_fill(s, DS_PCAP_REC);
    if (r < 0)
        return ds_cap_stream_failed(c);
    if (r == 0) {
        if (ds_stream_avail(s))
            ds_cap_warn(c, "offset %" PRIu64 ": last record header truncated (%zu of %d bytes)",
                        off, ds_stream_avail(s), DS_PCAP_REC);
        return ds_cap_eof(c);
    }
    uint32_t caplen = ds_rd32(s->cur + 8, swap);
    if (caplen > c->maxcap) {
        if (c->snaplen && caplen > c->snaplen)
            return ds_cap_fail(c, off,
                               "record length %" PRIu32 " exceeds the snaplen %" PRIu32
                               " (corrupt or misaligned record)",
                               caplen, c->snaplen);
        return ds_cap_fail(c, off,
                           "record length %" PRIu32 " exceeds the %u-byte limit"
                           " (corrupt or misaligned record)",
                           caplen, (unsigned)DS_PCAP_MAX_CAPLEN);
    }
    r = ds_stream_fill(s, DS_PCAP_REC + (size_t)caplen);
    if (r < 0)
        return ds_cap_stream_failed(c);
    if (r == 0) {
        ds_cap_warn(c, "offset %" PRIu64 ": last record truncated (%zu of %zu bytes)", off,
                    ds_stream_avail(s), DS_PCAP_REC + (size_t)caplen);
        return ds_cap_eof(c);
    }
    ds_pcap_emit(c, f, s->cur, caplen, swap);
    return DS_CAP_FRAME;
}

static inline int ds_pcap_next_impl(ds_capture *c, ds_frame *f, bool swap)
{
    const ds_stream *s = c->s;
    const uint8_t *p = s->cur;
    size_t avail = (size_t)(s->end - p);
    if (DS_LIKELY(avail >= DS_PCAP_REC)) {
        uint32_t caplen = ds_rd32(p + 8, swap);
        if (DS_LIKELY(caplen <= c->maxcap && avail - DS_PCAP_REC >= caplen)) {
            ds_pcap_emit(c, f, p, caplen, swap);
            return DS_CAP_FRAME;
        }
    }
    return ds_pcap_slow(c, f, swap);
}

static int ds_pcap_next_native(ds_capture *c, ds_frame *f)
{
    return ds_pcap_next_impl(c, f, false);
}
static int ds_pcap_next_swapped(ds_capture *c, ds_frame *f)
{
    return ds_pcap_next_impl(c, f, true);
}

int ds_pcap_init(ds_capture *c)
{
    ds_stream *s = c->s;
    int r = ds_stream_fill(s, DS_PCAP_HDR);
    if (r < 0) {
        snprintf(c->err, sizeof c->err, "%s", ds_stream_error(s));
        return -1;
    }
    if (r == 0) {
        snprintf(c->err, sizeof c->err, "truncated pcap file header (%zu of %d bytes)",
                 ds_stream_avail(s), DS_PCAP_HDR);
        return -1;
    }
    const uint8_t *p = s->cur;
    bool file_le = p[0] != 0xa1;
    bool nano = p[1] == 0x3c || p[2] == 0x3c;
    c->swap = file_le != ds_host_is_le();
    c->byte_order = file_le ? "little-endian" : "big-endian";
    c->format = nano ? "pcap-ns" : "pcap";
    c->frac_mul = nano ? 1 : 1000;
    uint16_t major = ds_rd16(p + 4, c->swap), minor = ds_rd16(p + 6, c->swap);
    if (major != 2) {
        snprintf(c->err, sizeof c->err, "unsupported pcap version %u.%u", major, minor);
        return -1;
    }
    c->snaplen = ds_rd32(p + 16, c->swap);
    /* The upper bits of the link-type field carry FCS information (pcap-savefile(5)). */
    c->linktype = (uint16_t)(ds_rd32(p + 20, c->swap) & 0xffff);
    c->maxcap = c->snaplen && c->snaplen < DS_PCAP_MAX_CAPLEN ? c->snaplen : DS_PCAP_MAX_CAPLEN;
    ds_cap_add_linktype(c, c->linktype);
    ds_stream_consume(s, DS_PCAP_HDR);
    c->next = c->swap ? ds_pcap_next_swapped : ds_pcap_next_native;
    return 0;
}

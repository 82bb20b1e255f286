/*
 * ds_capture_int.h — private to src/capture: the capture object that ds_capture.c,
 * ds_pcap.c, ds_pcapng.c and ds_live.c share, and the helpers they all use.
 *
 * A capture is a next() function pointer plus the state of its format. Dispatch is
 * one indirect call per frame; the format code behind it reads straight out of the
 * stream window. When a capture ends (EOF or error) next is switched to a function
 * that returns the same result forever, so the hot paths never test for "already
 * finished".
 */
#ifndef DS_CAPTURE_INT_H
#define DS_CAPTURE_INT_H

#include "capture/ds_capture.h"
#include "capture/ds_stream.h"

#include <stdatomic.h>

#define DS_LIKELY(x) __builtin_expect(!!(x), 1)
#define DS_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* How a pcapng interface turns timestamp units into nanoseconds. */
enum ds_ts_kind {
    DS_TS_MUL,  /* 10^-k with k <= 9 (and 2^0): units * factor */
    DS_TS_DIV,  /* 10^-k with k > 9: units / factor */
    DS_TS_SHIFT /* 2^-k: units * 10^9 / 2^k, without overflow */
};

typedef struct ds_pcapng_if {
    uint64_t factor;
    int64_t off_ns; /* if_tsoffset, in ns */
    uint32_t snaplen;
    uint16_t linktype;
    uint8_t kind;
    uint8_t shift;
} ds_pcapng_if;

#define DS_CAP_MAX_LINKTYPES 64

struct ds_capture {
    int (*next)(ds_capture *c, ds_frame *f);
    ds_stream *s; /* NULL for live captures */

    /* classic pcap */
    uint32_t maxcap; /* largest legal caplen: the snaplen, or the sanity bound */
    uint32_t snaplen;
    uint16_t linktype;
    int64_t frac_mul; /* 1000 for µs files, 1 for ns files */

    /* pcapng */
    ds_pcapng_if *ifs;
    uint32_t n_if, cap_if;
    int64_t last_ts; /* of the section, for Simple Packet Blocks */
    uint64_t sections;

    /* live */
    void *live;

    bool swap; /* file byte order differs from the host's */
    int sticky;
    const char *format;
    const char *byte_order;
    uint16_t linktypes[DS_CAP_MAX_LINKTYPES];
    size_t n_linktypes;
    atomic_int stop;
    char err[DS_ERRLEN];
    char warn[DS_ERRLEN];
};

static inline uint16_t ds_rd16(const uint8_t *p, bool swap)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return swap ? __builtin_bswap16(v) : v;
}

static inline uint32_t ds_rd32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

static inline bool ds_host_is_le(void)
{
    return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}

/* Ends the capture with an error "offset N: ..." (off == UINT64_MAX: no offset). */
int ds_cap_fail(ds_capture *c, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ends the capture because the stream failed (its message becomes the error). */
int ds_cap_stream_failed(ds_capture *c);
/* Ends the capture cleanly; the stream's warnings join the capture's. */
int ds_cap_eof(ds_capture *c);
/* Appends a warning. */
void ds_cap_warn(ds_capture *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ds_cap_add_linktype(ds_capture *c, uint16_t lt);

/* Format set-up, called with the stream positioned at the file header; they return
 * 0, or -1 with the reason in c->err. */
int ds_pcap_init(ds_capture *c);
int ds_pcapng_init(ds_capture *c);
/* Releases the libpcap side of a live capture (ds_live.c). */
void ds_live_close(ds_capture *c);

#endif

/*
 * ds_capture.h — the capture-reading contract: one object per input (a file, standard
 * input, or a live interface) that yields link-layer frames with their timestamps.
 *
 * The format is detected from the first bytes, never from the name: classic pcap in
 * either byte order with microsecond or nanosecond timestamps, and pcapng (any number
 * of sections and interfaces, each interface with its own link type, if_tsresol and
 * if_tsoffset). Compression layers (gzip, zstd, xz, bzip2) are recognised by their
 * magic bytes and peeled off one after another, so gzip inside gzip works.
 *
 * A frame's data pointer stays valid only until the next call on the same capture:
 * the reader hands out pointers into its own buffer to avoid a copy per packet.
 */
#ifndef DS_CAPTURE_H
#define DS_CAPTURE_H

#include "core/ds_common.h"

typedef struct ds_frame {
    int64_t ts_ns;       /* timestamp, ns since the epoch */
    uint32_t caplen;     /* bytes present at data */
    uint32_t wirelen;    /* original length on the wire */
    uint16_t linktype;   /* LINKTYPE_* value of the frame's interface */
    const uint8_t *data; /* caplen bytes, valid until the next ds_capture_next() */
    uint64_t offset;     /* byte offset of the record in the (decompressed) capture */
} ds_frame;

/* ds_capture_next() results. */
enum {
    DS_CAP_ERROR = -1, /* unrecoverable corruption: ds_capture_error() says where and why */
    DS_CAP_EOF = 0,    /* end of input (a truncated last record sets a warning first) */
    DS_CAP_FRAME = 1,  /* *f holds a frame */
    DS_CAP_TIMEOUT = 2 /* live capture only: no packet within the poll timeout */
};

typedef struct ds_capture ds_capture;

/* Opens a capture file; "-" reads standard input. On failure returns NULL and writes
 * "PATH: reason" (with "at offset N" when the content is at fault) into err. */
ds_capture *ds_capture_open(const char *path, char *err, size_t errlen);

/* Opens a capture from a caller-owned memory block that must outlive the capture
 * (tests, fuzzing); compression layers are peeled as for files. */
ds_capture *ds_capture_open_mem(const void *data, size_t n, const char *name, char *err,
                                size_t errlen);

/* Opens a capture over an already opened byte stream (see capture/ds_stream.h), which
 * the capture then owns, also on failure. */
struct ds_stream;
ds_capture *ds_capture_open_stream(struct ds_stream *s, const char *name, char *err, size_t errlen);

/* Opens a live capture on an interface through libpcap. bpf may be NULL. The poll
 * timeout bounds how long ds_capture_next() blocks before returning DS_CAP_TIMEOUT
 * (timeout_ms <= 0: no bound, only ds_capture_break ends the wait). snaplen <= 0
 * means 262144. */
ds_capture *ds_capture_open_live(const char *iface, const char *bpf, int snaplen, int timeout_ms,
                                 char *err, size_t errlen);

/* Reads the next frame. See the DS_CAP_* values. After DS_CAP_ERROR or DS_CAP_EOF
 * further calls return the same value. */
int ds_capture_next(ds_capture *c, ds_frame *f);

/* Makes a blocking live capture return (from another thread or a signal handler);
 * the waiting (or next) ds_capture_next() gives DS_CAP_EOF. On a file it ends the
 * capture at the next refill. */
void ds_capture_break(ds_capture *c);

/* Message for the last DS_CAP_ERROR ("offset 1234: pcapng block length 7 is not a
 * multiple of 4"), or NULL. */
const char *ds_capture_error(const ds_capture *c);
/* Non-fatal problems seen so far, e.g. "offset 4560: last record truncated (12 of
 * 60 bytes)", or NULL. */
const char *ds_capture_warning(const ds_capture *c);

/* "pcap", "pcap-ns", "pcapng" or "live". */
const char *ds_capture_format(const ds_capture *c);
/* "little-endian" or "big-endian" for files; "host" for live. */
const char *ds_capture_byte_order(const ds_capture *c);
/* Compression layers outermost first joined by '+', e.g. "gzip+gzip"; "none". */
const char *ds_capture_compression(const ds_capture *c);
/* Distinct link types met so far (up to max), returns how many there are. */
size_t ds_capture_linktypes(const ds_capture *c, uint16_t *out, size_t max);
/* Bytes consumed from the underlying file or pipe (compressed), for progress. */
uint64_t ds_capture_bytes_read(const ds_capture *c);
/* Size of the underlying file in bytes, 0 when unknown (pipe, stdin, live). */
uint64_t ds_capture_file_size(const ds_capture *c);
/* Live captures: packets dropped by the kernel as libpcap reports them. */
uint64_t ds_capture_dropped(const ds_capture *c);

void ds_capture_close(ds_capture *c);

/* Name of a link type for reports: "ETHERNET", "RAW", "LINUX_SLL2", ... */
const char *ds_linktype_name(uint16_t linktype);

#endif

/*
 * ds_capture.c — opening a capture file: format detection, dispatch, the shared
 * end-of-capture bookkeeping, the accessors, and link-type names. The formats are in
 * ds_pcap.c and ds_pcapng.c, live capture in ds_live.c, bytes in ds_stream.c.
 *
 * The format comes from the first four bytes after every compression layer has been
 * peeled off, never from the file name (half of the team's sample captures carry the
 * wrong extension). Anything else is refused with the bytes it starts with, so a
 * user sees at once whether they gave a text file, an HTML error page or zeros.
 */
#include "capture/ds_capture_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- shared helpers for the format readers ------------------------------------------ */

static int ds_cap_sticky(ds_capture *c, ds_frame *f)
{
    (void)f;
    return c->sticky;
}

static void ds_cap_finish(ds_capture *c, int result)
{
    uint64_t at;
    if (c->s && ds_stream_shrank(c->s, &at)) {
        /* Whatever the parser made of the 0xff page, the cause is this. */
        snprintf(c->err, sizeof c->err,
                 "file offset %" PRIu64 ": the file shrank while it was being read "
                 "(truncated by another process); reading stopped there",
                 at);
        result = DS_CAP_ERROR;
    }
    c->sticky = result;
    c->next = ds_cap_sticky;
}

/* A decoder that met corruption serves what it decoded before it, which can be
 * damaged already: then what the parser found wrong (msg) is the symptom and the
 * decoder's error the cause, and msg is rewritten to say both. */
static void ds_cap_blame(const ds_stream *s, char *msg, size_t cap)
{
    const char *cause = s ? ds_stream_pending_error(s) : NULL;
    if (!cause || !*cause || strncmp(msg, cause, strlen(cause)) == 0) /* said already */
        return;
    char symptom[DS_ERRLEN];
    snprintf(symptom, sizeof symptom, "%s", msg);
    snprintf(msg, cap, "%.200s (the data decoded before it was damaged already: %.240s)", cause,
             symptom);
}

int ds_cap_fail(ds_capture *c, uint64_t off, const char *fmt, ...)
{
    int used = 0;
    if (off != UINT64_MAX)
        used = snprintf(c->err, sizeof c->err, "offset %" PRIu64 ": ", off);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + used, sizeof c->err - (size_t)used, fmt, ap);
    va_end(ap);
    ds_cap_blame(c->s, c->err, sizeof c->err);
    ds_cap_finish(c, DS_CAP_ERROR);
    return DS_CAP_ERROR;
}

int ds_cap_stream_failed(ds_capture *c)
{
    const char *e = c->s ? ds_stream_error(c->s) : NULL;
    snprintf(c->err, sizeof c->err, "%s", e ? e : "read error");
    ds_cap_finish(c, DS_CAP_ERROR);
    return DS_CAP_ERROR;
}

void ds_cap_warn(ds_capture *c, const char *fmt, ...)
{
    size_t used = strlen(c->warn);
    if (used + 3 >= sizeof c->warn)
        return;
    if (used) {
        memcpy(c->warn + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->warn + used, sizeof c->warn - used, fmt, ap);
    va_end(ap);
}

int ds_cap_eof(ds_capture *c)
{
    const char *w = c->s ? ds_stream_warning(c->s) : NULL;
    if (w)
        ds_cap_warn(c, "%s", w);
    ds_cap_finish(c, DS_CAP_EOF);
    return c->sticky;
}

void ds_cap_add_linktype(ds_capture *c, uint16_t lt)
{
    for (size_t i = 0; i < c->n_linktypes; i++)
        if (c->linktypes[i] == lt)
            return;
    if (c->n_linktypes < DS_CAP_MAX_LINKTYPES)
        c->linktypes[c->n_linktypes++] = lt;
}

/* ---- opening ------------------------------------------------------------------------ */

ds_capture *ds_capture_open_stream(ds_stream *s, const char *name, char *err, size_t errlen)
{
    int r = ds_stream_fill(s, 4);
    if (r < 0) {
        snprintf(err, errlen, "%s: %s", name, ds_stream_error(s));
        ds_stream_close(s);
        return NULL;
    }
    const char *comp = ds_stream_compression(s);
    bool compressed = ds_stream_layers(s) > 0;
    size_t n = ds_stream_avail(s);
    const uint8_t *p = s->cur;
    if (n < 4) {
        /* A truncated compressed stream may decode to nothing: say so. */
        const char *w = ds_stream_warning(s);
        if (n == 0)
            snprintf(err, errlen, "%s: empty%s%s, not a capture file%s%s%s", name,
                     compressed ? " after decompression with " : " input", compressed ? comp : "",
                     w ? " (" : "", w ? w : "", w ? ")" : "");
        else
            snprintf(err, errlen, "%s: too short to be a capture file (%zu bytes%s%s)%s%s%s", name,
                     n, compressed ? " after " : "", compressed ? comp : "", w ? " (" : "",
                     w ? w : "", w ? ")" : "");
        ds_stream_close(s);
        return NULL;
    }
    ds_capture *c = ds_xcalloc(1, sizeof *c);
    c->s = s;
    atomic_init(&c->stop, 0);
    static const uint8_t kuznetzov_le[4] = {0x34, 0xcd, 0xb2, 0xa1};
    static const uint8_t kuznetzov_be[4] = {0xa1, 0xb2, 0xcd, 0x34};
    int ok;
    if ((p[0] == 0xd4 && p[1] == 0xc3 && p[2] == 0xb2 && p[3] == 0xa1) ||
        (p[0] == 0xa1 && p[1] == 0xb2 && p[2] == 0xc3 && p[3] == 0xd4) ||
        (p[0] == 0x4d && p[1] == 0x3c && p[2] == 0xb2 && p[3] == 0xa1) ||
        (p[0] == 0xa1 && p[1] == 0xb2 && p[2] == 0x3c && p[3] == 0x4d)) {
        ok = ds_pcap_init(c);
    } else if (p[0] == 0x0a && p[1] == 0x0d && p[2] == 0x0d && p[3] == 0x0a) {
        ok = ds_pcapng_init(c);
    } else if (memcmp(p, kuznetzov_le, 4) == 0 || memcmp(p, kuznetzov_be, 4) == 0) {
        snprintf(c->err, sizeof c->err,
                 "modified (Kuznetzov) pcap format is not supported; convert it with editcap");
        ok = -1;
    } else {
        snprintf(c->err, sizeof c->err, "not a capture file%s%s (first bytes %02x %02x %02x %02x)",
                 compressed ? " after decompression with " : "", compressed ? comp : "", p[0], p[1],
                 p[2], p[3]);
        ok = -1;
    }
    if (ok < 0) {
        ds_cap_blame(s, c->err, sizeof c->err);
        snprintf(err, errlen, "%s: %s", name, c->err);
        ds_capture_close(c);
        return NULL;
    }
    return c;
}

ds_capture *ds_capture_open(const char *path, char *err, size_t errlen)
{
    ds_stream *s = ds_stream_open(path, err, errlen);
    if (!s)
        return NULL;
    return ds_capture_open_stream(s, strcmp(path, "-") == 0 ? "stdin" : path, err, errlen);
}

ds_capture *ds_capture_open_mem(const void *data, size_t n, const char *name, char *err,
                                size_t errlen)
{
    ds_stream *s = ds_stream_open_mem(data, n, name, err, errlen);
    if (!s)
        return NULL;
    return ds_capture_open_stream(s, name, err, errlen);
}

int ds_capture_next(ds_capture *c, ds_frame *f)
{
    return c->next(c, f);
}

/* ---- accessors ---------------------------------------------------------------------- */

const char *ds_capture_error(const ds_capture *c)
{
    return c->err[0] ? c->err : NULL;
}
const char *ds_capture_warning(const ds_capture *c)
{
    return c->warn[0] ? c->warn : NULL;
}
const char *ds_capture_format(const ds_capture *c)
{
    return c->format;
}
const char *ds_capture_byte_order(const ds_capture *c)
{
    return c->byte_order;
}

const char *ds_capture_compression(const ds_capture *c)
{
    return c->s ? ds_stream_compression(c->s) : "none";
}

size_t ds_capture_linktypes(const ds_capture *c, uint16_t *out, size_t max)
{
    for (size_t i = 0; i < c->n_linktypes && i < max; i++)
        out[i] = c->linktypes[i];
    return c->n_linktypes;
}

uint64_t ds_capture_bytes_read(const ds_capture *c)
{
    return c->s ? ds_stream_bytes_read(c->s) : 0;
}

uint64_t ds_capture_file_size(const ds_capture *c)
{
    return c->s ? ds_stream_file_size(c->s) : 0;
}

void ds_capture_close(ds_capture *c)
{
    if (!c)
        return;
    if (c->live)
        ds_live_close(c);
    ds_stream_close(c->s);
    free(c->ifs);
    free(c);
}

/* ---- link types --------------------------------------------------------------------- */

const char *ds_linktype_name(uint16_t linktype)
{
    switch (linktype) {
    case 0:
        return "NULL";
    case 1:
        return "ETHERNET";
    case 6:
        return "IEEE802_5";
    case 8:
        return "SLIP";
    case 9:
        return "PPP";
    case 10:
        return "FDDI";
    case 50:
        return "PPP_HDLC";
    case 51:
        return "PPP_ETHER";
    case 100:
        return "ATM_RFC1483";
    case 101:
        return "RAW";
    case 104:
        return "C_HDLC";
    case 105:
        return "IEEE802_11";
    case 107:
        return "FRELAY";
    case 108:
        return "LOOP";
    case 113:
        return "LINUX_SLL";
    case 119:
        return "IEEE802_11_PRISM";
    case 127:
        return "IEEE802_11_RADIOTAP";
    case 141:
        return "MTP3";
    case 147:
        return "USER0";
    case 192:
        return "PPI";
    case 195:
        return "IEEE802_15_4_WITHFCS";
    case 201:
        return "ERF";
    case 220:
        return "USB_LINUX_MMAPPED";
    case 228:
        return "IPV4";
    case 229:
        return "IPV6";
    case 239:
        return "NFLOG";
    case 249:
        return "USBPCAP";
    case 252:
        return "WIRESHARK_UPPER_PDU";
    case 263:
        return "IPOIB";
    case 274:
        return "NORDIC_BLE";
    case 276:
        return "LINUX_SLL2";
    default:
        return "UNKNOWN";
    }
}

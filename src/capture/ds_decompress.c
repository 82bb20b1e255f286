/*
 * ds_decompress.c — the decompression layers of a ds_stream: gzip, zstd, xz, bzip2.
 *
 * Each codec is a produce() hook: it takes input from the window of the layer below
 * (pulling more with ds_stream_fill when that window is empty) and decompresses
 * straight into the free room of its own buffer, so decompressed bytes are written
 * once and then parsed in place. Concatenations are handled the way the command-line
 * tools handle them: gzip and bzip2 restart after each member or stream, zstd and
 * xz do it inside the library (multiple frames, LZMA_CONCATENATED).
 *
 * gzip uses ISA-L's isal_inflate when it was found at build time (several times
 * faster than zlib), zlib otherwise. ISA-L reads input ahead into a 64-bit bit
 * buffer, so at the end of a member up to 8 bytes of the next member may sit there;
 * they are put back in a small pending buffer and fed before the rest of the input.
 *
 * Decoders can hold decoded bytes back when the output room runs out, so after a
 * call that filled the room completely we call again before asking for more input.
 * An input that ends inside a member or frame is not an error: everything decoded
 * so far is delivered and a warning says the stream was cut short (a capture still
 * being written, a partial download). Garbage after a complete gzip or bzip2 member
 * is ignored with a warning, as gzip(1) and bzip2(1) do (an outer compression layer
 * is still read to its end, for its own errors). Corrupt data is an error naming the
 * offset in the layer's input; the bytes decoded before it are delivered first
 * (gzip: only those of the calls before the failing one).
 */
#include "capture/ds_stream_int.h"

#include <bzlib.h>
#include <limits.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <zstd.h>
#ifdef DS_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

enum ds_codec ds_codec_sniff(const uint8_t *p, size_t n)
{
    if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
        return DS_CODEC_GZIP;
    /* A zstd frame, or a skippable frame as pzstd writes first. */
    if (n >= 4 && ((p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) ||
                   ((p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18)))
        return DS_CODEC_ZSTD;
    if (n >= 6 && memcmp(p,
                         "\xfd"
                         "7zXZ\0",
                         6) == 0)
        return DS_CODEC_XZ;
    if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9')
        return DS_CODEC_BZIP2;
    return DS_CODEC_NONE;
}

const char *ds_codec_name(enum ds_codec c)
{
    switch (c) {
    case DS_CODEC_GZIP:
        return "gzip";
    case DS_CODEC_ZSTD:
        return "zstd";
    case DS_CODEC_XZ:
        return "xz";
    case DS_CODEC_BZIP2:
        return "bzip2";
    default:
        return "none";
    }
}

/* Makes input available in the layer below: 1 when there is some, 0 at its end, -1 on
 * an error there (already recorded in the shared error text). */
static int ds_codec_input(ds_layer *L)
{
    ds_stream *in = &L->below->win;
    if (ds_stream_avail(in))
        return 1;
    int r = ds_stream_fill(in, 1);
    if (r < 0)
        L->failed = true;
    return r;
}

/* Garbage after the last gzip member or bzip2 stream ends this layer (with a
 * warning); a compressed layer below it is still read to its end, so that whether
 * its own corruption is reported does not depend on whether this layer saw the
 * garbage first (a pipe's small reads) or the error first (the whole file at once).
 * Returns 0, or -1 when the layer below fails. */
static int ds_codec_trailing_garbage(ds_layer *L, uint64_t in_off, const char *what)
{
    ds_layer_warn(L, in_off, what);
    L->eof = true;
    ds_stream *in = &L->below->win;
    if (L->below->codec == DS_CODEC_NONE)
        return 0; /* the source itself cannot be corrupt */
    for (;;) {
        in->cur = in->end;
        int r = ds_stream_fill(in, 1);
        if (r <= 0)
            return r;
    }
}

static inline size_t ds_min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* ---- gzip ------------------------------------------------------------------------ */

typedef struct ds_gzip {
#ifdef DS_HAVE_ISAL
    struct inflate_state st;
    /* isal_inflate() parses a gzip header with a header struct on its own stack, so
     * a header split across two calls (long FNAME, FEXTRA, FHCRC) is parsed from
     * uninitialised state; isal_read_gzip_header() with this persistent one is the
     * streaming way (found by fuzz_capture, seen by valgrind). */
    struct isal_gzip_header hdr;
#else
    z_stream z;
#endif
    uint8_t pend[16]; /* input read ahead past a member's end (ISA-L's bit buffer) */
    size_t npend;
    uint64_t members;   /* completed members */
    uint64_t member_in; /* input bytes consumed by the current member */
    uint64_t member_out;
    bool out_full; /* the last call filled the room: it may hold more output */
} ds_gzip;

#ifdef DS_HAVE_ISAL
static const char *ds_isal_reason(int r)
{
    switch (r) {
    case ISAL_INVALID_BLOCK:
        return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
        return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
        return "invalid back-reference distance";
    case ISAL_INVALID_WRAPPER:
        return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
        return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM:
        return "CRC mismatch";
    case ISAL_NEED_DICT:
        return "needs a preset dictionary";
    default:
        return "decoder error";
    }
}

static void ds_gzip_member_start(ds_gzip *g)
{
    isal_inflate_reset(&g->st);
    g->st.crc_flag = ISAL_GZIP;
    isal_gzip_header_init(&g->hdr);
    g->member_in = g->member_out = 0;
}

/* One decoder call on [in, in+n). Returns <0 for an error code, else 0; sets *used,
 * *out and *finished. */
static int ds_gzip_call(ds_layer *L, ds_gzip *g, const uint8_t *in, size_t n, size_t *used,
                        size_t *out, bool *finished)
{
    size_t room = ds_min_size(ds_layer_room(L), UINT32_MAX);
    g->st.next_in = (uint8_t *)in;
    g->st.avail_in = (uint32_t)ds_min_size(n, UINT32_MAX);
    g->st.next_out = (uint8_t *)L->win.end;
    g->st.avail_out = (uint32_t)room;
    int r = ISAL_DECOMP_OK;
    if (!g->st.wrapper_flag)
        r = isal_read_gzip_header(&g->st, &g->hdr);
    if (r == ISAL_DECOMP_OK && g->st.wrapper_flag)
        r = isal_inflate(&g->st);
    else if (r == ISAL_END_INPUT)
        r = ISAL_DECOMP_OK; /* header incomplete: all input used, call again */
    *used = (size_t)(g->st.next_in - in);
    *out = (size_t)(g->st.next_out - L->win.end);
    *finished = r == ISAL_DECOMP_OK && g->st.block_state == ISAL_BLOCK_FINISH;
    g->out_full = *out == room;
    if (*finished) {
        /* Whole bytes still in the bit buffer belong to what follows the member. */
        int bits = g->st.read_in_length;
        uint64_t rest = bits > 0 ? g->st.read_in >> (bits % 8) : 0;
        size_t nb = bits > 0 ? (size_t)bits / 8 : 0;
        uint8_t tmp[16];
        size_t k = 0;
        for (size_t i = 0; i < nb && k < 8; i++)
            tmp[k++] = (uint8_t)(rest >> (8 * i));
        g->npend = k;
        memcpy(g->pend, tmp, k);
    }
    return r < 0 ? r : 0;
}
#define DS_GZIP_BAD_HEADER(r) ((r) == ISAL_INVALID_WRAPPER)
#define DS_GZIP_REASON(g, r) ds_isal_reason(r)
#else
static void ds_gzip_member_start(ds_gzip *g)
{
    inflateReset(&g->z);
    g->member_in = g->member_out = 0;
}

static int ds_gzip_call(ds_layer *L, ds_gzip *g, const uint8_t *in, size_t n, size_t *used,
                        size_t *out, bool *finished)
{
    size_t room = ds_min_size(ds_layer_room(L), UINT_MAX);
    g->z.next_in = (Bytef *)in;
    g->z.avail_in = (uInt)ds_min_size(n, UINT_MAX);
    g->z.next_out = (Bytef *)L->win.end;
    g->z.avail_out = (uInt)room;
    int r = inflate(&g->z, Z_NO_FLUSH);
    *used = (size_t)(g->z.next_in - in);
    *out = (size_t)(g->z.next_out - L->win.end);
    *finished = r == Z_STREAM_END;
    g->out_full = *out == room;
    g->npend = 0;
    if (r == Z_OK || r == Z_STREAM_END || r == Z_BUF_ERROR)
        return 0;
    return r == Z_NEED_DICT ? Z_DATA_ERROR : r;
}
#define DS_GZIP_BAD_HEADER(r) ((r) == Z_DATA_ERROR)
#define DS_GZIP_REASON(g, r) ((g)->z.msg ? (g)->z.msg : "decoder error")
#endif

static int ds_gzip_produce(ds_layer *L)
{
    ds_gzip *g = L->codec_state;
    ds_stream *below = &L->below->win;
    for (;;) {
        const uint8_t *in;
        size_t n;
        uint64_t in_off;
        uint8_t pin[sizeof g->pend]; /* pend is rewritten by a call that ends a member */
        bool from_pend = g->npend > 0;
        if (from_pend) {
            memcpy(pin, g->pend, g->npend);
            in = pin;
            n = g->npend;
            in_off = ds_stream_offset(below) - n;
        } else {
            if (!ds_stream_avail(below) && !g->out_full) {
                int r = ds_codec_input(L);
                if (r < 0)
                    return -1;
                if (r == 0) {
                    if (g->member_in > 0)
                        ds_layer_warn(L, ds_stream_offset(below),
                                      "stream ends inside a member (truncated)");
                    L->eof = true;
                    return 0;
                }
            }
            in = below->cur;
            n = ds_stream_avail(below);
            in_off = ds_stream_offset(below);
        }
        size_t used, out;
        bool finished;
        int r = ds_gzip_call(L, g, in, n, &used, &out, &finished);
        size_t nrest = 0;
        if (from_pend)
            nrest = n - used;
        else {
            below->cur += used;
        }
        L->win.end += out;
        g->member_in += used;
        g->member_out += out;
        if (r != 0) {
            if (g->members > 0 && g->member_out == 0 && DS_GZIP_BAD_HEADER(r)) {
                return ds_codec_trailing_garbage(L, in_off,
                                                 "trailing garbage after the last member ignored");
            }
            /* What ISA-L stored in the call that failed is not the data: with a
             * back-reference beyond the window it writes bytes that differ with
             * how the input was split (found by fuzz_capture). Dropped; the other
             * decoders' output before an error is their real output, and stays. */
            L->win.end -= out;
            return ds_layer_error(L, in_off + used, DS_GZIP_REASON(g, r));
        }
        if (finished) {
            g->members++;
            /* The bit buffer's bytes (now in pend) come before what pend still held. */
            if (g->npend + nrest > sizeof g->pend) /* cannot happen: members are >= 18 bytes */
                return ds_layer_error(L, in_off + used, "member boundary bookkeeping overflow");
            if (nrest) /* pin + used is only meaningful (and in bounds) then */
                memcpy(g->pend + g->npend, pin + used, nrest);
            g->npend += nrest;
            ds_gzip_member_start(g);
            g->out_full = false;
        } else if (from_pend) {
            memcpy(g->pend, pin + used, nrest);
            g->npend = nrest;
        }
        if (out)
            return 0;
        if (!used && !finished && n > 0 && !g->out_full)
            return ds_layer_error(L, in_off, "decoder made no progress");
    }
}

static void ds_gzip_destroy(ds_layer *L)
{
    ds_gzip *g = L->codec_state;
#ifndef DS_HAVE_ISAL
    inflateEnd(&g->z);
#endif
    free(g);
}

static int ds_gzip_init(ds_layer *L)
{
    ds_gzip *g = ds_xcalloc(1, sizeof *g);
    L->codec_state = g;
    L->destroy = ds_gzip_destroy;
#ifdef DS_HAVE_ISAL
    isal_inflate_init(&g->st);
#else
    if (inflateInit2(&g->z, 15 + 32) != Z_OK) {
        snprintf(L->sh->err, sizeof L->sh->err, "cannot initialise zlib");
        return -1;
    }
#endif
    ds_gzip_member_start(g);
    L->produce = ds_gzip_produce;
    return 0;
}

/* ---- zstd ------------------------------------------------------------------------ */

typedef struct ds_zstd {
    ZSTD_DStream *d;
    bool in_frame;
    bool out_full;
} ds_zstd;

static int ds_zstd_produce(ds_layer *L)
{
    ds_zstd *z = L->codec_state;
    ds_stream *below = &L->below->win;
    for (;;) {
        if (!ds_stream_avail(below) && !z->out_full) {
            int r = ds_codec_input(L);
            if (r < 0)
                return -1;
            if (r == 0) {
                if (z->in_frame)
                    ds_layer_warn(L, ds_stream_offset(below),
                                  "stream ends inside a frame (truncated)");
                L->eof = true;
                return 0;
            }
        }
        uint64_t in_off = ds_stream_offset(below);
        ZSTD_inBuffer in = {below->cur, ds_stream_avail(below), 0};
        ZSTD_outBuffer out = {(void *)L->win.end, ds_layer_room(L), 0};
        size_t r = ZSTD_decompressStream(z->d, &out, &in);
        below->cur += in.pos;
        L->win.end += out.pos;
        if (ZSTD_isError(r))
            return ds_layer_error(L, in_off + in.pos, ZSTD_getErrorName(r));
        z->in_frame = r != 0;
        z->out_full = out.pos == out.size;
        if (out.pos)
            return 0;
    }
}

static void ds_zstd_destroy(ds_layer *L)
{
    ds_zstd *z = L->codec_state;
    ZSTD_freeDStream(z->d);
    free(z);
}

static int ds_zstd_init(ds_layer *L)
{
    ds_zstd *z = ds_xcalloc(1, sizeof *z);
    L->codec_state = z;
    L->destroy = ds_zstd_destroy;
    z->d = ZSTD_createDStream();
    if (!z->d) {
        snprintf(L->sh->err, sizeof L->sh->err, "cannot initialise zstd");
        return -1;
    }
    /* Accept long-range (--long=31) archives; the window is only allocated when a
     * frame asks for it. */
    ZSTD_DCtx_setParameter(z->d, ZSTD_d_windowLogMax, 31);
    L->produce = ds_zstd_produce;
    return 0;
}

/* ---- xz -------------------------------------------------------------------------- */

typedef struct ds_xz {
    lzma_stream s;
    bool finishing; /* input ended: LZMA_FINISH until the decoder says it is done */
    bool out_full;
} ds_xz;

static const char *ds_lzma_reason(lzma_ret r)
{
    switch (r) {
    case LZMA_MEM_ERROR:
        return "out of memory";
    case LZMA_FORMAT_ERROR:
        return "not in xz format";
    case LZMA_OPTIONS_ERROR:
        return "unsupported options";
    case LZMA_DATA_ERROR:
        return "data is corrupt";
    case LZMA_UNSUPPORTED_CHECK:
        return "unsupported integrity check";
    default:
        return "decoder error";
    }
}

static int ds_xz_produce(ds_layer *L)
{
    ds_xz *x = L->codec_state;
    ds_stream *below = &L->below->win;
    for (;;) {
        if (!x->finishing && !ds_stream_avail(below) && !x->out_full) {
            int r = ds_codec_input(L);
            if (r < 0)
                return -1;
            if (r == 0)
                x->finishing = true;
        }
        uint64_t in_off = ds_stream_offset(below);
        x->s.next_in = below->cur;
        x->s.avail_in = ds_stream_avail(below);
        x->s.next_out = (uint8_t *)L->win.end;
        x->s.avail_out = ds_layer_room(L);
        size_t room = x->s.avail_out;
        lzma_ret r = lzma_code(&x->s, x->finishing ? LZMA_FINISH : LZMA_RUN);
        size_t used = (size_t)(x->s.next_in - below->cur);
        size_t out = room - x->s.avail_out;
        below->cur += used;
        L->win.end += out;
        x->out_full = out == room;
        if (r == LZMA_STREAM_END) {
            L->eof = true;
            return 0;
        }
        if (r == LZMA_BUF_ERROR && x->finishing) {
            ds_layer_warn(L, in_off + used, "stream ends inside a block (truncated)");
            L->eof = true;
            return 0;
        }
        if (r != LZMA_OK && r != LZMA_BUF_ERROR)
            return ds_layer_error(L, in_off + used, ds_lzma_reason(r));
        if (out)
            return 0;
    }
}

static void ds_xz_destroy(ds_layer *L)
{
    ds_xz *x = L->codec_state;
    lzma_end(&x->s);
    free(x);
}

static int ds_xz_init(ds_layer *L)
{
    ds_xz *x = ds_xcalloc(1, sizeof *x);
    lzma_stream init = LZMA_STREAM_INIT;
    x->s = init;
    L->codec_state = x;
    L->destroy = ds_xz_destroy;
    if (lzma_stream_decoder(&x->s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
        snprintf(L->sh->err, sizeof L->sh->err, "cannot initialise liblzma");
        return -1;
    }
    L->produce = ds_xz_produce;
    return 0;
}

/* ---- bzip2 ----------------------------------------------------------------------- */

typedef struct ds_bz {
    bz_stream s;
    uint64_t streams;   /* completed streams */
    uint64_t stream_in; /* input consumed by the current stream */
    uint64_t stream_out;
    bool out_full;
} ds_bz;

static const char *ds_bz_reason(int r)
{
    switch (r) {
    case BZ_DATA_ERROR:
        return "data integrity error";
    case BZ_DATA_ERROR_MAGIC:
        return "bad stream header";
    case BZ_MEM_ERROR:
        return "out of memory";
    default:
        return "decoder error";
    }
}

static int ds_bz_restart(ds_bz *b)
{
    BZ2_bzDecompressEnd(&b->s);
    memset(&b->s, 0, sizeof b->s);
    b->stream_in = b->stream_out = 0;
    return BZ2_bzDecompressInit(&b->s, 0, 0) == BZ_OK ? 0 : -1;
}

static int ds_bz_produce(ds_layer *L)
{
    ds_bz *b = L->codec_state;
    ds_stream *below = &L->below->win;
    for (;;) {
        if (!ds_stream_avail(below) && !b->out_full) {
            int r = ds_codec_input(L);
            if (r < 0)
                return -1;
            if (r == 0) {
                if (b->stream_in > 0)
                    ds_layer_warn(L, ds_stream_offset(below),
                                  "stream ends inside a block (truncated)");
                L->eof = true;
                return 0;
            }
        }
        uint64_t in_off = ds_stream_offset(below);
        size_t room = ds_min_size(ds_layer_room(L), UINT_MAX);
        b->s.next_in = (char *)below->cur;
        b->s.avail_in = (unsigned)ds_min_size(ds_stream_avail(below), UINT_MAX);
        b->s.next_out = (char *)L->win.end;
        b->s.avail_out = (unsigned)room;
        int r = BZ2_bzDecompress(&b->s);
        size_t used = (size_t)((const uint8_t *)b->s.next_in - below->cur);
        size_t out = room - b->s.avail_out;
        below->cur += used;
        L->win.end += out;
        b->stream_in += used;
        b->stream_out += out;
        b->out_full = out == room;
        if (r == BZ_STREAM_END) {
            b->streams++;
            if (ds_bz_restart(b) < 0)
                return ds_layer_error(L, in_off + used, "cannot restart the decoder");
            b->out_full = false;
        } else if (r != BZ_OK) {
            if (r == BZ_DATA_ERROR_MAGIC && b->streams > 0 && b->stream_out == 0) {
                return ds_codec_trailing_garbage(L, in_off,
                                                 "trailing garbage after the last stream ignored");
            }
            return ds_layer_error(L, in_off + used, ds_bz_reason(r));
        }
        if (out)
            return 0;
    }
}

static void ds_bz_destroy(ds_layer *L)
{
    ds_bz *b = L->codec_state;
    BZ2_bzDecompressEnd(&b->s);
    free(b);
}

static int ds_bz_init(ds_layer *L)
{
    ds_bz *b = ds_xcalloc(1, sizeof *b);
    L->codec_state = b;
    L->destroy = ds_bz_destroy;
    if (BZ2_bzDecompressInit(&b->s, 0, 0) != BZ_OK) {
        snprintf(L->sh->err, sizeof L->sh->err, "cannot initialise libbz2");
        return -1;
    }
    L->produce = ds_bz_produce;
    return 0;
}

int ds_codec_init(ds_layer *L, enum ds_codec c)
{
    switch (c) {
    case DS_CODEC_GZIP:
        return ds_gzip_init(L);
    case DS_CODEC_ZSTD:
        return ds_zstd_init(L);
    case DS_CODEC_XZ:
        return ds_xz_init(L);
    case DS_CODEC_BZIP2:
        return ds_bz_init(L);
    default:
        snprintf(L->sh->err, sizeof L->sh->err, "unknown compression");
        return -1;
    }
}

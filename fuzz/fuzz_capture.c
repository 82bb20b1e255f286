/*
 * fuzz_capture.c — libFuzzer harness for the capture reader: bytes -> stream (with
 * every decompression layer the bytes announce) -> pcap / pcapng parser -> frames.
 *
 * Each input is read twice: once as one memory block (the mmap-like path: the whole
 * window at once) and once through the chunked memory source, which hands out a few
 * bytes per refill like a slow pipe, so every record, block and compressed-member
 * boundary falls across a refill somewhere. The two readings must yield the same
 * frames and end the same way; any difference is a refill bug and aborts. Every
 * frame's bytes are read in full so that ASan sees any pointer past the window.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/ds_capture.h"
#include "capture/ds_stream.h"

/* Decompression bombs: stop after this many frame bytes (the reader itself caps one
 * record at DS_STREAM_MAX_CONTIG). */
#define FZ_MAX_BYTES (64u << 20)
#define FZ_MAX_FRAMES 2000000u

#define FZ_KEEP 4096 /* running hashes kept to compare prefixes */

typedef struct fz_result {
    uint64_t frames, hash, bytes;
    uint64_t prefix[FZ_KEEP]; /* hash after frame i */
    bool compressed;
    int end; /* DS_CAP_EOF or DS_CAP_ERROR, or 9 when opening failed, 8 when capped */
    uint16_t lts[8];
    size_t nlt;
} fz_result;

static uint64_t fz_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    return h;
}

static void fz_read(ds_capture *c, const char *open_err, fz_result *r)
{
    memset(r, 0, sizeof *r);
    if (!c) {
        r->end = 9;
        (void)open_err;
        return;
    }
    ds_frame f;
    for (;;) {
        int k = ds_capture_next(c, &f);
        if (k != DS_CAP_FRAME) {
            r->end = k;
            /* The sticky result: a second call must give the same. */
            if (ds_capture_next(c, &f) != k)
                abort();
            break;
        }
        uint64_t sum = 0;
        for (uint32_t i = 0; i < f.caplen; i++)
            sum = sum * 31 + f.data[i];
        r->hash = fz_mix(r->hash, (uint64_t)f.ts_ns);
        r->hash = fz_mix(r->hash, f.caplen);
        r->hash = fz_mix(r->hash, f.wirelen);
        r->hash = fz_mix(r->hash, f.linktype);
        r->hash = fz_mix(r->hash, f.offset);
        r->hash = fz_mix(r->hash, sum);
        if (r->frames < FZ_KEEP)
            r->prefix[r->frames] = r->hash;
        r->frames++;
        r->bytes += f.caplen;
        if (r->bytes > FZ_MAX_BYTES || r->frames > FZ_MAX_FRAMES) {
            r->end = 8;
            break;
        }
    }
    /* Exercise the accessors, as the pipeline does when it writes summary.json. */
    const char *s = ds_capture_error(c);
    if (s && !*s)
        abort();
    s = ds_capture_warning(c);
    (void)s;
    if (!ds_capture_format(c) || !ds_capture_byte_order(c) || !ds_capture_compression(c))
        abort();
    r->compressed = strcmp(ds_capture_compression(c), "none") != 0;
    r->nlt = ds_capture_linktypes(c, r->lts, 8);
    for (size_t i = 0; i < r->nlt && i < 8; i++)
        if (!ds_linktype_name(r->lts[i]))
            abort();
    (void)ds_capture_bytes_read(c);
    (void)ds_capture_file_size(c);
    ds_capture_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    err[0] = 0;
    static fz_result whole, chunked;
    fz_read(ds_capture_open_mem(data, size, "fuzz", err, sizeof err), err, &whole);
    if (whole.end == 9 && strncmp(err, "fuzz: ", 6) != 0)
        abort(); /* an open failure must name the input */

    /* The chunked reading costs a refill per chunk: keep it to reasonable sizes. */
    if (size > 256 * 1024)
        return 0;
    size_t chunk = 1 + (size ? data[size - 1] % 61 : 0);
    err[0] = 0;
    ds_stream *s = ds_stream_open_mem_chunked(data, size, chunk, "fuzz", err, sizeof err);
    ds_capture *c = s ? ds_capture_open_stream(s, "fuzz", err, sizeof err) : NULL;
    fz_read(c, err, &chunked);
    if (whole.end == 8 || chunked.end == 8)
        return 0;
    bool werr = whole.end == DS_CAP_ERROR || whole.end == 9;
    bool cerr = chunked.end == DS_CAP_ERROR || chunked.end == 9;
    bool same;
    if (werr && cerr && (whole.compressed || chunked.compressed || whole.end != chunked.end)) {
        /* Corruption met at different points: a short chunk lets the open succeed
         * where the whole block fails at once, and a decoder that checks a frame's
         * checksum before any output (zstd single-pass) gives nothing where the
         * streaming pass gives the frames before the bad checksum. Both must still
         * fail, and agree on the frames both gave. */
        uint64_t k = whole.frames < chunked.frames ? whole.frames : chunked.frames;
        if (k > FZ_KEEP)
            k = FZ_KEEP;
        same = k == 0 || whole.prefix[k - 1] == chunked.prefix[k - 1];
    } else {
        same = whole.end == chunked.end && whole.frames == chunked.frames &&
               whole.hash == chunked.hash;
    }
    if (!same) {
        fprintf(stderr, "whole vs chunked(%zu) differ: end %d/%d frames %llu/%llu hash %llx/%llx\n",
                chunk, whole.end, chunked.end, (unsigned long long)whole.frames,
                (unsigned long long)chunked.frames, (unsigned long long)whole.hash,
                (unsigned long long)chunked.hash);
        abort();
    }
    return 0;
}

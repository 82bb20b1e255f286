/*
 * ds_stream_int.h — private to ds_stream.c and ds_decompress.c: the layer object
 * behind a ds_stream and the hooks a decompression codec plugs into.
 *
 * Every layer (the source at the bottom, each decompressor above it) owns a window
 * (the public ds_stream, first member so a ds_stream* converts to a ds_layer*) and,
 * unless it is a memory map, a buffer that the window lives in. A layer with a buffer
 * has a produce() hook that appends bytes at the end of the window; the generic
 * ds_stream_fill() slides and grows the buffer and calls produce() until enough
 * bytes are there. A codec's produce() pulls its input from the layer below through
 * the same window interface, so layers stack without knowing each other.
 */
#ifndef DS_STREAM_INT_H
#define DS_STREAM_INT_H

#include <stdatomic.h>

#include "capture/ds_stream.h"

/* Buffer size of read() sources and of decompressor output. Big enough that the
 * per-refill costs (a syscall, a decompressor call, a slide) vanish per packet,
 * small enough that freshly decompressed bytes are still in cache when parsed. */
#define DS_STREAM_BUFSIZE (1u << 20)
/* gzip in gzip in ...: a quine-like file must not recurse forever. */
#define DS_STREAM_MAX_LAYERS 8

enum ds_codec { DS_CODEC_NONE = 0, DS_CODEC_GZIP, DS_CODEC_ZSTD, DS_CODEC_XZ, DS_CODEC_BZIP2 };

/* State shared by all the layers of one stream. */
typedef struct ds_stream_shared {
    char err[DS_ERRLEN];
    char warn[DS_ERRLEN];
    char chain[96]; /* "gzip+zstd" */
    int nlayers;    /* compression layers */
    uint64_t file_size;
    struct ds_layer *bottom;
    /* A thread decompresses (ds_pipe in ds_stream.c): the bottom layer's offset is
     * then read from here, published by the thread. */
    bool piped;
    _Atomic uint64_t pipe_bottom_off;
} ds_stream_shared;

typedef struct ds_layer ds_layer;
struct ds_layer {
    ds_stream win; /* must stay first */
    ds_stream_shared *sh;
    ds_layer *below; /* input of a codec layer; NULL for the source */
    int depth;       /* 0 = source, 1 = outermost compression, ... */
    enum ds_codec codec;
    uint8_t *buf; /* NULL when the window is a memory map or a caller's block */
    size_t cap;
    bool eof;    /* produce() will never add bytes again */
    bool failed; /* sticky: fill returns -1 from now on */
    /* Appends at least one byte at win.end (room is guaranteed), or sets eof, or
     * reports an error with ds_layer_error() and returns -1. */
    int (*produce)(ds_layer *L);
    void (*destroy)(ds_layer *L);
    /* Source layers. */
    int fd;
    bool own_fd;
    void *map;
    size_t maplen;
    uintptr_t dropped; /* pages of the map below this were given back (MADV_DONTNEED) */
    int guard;         /* slot of the SIGBUS guard watching the map, -1 for none */
    /* Codec layers. */
    void *codec_state;
};

/* Room left after the window in the layer's buffer. */
static inline size_t ds_layer_room(const ds_layer *L)
{
    return (size_t)(L->buf + L->cap - L->win.end);
}

/* Records a codec failure: in_off is the offset in the layer's input. Returns -1. */
int ds_layer_error(ds_layer *L, uint64_t in_off, const char *reason);
/* Adds a non-fatal note to the stream's warnings. */
void ds_layer_warn(ds_layer *L, uint64_t in_off, const char *what);

/* Which codec, if any, the first n bytes announce. */
enum ds_codec ds_codec_sniff(const uint8_t *p, size_t n);
const char *ds_codec_name(enum ds_codec c);
/* Sets up L (buffer already allocated, below set) as a decompressor. Returns 0, or -1
 * with the reason in L->sh->err. */
int ds_codec_init(ds_layer *L, enum ds_codec c);

#endif

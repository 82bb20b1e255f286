/*
 * ds_stream.h — the byte stream under the capture parsers: a file, a pipe or a memory
 * block, with any number of decompression layers stacked on top of it.
 *
 * The parsers want to look at a whole record in place and hand out a pointer to it,
 * without a copy and without a call per record. So a stream is a window of bytes
 * [cur, end) that the parser reads and advances directly (the inline helpers below);
 * only when the window holds fewer bytes than a record does the parser call
 * ds_stream_fill(), the slow path, which makes at least n bytes contiguous at cur
 * (sliding the partial record to the front of the buffer, growing it if needed,
 * then reading or decompressing more).
 *
 * A regular file is mapped into memory, so its window is the whole file and fill
 * never copies. Pipes, standard input and devices are read with large read() calls.
 * Each decompression layer (gzip, zstd, xz, bzip2) is itself a stream whose input is
 * the stream below it; ds_stream_open() peels layers off as long as the first bytes
 * carry a known compression magic, so gzip inside gzip or zstd inside gzip work.
 *
 * Pointers into the window stay valid until the next ds_stream_fill() on the stream.
 */
#ifndef DS_STREAM_H
#define DS_STREAM_H

#include <signal.h>

#include "core/ds_common.h"

/* The public face of a stream: the window. Everything else is private to the
 * implementation (which embeds this struct as the first member of a bigger one). */
typedef struct ds_stream {
    const uint8_t *cur;  /* next unconsumed byte */
    const uint8_t *end;  /* one past the last available byte */
    const uint8_t *base; /* a fixed point of the buffer ... */
    uint64_t base_off;   /* ... and its offset in the stream, to compute offsets */
} ds_stream;

/* The largest run of bytes ds_stream_fill() will make contiguous. A record longer
 * than this is treated as corruption by the parsers, so a garbage length cannot make
 * the reader allocate gigabytes. */
#define DS_STREAM_MAX_CONTIG (256u << 20)

/* Opens PATH ("-" = standard input) and peels off compression layers. On failure
 * returns NULL with "PATH: reason" in err. Never blocks on a regular file; a FIFO
 * blocks in open() until a writer appears, as with any Unix reader. */
ds_stream *ds_stream_open(const char *path, char *err, size_t errlen);
/* The same over an open descriptor (not closed by the stream) or a caller-owned
 * memory block that must outlive the stream (tests, fuzzing). name is for messages. */
ds_stream *ds_stream_open_fd(int fd, const char *name, char *err, size_t errlen);
ds_stream *ds_stream_open_mem(const void *data, size_t n, const char *name, char *err,
                              size_t errlen);
/* Like ds_stream_open_mem, but the source gives out at most `chunk` bytes per refill
 * (as a slow pipe would), so that every boundary can be tested. */
ds_stream *ds_stream_open_mem_chunked(const void *data, size_t n, size_t chunk, const char *name,
                                      char *err, size_t errlen);

/* Registers the flag a signal handler sets: a read interrupted while it is set ends
 * the input (with a warning) instead of being retried. */
void ds_stream_set_interrupt(volatile sig_atomic_t *flag);

/* Makes at least n bytes available at cur. Returns 1 when they are; 0 at the end of
 * the input with fewer (the remaining bytes stay in the window); -1 on an error
 * (ds_stream_error). May move the window: earlier pointers into it become invalid. */
int ds_stream_fill(ds_stream *s, size_t n);

static inline size_t ds_stream_avail(const ds_stream *s)
{
    return (size_t)(s->end - s->cur);
}
static inline void ds_stream_consume(ds_stream *s, size_t n)
{
    s->cur += n;
}
/* Offset of cur in the (decompressed) stream. */
static inline uint64_t ds_stream_offset(const ds_stream *s)
{
    return s->base_off + (uint64_t)(s->cur - s->base);
}

/* Compression layers outermost first joined by '+', or "none". */
const char *ds_stream_compression(const ds_stream *s);
/* Number of compression layers. */
int ds_stream_layers(const ds_stream *s);
/* The error after fill returned -1 ("compressed offset 1234: corrupt gzip data
 * (invalid block)"), or NULL. */
const char *ds_stream_error(const ds_stream *s);
/* Non-fatal problems, e.g. a compressed stream that ends early, or NULL. */
const char *ds_stream_warning(const ds_stream *s);
/* Bytes consumed from the file, pipe or memory block itself (compressed bytes). */
uint64_t ds_stream_bytes_read(const ds_stream *s);
/* Size of the underlying regular file, 0 when unknown. */
uint64_t ds_stream_file_size(const ds_stream *s);

/* True when the mapped file shrank under the reader (truncated by another process)
 * and a vanished page was touched; *offset = file offset of that page. The bytes read
 * there are 0xff, which the parsers refuse as corrupt. */
bool ds_stream_shrank(const ds_stream *s, uint64_t *offset);

/* The error a decompression layer has met while its bytes from before the error are
 * still being read, or NULL: when a parser stops on a damaged record, this is the
 * cause. Safe to call while a decompression thread runs. */
const char *ds_stream_pending_error(const ds_stream *s);

void ds_stream_close(ds_stream *s);

#endif

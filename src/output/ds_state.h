/*
 * ds_state.h — state files: the complete, un-finished analysis state of a run in a
 * versioned binary file, so that runs over parts of the input can be merged later
 * (`darkscope analyze --state FILE`, `darkscope merge`; docs/SCALE.md).
 *
 * Encoding is explicit little-endian whatever the host, field by field (never a
 * struct dumped from memory), so a file written on one machine reads on any other.
 * ds_wbuf appends to a growing buffer; ds_rbuf reads with bounds checks: a read past
 * the end or a value out of range sets a sticky error that names the offset, reads
 * after an error return zeros, so a loader checks once at the end and never reads
 * out of bounds (a corrupt file is an error message, not a crash).
 *
 * The file: magic "DSSTATE\n", u32 format version, u32 reserved, u64 payload length,
 * the payload, and a CRC-32 (zlib's) of everything before it. The payload layout
 * belongs to the run (src/pipeline/ds_state_run.c) and to each analyzer's save().
 */
#ifndef DS_STATE_H
#define DS_STATE_H

#include "core/ds_common.h"

#define DS_STATE_MAGIC "DSSTATE\n"
#define DS_STATE_VERSION 2u

typedef struct ds_wbuf {
    uint8_t *p;
    size_t n, cap;
} ds_wbuf;

void ds_wbuf_init(ds_wbuf *w);
void ds_wbuf_free(ds_wbuf *w);
void ds_wbuf_bytes(ds_wbuf *w, const void *p, size_t n);
void ds_wbuf_u8(ds_wbuf *w, uint8_t v);
void ds_wbuf_u16(ds_wbuf *w, uint16_t v);
void ds_wbuf_u32(ds_wbuf *w, uint32_t v);
void ds_wbuf_u64(ds_wbuf *w, uint64_t v);
void ds_wbuf_i64(ds_wbuf *w, int64_t v);
void ds_wbuf_f64(ds_wbuf *w, double v);
/* A length (u32) and the bytes, no NUL. */
void ds_wbuf_str(ds_wbuf *w, const char *s);
/* An address as 16 bytes. */
void ds_wbuf_ip(ds_wbuf *w, const ds_ip *a);

typedef struct ds_rbuf {
    const uint8_t *p;
    size_t n, pos;
    bool bad;
    size_t bad_at; /* offset of the first error */
    char why[160]; /* its reason */
} ds_rbuf;

void ds_rbuf_init(ds_rbuf *r, const void *p, size_t n);
/* Records an error at the current offset (the first one wins). */
void ds_rbuf_fail(ds_rbuf *r, const char *why);
bool ds_rbuf_get(ds_rbuf *r, void *out, size_t n);
uint8_t ds_rbuf_u8(ds_rbuf *r);
uint16_t ds_rbuf_u16(ds_rbuf *r);
uint32_t ds_rbuf_u32(ds_rbuf *r);
uint64_t ds_rbuf_u64(ds_rbuf *r);
int64_t ds_rbuf_i64(ds_rbuf *r);
double ds_rbuf_f64(ds_rbuf *r);
bool ds_rbuf_bool(ds_rbuf *r);
void ds_rbuf_ip(ds_rbuf *r, ds_ip *a);
/* A string written by ds_wbuf_str, as a new NUL-terminated copy (caller frees);
 * never NULL (an empty string after an error). */
char *ds_rbuf_str(ds_rbuf *r);
/* A count of elements of `elem` bytes each that must fit in the remaining bytes
 * (so a corrupt count cannot make the loader allocate terabytes). */
size_t ds_rbuf_count(ds_rbuf *r, size_t elem);

/* Appends the framed state (header, payload, checksum) to f: the bytes of a state
 * file, also what --mpi ranks send each other. */
void ds_state_frame(const ds_wbuf *payload, ds_wbuf *f);
/* Writes the framed file atomically (temporary in the same directory, renamed).
 * Returns 0, or -1 with a message naming the file. */
int ds_state_write_file(const char *path, const ds_wbuf *payload, char *err, size_t errlen);
/* Reads and checks a state file (magic, version, length, checksum); *data is the
 * whole file (caller frees) and the payload is at *payload_off for *payload_len
 * bytes. Returns 0, or -1 with a message naming the file and offset. */
int ds_state_read_file(const char *path, uint8_t **data, size_t *payload_off, size_t *payload_len,
                       char *err, size_t errlen);

/* Checks framed bytes as ds_state_read_file does (name is used in messages). */
int ds_state_check(const uint8_t *p, size_t n, const char *name, size_t *payload_off,
                   size_t *payload_len, char *err, size_t errlen);

#endif

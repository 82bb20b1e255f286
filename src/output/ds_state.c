/*
 * ds_state.c — little-endian encoding and the framed, checksummed state file
 * (see ds_state.h).
 *
 * The checksum is zlib's CRC-32: zlib is already a dependency (gzip captures), and
 * the checksum is there to catch truncation and bit rot, not tampering.
 */
#include "output/ds_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#define DS_STATE_HEADER 24 /* magic 8, version 4, reserved 4, length 8 */

void ds_wbuf_init(ds_wbuf *w)
{
    memset(w, 0, sizeof *w);
}

void ds_wbuf_free(ds_wbuf *w)
{
    free(w->p);
    memset(w, 0, sizeof *w);
}

void ds_wbuf_bytes(ds_wbuf *w, const void *p, size_t n)
{
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + n)
            cap *= 2;
        w->p = ds_xrealloc(w->p, cap);
        w->cap = cap;
    }
    if (n)
        memcpy(w->p + w->n, p, n);
    w->n += n;
}

static void ds_wbuf_le(ds_wbuf *w, uint64_t v, unsigned bytes)
{
    uint8_t b[8];
    for (unsigned i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    ds_wbuf_bytes(w, b, bytes);
}

void ds_wbuf_u8(ds_wbuf *w, uint8_t v)
{
    ds_wbuf_le(w, v, 1);
}
void ds_wbuf_u16(ds_wbuf *w, uint16_t v)
{
    ds_wbuf_le(w, v, 2);
}
void ds_wbuf_u32(ds_wbuf *w, uint32_t v)
{
    ds_wbuf_le(w, v, 4);
}
void ds_wbuf_u64(ds_wbuf *w, uint64_t v)
{
    ds_wbuf_le(w, v, 8);
}
void ds_wbuf_i64(ds_wbuf *w, int64_t v)
{
    ds_wbuf_le(w, (uint64_t)v, 8);
}

void ds_wbuf_f64(ds_wbuf *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    ds_wbuf_le(w, u, 8);
}

void ds_wbuf_str(ds_wbuf *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    ds_wbuf_u32(w, (uint32_t)n);
    ds_wbuf_bytes(w, s, n);
}

void ds_wbuf_ip(ds_wbuf *w, const ds_ip *a)
{
    ds_wbuf_bytes(w, a->b, 16);
}

void ds_rbuf_init(ds_rbuf *r, const void *p, size_t n)
{
    memset(r, 0, sizeof *r);
    r->p = p;
    r->n = n;
}

void ds_rbuf_fail(ds_rbuf *r, const char *why)
{
    if (r->bad)
        return;
    r->bad = true;
    r->bad_at = r->pos;
    snprintf(r->why, sizeof r->why, "%s", why);
}

bool ds_rbuf_get(ds_rbuf *r, void *out, size_t n)
{
    if (r->bad || n > r->n - r->pos) {
        ds_rbuf_fail(r, "truncated (the data ends inside a record)");
        memset(out, 0, n);
        return false;
    }
    memcpy(out, r->p + r->pos, n);
    r->pos += n;
    return true;
}

static uint64_t ds_rbuf_le(ds_rbuf *r, unsigned bytes)
{
    uint8_t b[8];
    if (!ds_rbuf_get(r, b, bytes))
        return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

uint8_t ds_rbuf_u8(ds_rbuf *r)
{
    return (uint8_t)ds_rbuf_le(r, 1);
}
uint16_t ds_rbuf_u16(ds_rbuf *r)
{
    return (uint16_t)ds_rbuf_le(r, 2);
}
uint32_t ds_rbuf_u32(ds_rbuf *r)
{
    return (uint32_t)ds_rbuf_le(r, 4);
}
uint64_t ds_rbuf_u64(ds_rbuf *r)
{
    return ds_rbuf_le(r, 8);
}
int64_t ds_rbuf_i64(ds_rbuf *r)
{
    return (int64_t)ds_rbuf_le(r, 8);
}

double ds_rbuf_f64(ds_rbuf *r)
{
    uint64_t u = ds_rbuf_le(r, 8);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

bool ds_rbuf_bool(ds_rbuf *r)
{
    uint8_t v = ds_rbuf_u8(r);
    if (v > 1)
        ds_rbuf_fail(r, "a flag is neither 0 nor 1");
    return v == 1;
}

void ds_rbuf_ip(ds_rbuf *r, ds_ip *a)
{
    ds_rbuf_get(r, a->b, 16);
}

char *ds_rbuf_str(ds_rbuf *r)
{
    size_t n = ds_rbuf_count(r, 1);
    char *s = ds_xmalloc(n + 1);
    ds_rbuf_get(r, s, n);
    s[n] = 0;
    return s;
}

size_t ds_rbuf_count(ds_rbuf *r, size_t elem)
{
    uint32_t n = ds_rbuf_u32(r);
    if (r->bad)
        return 0;
    if (elem && (uint64_t)n * elem > r->n - r->pos) {
        ds_rbuf_fail(r, "a count is larger than the data that follows (corrupt)");
        return 0;
    }
    return n;
}

void ds_state_frame(const ds_wbuf *payload, ds_wbuf *f)
{
    ds_wbuf_bytes(f, DS_STATE_MAGIC, 8);
    ds_wbuf_u32(f, DS_STATE_VERSION);
    ds_wbuf_u32(f, 0);
    ds_wbuf_u64(f, payload->n);
    ds_wbuf_bytes(f, payload->p, payload->n);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t off = 0; off < f->n;) {
        size_t chunk = f->n - off > (1u << 30) ? (1u << 30) : f->n - off;
        crc = crc32(crc, f->p + off, (uInt)chunk);
        off += chunk;
    }
    ds_wbuf_u32(f, (uint32_t)crc);
}

int ds_state_write_file(const char *path, const ds_wbuf *payload, char *err, size_t errlen)
{
    ds_wbuf f;
    ds_wbuf_init(&f);
    ds_state_frame(payload, &f);

    size_t tl = strlen(path) + 16;
    char *tmp = ds_xmalloc(tl);
    snprintf(tmp, tl, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    int rc = 0;
    if (!fp) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        rc = -1;
    } else {
        bool ok = fwrite(f.p, 1, f.n, fp) == f.n;
        ok = (fclose(fp) == 0) && ok;
        if (!ok || rename(tmp, path) != 0) {
            snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
            unlink(tmp);
            rc = -1;
        }
    }
    free(tmp);
    ds_wbuf_free(&f);
    return rc;
}

int ds_state_check(const uint8_t *p, size_t n, const char *path, size_t *payload_off,
                   size_t *payload_len, char *err, size_t errlen)
{
    if (n < 8 || memcmp(p, DS_STATE_MAGIC, 8) != 0) {
        snprintf(err, errlen, "%s: offset 0: not a darkscope state file (bad magic)", path);
        return -1;
    }
    ds_rbuf r;
    ds_rbuf_init(&r, p, n);
    r.pos = 8;
    uint32_t version = ds_rbuf_u32(&r);
    ds_rbuf_u32(&r);
    uint64_t len = ds_rbuf_u64(&r);
    if (r.bad) {
        snprintf(err, errlen, "%s: offset %zu: truncated header", path, n);
        return -1;
    }
    if (version != DS_STATE_VERSION) {
        snprintf(err, errlen,
                 "%s: offset 8: state format version %u; this darkscope (%s) reads version %u "
                 "only: analyse the captures again with this version",
                 path, version, DS_VERSION, DS_STATE_VERSION);
        return -1;
    }
    if (len > n - DS_STATE_HEADER || n - DS_STATE_HEADER - len < 4) {
        snprintf(err, errlen,
                 "%s: offset %zu: truncated: the header announces %llu bytes of state and a "
                 "checksum, the file ends after %zu",
                 path, n, (unsigned long long)len, n);
        return -1;
    }
    size_t end = DS_STATE_HEADER + (size_t)len;
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t off = 0; off < end;) {
        size_t c = end - off > (1u << 30) ? (1u << 30) : end - off;
        crc = crc32(crc, p + off, (uInt)c);
        off += c;
    }
    r.pos = end;
    uint32_t want = ds_rbuf_u32(&r);
    if ((uint32_t)crc != want) {
        snprintf(err, errlen, "%s: offset %zu: checksum mismatch: the file is corrupt", path, end);
        return -1;
    }
    if (end + 4 != n) {
        snprintf(err, errlen, "%s: offset %zu: unexpected data after the checksum", path, end + 4);
        return -1;
    }
    *payload_off = DS_STATE_HEADER;
    *payload_len = (size_t)len;
    return 0;
}

int ds_state_read_file(const char *path, uint8_t **data, size_t *payload_off, size_t *payload_len,
                       char *err, size_t errlen)
{
    *data = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    ds_wbuf b;
    ds_wbuf_init(&b);
    uint8_t chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
        ds_wbuf_bytes(&b, chunk, got);
    bool rerr = ferror(fp) != 0;
    fclose(fp);
    if (rerr) {
        snprintf(err, errlen, "%s: read error", path);
        ds_wbuf_free(&b);
        return -1;
    }
    if (ds_state_check(b.p, b.n, path, payload_off, payload_len, err, errlen) != 0) {
        ds_wbuf_free(&b);
        return -1;
    }
    *data = b.p;
    return 0;
}

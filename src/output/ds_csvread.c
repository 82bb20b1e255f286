/*
 * ds_csvread.c — streaming CSV reader (see ds_csvread.h for the accepted syntax).
 *
 * The file is read in 64 KiB blocks, and the bytes of a field that need no care
 * (anything but , " CR LF and the backslash) are copied in runs: the report reads
 * a worm's hosts.csv back twice, and a byte at a time (getc) this was a quarter of
 * writing a report. The record is parsed into one growing byte buffer with the
 * fields separated by NULs, and an array of offsets into it; both are reused from
 * record to record. Only a field that was quoted or held a backslash is unescaped.
 */
#include "output/ds_csvread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ds_common.h"

enum { DS_CSVR_BLOCK = 65536 };

struct ds_csvr {
    FILE *f;
    char *in; /* the block being parsed: in[pos..end) not yet taken */
    size_t pos, end;
    char *buf; /* fields of the current record, NUL-separated */
    size_t len, cap;
    size_t *off; /* start of each field in buf */
    size_t nf, capf;
    char **head; /* header names */
    size_t nhead;
};

static void ds_reserve(ds_csvr *r, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        while (r->len + n + 1 > r->cap)
            r->cap = r->cap ? r->cap * 2 : 256;
        r->buf = ds_xrealloc(r->buf, r->cap);
    }
}

static void ds_put(ds_csvr *r, char c)
{
    ds_reserve(r, 1);
    r->buf[r->len++] = c;
}

static int ds_getc(ds_csvr *r)
{
    if (r->pos == r->end) {
        r->pos = 0;
        r->end = fread(r->in, 1, DS_CSVR_BLOCK, r->f);
        r->in[r->end] = 0; /* stops ds_put_run's strcspn at the block's end */
        if (r->end == 0)
            return EOF;
    }
    return (unsigned char)r->in[r->pos++];
}

/* Appends the bytes ahead in the block up to the first of `stops` (not taken). */
static void ds_put_run(ds_csvr *r, const char *stops)
{
    size_t n = strcspn(r->in + r->pos, stops); /* in[end] is a NUL */
    ds_reserve(r, n);
    memcpy(r->buf + r->len, r->in + r->pos, n);
    r->len += n;
    r->pos += n;
}

static void ds_field_start(ds_csvr *r)
{
    if (r->nf == r->capf) {
        r->capf = r->capf ? r->capf * 2 : 16;
        r->off = ds_xrealloc(r->off, r->capf * sizeof *r->off);
    }
    r->off[r->nf++] = r->len;
}

/* Undoes the escaping of one field in place (it only ever gets shorter). */
static void ds_unescape(char *s, int quoted)
{
    char *w = s;
    const char *p = s;
    if (quoted && p[0] == '\'' && p[1] && strchr("=+-@\t\r", p[1]))
        p++;
    while (*p) {
        if (p[0] == '\\' && p[1] == '\\') {
            *w++ = '\\';
            p += 2;
            continue;
        }
        *w++ = *p++;
    }
    *w = 0;
}

static void ds_field_end(ds_csvr *r, int quoted, int backslash)
{
    ds_put(r, 0);
    if (quoted || backslash)
        ds_unescape(r->buf + r->off[r->nf - 1], quoted);
}

size_t ds_csvr_next(ds_csvr *r)
{
    r->len = 0;
    r->nf = 0;
    int c = ds_getc(r);
    if (c == EOF)
        return 0;
    ds_field_start(r);
    int quoted = 0, inq = 0, backslash = 0;
    for (;; c = ds_getc(r)) {
        if (c == EOF)
            break;
        if (inq) {
            if (c == '"') {
                int d = ds_getc(r);
                if (d == '"') {
                    ds_put(r, '"');
                    continue;
                }
                inq = 0;
                if (d == EOF)
                    break;
                c = d; /* fall through to the unquoted handling of d */
            } else {
                backslash |= c == '\\';
                ds_put(r, (char)c);
                ds_put_run(r, "\"\\");
                continue;
            }
        }
        if (c == '"' && r->len == r->off[r->nf - 1]) {
            inq = quoted = 1;
            continue;
        }
        if (c == ',' || c == '\n') {
            ds_field_end(r, quoted, backslash);
            quoted = backslash = 0;
            if (c == '\n')
                return r->nf;
            ds_field_start(r);
            continue;
        }
        if (c == '\r')
            continue;
        backslash |= c == '\\';
        ds_put(r, (char)c);
        ds_put_run(r, ",\"\r\n\\");
    }
    ds_field_end(r, quoted, backslash);
    return r->nf;
}

const char *ds_csvr_get(const ds_csvr *r, int i)
{
    if (i < 0 || (size_t)i >= r->nf)
        return "";
    return r->buf + r->off[i];
}

ds_csvr *ds_csvr_open(const char *path, char *err, size_t errlen)
{
    if (errlen)
        err[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno != ENOENT)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        else
            errno = ENOENT;
        return NULL;
    }
    ds_csvr *r = ds_xcalloc(1, sizeof *r);
    r->f = f;
    r->in = ds_xmalloc(DS_CSVR_BLOCK + 1);
    size_t n = ds_csvr_next(r);
    r->head = ds_xcalloc(n ? n : 1, sizeof *r->head);
    for (size_t i = 0; i < n; i++)
        r->head[i] = ds_xstrdup(ds_csvr_get(r, (int)i));
    r->nhead = n;
    return r;
}

void ds_csvr_close(ds_csvr *r)
{
    if (!r)
        return;
    fclose(r->f);
    free(r->in);
    for (size_t i = 0; i < r->nhead; i++)
        free(r->head[i]);
    free(r->head);
    free(r->buf);
    free(r->off);
    free(r);
}

int ds_csvr_col(const ds_csvr *r, const char *name)
{
    for (size_t i = 0; i < r->nhead; i++)
        if (!strcmp(r->head[i], name))
            return (int)i;
    return -1;
}

size_t ds_csvr_ncols(const ds_csvr *r)
{
    return r->nhead;
}

const char *ds_csvr_colname(const ds_csvr *r, size_t i)
{
    return i < r->nhead ? r->head[i] : "";
}

/* strtod is a third of reading a million-row hosts.csv back (report, movie). The
 * numbers darkscope writes are plain decimals: an optional '-', digits and a
 * point, no exponent (a time is 16 digits). Such a decimal is m / 10^k; with
 * m <= 2^53 and k <= 22 both are exact doubles, so one IEEE division gives the
 * correctly rounded value, which is what glibc's strtod returns (Clinger's fast
 * path). Anything else (a bigger m, exponents, hex, inf, nan, leading blanks or
 * '+') goes to strtod. */
double ds_csv_strtod(const char *s, char **end)
{
    static const double p10[20] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
    const char *p = s;
    bool neg = *p == '-';
    p += neg;
    uint64_t m = 0;
    int digits = 0, frac = 0;
    while (*p >= '0' && *p <= '9') {
        m = m * 10 + (uint64_t)(*p++ - '0');
        digits++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            m = m * 10 + (uint64_t)(*p++ - '0');
            digits++;
            frac++;
        }
    }
    /* m must be exact (<= 2^53; 19 digits cannot wrap 64 bits, and keep frac <= 19,
     * a power of ten that is exact); e/E, x/X, n/N, i/I may continue a number that
     * strtod reads differently. */
    if (digits == 0 || digits > 19 || m > (UINT64_C(1) << 53) || *p == 'e' || *p == 'E' ||
        *p == 'x' || *p == 'X' || *p == 'n' || *p == 'N' || *p == 'i' || *p == 'I')
        return strtod(s, end);
    double v = (double)m / p10[frac];
    if (end)
        *end = (char *)p;
    return neg ? -v : v;
}

/*
 * ds_csvread.c — streaming CSV reader (see ds_csvread.h for the accepted syntax).
 *
 * Bytes are read with getc_unlocked (one thread per reader): a million-row file
 * is parsed in about a second. The record is parsed into one growing byte buffer with the fields
 * separated by NULs, and an array of offsets into it; both are reused from record to record.
 */
#include "output/ds_csvread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ds_common.h"

struct ds_csvr {
    FILE *f;
    char *buf; /* fields of the current record, NUL-separated */
    size_t len, cap;
    size_t *off; /* start of each field in buf */
    size_t nf, capf;
    char **head; /* header names */
    size_t nhead;
};

static void ds_put(ds_csvr *r, char c)
{
    if (r->len + 1 >= r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->buf = ds_xrealloc(r->buf, r->cap);
    }
    r->buf[r->len++] = c;
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

size_t ds_csvr_next(ds_csvr *r)
{
    r->len = 0;
    r->nf = 0;
    int c = getc_unlocked(r->f);
    if (c == EOF)
        return 0;
    ds_field_start(r);
    int quoted = 0, inq = 0;
    for (;; c = getc_unlocked(r->f)) {
        if (c == EOF)
            break;
        if (inq) {
            if (c == '"') {
                int d = getc_unlocked(r->f);
                if (d == '"') {
                    ds_put(r, '"');
                    continue;
                }
                inq = 0;
                if (d == EOF)
                    break;
                c = d; /* fall through to the unquoted handling of d */
            } else {
                ds_put(r, (char)c);
                continue;
            }
        }
        if (c == '"' && r->len == r->off[r->nf - 1]) {
            inq = quoted = 1;
            continue;
        }
        if (c == ',' || c == '\n') {
            ds_put(r, 0);
            ds_unescape(r->buf + r->off[r->nf - 1], quoted);
            quoted = 0;
            if (c == '\n')
                return r->nf;
            ds_field_start(r);
            continue;
        }
        if (c == '\r')
            continue;
        ds_put(r, (char)c);
    }
    ds_put(r, 0);
    ds_unescape(r->buf + r->off[r->nf - 1], quoted);
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

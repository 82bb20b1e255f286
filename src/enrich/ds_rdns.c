/*
 * ds_rdns.c — reverse-DNS statuses and the bulk-file readers (CSV and Sonar JSON).
 *
 * Files are streamed, never loaded: a full Sonar snapshot has over a billion lines,
 * and darkscope only needs the names of the hosts it saw, so the caller's sink keeps
 * the few it wants. Lines are cut from blocks read with gzread (not gzgets, whose
 * C string hides everything after a NUL byte: the rest of that line was lost and the
 * next line glued to it). A line with a NUL byte is bad; a line longer than
 * DS_LINE_MAX is skipped to its end and counted as one bad line, so an absurd file
 * costs at most that much memory.
 */
#include "enrich/ds_rdns.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <zlib.h>

#include "enrich/ds_hostname.h"

static const char *const ds_status_names[DS_RDNS_STATUS_COUNT] = {
    "none", "name", "badname", "nxdomain", "timeout", "error", "skipped",
};

const char *ds_rdns_status_name(ds_rdns_status s)
{
    return (unsigned)s < DS_RDNS_STATUS_COUNT ? ds_status_names[s] : "error";
}

ds_rdns_status ds_rdns_name_status(const char *name, size_t len, bool escaped)
{
    if (len == 0)
        return DS_RDNS_NXDOMAIN;
    if (escaped || ds_hostname_validate(name, len) != DS_HOSTNAME_OK)
        return DS_RDNS_BADNAME;
    return DS_RDNS_NAME;
}

/* ---- line reading ---- */

#define DS_LINE_MAX (1u << 20) /* longer lines are bad (a PTR name has 255 bytes) */

typedef struct ds_lines {
    gzFile gz;
    char *buf;
    size_t cap;        /* > end: room for the NUL after a last line */
    size_t start, end; /* unread bytes: buf[start, end) */
    bool eof;
} ds_lines;

/* Next line without its newline (and trailing CRs), NUL-terminated; NULL at the end.
 * *len excludes the NUL; *bad: the line held a NUL byte or was too long (then it is
 * returned empty). */
static char *ds_lines_next(ds_lines *l, size_t *len, bool *bad)
{
    bool skipping = false; /* inside a line longer than DS_LINE_MAX */
    for (;;) {
        char *line = l->buf + l->start;
        size_t have = l->end - l->start;
        char *nl = memchr(line, '\n', have);
        if (nl || (l->eof && (have || skipping))) {
            size_t n = nl ? (size_t)(nl - line) : have;
            l->start += n + (nl ? 1 : 0);
            *bad = skipping || memchr(line, 0, n) != NULL;
            if (skipping)
                n = 0;
            while (n && line[n - 1] == '\r')
                n--;
            line[n] = 0;
            *len = n;
            return line;
        }
        if (l->eof)
            return NULL;
        if (have >= DS_LINE_MAX) { /* drop what there is, keep reading to the newline */
            skipping = true;
            l->start = l->end = 0;
            have = 0;
        }
        if (l->start) {
            memmove(l->buf, l->buf + l->start, have);
            l->start = 0;
            l->end = have;
        }
        if (l->cap - l->end < 65536) {
            l->cap *= 2;
            l->buf = ds_xrealloc(l->buf, l->cap);
        }
        size_t room = l->cap - l->end - 1;
        int r = gzread(l->gz, l->buf + l->end, (unsigned)(room > INT32_MAX ? INT32_MAX : room));
        if (r <= 0)
            l->eof = true; /* the end, or an error (gzerror tells after the loop) */
        else
            l->end += (size_t)r;
    }
}

/* ---- CSV ---- */

/* Splits in place (RFC 4180 quotes); returns the number of fields. */
static size_t ds_split(char *p, char **f, size_t max)
{
    size_t n = 0;
    while (n < max) {
        if (*p == '"') {
            char *w = ++p;
            f[n++] = w;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            while (*p && *p != ',')
                p++;
            bool more = *p == ',';
            *w = 0;
            if (!more)
                break;
            p++;
        } else {
            f[n++] = p;
            while (*p && *p != ',')
                p++;
            if (*p != ',')
                break;
            *p++ = 0;
        }
    }
    return n;
}

static bool ds_name_is(const char *s, const char *const *names)
{
    for (; *names; names++)
        if (strcasecmp(s, *names) == 0)
            return true;
    return false;
}

#define DS_MAX_COLS 64

static void ds_bulk_csv_line(char *line, size_t *ip_col, size_t *name_col, bool first,
                             ds_rdns_sink sink, void *ctx, ds_rdns_bulk_stats *st)
{
    static const char *const ip_names[] = {"ip", "address", "addr", "saddr", NULL};
    static const char *const name_names[] = {"name", "hostname", "ptr", "value", "rdns", NULL};
    char *f[DS_MAX_COLS];
    size_t nf = ds_split(line, f, DS_MAX_COLS);
    size_t need = (*ip_col > *name_col ? *ip_col : *name_col) + 1;
    ds_ip ip;
    if (nf >= need && ds_ip_parse(f[*ip_col], &ip) == 0) {
        sink(ctx, &ip, f[*name_col], strlen(f[*name_col]));
        st->records++;
        return;
    }
    if (first) {
        /* A header: find the columns by name; keep 0 and 1 when not named. */
        size_t ic = SIZE_MAX, nc = SIZE_MAX;
        for (size_t i = 0; i < nf; i++) {
            if (ic == SIZE_MAX && ds_name_is(f[i], ip_names))
                ic = i;
            else if (nc == SIZE_MAX && ds_name_is(f[i], name_names))
                nc = i;
        }
        if (ic != SIZE_MAX && nc != SIZE_MAX) {
            *ip_col = ic;
            *name_col = nc;
            return;
        }
    }
    if (!st->bad++)
        st->first_bad_line = st->lines;
}

/* ---- Sonar JSON lines ---- */

static void ds_bulk_json_line(const char *line, size_t len, ds_rdns_sink sink, void *ctx,
                              ds_rdns_bulk_stats *st)
{
    json_error_t jerr;
    json_t *o = json_loadb(line, len, 0, &jerr);
    const char *addr = NULL, *type = NULL, *value = NULL;
    size_t vlen = 0;
    ds_ip ip;
    if (o && json_is_object(o)) {
        addr = json_string_value(json_object_get(o, "name"));
        type = json_string_value(json_object_get(o, "type"));
        json_t *v = json_object_get(o, "value");
        value = json_string_value(v);
        vlen = value ? json_string_length(v) : 0;
    }
    if (!addr || !value || ds_ip_parse(addr, &ip) != 0) {
        if (!st->bad++)
            st->first_bad_line = st->lines;
    } else if (!type || strcmp(type, "ptr") == 0) {
        /* jansson rejects \u0000 by default, so value holds no NUL and vlen is its
         * length as a C string. */
        sink(ctx, &ip, value, vlen);
        st->records++;
    }
    json_decref(o);
}

int ds_rdns_bulk_read(const char *path, ds_rdns_sink sink, void *ctx, ds_rdns_bulk_stats *st,
                      char *err, size_t errlen)
{
    memset(st, 0, sizeof(*st));
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOMEM));
        return -1;
    }
    gzbuffer(gz, 1 << 18);
    ds_lines l = {gz, ds_xmalloc(1 << 17), 1 << 17, 0, 0, false};
    size_t ip_col = 0, name_col = 1, len;
    int format = 0; /* 0 undecided, 1 CSV, 2 JSON lines */
    char *line;
    bool bad;
    while ((line = ds_lines_next(&l, &len, &bad))) {
        st->lines++;
        if (bad) {
            if (!st->bad++)
                st->first_bad_line = st->lines;
            continue;
        }
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            continue;
        if (!format)
            format = *p == '{' ? 2 : 1;
        if (format == 2)
            ds_bulk_json_line(line, len, sink, ctx, st);
        else
            ds_bulk_csv_line(line, &ip_col, &name_col, st->lines == 1, sink, ctx, st);
    }
    int zerr = Z_OK;
    const char *zmsg = gzerror(gz, &zerr);
    int rc = 0;
    if (zerr != Z_OK && zerr != Z_BUF_ERROR) {
        snprintf(err, errlen, "%s: read error after line %llu: %s", path,
                 (unsigned long long)st->lines, zmsg);
        rc = -1;
    } else if (st->records == 0 && st->bad > 0) {
        snprintf(err, errlen, "%s: line %llu: not an ip,name row nor a Sonar rdns JSON line", path,
                 (unsigned long long)st->first_bad_line);
        rc = -1;
    }
    gzclose(gz);
    free(l.buf);
    return rc;
}

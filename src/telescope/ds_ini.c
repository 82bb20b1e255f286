/*
 * ds_ini.c — strict INI reading with line numbers, on top of inih.
 *
 * How it works. inih's callback does not receive line numbers (this system's inih
 * is built without INI_HANDLER_LINENO), so we feed inih through ini_parse_stream()
 * with our own line reader over the text in memory. The reader counts lines, so
 * the key callback, which inih calls before it reads the next line, knows the
 * current line. The reader also sees section headers first-hand, which lets it
 * report sections without keys (inih is silent about those) and refuse over-long
 * lines (inih would silently split them into two lines and misparse the rest).
 *
 * Only the first error by line number is reported; after it the reader stops, so
 * nothing past a mistake is ever handed to the callers. Callers stage what they read
 * and commit only when the whole text parsed, so a bad file changes nothing.
 *
 * inih's runtime globals (ini_max_line, ...) are left alone on purpose: they are
 * process-wide and changing them would be hidden global state.
 */
#include "telescope/ds_ini.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define DS_INI_MAX_FILE (16u << 20)

typedef struct ds_ini_ctx {
    const char *pos; /* next unread character of the text */
    int line;        /* number of the line last handed to inih */
    bool done;
    ds_ini_section_fn section_fn;
    ds_ini_key_fn key_fn;
    void *user;
    int section_line;  /* line of the current section header, 0 before the first */
    int section_lines; /* non-blank, non-comment lines in the current section */
    char section[128]; /* its name as written */
    int err_line;      /* 0 while no error */
    char msg[DS_ERRLEN];
} ds_ini_ctx;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
ds_ini_fail(ds_ini_ctx *c, int line, const char *fmt, ...)
{
    if (c->err_line && c->err_line <= line)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    c->err_line = line;
}

/* Called when a section ends (at the next header or at the end of the text). */
static void ds_ini_section_end(ds_ini_ctx *c)
{
    if (c->section_line && c->section_lines == 0)
        ds_ini_fail(c, c->section_line, "section [%s] has no keys", c->section);
}

/* Looks at a raw line as inih will: a section header starts a new section; any
 * other line that is not blank or a comment is content of the current section (a
 * key, a continuation, or a syntax error that inih will report). */
static void ds_ini_scan_line(ds_ini_ctx *c, const char *s)
{
    if (c->line == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
        (unsigned char)s[2] == 0xbf)
        s += 3; /* UTF-8 byte order mark, which inih skips too */
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == 0 || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
        return;
    const char *end = *s == '[' ? strchr(s + 1, ']') : NULL;
    if (!end) {
        c->section_lines++;
        return; /* content, or a header without ']' that inih reports */
    }
    ds_ini_section_end(c);
    size_t n = (size_t)(end - (s + 1));
    if (n >= sizeof c->section)
        n = sizeof c->section - 1;
    memcpy(c->section, s + 1, n);
    c->section[n] = 0;
    c->section_line = c->line;
    c->section_lines = 0;
    if (c->section_fn) {
        char e[DS_ERRLEN];
        e[0] = 0;
        if (c->section_fn(c->user, c->section, c->line, e, sizeof e) != 0)
            ds_ini_fail(c, c->line, "%s", e[0] ? e : "bad section");
    }
}

/* fgets-like reader over the text, for ini_parse_stream(). */
static char *ds_ini_reader(char *str, int num, void *stream)
{
    ds_ini_ctx *c = stream;
    if (c->done || c->err_line)
        return NULL;
    if (!*c->pos) {
        c->done = true;
        ds_ini_section_end(c);
        return NULL;
    }
    const char *nl = strchr(c->pos, '\n');
    size_t n = nl ? (size_t)(nl - c->pos) : strlen(c->pos);
    c->line++;
    if (num < 3 || n + 2 > (size_t)num) {
        ds_ini_fail(c, c->line, "line longer than %d characters", num - 3);
        return NULL;
    }
    memcpy(str, c->pos, n);
    str[n] = '\n';
    str[n + 1] = 0;
    c->pos += n + (nl ? 1 : 0);
    ds_ini_scan_line(c, str);
    return c->err_line ? NULL : str;
}

static int ds_ini_handler(void *user, const char *section, const char *name, const char *value)
{
    ds_ini_ctx *c = user;
    if (c->err_line)
        return 1;
    if (!*section) {
        ds_ini_fail(c, c->line, "'%s' is outside a section (add a [name] line above it)", name);
        return 1;
    }
    char e[DS_ERRLEN];
    e[0] = 0;
    if (c->key_fn(c->user, section, name, value ? value : "", c->line, e, sizeof e) != 0)
        ds_ini_fail(c, c->line, "%s", e[0] ? e : "bad value");
    return 1;
}

int ds_ini_parse_string(const char *text, const char *origin, ds_ini_section_fn section,
                        ds_ini_key_fn key, void *user, char *err, size_t errlen)
{
    ds_ini_ctx c;
    memset(&c, 0, sizeof c);
    c.pos = text;
    c.section_fn = section;
    c.key_fn = key;
    c.user = user;
    int r = ini_parse_stream(ds_ini_reader, &c, ds_ini_handler, &c);
    if (r == -2) {
        snprintf(err, errlen, "%s: out of memory", origin);
        return -1;
    }
    if (r > 0)
        ds_ini_fail(&c, r, "expected '[section]' or 'key = value'");
    if (c.err_line) {
        snprintf(err, errlen, "%s:%d: %s", origin, c.err_line, c.msg);
        return -1;
    }
    return 0;
}

int ds_ini_parse_file(const char *path, ds_ini_section_fn section, ds_ini_key_fn key, void *user,
                      char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* Configuration files are small: grow the buffer as needed, up to the cap. */
    size_t cap = 4096, n = 0, got;
    char *buf = ds_xmalloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            if (cap > DS_INI_MAX_FILE)
                break;
            cap *= 2;
            buf = ds_xrealloc(buf, cap + 1);
        }
    }
    int rerr = ferror(f);
    fclose(f);
    int rc = -1;
    if (rerr)
        snprintf(err, errlen, "%s: read error", path);
    else if (n > DS_INI_MAX_FILE)
        snprintf(err, errlen, "%s: larger than %u bytes, not a configuration file", path,
                 DS_INI_MAX_FILE);
    else if (memchr(buf, 0, n))
        snprintf(err, errlen, "%s: contains a NUL byte, not a text file", path);
    else {
        buf[n] = 0;
        rc = ds_ini_parse_string(buf, path, section, key, user, err, errlen);
    }
    free(buf);
    return rc;
}

char *ds_ini_unquote(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = 0;
        s++;
    }
    return s;
}

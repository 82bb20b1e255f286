/*
 * ds_csv.c — CSV and terminal escaping (see ds_csv.h for the rules and why).
 */
#include "output/ds_csv.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static int ds_utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    int n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (cp >= 0x80 && cp < 0xa0)
        return 0; /* C1 controls are terminal escapes too */
    return n;
}

/* Writes s with control bytes and invalid UTF-8 as \xNN (a backslash as two, and
 * for CSV a quote as two). Runs of bytes that stay as they are go out in one
 * fwrite: a call per character was most of the cost of a hosts.csv row's text. */
static void ds_write_clean(FILE *f, const char *s, bool csv)
{
    const unsigned char *p = (const unsigned char *)s, *run = p;
    while (*p) {
        if (*p >= 0x20 && *p < 0x7f && *p != '\\' && !(csv && *p == '"')) {
            p++;
            continue;
        }
        int n = ds_utf8_len(p);
        if (n > 1) { /* valid UTF-8 beyond ASCII stays */
            p += n;
            continue;
        }
        if (p > run)
            fwrite(run, 1, (size_t)(p - run), f);
        if (*p == '\\')
            fputs("\\\\", f);
        else if (n == 1 && *p == '"')
            fputs("\"\"", f);
        else
            fprintf(f, "\\x%02x", *p);
        run = ++p;
    }
    if (p > run)
        fwrite(run, 1, (size_t)(p - run), f);
}

void ds_csv_text(FILE *f, const char *s)
{
    if (!s || !*s)
        return;
    bool formula = strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = formula || strpbrk(s, ",\"\n\r") != NULL || s[0] == ' ';
    if (quote)
        fputc('"', f);
    if (formula)
        fputc('\'', f);
    ds_write_clean(f, s, true);
    if (quote)
        fputc('"', f);
}

void ds_csv_ip(FILE *f, const ds_ip *a)
{
    char buf[DS_IP_STRLEN];
    fputs(ds_ip_format(a, buf), f);
}

void ds_csv_time(FILE *f, int64_t ts_ns)
{
    char buf[DS_TIME_STRLEN];
    fputs(ds_time_format(ts_ns, buf), f);
}

void ds_term_text(FILE *f, const char *s)
{
    if (s)
        ds_write_clean(f, s, false);
}

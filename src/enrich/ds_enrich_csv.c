/*
 * ds_enrich_csv.c — writing attribution fields: the ten CSV columns and JSON strings
 * of untrusted text.
 *
 * Escaping rules are not repeated here: CSV text goes through ds_csv_text and the
 * JSON fallback through ds_term_text (output/ds_csv.h), so a hostile PTR name is
 * treated the same in every file darkscope writes.
 */
#include <math.h>
#include <stdlib.h>

#include "enrich/ds_enrich.h"
#include "output/ds_csv.h"

/* "%.4f" of v, empty for NaN. By hand for the common case: printf's exact
 * conversion of a double was a third of writing a hosts.csv row. v * 1e4 is
 * rounded to the nearest integer (ties to even, as printf does for an exact
 * tie); when the product lies so near a tie that its own rounding error could
 * have moved it across (below 1e9 that error is under 1e-7), printf decides. */
void ds_coord_text(FILE *f, double v)
{
    if (isnan(v))
        return;
    double x = v * 1e4, r = nearbyint(x);
    if (!(fabs(x) < 1e9) || fabs(fabs(x - r) - 0.5) < 1e-6) {
        fprintf(f, "%.4f", v);
        return;
    }
    uint64_t m = (uint64_t)fabs(r);
    char buf[32], *p = buf + sizeof buf;
    *--p = 0;
    for (int i = 0; i < 4; i++, m /= 10)
        *--p = (char)('0' + m % 10);
    *--p = '.';
    do
        *--p = (char)('0' + m % 10);
    while ((m /= 10) != 0);
    if (signbit(v))
        *--p = '-';
    fputs(p, f);
}

void ds_enrich_csv_fields(FILE *f, const ds_host_info *h)
{
    fputs(h->country, f);
    fputc(',', f);
    ds_coord_text(f, h->lat);
    fputc(',', f);
    ds_coord_text(f, h->lon);
    fputc(',', f);
    if (h->asn) {
        char buf[16], *p = buf + sizeof buf;
        *--p = 0;
        for (uint32_t a = h->asn; a; a /= 10)
            *--p = (char)('0' + a % 10);
        fputs(p, f);
    }
    fputc(',', f);
    ds_csv_text(f, h->as_org);
    fputc(',', f);
    ds_csv_text(f, h->rdns);
    fputc(',', f);
    fputs(ds_rdns_status_name(h->rdns_status), f);
    fputc(',', f);
    ds_csv_text(f, h->tld);
    fputc(',', f);
    ds_csv_text(f, h->domain);
    fputc(',', f);
    fputs(ds_category_name(h->category), f);
}

json_t *ds_enrich_json_string(const char *s)
{
    if (!s)
        return json_null();
    bool clean = true;
    /* Control bytes, DEL, C1 controls (U+0080..U+009F, 0xc2 0x80..0x9f in UTF-8:
     * terminals act on them) and backslashes (so the escaped form stays unambiguous)
     * take the escaped path. */
    for (const unsigned char *p = (const unsigned char *)s; *p && clean; p++)
        clean = *p >= 0x20 && *p != 0x7f && *p != '\\' &&
                !(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
    json_t *j = clean ? json_string(s) : NULL; /* NULL also when not valid UTF-8 */
    if (j)
        return j;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return json_null();
    ds_term_text(m, s);
    fclose(m);
    j = json_stringn(buf, len);
    free(buf);
    return j ? j : json_null();
}

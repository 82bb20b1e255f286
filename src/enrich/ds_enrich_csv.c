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

static void ds_coord(FILE *f, double v)
{
    if (!isnan(v))
        fprintf(f, "%.4f", v);
}

void ds_enrich_csv_fields(FILE *f, const ds_host_info *h)
{
    fputs(h->country, f);
    fputc(',', f);
    ds_coord(f, h->lat);
    fputc(',', f);
    ds_coord(f, h->lon);
    fputc(',', f);
    if (h->asn)
        fprintf(f, "%u", h->asn);
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

/*
 * ds_attrib.c — the thin layer between analyzers and ds_enrich (see ds_attrib.h).
 */
#include "enrich/ds_attrib.h"

#include <math.h>

void ds_attrib_header(FILE *f)
{
    fputs("," DS_ENRICH_CSV_HEADER, f);
}

void ds_attrib_lookup(const ds_attrib *a, const ds_ip *ips, size_t n, ds_host_info *out)
{
    if (a && a->enrich) {
        ds_enrich_hosts(a->enrich, ips, n, out, a->threads);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].lat = out[i].lon = NAN;
    }
}

void ds_attrib_fields(FILE *f, const ds_host_info *h)
{
    fputc(',', f);
    ds_enrich_csv_fields(f, h);
}

void ds_attrib_note(const ds_attrib *a, const char *role, const char *signature, const ds_ip *ip,
                    const ds_host_info *h)
{
    if (a && a->breakdown)
        ds_breakdown_add(a->breakdown, role, signature, ip, h);
}

/*
 * ds_centroids.c — the country centroid table (see ds_centroids.h). Parsed from the
 * embedded CSV once per command; looked up by binary search on the 2-letter code.
 */
#include "output/ds_centroids.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ds_common.h"
#include "output/ds_webassets.h"

static int ds_cent_cmp(const void *a, const void *b)
{
    return strcmp(((const ds_centroid *)a)->iso2, ((const ds_centroid *)b)->iso2);
}

void ds_centroids_load(ds_centroids *c)
{
    c->v = NULL;
    c->n = 0;
    size_t cap = 0;
    const char *p = (const char *)ds_web_centroids, *end = p + ds_web_centroids_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        char line[160];
        size_t len = (size_t)(nl - p) < sizeof line - 1 ? (size_t)(nl - p) : sizeof line - 1;
        memcpy(line, p, len);
        line[len] = 0;
        p = nl + 1;
        ds_centroid e;
        char code[8];
        if (sscanf(line, "%7[^,],%lf,%lf", code, &e.lat, &e.lon) != 3 || strlen(code) != 2)
            continue; /* the header line */
        e.iso2[0] = (char)toupper((unsigned char)code[0]);
        e.iso2[1] = (char)toupper((unsigned char)code[1]);
        e.iso2[2] = 0;
        if (c->n == cap) {
            cap = cap ? cap * 2 : 256;
            c->v = ds_xrealloc(c->v, cap * sizeof *c->v);
        }
        c->v[c->n++] = e;
    }
    if (c->n)
        qsort(c->v, c->n, sizeof *c->v, ds_cent_cmp);
}

void ds_centroids_free(ds_centroids *c)
{
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

int ds_centroids_find(const ds_centroids *c, const char *iso2)
{
    if (!iso2 || strlen(iso2) != 2 || !c->n)
        return -1;
    ds_centroid key;
    key.iso2[0] = (char)toupper((unsigned char)iso2[0]);
    key.iso2[1] = (char)toupper((unsigned char)iso2[1]);
    key.iso2[2] = 0;
    const ds_centroid *f = bsearch(&key, c->v, c->n, sizeof *c->v, ds_cent_cmp);
    return f ? (int)(f - c->v) : -1;
}

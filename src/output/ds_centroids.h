/*
 * ds_centroids.h — a point per country, for hosts whose geolocation gives only a
 * country code. The table is the embedded centroids.csv made by web/build.mjs
 * from Natural Earth geometry (world-atlas): the centroid of each country's
 * largest polygon.
 */
#ifndef DS_CENTROIDS_H
#define DS_CENTROIDS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ds_centroid {
    char iso2[3];
    double lat, lon;
} ds_centroid;

typedef struct ds_centroids {
    ds_centroid *v; /* sorted by iso2 */
    size_t n;
} ds_centroids;

/* Parses the embedded table (empty when the front end was not built). */
void ds_centroids_load(ds_centroids *c);
void ds_centroids_free(ds_centroids *c);
/* Index of the country (ISO 3166-1 alpha-2, case-insensitive), or -1. */
int ds_centroids_find(const ds_centroids *c, const char *iso2);

#endif

/*
 * ds_geo.c — geolocation through libmaxminddb.
 *
 * Which layout a database uses is learned from its first entry that has a country
 * (flat ip-location-db keys are tried first, then MaxMind's nested ones) and kept, so
 * a lookup costs one tree walk and two or three value reads. An IPv4 address asked
 * of an IPv6 database is found through the IPv4-mapped subtree, as libmaxminddb does;
 * an IPv6 address asked of an IPv4-only database is simply not there.
 */
#include "enrich/ds_geo.h"

#include <math.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#define DS_GEO_MAX 8

typedef enum { DS_GEO_LAYOUT_UNKNOWN, DS_GEO_LAYOUT_FLAT, DS_GEO_LAYOUT_MAXMIND } ds_geo_layout;

struct ds_geo {
    MMDB_s db[DS_GEO_MAX];
    ds_geo_layout layout[DS_GEO_MAX];
    size_t n;
};

ds_geo *ds_geo_open(const char *const *paths, size_t n, char *err, size_t errlen)
{
    if (n > DS_GEO_MAX) {
        snprintf(err, errlen, "at most %d geolocation databases", DS_GEO_MAX);
        return NULL;
    }
    ds_geo *g = ds_xcalloc(1, sizeof(*g));
    for (size_t i = 0; i < n; i++) {
        int st = MMDB_open(paths[i], MMDB_MODE_MMAP, &g->db[i]);
        if (st != MMDB_SUCCESS) {
            snprintf(err, errlen, "%s: cannot open as a MaxMind DB: %s", paths[i],
                     MMDB_strerror(st));
            g->n = i;
            ds_geo_close(g);
            return NULL;
        }
        g->n = i + 1;
    }
    return g;
}

void ds_geo_close(ds_geo *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        MMDB_close(&g->db[i]);
    free(g);
}

/* A two-letter code, upper-cased; false when the value is not one. */
static bool ds_geo_country(MMDB_entry_s *e, const char *const *path, char out[3])
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size != 2)
        return false;
    for (int i = 0; i < 2; i++) {
        char c = d.utf8_string[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < 'A' || c > 'Z')
            return false;
        out[i] = c;
    }
    out[2] = 0;
    return true;
}

static double ds_geo_number(MMDB_entry_s *e, const char *const *path)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data)
        return NAN;
    if (d.type == MMDB_DATA_TYPE_DOUBLE)
        return d.double_value;
    if (d.type == MMDB_DATA_TYPE_FLOAT)
        return d.float_value;
    return NAN;
}

static const char *const ds_flat_cc[] = {"country_code", NULL};
static const char *const ds_flat_lat[] = {"latitude", NULL};
static const char *const ds_flat_lon[] = {"longitude", NULL};
static const char *const ds_mm_cc[] = {"country", "iso_code", NULL};
static const char *const ds_mm_reg_cc[] = {"registered_country", "iso_code", NULL};
static const char *const ds_mm_lat[] = {"location", "latitude", NULL};
static const char *const ds_mm_lon[] = {"location", "longitude", NULL};

bool ds_geo_entry_country(MMDB_entry_s *e, char country[3])
{
    return ds_geo_country(e, ds_flat_cc, country) || ds_geo_country(e, ds_mm_cc, country) ||
           ds_geo_country(e, ds_mm_reg_cc, country);
}

static bool ds_geo_read(ds_geo_layout layout, MMDB_entry_s *e, char country[3], double *lat,
                        double *lon)
{
    if (layout == DS_GEO_LAYOUT_FLAT) {
        if (!ds_geo_country(e, ds_flat_cc, country))
            return false;
        *lat = ds_geo_number(e, ds_flat_lat);
        *lon = ds_geo_number(e, ds_flat_lon);
        return true;
    }
    if (!ds_geo_country(e, ds_mm_cc, country) && !ds_geo_country(e, ds_mm_reg_cc, country))
        return false;
    *lat = ds_geo_number(e, ds_mm_lat);
    *lon = ds_geo_number(e, ds_mm_lon);
    return true;
}

bool ds_geo_lookup(ds_geo *g, const ds_ip *ip, char country[3], double *lat, double *lon)
{
    country[0] = 0;
    *lat = *lon = NAN;
    if (!g)
        return false;
    bool v4 = ds_ip_is_v4(ip);
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    sin.sin_family = AF_INET;
    memcpy(&sin.sin_addr, ip->b + 12, 4);
    sin6.sin6_family = AF_INET6;
    memcpy(&sin6.sin6_addr, ip->b, 16);
    const struct sockaddr *sa = v4 ? (const struct sockaddr *)&sin : (const struct sockaddr *)&sin6;

    for (size_t i = 0; i < g->n; i++) {
        if (!v4 && g->db[i].metadata.ip_version == 4)
            continue;
        int mmerr = 0;
        MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&g->db[i], sa, &mmerr);
        if (mmerr != MMDB_SUCCESS || !r.found_entry)
            continue;
        /* Lookups run on several threads (ds_enrich_hosts): the layout, learned by
         * whichever meets the first entry with a country, is read and written
         * atomically; any thread that learns it learns the same. */
        ds_geo_layout lay = __atomic_load_n(&g->layout[i], __ATOMIC_RELAXED);
        if (lay != DS_GEO_LAYOUT_UNKNOWN) {
            if (ds_geo_read(lay, &r.entry, country, lat, lon))
                return true;
            continue;
        }
        if (ds_geo_read(DS_GEO_LAYOUT_FLAT, &r.entry, country, lat, lon)) {
            __atomic_store_n(&g->layout[i], DS_GEO_LAYOUT_FLAT, __ATOMIC_RELAXED);
            return true;
        }
        if (ds_geo_read(DS_GEO_LAYOUT_MAXMIND, &r.entry, country, lat, lon)) {
            __atomic_store_n(&g->layout[i], DS_GEO_LAYOUT_MAXMIND, __ATOMIC_RELAXED);
            return true;
        }
    }
    country[0] = 0;
    *lat = *lon = NAN;
    return false;
}

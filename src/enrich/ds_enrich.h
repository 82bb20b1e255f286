/*
 * ds_enrich.h — attribution: who a host is (country, coordinates, autonomous system,
 * reverse DNS, TLD, registrable domain, category). The contract for the rest of
 * darkscope; the parts live in ds_geo, ds_asn, ds_rdns, ds_rdns_resolve,
 * ds_hostname and ds_domain. docs/ATTRIBUTION.md explains the rules and the data.
 *
 * Attribution is per host, never per packet: collect the distinct addresses at the
 * end of a run (or when an attack is written), call ds_enrich_hosts() with all of
 * them in one batch, so that live reverse DNS runs them concurrently and a bulk rDNS
 * file is streamed once, then write the columns with ds_enrich_csv_fields() and the
 * breakdown tables with ds_breakdown_*(). Results are cached per address, so asking
 * again for a host costs a hash lookup and never a second DNS query.
 *
 *   ds_enrich_config *cfg = ds_enrich_config_new();      // options set it
 *   ds_enrich *e = ds_enrich_open(cfg, err, sizeof err);
 *   ds_enrich_hosts(e, ips, n, info, threads);            // info[n]
 *   fputs("ip," DS_ENRICH_CSV_HEADER "\n", f); ...
 *   ds_csv_ip(f, &ips[i]); fputc(',', f); ds_enrich_csv_fields(f, &info[i]);
 *   ds_breakdown_add(bd, "infected", "codered", &ips[i], &info[i]);
 *   ds_breakdown_write(bd, out, err, sizeof err);
 *   json_object_set_new(summary, "attribution", ds_enrich_summary(e, bd, 10));
 *   ds_breakdown_free(bd); ds_enrich_close(e);            // info strings die here
 *
 * Every string in ds_host_info is owned by the ds_enrich handle and lives until
 * ds_enrich_close(). rdns is untrusted and verbatim: write it only through the
 * escaping writers (output/ds_csv.h, ds_enrich_json_string()).
 */
#ifndef DS_ENRICH_H
#define DS_ENRICH_H

#include <jansson.h>
#include <stdio.h>

#include "analysis/ds_analyzer.h"
#include "core/ds_common.h"
#include "enrich/ds_domain.h"
#include "enrich/ds_rdns.h"
#include "output/ds_outdir.h"

/* ---- configuration (command-line options) ---- */

#define DS_ENRICH_MAX_FILES 8

typedef struct ds_enrich_config {
    char *geo[DS_ENRICH_MAX_FILES]; /* --geo, repeatable; none: the default files */
    size_t n_geo;
    char *asn[DS_ENRICH_MAX_FILES]; /* --asn, repeatable; none: the default files */
    size_t n_asn;
    bool no_geo, no_asn;       /* --no-geo, --no-asn */
    char *rdns_file;           /* --rdns FILE */
    bool rdns_resolve;         /* --rdns resolve */
    char *rdns_server;         /* --rdns-server ADDR[:PORT][,...]; NULL: resolv.conf */
    uint64_t rdns_max_queries; /* --rdns-budget (default 100000 queries, 10 min) */
    int64_t rdns_max_ns;
    int64_t rdns_timeout_ns;   /* --rdns-timeout (default 2 s) */
    unsigned rdns_concurrency; /* --rdns-concurrency (default 200) */
    unsigned rdns_retries;     /* --rdns-retries (default 1) */
    char *data_dir;            /* default databases: DATA_DIR/geo/...; NULL: built in */
} ds_enrich_config;

ds_enrich_config *ds_enrich_config_new(void);
void ds_enrich_config_free(ds_enrich_config *c);

/* The options, declared as analyzers declare theirs (set() takes a ds_enrich_config*);
 * terminated by an entry with name == NULL. */
extern const ds_option ds_enrich_options[];

/* Directory searched for the default databases when --geo/--asn are not given:
 * $DS_GEO_DIR, else <source tree>/data/geo (where scripts/fetch-geo.sh puts them). */
const char *ds_enrich_default_geo_dir(const ds_enrich_config *c, char *buf, size_t len);

/* ---- lookups ---- */

typedef struct ds_host_info {
    char country[3];    /* ISO 3166-1 alpha-2, "" when unknown */
    double lat, lon;    /* NAN when unknown */
    uint32_t asn;       /* 0 when unknown */
    const char *as_org; /* NULL when unknown */
    const char *rdns;   /* verbatim PTR name (untrusted), NULL when none */
    ds_rdns_status rdns_status;
    const char *tld;    /* last label, lower case; NULL unless rdns is well-formed */
    const char *domain; /* registrable domain; NULL when none */
    ds_category category;
} ds_host_info;

typedef struct ds_enrich ds_enrich;

/* Opens the databases the configuration names (or the defaults that exist) and, for
 * --rdns resolve, the resolver. NULL with a one-line message on error (a named file
 * that is missing or malformed is an error; a missing default is not). */
ds_enrich *ds_enrich_open(const ds_enrich_config *cfg, char *err, size_t errlen);
void ds_enrich_close(ds_enrich *e);

/* Attributes ips[0..n) into out[0..n), the geolocation on up to `threads` threads
 * (the result does not depend on their number). Repeated addresses are fine. Never
 * fails: a host nothing is known about gets empty fields; an rDNS source that breaks
 * midway gives status error (see ds_enrich_last_error). */
void ds_enrich_hosts(ds_enrich *e, const ds_ip *ips, size_t n, ds_host_info *out, unsigned threads);

/* The last problem met by ds_enrich_hosts (a bulk file unreadable), or NULL. */
const char *ds_enrich_last_error(const ds_enrich *e);

/* ---- output ---- */

/* The ten attribution columns, in the order ds_enrich_csv_fields writes them. */
#define DS_ENRICH_CSV_HEADER "country,lat,lon,asn,as_org,rdns,rdns_status,tld,domain,category"
#define DS_ENRICH_CSV_COLUMNS 10

/* Writes the ten fields separated by commas, no leading comma, no newline; text is
 * escaped by ds_csv_text (quotes, formula prefixes, control bytes). */
void ds_enrich_csv_fields(FILE *f, const ds_host_info *h);

/* A coordinate as the lat and lon columns write it: printf's "%.4f", empty for NaN. */
void ds_coord_text(FILE *f, double v);

/* A JSON string for untrusted text: the text itself when it is clean UTF-8 without
 * control bytes, else the ds_term_text escaped form. NULL s gives JSON null. */
json_t *ds_enrich_json_string(const char *s);

/* ---- breakdown tables: countries.csv, tlds.csv, asns.csv, categories.csv ---- */

/* Columns role,signature,key,hosts,percent. One row per (role, signature, key) with
 * the number of distinct hosts and their share of the (role, signature) hosts; plus
 * signature "*" rows per role counting each host once across its signatures. key is
 * the country code, TLD, AS number or category; "unknown" when not known. Rows are
 * sorted by role, signature, hosts descending, key. */
typedef enum ds_breakdown_table {
    DS_BD_COUNTRIES,
    DS_BD_TLDS,
    DS_BD_ASNS,
    DS_BD_CATEGORIES,
    DS_BD_TABLES
} ds_breakdown_table;

#define DS_BREAKDOWN_CSV_HEADER "role,signature,key,hosts,percent"

typedef struct ds_breakdown ds_breakdown;

/* threads: how many it may use to sort and count (the tables never depend on it). */
ds_breakdown *ds_breakdown_new(unsigned threads);
void ds_breakdown_free(ds_breakdown *b);
/* role: "infected", "victim", "scanner"; signature: the worm signature, attack class
 * or scanner port as the caller names it. A (role, signature, ip) added twice counts
 * once. h's strings must stay valid until the breakdown is written (ds_enrich open). */
void ds_breakdown_add(ds_breakdown *b, const char *role, const char *signature, const ds_ip *ip,
                      const ds_host_info *h);
/* "countries.csv", ... */
const char *ds_breakdown_file(ds_breakdown_table t);
/* One table, header included. */
void ds_breakdown_write_table(ds_breakdown *b, ds_breakdown_table t, FILE *f);
/* All four into the output directory (atomically each). */
int ds_breakdown_write(ds_breakdown *b, ds_outdir *out, char *err, size_t errlen);

/* The per-role part of the summary (the "roles" member of ds_enrich_summary). */
json_t *ds_breakdown_summary(ds_breakdown *b, size_t top);

/* Number of top domains the ISP home/SMB share is computed over. */
#define DS_TOP_DOMAINS_FOR_SHARE 100

/* The summary.json member "attribution": where the data came from (files, licences,
 * rDNS statistics) and, per role (all signatures), the top `top` countries, TLDs,
 * ASes (with names), categories and domains, the hosts under .mil, .gov and .edu,
 * and the share of the top DS_TOP_DOMAINS_FOR_SHARE domains that are ISP home/SMB
 * domains (most of their hosts isp-home). b may be NULL. */
json_t *ds_enrich_summary(const ds_enrich *e, ds_breakdown *b, size_t top);

#endif

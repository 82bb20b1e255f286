/*
 * ds_geo.h — country and coordinates of an address from MaxMind DB (.mmdb) files.
 *
 * Two layouts are read: MaxMind's GeoIP2/GeoLite2 (country.iso_code, falling back to
 * registered_country.iso_code; location.latitude/longitude) and the flat layout of
 * ip-location-db (country_code, latitude, longitude). Several files may be given
 * (ip-location-db ships one per address family); they are asked in order and the
 * first that knows the address answers.
 */
#ifndef DS_GEO_H
#define DS_GEO_H

#include "core/ds_common.h"

typedef struct ds_geo ds_geo;

/* Opens the files (memory-mapped). NULL with a message naming the file on error. */
ds_geo *ds_geo_open(const char *const *paths, size_t n, char *err, size_t errlen);
void ds_geo_close(ds_geo *g);

/* Fills country (two upper-case letters, or "" when unknown) and lat/lon (NAN when
 * unknown). Returns true when some database had an entry for the address. Not
 * thread-safe: each database remembers which layout it uses. */
bool ds_geo_lookup(ds_geo *g, const ds_ip *ip, char country[3], double *lat, double *lon);

/* The country of one data record of a database of either layout (flat country_code,
 * then country.iso_code, then registered_country.iso_code), for callers that walk a
 * database themselves (the simulator's country ranges). False when it has none. */
struct MMDB_entry_s;
bool ds_geo_entry_country(struct MMDB_entry_s *e, char country[3]);

#endif

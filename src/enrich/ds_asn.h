/*
 * ds_asn.h — the autonomous system that announces an address.
 *
 * Sources: a MaxMind ASN database (.mmdb with autonomous_system_number and
 * autonomous_system_organization) or a range CSV, one row per inclusive range,
 * `range_start,range_end,asn,as_org` with addresses in text form (IPv4 or IPv6) or
 * as decimal numbers (the ip-location-db "-num" files); a header line is allowed.
 * CSV rows are loaded into sorted arrays (one for IPv4, one for IPv6) and found by
 * binary search. Several files may be given; they are asked in order.
 */
#ifndef DS_ASN_H
#define DS_ASN_H

#include "core/ds_common.h"
#include "enrich/ds_strpool.h"

typedef struct ds_asn ds_asn;

/* Names (AS organisations) are kept in pool, which must outlive the table. */
ds_asn *ds_asn_open(const char *const *paths, size_t n, ds_strpool *pool, char *err, size_t errlen);
void ds_asn_close(ds_asn *a);

/* The AS number (0 when unknown) and its organisation (NULL when unknown; points
 * into the pool or the mmdb-backed copy in the pool). */
uint32_t ds_asn_lookup(ds_asn *a, const ds_ip *ip, const char **org);

/* Number of ranges loaded from CSV files (for the run's report and tests). */
size_t ds_asn_ranges(const ds_asn *a);
/* True when ds_asn_lookup may run on several threads at once: no source is an
 * .mmdb file (those intern the names they meet), or there is no source. */
bool ds_asn_lookup_is_pure(const ds_asn *a);

#endif

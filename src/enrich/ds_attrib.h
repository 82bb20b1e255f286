/*
 * ds_attrib.h — attribution as the analyzers see it while writing their files.
 *
 * The run opens the attribution sources once (ds_enrich) and, for every write of the
 * outputs, hands the analyzers a ds_attrib through ds_ctx. An analyzer that writes a
 * per-host file (hosts.csv, attacks.csv, scanners.csv) looks up all its hosts in one
 * batch, appends the ten attribution columns to each row, and notes each host with
 * its role for the breakdown tables; the run then writes countries.csv, tlds.csv,
 * asns.csv, categories.csv and the summary's "attribution" member. With attribution
 * switched off (ds_attrib NULL) the columns are still there, empty, so the file
 * layout never depends on the options.
 */
#ifndef DS_ATTRIB_H
#define DS_ATTRIB_H

#include <stdio.h>

#include "enrich/ds_enrich.h"

typedef struct ds_attrib {
    ds_enrich *enrich;       /* NULL: no attribution source at all */
    ds_breakdown *breakdown; /* rows for the breakdown tables of this write */
    unsigned threads;        /* threads the write may use (-j); output never depends on it */
} ds_attrib;

/* Writes ",country,lat,...,category" (the header tail, no newline). */
void ds_attrib_header(FILE *f);

/* Attributes n hosts into out[] (zeroed fields when a is NULL or has no source). */
void ds_attrib_lookup(const ds_attrib *a, const ds_ip *ips, size_t n, ds_host_info *out);

/* Writes "," and the ten fields of one host (no newline). */
void ds_attrib_fields(FILE *f, const ds_host_info *h);

/* Counts the host under role ("infected", "victim", "scanner") and signature
 * (worm signature, attack protocol, scanned service) in the breakdown tables. */
void ds_attrib_note(const ds_attrib *a, const char *role, const char *signature, const ds_ip *ip,
                    const ds_host_info *h);

#endif

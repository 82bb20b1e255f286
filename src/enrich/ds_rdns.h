/*
 * ds_rdns.h — reverse DNS results and bulk mapping files.
 *
 * Every address gets a status, so that "no name" is never confused with "not asked"
 * or "the server did not answer":
 *   none      not looked up (no rDNS source, or absent from the bulk file)
 *   name      a well-formed host name (ds_hostname.h)
 *   badname   a name that is not a well-formed host name; kept verbatim, never
 *             classified (hostile or broken PTR data)
 *   nxdomain  no PTR record: NXDOMAIN, or NOERROR without a PTR answer; an empty
 *             name in a bulk file
 *   timeout   no answer within the timeout and retries, or still waiting when the
 *             time budget ran out
 *   error     SERVFAIL, REFUSED, a malformed answer, a socket error
 *   skipped   never asked because the budget (queries or seconds) was spent
 *
 * Bulk files map addresses to names, read in one streaming pass (gzip-compressed or
 * not; zlib reads plain files transparently):
 *   CSV   `ip,name` with an optional header; when there is a header, the columns
 *         named ip (or address, saddr) and name (or hostname, ptr, value) are used,
 *         so files with more columns (country, city, ...) work as they are.
 *   JSON  Rapid7 Sonar rdns lines: {"timestamp":..,"name":"1.2.3.4","type":"ptr",
 *         "value":"host.example.com"}; lines of another type are ignored.
 * The format is decided by the first non-blank byte ('{' means JSON lines).
 */
#ifndef DS_RDNS_H
#define DS_RDNS_H

#include "core/ds_common.h"

typedef enum ds_rdns_status {
    DS_RDNS_NONE = 0,
    DS_RDNS_NAME,
    DS_RDNS_BADNAME,
    DS_RDNS_NXDOMAIN,
    DS_RDNS_TIMEOUT,
    DS_RDNS_ERROR,
    DS_RDNS_SKIPPED,
    DS_RDNS_STATUS_COUNT
} ds_rdns_status;

const char *ds_rdns_status_name(ds_rdns_status s);

/* name or badname for a non-empty name (escaped: the DNS decoder had to escape a
 * byte, which no host name holds); nxdomain for an empty one. */
ds_rdns_status ds_rdns_name_status(const char *name, size_t len, bool escaped);

/* Receives one mapping of a bulk file; name is NUL-terminated, len bytes. */
typedef void (*ds_rdns_sink)(void *ctx, const ds_ip *ip, const char *name, size_t len);

typedef struct ds_rdns_bulk_stats {
    uint64_t lines;   /* lines read */
    uint64_t records; /* mappings passed to the sink */
    uint64_t bad;     /* lines that are neither a mapping nor a header */
    uint64_t first_bad_line;
} ds_rdns_bulk_stats;

/* Streams the file into sink. Bad lines are counted and skipped; the read fails
 * (-1 with a message) only when the file cannot be read or has no mapping at all
 * but bad lines. */
int ds_rdns_bulk_read(const char *path, ds_rdns_sink sink, void *ctx, ds_rdns_bulk_stats *st,
                      char *err, size_t errlen);

#endif

/*
 * ds_rdns_resolve.h — live reverse DNS: PTR queries through c-ares, many at once,
 * within a budget.
 *
 * A telescope sees millions of hosts and a resolver answers a few thousand queries
 * a second, some never; so lookups run concurrently (at most `concurrency` in
 * flight), each with a per-try timeout and a number of retries, and the whole run
 * stops asking once it has started `max_queries` lookups or spent `max_ns` of wall
 * time (the one place darkscope reads the clock: a DNS budget is about real time).
 * The budget is for the resolver's whole life, across calls. Every address gets a
 * status (ds_rdns.h); addresses never asked get "skipped". Repeated addresses are
 * the caller's to remove: ds_enrich keeps the cache, so each host is asked once.
 */
#ifndef DS_RDNS_RESOLVE_H
#define DS_RDNS_RESOLVE_H

#include "core/ds_common.h"
#include "enrich/ds_rdns.h"

typedef struct ds_resolve_config {
    const char *servers;  /* "127.0.0.1:5353", "[::1]:53,10.0.0.1"; NULL: /etc/resolv.conf */
    unsigned concurrency; /* lookups in flight at most (>= 1) */
    int timeout_ms;       /* first try; c-ares doubles it on each retry round */
    unsigned retries;     /* tries after the first */
    uint64_t max_queries; /* lookups started, at most */
    int64_t max_ns;       /* wall time spent resolving, at most */
} ds_resolve_config;

typedef struct ds_resolve_stats {
    uint64_t queries; /* lookups started */
    uint64_t by_status[DS_RDNS_STATUS_COUNT];
    int64_t elapsed_ns;
    bool budget_spent; /* the query or time budget stopped the lookups */
} ds_resolve_stats;

typedef struct ds_resolver ds_resolver;

ds_resolver *ds_resolver_open(const ds_resolve_config *cfg, char *err, size_t errlen);
void ds_resolver_close(ds_resolver *r);
const ds_resolve_stats *ds_resolver_stats(const ds_resolver *r);

/* Receives the result for ips[i]: status, and the name for name/badname. */
typedef void (*ds_resolve_cb)(void *ctx, size_t i, ds_rdns_status st, const char *name, size_t len);

/* Resolves ips[0..n) and calls done exactly once per address, in completion order. */
void ds_resolver_run(ds_resolver *r, const ds_ip *ips, size_t n, ds_resolve_cb done, void *ctx);

#endif

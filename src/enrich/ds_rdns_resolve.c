/*
 * ds_rdns_resolve.c — the c-ares event loop behind live reverse DNS.
 *
 * One channel, one poll() loop: top up the in-flight lookups to the concurrency
 * limit, wait for the sockets c-ares names (or its next retransmission time, or the
 * budget deadline, whichever comes first), let c-ares process, repeat. When the time
 * budget runs out, ares_cancel() ends every lookup in flight (they report
 * "timeout": they had their chance) and the rest are reported "skipped".
 *
 * Answers are decoded by ds_dnsmsg.c, not by c-ares, to keep hostile names verbatim.
 */
#include "enrich/ds_rdns_resolve.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "enrich/ds_dnsmsg.h"

struct ds_resolver {
    ares_channel ch;
    ds_resolve_config cfg;
    ds_resolve_stats st;
};

typedef struct ds_query {
    struct ds_batch *b;
    size_t idx;
} ds_query;

typedef struct ds_batch {
    ds_resolver *r;
    ds_query *q;
    ds_resolve_cb done;
    void *ctx;
    size_t inflight;
} ds_batch;

static int64_t ds_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * DS_NS_PER_SEC + ts.tv_nsec;
}

ds_resolver *ds_resolver_open(const ds_resolve_config *cfg, char *err, size_t errlen)
{
    int st = ares_library_init(ARES_LIB_INIT_ALL);
    if (st != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: %s", ares_strerror(st));
        return NULL;
    }
    ds_resolver *r = ds_xcalloc(1, sizeof(*r));
    r->cfg = *cfg;
    if (r->cfg.concurrency == 0)
        r->cfg.concurrency = 1;
    struct ares_options o;
    memset(&o, 0, sizeof(o));
    /* No search domains, no hosts file: a PTR question goes to the DNS as it is. */
    o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    o.timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : 1;
    o.tries = (int)cfg->retries + 1;
    o.lookups = (char *)"b";
    st = ares_init_options(&r->ch, &o,
                           ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS);
    if (st != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: %s", ares_strerror(st));
        free(r);
        ares_library_cleanup();
        return NULL;
    }
    if (cfg->servers && *cfg->servers) {
        st = ares_set_servers_ports_csv(r->ch, cfg->servers);
        if (st != ARES_SUCCESS) {
            snprintf(err, errlen, "resolver '%s': %s (use ADDRESS[:PORT], IPv6 as [ADDR]:PORT)",
                     cfg->servers, ares_strerror(st));
            ds_resolver_close(r);
            return NULL;
        }
    }
    return r;
}

void ds_resolver_close(ds_resolver *r)
{
    if (!r)
        return;
    ares_destroy(r->ch);
    free(r);
    ares_library_cleanup();
}

const ds_resolve_stats *ds_resolver_stats(const ds_resolver *r)
{
    return &r->st;
}

static void ds_report(ds_batch *b, size_t idx, ds_rdns_status s, const char *name, size_t len)
{
    b->r->st.by_status[s]++;
    b->done(b->ctx, idx, s, name, len);
}

static void ds_on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    ds_query *q = arg;
    ds_batch *b = q->b;
    b->inflight--;
    switch (status) {
    case ARES_SUCCESS: {
        char name[DS_DNS_NAME_TEXT];
        size_t len;
        bool escaped;
        int found = ds_dns_ptr_answer(abuf, alen > 0 ? (size_t)alen : 0, name, &len, &escaped);
        if (found < 0)
            ds_report(b, q->idx, DS_RDNS_ERROR, NULL, 0);
        else if (found == 0)
            ds_report(b, q->idx, DS_RDNS_NXDOMAIN, NULL, 0);
        else if (len == 0)
            ds_report(b, q->idx, DS_RDNS_BADNAME, ".", 1); /* a PTR to the root */
        else
            ds_report(b, q->idx, ds_rdns_name_status(name, len, escaped), name, len);
        break;
    }
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
        ds_report(b, q->idx, DS_RDNS_NXDOMAIN, NULL, 0);
        break;
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
        ds_report(b, q->idx, DS_RDNS_TIMEOUT, NULL, 0);
        break;
    default:
        ds_report(b, q->idx, DS_RDNS_ERROR, NULL, 0);
        break;
    }
}

/* Waits for c-ares's sockets at most wait_ms, then lets it process. */
static void ds_wait_and_process(ares_channel ch, int wait_ms)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    struct pollfd pfd[ARES_GETSOCK_MAXNUM];
    /* The bit tests are spelled out on unsigned: c-ares's ARES_GETSOCK_WRITABLE
     * shifts a signed 1 into the sign bit for the 16th socket. */
    unsigned bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
    nfds_t n = 0;
    for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
        short ev = 0;
        if ((bits >> i) & 1u)
            ev |= POLLIN;
        if ((bits >> (i + ARES_GETSOCK_MAXNUM)) & 1u)
            ev |= POLLOUT;
        if (!ev)
            continue;
        pfd[n].fd = socks[i];
        pfd[n].events = ev;
        pfd[n].revents = 0;
        n++;
    }
    int rc = poll(pfd, n, wait_ms);
    if (rc <= 0) {
        ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts, retries */
        return;
    }
    for (nfds_t i = 0; i < n; i++) {
        ares_socket_t rd =
            (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfd[i].fd : ARES_SOCKET_BAD;
        ares_socket_t wr = (pfd[i].revents & POLLOUT) ? pfd[i].fd : ARES_SOCKET_BAD;
        ares_process_fd(ch, rd, wr);
    }
}

void ds_resolver_run(ds_resolver *r, const ds_ip *ips, size_t n, ds_resolve_cb done, void *ctx)
{
    ds_batch b = {r, ds_xcalloc(n ? n : 1, sizeof(ds_query)), done, ctx, 0};
    int64_t t0 = ds_now_ns();
    int64_t left_ns = r->cfg.max_ns - r->st.elapsed_ns;
    int64_t deadline = t0 + (left_ns > 0 ? left_ns : 0);
    size_t next = 0;
    bool stopped = false;

    while (next < n || b.inflight > 0) {
        int64_t now = ds_now_ns();
        if (now >= deadline) {
            /* Budget spent: whatever is in flight times out, the rest is skipped. */
            if (b.inflight)
                ares_cancel(r->ch);
            stopped = true;
            break;
        }
        while (next < n && b.inflight < r->cfg.concurrency) {
            if (r->st.queries >= r->cfg.max_queries) {
                stopped = true;
                break;
            }
            char qname[DS_REVNAME_LEN];
            ds_dns_reverse_name(&ips[next], qname);
            b.q[next] = (ds_query){&b, next};
            r->st.queries++;
            b.inflight++;
            /* The callback may run inside ares_query (e.g. no usable server). */
            ares_query(r->ch, qname, ns_c_in, ns_t_ptr, ds_on_answer, &b.q[next]);
            next++;
        }
        if (stopped && b.inflight == 0)
            break;
        if (b.inflight == 0)
            continue;
        struct timeval maxtv, tv, *tvp;
        int64_t until_deadline = deadline - ds_now_ns();
        if (until_deadline < 0)
            until_deadline = 0;
        maxtv.tv_sec = (time_t)(until_deadline / DS_NS_PER_SEC);
        maxtv.tv_usec = (suseconds_t)((until_deadline % DS_NS_PER_SEC) / 1000);
        tvp = ares_timeout(r->ch, &maxtv, &tv);
        int wait_ms = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
        ds_wait_and_process(r->ch, wait_ms);
    }
    if (stopped)
        r->st.budget_spent = true;
    for (; next < n; next++)
        ds_report(&b, next, DS_RDNS_SKIPPED, NULL, 0);
    r->st.elapsed_ns += ds_now_ns() - t0;
    free(b.q);
}

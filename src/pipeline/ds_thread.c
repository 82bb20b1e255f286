/*
 * ds_thread.c — `analyze -j N`: the analyzers on worker threads (see ds_thread.h
 * for what goes where and why the result is the single-threaded one).
 *
 * The reading thread fills chunks of up to DS_CHUNK_CAP records, each a run of
 * batches exactly as ds_merge_next returned them (their ends are kept, so every
 * state gets the same advance() calls as with one thread), in a ring of
 * DS_NCHUNK chunks. A chunk is published under the mutex; every worker walks
 * every chunk and counts it consumed; the reader reuses a slot only when all
 * workers are past it. Chunks are large (16 Ki records) so the lock is taken a
 * few thousand times per run, not per packet. The reading thread notes each
 * record's host shard as it publishes it (ds_par_commit); the workers take their
 * share of a batch themselves, in parallel: the per-host share is copied into a
 * worker's buffer (cheaper than handing the shards the shared batch to skip
 * through: measured), the per-interval share is a few contiguous runs of the
 * batch (records are in time order) passed in place.
 */
#include "pipeline/ds_thread.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "analysis/ds_dos.h"
#include "model/ds_hll.h"

#define DS_CHUNK_CAP 16384
#define DS_NCHUNK 8
#define DS_MAX_BATCH 4096

enum ds_route {
    DS_ROUTE_WHOLE,    /* one worker, every packet */
    DS_ROUTE_HOST,     /* a shard per worker, by remote host */
    DS_ROUTE_INTERVAL, /* a shard per worker, by reporting interval */
};

/* How each analyzer is shared out. Only analyzers whose merge() is exact for
 * parts over disjoint hosts (or intervals) of the same time are sharded; any
 * other (including analyzers added later) runs whole. worm runs whole because its
 * merge orders hosts first seen at the same instant by part, not by arrival
 * (hosts.csv would differ). */
static const struct {
    const char *name;
    enum ds_route route;
} ds_routes[] = {
    {"dos", DS_ROUTE_HOST},
    {"scan", DS_ROUTE_HOST},
    {"series", DS_ROUTE_INTERVAL},
};

typedef struct ds_chunk {
    ds_pkt *pkts;
    size_t n;
    uint32_t *ends; /* end of each batch in pkts */
    size_t nb;
    uint16_t *shard; /* the worker of each record's remote host (per-host routes) */
} ds_chunk;

typedef struct ds_unit {
    size_t a; /* registry index */
    enum ds_route route;
    void *st;
} ds_unit;

typedef struct ds_worker {
    struct ds_par *par;
    pthread_t th;
    bool started;
    unsigned index;
    ds_unit *units;
    size_t nunits;
    /* This worker's contexts: whole analyzers write into the output directory,
     * shards do not (their merge does). --max-memory: each worker has its own
     * budget of max_memory / N (ds_membudget.h), so no counter is shared. */
    ds_ctx ctx_whole, ctx_shard;
    ds_membudget mem;
    ds_pkt *mine;      /* this worker's per-host share of a batch */
    uint64_t consumed; /* chunks done (under par->mu) */
    double cpu;        /* CPU seconds of the thread's analysis */
} ds_worker;

struct ds_par {
    const ds_ctx *ctx;
    void *const *acfg;
    unsigned nw;
    ds_worker *w;
    ds_chunk ch[DS_NCHUNK];
    pthread_mutex_t mu;
    pthread_cond_t more, room;
    uint64_t produced; /* chunks published */
    bool filling;      /* ch[produced % DS_NCHUNK] is being filled */
    bool done;
    /* Per-host routes: the reading thread finds each record's worker once (the
     * victim rule needs a look into the packet), not every worker for every record. */
    bool any_host;
    const ds_dos_config *dos_cfg; /* the victim rule for the host key; NULL: dos off */
    struct ds_merge_job *jobs;    /* from ds_par_finish_start: one per sharded analyzer */
    size_t njobs;
};

double ds_thread_cpu(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static enum ds_route ds_route_of(const char *name)
{
    for (size_t i = 0; i < sizeof ds_routes / sizeof ds_routes[0]; i++)
        if (strcmp(ds_routes[i].name, name) == 0)
            return ds_routes[i].route;
    return DS_ROUTE_WHOLE;
}

/* Mixed first: telescopes see addresses in blocks, so their low bits must not pick
 * the shard. */
static inline unsigned ds_host_shard(const ds_ip *a, unsigned n)
{
    return (unsigned)(ds_hll_mix(a->q[0] * 0x9e3779b97f4a7c15ULL ^ a->q[1]) % n);
}

/* The remote host of a packet: the DoS victim when the dos analyzer takes the
 * packet as backscatter, the source otherwise. The scanner analyzer's probes
 * (scan classes) are never backscatter, so their key is their source. */
static inline const ds_ip *ds_remote_host(const ds_dos_config *dos, const ds_pkt *p,
                                          ds_dos_hit *hit)
{
    if (dos && ds_dos_extract(dos, p, hit))
        return &hit->victim;
    return &p->src;
}

/* Copies this worker's per-host share of pk[0..n) (shard: their workers) into
 * w->mine. */
static size_t ds_share_hosts(ds_worker *w, const ds_pkt *pk, const uint16_t *shard, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (shard[i] == w->index)
            w->mine[m++] = pk[i];
    return m;
}

/* Feeds a per-interval shard the runs of pk[0..n) in its intervals. */
static void ds_feed_intervals(ds_worker *w, const ds_unit *u, const ds_pkt *pk, size_t n)
{
    int64_t len = w->par->ctx->interval_ns;
    int64_t nw = w->par->nw;
    size_t i = 0;
    while (i < n) {
        int64_t iv = ds_floor_div(pk[i].ts_ns, len);
        size_t j = i + 1;
        while (j < n && ds_floor_div(pk[j].ts_ns, len) == iv)
            j++;
        if (((iv % nw) + nw) % nw == (int64_t)w->index)
            ds_analyzers[u->a]->packets(u->st, pk + i, j - i);
        i = j;
    }
}

static void ds_worker_chunk(ds_worker *w, const ds_chunk *c)
{
    size_t b0 = 0;
    for (size_t b = 0; b < c->nb; b++) {
        size_t b1 = c->ends[b];
        const ds_pkt *pk = c->pkts + b0;
        size_t n = b1 - b0;
        int64_t last = pk[n - 1].ts_ns;
        size_t m = w->par->any_host ? ds_share_hosts(w, pk, c->shard + b0, n) : 0;
        for (size_t k = 0; k < w->nunits; k++) {
            const ds_unit *u = &w->units[k];
            const ds_analyzer_ops *ops = ds_analyzers[u->a];
            switch (u->route) {
            case DS_ROUTE_WHOLE:
                ops->packets(u->st, pk, n);
                break;
            case DS_ROUTE_HOST:
                if (m)
                    ops->packets(u->st, w->mine, m);
                break;
            case DS_ROUTE_INTERVAL:
                ds_feed_intervals(w, u, pk, n);
                break;
            }
            /* Every state hears the batch's end, as with one thread: intervals
             * close and sweeps run at the same packet times. */
            ops->advance(u->st, last);
        }
        b0 = b1;
    }
}

static void *ds_worker_main(void *arg)
{
    ds_worker *w = arg;
    ds_par *p = w->par;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (w->consumed == p->produced && !p->done)
            pthread_cond_wait(&p->more, &p->mu);
        if (w->consumed == p->produced) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        const ds_chunk *c = &p->ch[w->consumed % DS_NCHUNK];
        pthread_mutex_unlock(&p->mu);
        ds_worker_chunk(w, c);
        pthread_mutex_lock(&p->mu);
        w->consumed++;
        pthread_cond_signal(&p->room);
        pthread_mutex_unlock(&p->mu);
    }
    w->cpu = ds_thread_cpu();
    return NULL;
}

static void ds_add_unit(ds_worker *w, size_t a, enum ds_route route, void *st)
{
    w->units = ds_xrealloc(w->units, (w->nunits + 1) * sizeof *w->units);
    w->units[w->nunits++] = (ds_unit){a, route, st};
    if (route == DS_ROUTE_HOST) {
        w->par->any_host = true;
        if (strcmp(ds_analyzers[a]->name, "dos") == 0)
            w->par->dos_cfg = &((const ds_dos *)st)->cfg;
    }
}

/* Stops and joins the started workers (after the last chunk). */
static void ds_par_stop(ds_par *p)
{
    pthread_mutex_lock(&p->mu);
    p->done = true;
    pthread_cond_broadcast(&p->more);
    pthread_mutex_unlock(&p->mu);
    for (unsigned k = 0; k < p->nw; k++)
        if (p->w[k].started)
            pthread_join(p->w[k].th, NULL);
}

void ds_par_free(ds_par *p)
{
    if (!p)
        return;
    char err[DS_ERRLEN];
    ds_par_wait(p, err, sizeof err);
    free(p->jobs);
    for (unsigned k = 0; k < p->nw; k++) {
        free(p->w[k].units);
        free(p->w[k].mine);
    }
    free(p->w);
    for (int i = 0; i < DS_NCHUNK; i++) {
        free(p->ch[i].pkts);
        free(p->ch[i].ends);
        free(p->ch[i].shard);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->more);
    pthread_cond_destroy(&p->room);
    free(p);
}

ds_par *ds_par_start(const ds_ctx *ctx, void *const *acfg, const size_t *on, size_t non,
                     unsigned threads, bool whole)
{
    ds_par *p = ds_xcalloc(1, sizeof *p);
    p->ctx = ctx;
    p->acfg = acfg;
    p->nw = threads < 2 ? 2 : threads;
    p->w = ds_xcalloc(p->nw, sizeof *p->w);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->more, NULL);
    pthread_cond_init(&p->room, NULL);
    for (int i = 0; i < DS_NCHUNK; i++) {
        p->ch[i].pkts = ds_xmalloc(DS_CHUNK_CAP * sizeof *p->ch[i].pkts);
        p->ch[i].ends = ds_xmalloc(DS_CHUNK_CAP * sizeof *p->ch[i].ends);
        p->ch[i].shard = ds_xmalloc(DS_CHUNK_CAP * sizeof *p->ch[i].shard);
    }
    for (unsigned k = 0; k < p->nw; k++) {
        ds_worker *w = &p->w[k];
        w->par = p;
        w->index = k;
        ds_membudget_init(&w->mem, ctx->max_memory / p->nw);
        w->ctx_whole = *ctx;
        w->ctx_whole.mem = ctx->mem ? &w->mem : NULL;
        w->ctx_shard = w->ctx_whole;
        w->ctx_shard.out = NULL;
    }
    unsigned rr = 0; /* whole analyzers go round robin */
    for (size_t i = 0; i < non; i++) {
        size_t a = on[i];
        const void *cfg = acfg ? acfg[a] : NULL;
        enum ds_route r = whole ? DS_ROUTE_WHOLE : ds_route_of(ds_analyzers[a]->name);
        if (r == DS_ROUTE_WHOLE) {
            ds_worker *w = &p->w[rr++ % p->nw];
            ds_add_unit(w, a, r, ds_analyzers[a]->create(&w->ctx_whole, cfg));
            continue;
        }
        for (unsigned k = 0; k < p->nw; k++)
            ds_add_unit(&p->w[k], a, r, ds_analyzers[a]->create(&p->w[k].ctx_shard, cfg));
    }
    for (unsigned k = 0; k < p->nw; k++) {
        ds_worker *w = &p->w[k];
        if (p->any_host)
            w->mine = ds_xmalloc(DS_MAX_BATCH * sizeof *w->mine);
        if (pthread_create(&w->th, NULL, ds_worker_main, w) != 0) {
            ds_par_stop(p);
            for (unsigned j = 0; j < p->nw; j++)
                for (size_t u = 0; u < p->w[j].nunits; u++)
                    ds_analyzers[p->w[j].units[u].a]->destroy(p->w[j].units[u].st);
            ds_par_free(p);
            return NULL; /* the run goes on in one thread */
        }
        w->started = true;
    }
    return p;
}

size_t ds_par_cpu(const ds_par *p, double *cpu, size_t max)
{
    size_t n = 0;
    for (unsigned k = 0; k < p->nw && n < max; k++)
        cpu[n++] = p->w[k].cpu;
    return n;
}

/* The slowest worker's progress (under the mutex). */
static uint64_t ds_min_consumed(const ds_par *p)
{
    uint64_t m = UINT64_MAX;
    for (unsigned k = 0; k < p->nw; k++)
        if (p->w[k].consumed < m)
            m = p->w[k].consumed;
    return m;
}

static void ds_par_publish(ds_par *p)
{
    pthread_mutex_lock(&p->mu);
    p->produced++;
    p->filling = false;
    pthread_cond_broadcast(&p->more);
    pthread_mutex_unlock(&p->mu);
}

ds_pkt *ds_par_buffer(ds_par *p, size_t max)
{
    ds_chunk *c = &p->ch[p->produced % DS_NCHUNK];
    if (p->filling && c->n + max > DS_CHUNK_CAP) {
        ds_par_publish(p);
        c = &p->ch[p->produced % DS_NCHUNK];
    }
    if (!p->filling) {
        /* Wait until every worker is done with this slot's previous chunk. */
        pthread_mutex_lock(&p->mu);
        while (p->produced - ds_min_consumed(p) >= DS_NCHUNK)
            pthread_cond_wait(&p->room, &p->mu);
        pthread_mutex_unlock(&p->mu);
        c->n = c->nb = 0;
        p->filling = true;
    }
    return c->pkts + c->n;
}

void ds_par_commit(ds_par *p, size_t n)
{
    if (n == 0)
        return;
    ds_chunk *c = &p->ch[p->produced % DS_NCHUNK];
    for (size_t i = c->n; p->any_host && i < c->n + n; i++) {
        ds_dos_hit hit;
        c->shard[i] = (uint16_t)ds_host_shard(ds_remote_host(p->dos_cfg, &c->pkts[i], &hit), p->nw);
    }
    c->n += n;
    c->ends[c->nb++] = (uint32_t)c->n;
}

/* The merge of one sharded analyzer: its shards, in worker order, into target. */
typedef struct ds_merge_job {
    ds_par *p;
    size_t a;
    void *target;
    pthread_t th;
    bool threaded; /* running on th, not joined yet */
    int rc;
    char err[DS_ERRLEN];
} ds_merge_job;

static void *ds_merge_main(void *arg)
{
    ds_merge_job *j = arg;
    const ds_analyzer_ops *ops = ds_analyzers[j->a];
    for (unsigned k = 0; k < j->p->nw; k++) {
        ds_worker *w = &j->p->w[k];
        for (size_t i = 0; i < w->nunits; i++) {
            ds_unit *u = &w->units[i];
            if (u->a != j->a)
                continue;
            char aerr[DS_ERRLEN / 2];
            if (j->rc == 0 && ops->merge(j->target, u->st, aerr, sizeof aerr) != 0) {
                snprintf(j->err, sizeof j->err, "merging the threads' %s states: %s", ops->name,
                         aerr);
                j->rc = -1;
            }
            ops->destroy(u->st);
            u->st = NULL;
        }
    }
    return NULL;
}

void ds_par_finish_start(ds_par *p, void **st)
{
    if (p->filling && p->ch[p->produced % DS_NCHUNK].n > 0)
        ds_par_publish(p);
    p->filling = false;
    ds_par_stop(p);
    /* Whole analyzers' states are the results. Each sharded analyzer's shards merge
     * in worker order into a fresh state made with the run's context (the one that
     * writes). The merges are independent: each runs on its own thread, alongside
     * the writing of the analyzers before it, unless --max-memory's budget (one
     * counter for the run's context) is charged: then they run here, one by one. */
    p->jobs = ds_xcalloc(p->w[0].nunits + 1, sizeof *p->jobs);
    p->njobs = 0;
    for (size_t i = 0; i < p->w[0].nunits; i++) {
        const ds_unit *u = &p->w[0].units[i];
        if (u->route == DS_ROUTE_WHOLE)
            continue;
        ds_merge_job *j = &p->jobs[p->njobs++];
        *j = (ds_merge_job){.p = p, .a = u->a};
        j->target = ds_analyzers[u->a]->create(p->ctx, p->acfg ? p->acfg[u->a] : NULL);
        st[u->a] = j->target;
    }
    for (unsigned k = 0; k < p->nw; k++)
        for (size_t i = 0; i < p->w[k].nunits; i++)
            if (p->w[k].units[i].route == DS_ROUTE_WHOLE)
                st[p->w[k].units[i].a] = p->w[k].units[i].st;
    bool side_by_side = p->ctx->mem == NULL;
    for (size_t i = 0; i < p->njobs; i++) {
        ds_merge_job *j = &p->jobs[i];
        j->threaded = side_by_side && pthread_create(&j->th, NULL, ds_merge_main, j) == 0;
        if (!j->threaded)
            ds_merge_main(j);
    }
}

int ds_par_ready(ds_par *p, size_t a, char *err, size_t errlen)
{
    for (size_t i = 0; i < p->njobs; i++) {
        ds_merge_job *j = &p->jobs[i];
        if (j->a != a)
            continue;
        if (j->threaded) {
            pthread_join(j->th, NULL);
            j->threaded = false;
        }
        if (j->rc != 0) {
            snprintf(err, errlen, "%s", j->err);
            return -1;
        }
    }
    return 0;
}

int ds_par_wait(ds_par *p, char *err, size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < p->njobs; i++) {
        char e[DS_ERRLEN];
        if (ds_par_ready(p, p->jobs[i].a, e, sizeof e) != 0 && rc == 0) {
            snprintf(err, errlen, "%s", e);
            rc = -1;
        }
    }
    return rc;
}

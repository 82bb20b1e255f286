/*
 * ds_sim.c — the packet generator: every source of the scenario is a stream of
 * packet times (the worm, each attack, each scanner group, each misconfiguration
 * group); a small binary heap merges the streams in time order and each packet is
 * crafted and appended to its monitor's capture as it comes, so memory does not grow
 * with the number of packets.
 *
 * The worm's stream is the superposition of every infected host's probes into the
 * monitors: a Poisson stream of rate (global probe rate) x (monitored addresses) /
 * 2^32, each packet's host drawn by rate (ds_sim_epi_pick) and its destination
 * uniformly in the monitors. Epidemic events change that rate; by the memoryless
 * property a candidate packet time that falls after the next event is discarded and
 * drawn again from the event, which keeps the process exact.
 *
 * Every stream draws from its own random stream (seed, stream number), so the
 * epidemic does not depend on which monitors watch it or on the other sources.
 * Timestamps are truncated to microseconds (the capture's resolution) before they
 * are recorded as truth, so truth and capture agree to the bit.
 */
#include "sim/ds_sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output/ds_outdir.h"
#include "sim/ds_sim_epidemic.h"
#include "sim/ds_sim_packets.h"
#include "sim/ds_sim_sink.h"
#include "sim/ds_sim_truth.h"
#include "sim/ds_sim_vectors.h"

enum { DS_ST_WORM, DS_ST_ATTACK, DS_ST_SCAN, DS_ST_MISCONFIG };

typedef struct ds_sim_stream {
    int kind;
    uint32_t id; /* tie-break: the order of streams in the scenario */
    size_t idx;  /* attack, scanner or misconfig index */
    double t, end, lam;
    ds_sim_rng rng;
    ds_sim_pset inter; /* attack: spoofed space inside the monitors */
    int *inter_mon;
    uint8_t ttl;
    uint32_t *src; /* scanner, misconfig: sources */
    uint16_t *sport;
    uint8_t *ttls;
    uint32_t nsrc;
    uint32_t *targets; /* misconfig */
    /* worm: the packets up to the next epidemic event are drawn in batches (so that
     * the random host of each can be prefetched); bt[i], bh[i] is the i-th. */
    double bt[DS_SIM_PICK_BATCH];
    ds_sim_hot *bh[DS_SIM_PICK_BATCH];
    size_t bi, bn;
    double tcur;     /* time the next draw starts from */
    bool pending;    /* the epidemic event at tcur is still to be applied */
    bool last_batch; /* the end of the scenario comes before the next packet */
} ds_sim_stream;

typedef struct ds_sim_gen {
    ds_sim_scenario *s;
    ds_sim_pset all; /* every monitor's prefixes */
    int *all_mon;    /* monitor of each prefix of `all` */
    ds_sim_epi *epi;
    ds_sim_geo *geo; /* country address space, or NULL */
    ds_sim_stream *st;
    size_t nst;
    ds_sim_stream **heap;
    size_t nheap;
    ds_pcap_writer *w[DS_SIM_MONITORS_MAX];
    ds_sim_vectors *vec;
    uint8_t payload[1400];
    uint64_t packets[DS_SIM_MONITORS_MAX], bytes[DS_SIM_MONITORS_MAX];
} ds_sim_gen;

static uint32_t ds_sim_draw_in(const ds_sim_pset *p, ds_sim_rng *r, size_t *which)
{
    uint64_t x = ds_sim_below(r, p->size);
    size_t i = 0;
    while (x >= p->cum[i])
        i++;
    *which = i;
    return p->p[i].base + (uint32_t)(x - (i ? p->cum[i - 1] : 0));
}

static int ds_sim_monitor_of(const ds_sim_scenario *s, uint32_t a)
{
    for (int m = 0; m < s->nmonitors; m++)
        if (ds_sim_pset_contains(&s->monitors[m].space, a))
            return m;
    return -1;
}

/* ---- streams ------------------------------------------------------------------- */

/* Draws the worm's next batch: packet times from tcur until the next epidemic event
 * (then applied at the next refill, after the batch has been written, since it may
 * change a host of the batch) or DS_SIM_PICK_BATCH packets, whichever comes first.
 * A draw that crosses the event is discarded and the process restarts at the event:
 * exact, by the memoryless property. */
static void ds_sim_worm_refill(ds_sim_gen *g, ds_sim_stream *st)
{
    double scale = (double)g->all.size / 4294967296.0;
    st->bi = st->bn = 0;
    if (st->last_batch)
        return;
    for (;;) {
        if (st->pending) {
            ds_sim_epi_step(g->epi);
            st->pending = false;
        }
        double te = ds_sim_epi_next_time(g->epi);
        double limit = te < st->end ? te : st->end;
        double lam = ds_sim_epi_global_rate(g->epi) * scale;
        double t = st->tcur;
        size_t n = 0;
        bool crossed = false;
        while (n < DS_SIM_PICK_BATCH) {
            double cand = lam > 0 ? t + ds_sim_exp(&st->rng, lam) : INFINITY;
            if (cand >= limit) {
                crossed = true;
                break;
            }
            t = cand;
            st->bt[n++] = cand;
        }
        st->tcur = t;
        if (crossed) {
            if (te < st->end) {
                st->tcur = te;
                st->pending = true;
            } else {
                st->last_batch = true;
            }
        }
        if (n > 0) {
            ds_sim_epi_pick_batch(g->epi, &st->rng, n, st->bh);
            st->bn = n;
            return;
        }
        if (st->last_batch)
            return;
    }
}

static void ds_sim_advance(ds_sim_gen *g, ds_sim_stream *st)
{
    if (st->kind != DS_ST_WORM) {
        st->t = st->lam > 0 ? st->t + ds_sim_exp(&st->rng, st->lam) : INFINITY;
        if (st->t >= st->end)
            st->t = INFINITY;
        return;
    }
    if (++st->bi >= st->bn)
        ds_sim_worm_refill(g, st);
    st->t = st->bi < st->bn ? st->bt[st->bi] : INFINITY;
}

/* Crafts the stream's next packet into buf; returns its length and monitor. */
static size_t ds_sim_emit(ds_sim_gen *g, ds_sim_stream *st, int64_t ts_ns, uint8_t *buf, int *mon)
{
    ds_sim_scenario *s = g->s;
    size_t pi;
    switch (st->kind) {
    case DS_ST_WORM: {
        ds_sim_hot *h = st->bh[st->bi];
        uint32_t dst = ds_sim_draw_in(&g->all, &st->rng, &pi);
        *mon = g->all_mon[pi];
        if (h->probes++ == 0) {
            h->first_ns = ts_ns;
            h->first_monitor = (int8_t)*mon;
        }
        h->monitors |= (uint16_t)(1u << *mon);
        return ds_sim_pkt_worm(buf, &s->worm, h, dst, g->payload, &st->rng);
    }
    case DS_ST_ATTACK: {
        const ds_sim_attack *a = &s->attacks[st->idx];
        uint32_t dst = ds_sim_draw_in(&st->inter, &st->rng, &pi);
        *mon = st->inter_mon[pi];
        size_t len = ds_sim_pkt_backscatter(buf, a, dst, st->ttl, &st->rng);
        ds_sim_vectors_add(g->vec, st->idx, ts_ns, dst, (uint16_t)len, *mon);
        return len;
    }
    case DS_ST_SCAN: {
        uint32_t k = (uint32_t)ds_sim_below(&st->rng, st->nsrc);
        uint32_t dst = ds_sim_draw_in(&g->all, &st->rng, &pi);
        *mon = g->all_mon[pi];
        return ds_sim_pkt_scan(buf, &s->scanners[st->idx], st->src[k], st->sport[k], st->ttls[k],
                               dst, &st->rng);
    }
    default: {
        const ds_sim_misconfig *m = &s->misconfigs[st->idx];
        uint32_t k = (uint32_t)ds_sim_below(&st->rng, st->nsrc);
        *mon = m->monitor;
        return ds_sim_pkt_misconfig(buf, m, st->src[k], st->sport[k], st->targets[k % m->targets],
                                    &st->rng);
    }
    }
}

static bool ds_sim_before(const ds_sim_stream *a, const ds_sim_stream *b)
{
    return a->t < b->t || (a->t == b->t && a->id < b->id);
}

static void ds_sim_sift_down(ds_sim_gen *g, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < g->nheap && ds_sim_before(g->heap[l], g->heap[m]))
            m = l;
        if (r < g->nheap && ds_sim_before(g->heap[r], g->heap[m]))
            m = r;
        if (m == i)
            return;
        ds_sim_stream *t = g->heap[i];
        g->heap[i] = g->heap[m];
        g->heap[m] = t;
        i = m;
    }
}

/* Sources of a scanner or misconfiguration group: drawn like hosts, so they never
 * collide with the worm's addresses. */
static void ds_sim_sources(ds_sim_stream *st, uint32_t n, uint32_t fixed, const ds_sim_gen *g,
                           ds_sim_aset *used)
{
    const ds_sim_pset *avoid[DS_SIM_MONITORS_MAX];
    for (int m = 0; m < g->s->nmonitors; m++)
        avoid[m] = &g->s->monitors[m].space;
    st->nsrc = n;
    st->src = ds_xmalloc(n * sizeof *st->src);
    st->sport = ds_xmalloc(n * sizeof *st->sport);
    st->ttls = ds_xmalloc(n * sizeof *st->ttls);
    for (uint32_t i = 0; i < n; i++) {
        st->src[i] =
            fixed ? fixed
                  : ds_sim_draw_host_address(&st->rng, avoid, (size_t)g->s->nmonitors, used, 0);
        st->sport[i] = (uint16_t)(32768 + ds_sim_below(&st->rng, 28000));
        st->ttls[i] =
            (uint8_t)(st->kind == DS_ST_SCAN && g->s->scanners[st->idx].tool != DS_SIM_TOOL_MIRAI
                          ? 255 - 6 - ds_sim_below(&st->rng, 20)
                          : 64 - 6 - ds_sim_below(&st->rng, 20));
    }
}

static void ds_sim_setup(ds_sim_gen *g, uint64_t seed, ds_sim_aset *used)
{
    ds_sim_scenario *s = g->s;
    for (int m = 0; m < s->nmonitors; m++)
        for (size_t i = 0; i < s->monitors[m].space.n; i++) {
            ds_sim_pset_add(&g->all, s->monitors[m].space.p[i]);
            g->all_mon = ds_xrealloc(g->all_mon, g->all.n * sizeof *g->all_mon);
            g->all_mon[g->all.n - 1] = m;
        }
    ds_sim_worm_payload(g->payload, sizeof g->payload);
    size_t n = 1 + s->nattacks + s->nscanners + s->nmisconfigs;
    g->st = ds_xcalloc(n, sizeof *g->st);
    g->heap = ds_xcalloc(n, sizeof *g->heap);
    uint64_t stream = 16; /* 0-15 reserved for the epidemic and population */
    if (s->worm.enabled) {
        g->epi = ds_sim_epi_new(s, seed, used, g->geo);
        ds_sim_stream *st = &g->st[g->nst++];
        st->kind = DS_ST_WORM;
        st->end = s->duration;
        ds_sim_rng_seed(&st->rng, seed, 3);
    }
    for (size_t i = 0; i < s->nattacks; i++) {
        const ds_sim_attack *a = &s->attacks[i];
        ds_sim_stream *st = &g->st[g->nst++];
        st->kind = DS_ST_ATTACK;
        st->idx = i;
        ds_sim_rng_seed(&st->rng, seed, stream++);
        ds_sim_pset_intersect(&a->spoof, &g->all, &st->inter);
        st->inter_mon = ds_xcalloc(st->inter.n + 1, sizeof *st->inter_mon);
        for (size_t k = 0; k < st->inter.n; k++)
            st->inter_mon[k] = ds_sim_monitor_of(s, st->inter.p[k].base);
        st->lam = st->inter.size ? a->rate * (double)st->inter.size / (double)a->spoof.size : 0;
        st->ttl = (uint8_t)(64 - 5 - ds_sim_below(&st->rng, 20));
        st->t = a->start;
        st->end = fmin(a->start + a->duration, s->duration);
    }
    for (size_t i = 0; i < s->nscanners; i++) {
        const ds_sim_scanner *c = &s->scanners[i];
        ds_sim_stream *st = &g->st[g->nst++];
        st->kind = DS_ST_SCAN;
        st->idx = i;
        ds_sim_rng_seed(&st->rng, seed, stream++);
        ds_sim_sources(st, c->sources, c->source, g, used);
        st->lam = (double)c->sources * c->rate * (double)g->all.size / 4294967296.0;
        st->t = c->start;
        st->end = fmin(c->start + c->duration, s->duration);
    }
    for (size_t i = 0; i < s->nmisconfigs; i++) {
        const ds_sim_misconfig *m = &s->misconfigs[i];
        ds_sim_stream *st = &g->st[g->nst++];
        st->kind = DS_ST_MISCONFIG;
        st->idx = i;
        ds_sim_rng_seed(&st->rng, seed, stream++);
        ds_sim_sources(st, m->sources, 0, g, used);
        st->targets = ds_xmalloc(m->targets * sizeof *st->targets);
        for (uint32_t k = 0; k < m->targets; k++)
            st->targets[k] = ds_sim_pset_draw(&s->monitors[m->monitor].space, &st->rng);
        st->lam = (double)m->sources * m->rate;
        st->t = m->start;
        st->end = fmin(m->start + m->duration, s->duration);
    }
    /* First packet of every stream, then the heap. */
    for (size_t i = 0; i < g->nst; i++) {
        ds_sim_stream *st = &g->st[i];
        st->id = (uint32_t)i;
        if (st->kind != DS_ST_WORM && st->t < 0) /* started before the scenario: skip ahead */
            st->t = 0;
        if (st->kind == DS_ST_WORM) {
            ds_sim_worm_refill(g, st);
            st->t = st->bn ? st->bt[0] : INFINITY;
        } else {
            ds_sim_advance(g, st);
        }
        g->heap[g->nheap++] = st;
    }
    for (size_t i = g->nheap; i-- > 0;)
        ds_sim_sift_down(g, i);
}

static void ds_sim_gen_free(ds_sim_gen *g)
{
    for (size_t i = 0; i < g->nst; i++) {
        ds_sim_pset_free(&g->st[i].inter);
        free(g->st[i].inter_mon);
        free(g->st[i].src);
        free(g->st[i].sport);
        free(g->st[i].ttls);
        free(g->st[i].targets);
    }
    free(g->st);
    free(g->heap);
    free(g->all_mon);
    ds_sim_pset_free(&g->all);
    ds_sim_epi_free(g->epi);
    ds_sim_geo_free(g->geo);
    ds_sim_vectors_free(g->vec);
}

/* ---- the run ------------------------------------------------------------------- */

static const char *ds_sim_ext(enum ds_compress c)
{
    return c == DS_COMPRESS_GZIP ? ".pcap.gz" : c == DS_COMPRESS_ZSTD ? ".pcap.zst" : ".pcap";
}

static void ds_sim_progress(const ds_sim_gen *g, double t, uint64_t total, bool final)
{
    int64_t ns = g->s->start_ns + (int64_t)(t * 1e9);
    time_t sec = (time_t)ds_floor_div(ns, DS_NS_PER_SEC);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    fprintf(stderr, "\rdarkscope simulate: %s UTC, %llu packets%s", when, (unsigned long long)total,
            final ? "\n" : "   ");
}

/* Where the worm's hosts come from: a geolocation database when the scenario gives
 * country shares and one is there (an explicit --geo that fails is an error; a
 * missing default database is not: the run falls back to routable space and says
 * so in rep->population_note and truth/scenario.json). */
static int ds_sim_population(const ds_sim_scenario *s, const ds_sim_options *o, ds_sim_geo **geo,
                             ds_sim_report *rep, char *err, size_t errlen)
{
    rep->population = json_object();
    json_object_set_new(rep->population, "source", json_string("routable"));
    if (!s->worm.enabled || s->worm.ncountries == 0)
        return 0;
    const char *why = "--no-geo";
    char path[1024], e2[DS_ERRLEN] = "";
    if (!o->no_geo) {
        if (o->geo)
            snprintf(path, sizeof path, "%s", o->geo);
        else
            ds_sim_geo_default_path(path, sizeof path);
        *geo = ds_sim_geo_open(path, &s->worm, e2, sizeof e2);
        if (*geo)
            return 0;
        if (o->geo) {
            snprintf(err, errlen, "--geo: %s", e2);
            return -1;
        }
        why = e2;
    }
    json_object_set_new(rep->population, "countries_applied", json_false());
    json_object_set_new(rep->population, "reason", json_string(why));
    snprintf(rep->population_note, sizeof rep->population_note,
             "country shares not applied (%.400s): hosts drawn from routable space%s", why,
             o->no_geo ? "" : "; scripts/fetch-geo.sh fetches the database");
    return 0;
}

int ds_sim_run(ds_sim_scenario *s, const char *outdir, const ds_sim_options *o, ds_sim_report *rep,
               char *err, size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    if (o->duration > 0)
        s->duration = o->duration;
    ds_outdir *od = ds_outdir_open(outdir, err, errlen);
    if (!od)
        return -1;
    ds_sim_gen g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.vec = ds_sim_vectors_new(s);
    char *tmp[DS_SIM_MONITORS_MAX] = {0};
    int rc = 0;
    for (int m = 0; m < s->nmonitors && rc == 0; m++) {
        char name[DS_SIM_NAME_MAX + 24];
        snprintf(name, sizeof name, ".%s%s.XXXXXX", s->monitors[m].name, ds_sim_ext(o->compress));
        tmp[m] = ds_outdir_file(od, name);
        /* Created here under a name no one can guess (mkstemp: O_EXCL), so a file or
         * symlink planted at a fixed temporary name is never written through, and two
         * runs into one directory do not write into one file. */
        int fd = mkstemp(tmp[m]);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot create: %s", tmp[m], strerror(errno));
            tmp[m][0] = 0; /* nothing to remove */
            rc = -1;
            break;
        }
        fchmod(fd, 0644); /* as the other outputs (ds_outdir.c), not mkstemp's 0600 */
        close(fd);
        snprintf(name, sizeof name, "%s%s", s->monitors[m].name, ds_sim_ext(o->compress));
        rep->captures[m].path = ds_outdir_file(od, name);
        snprintf(rep->captures[m].monitor, sizeof rep->captures[m].monitor, "%s",
                 s->monitors[m].name);
        g.w[m] = ds_pcap_writer_open(tmp[m], 101, false, o->compress, err, errlen);
        if (!g.w[m])
            rc = -1;
    }
    rep->ncaptures = s->nmonitors;
    if (rc == 0)
        rc = ds_sim_population(s, o, &g.geo, rep, err, errlen);
    ds_sim_aset used;
    ds_sim_aset_init(&used, s->worm.enabled ? s->worm.vulnerable * 2 + 1024 : 1024);
    if (rc == 0)
        ds_sim_setup(&g, o->seed, &used);

    uint64_t total = 0;
    ds_sim_sink *sink = rc == 0 ? ds_sim_sink_new(g.w, s->nmonitors) : NULL;
    while (rc == 0 && g.nheap > 0) {
        ds_sim_stream *st = g.heap[0];
        if (st->t == INFINITY) { /* every stream is done: the heap's minimum is finished */
            g.nheap = 0;
            break;
        }
        int64_t ts_ns = s->start_ns + (int64_t)floor(st->t * 1e6) * 1000;
        int mon = 0;
        uint8_t *buf = ds_sim_sink_reserve(sink, DS_SIM_PKT_MAX);
        size_t len = ds_sim_emit(&g, st, ts_ns, buf, &mon);
        ds_sim_sink_commit(sink, ts_ns, mon, len);
        g.packets[mon]++;
        g.bytes[mon] += len;
        total++;
        if (o->progress && (total & 0xfffff) == 0)
            ds_sim_progress(&g, st->t, total, false);
        ds_sim_advance(&g, st);
        ds_sim_sift_down(&g, 0);
    }
    /* Epidemic events after the last probe still belong to the truth. */
    if (rc == 0 && g.epi) {
        while (ds_sim_epi_next_time(g.epi) < s->duration)
            ds_sim_epi_step(g.epi);
        ds_sim_epi_finish(g.epi);
    }
    if (sink)
        ds_sim_sink_close(sink);
    if (o->progress && rc == 0)
        ds_sim_progress(&g, s->duration, total, true);

    for (int m = 0; m < s->nmonitors; m++) {
        if (!g.w[m])
            continue;
        char e2[DS_ERRLEN];
        if (ds_pcap_writer_close(g.w[m], e2, sizeof e2) != 0 && rc == 0) {
            snprintf(err, errlen, "%s: %s", rep->captures[m].path, e2);
            rc = -1;
        }
        rep->captures[m].packets = g.packets[m];
        rep->captures[m].bytes = g.bytes[m];
    }
    for (int m = 0; m < s->nmonitors && rc == 0; m++) {
        if (rename(tmp[m], rep->captures[m].path) != 0) {
            snprintf(err, errlen, "%s: cannot rename into place: %s", rep->captures[m].path,
                     strerror(errno));
            rc = -1;
        }
    }
    for (int m = 0; m < s->nmonitors; m++) {
        if (rc != 0 && tmp[m])
            unlink(tmp[m]);
        free(tmp[m]);
    }
    rep->packets = total;
    if (g.geo) { /* after the draw: it records the hosts per country */
        json_t *gj = ds_sim_geo_json(g.geo);
        json_object_update(rep->population, gj);
        json_decref(gj);
    }
    if (rc == 0)
        rc = ds_sim_truth_write(od, s, g.epi, g.vec, o, rep, err, errlen);
    ds_sim_gen_free(&g);
    ds_sim_aset_free(&used);
    ds_outdir_close(od);
    return rc;
}

void ds_sim_report_free(ds_sim_report *rep)
{
    json_decref(rep->population);
    for (int m = 0; m < rep->ncaptures; m++)
        free(rep->captures[m].path);
    memset(rep, 0, sizeof *rep);
}

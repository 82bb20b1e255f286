/*
 * ds_worm.c — worm outbreaks: every infected host, exactly, and the outbreak over
 * time (hosts.csv, worm.csv; worm.json comes from ds_worm_report.c).
 *
 * A packet that matches worm signature s is a probe of s by its source. Each
 * (source, s) pair gets one 32-byte record in ds_hosttab (first and last sighting,
 * packets, monitors, first monitor), created at its first probe: records are in
 * first-sighting order and the first sighting is the first matching packet, exactly.
 *
 * Per interval (aligned like series.csv) × signature × monitor, and for `all`
 * (the union of the monitors):
 *   new_hosts   hosts whose first probe in that monitor (for `all`: at all) falls in
 *               the interval — counted when the record is created or when its
 *               monitor bit is first set;
 *   active      distinct hosts that probed in the interval. For `all` the record
 *               tells: a host is newly active when its last sighting is before the
 *               interval's start (one comparison, no set). Per monitor a host can
 *               be active in one monitor and not another, which the record cannot
 *               tell, so the pair (monitor, record number) goes into ds_distinct
 *               (only with more than one monitor; with one, monitor = all);
 *   probes      matching packets.
 * cumulative_hosts is the running sum of new_hosts, computed when writing.
 *
 * A host's first sighting in a monitor other than its first one is logged
 * (16 bytes, at most once per host and monitor) for the sighting delays between
 * monitors in worm.json.
 *
 * Intervals get rows when any packet reached the analyzer in them (the same
 * intervals as series.csv), so a silence in the worm's traffic shows as zeros.
 *
 * Bounded memory (--max-memory, docs/SCALE.md): the host table charges its growth
 * to the run's budget. The first time the budget refuses a new host the analyzer
 * degrades, for the rest of the run: every host seen so far goes into HyperLogLog
 * sketches per cell (all hosts, for new_hosts and cumulative_hosts; the open
 * interval's, for active_hosts), and whenever the table is full again its smallest
 * hosts are evicted — every host with at most T packets, T the smallest count that
 * frees at least half of the table (lossy counting, Manku and Motwani 2002, with
 * the threshold chosen by the table's fill instead of a fixed error). A host with
 * more than T packets when a round comes is never evicted, so heavy hosts (a real
 * worm's) stay in hosts.csv among a flood of one-packet spoofed sources; an evicted
 * host that comes back is a new record whose packets and first_seen miss up to T
 * earlier packets (approximate = 1). probes stay exact. hosts.csv then lists the
 * hosts above the largest threshold only (lossy counting's output rule).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ds_worm_int.h"
#include "enrich/ds_attrib.h"
#include "output/ds_csv.h"
#include "output/ds_rows.h"

/* ---- options ------------------------------------------------------------------ */

static void *ds_worm_config_new(void)
{
    ds_worm_cfg *c = ds_xcalloc(1, sizeof *c);
    c->deactivation_ns = 3600 * DS_NS_PER_SEC;
    c->cp_penalty = 2;
    c->cp_min_ratio = 2;
    c->cp_min_jump = 0.25;
    c->scan_rate = 0;
    c->coverage_ns = 3600 * DS_NS_PER_SEC;
    return c;
}

static void ds_worm_config_free(void *cfg)
{
    free(cfg);
}

static int ds_worm_set_deact(void *cfg, const char *v, char *err, size_t errlen)
{
    return ds_opt_parse_duration(v, &((ds_worm_cfg *)cfg)->deactivation_ns, err, errlen);
}
static int ds_worm_set_penalty(void *cfg, const char *v, char *err, size_t errlen)
{
    return ds_opt_parse_double(v, 0, 1e6, &((ds_worm_cfg *)cfg)->cp_penalty, err, errlen);
}
static int ds_worm_set_ratio(void *cfg, const char *v, char *err, size_t errlen)
{
    return ds_opt_parse_double(v, 1, 1e12, &((ds_worm_cfg *)cfg)->cp_min_ratio, err, errlen);
}
static int ds_worm_set_jump(void *cfg, const char *v, char *err, size_t errlen)
{
    return ds_opt_parse_double(v, 0, 1, &((ds_worm_cfg *)cfg)->cp_min_jump, err, errlen);
}
static int ds_worm_set_rate(void *cfg, const char *v, char *err, size_t errlen)
{
    return ds_opt_parse_double(v, 0, 1e12, &((ds_worm_cfg *)cfg)->scan_rate, err, errlen);
}
static int ds_worm_set_window(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_worm_cfg *c = cfg;
    if (ds_opt_parse_duration(v, &c->coverage_ns, err, errlen) != 0)
        return -1;
    if (c->coverage_ns <= 0) {
        snprintf(err, errlen, "the coverage window must be positive");
        return -1;
    }
    return 0;
}

static const ds_option ds_worm_options[] = {
    {"worm-deactivation", "DURATION",
     "a host whose last probe is more than this before the end of the input counts as "
     "deactivated (default 1h)",
     ds_worm_set_deact},
    {"changepoint-penalty", "X",
     "phase changes: PELT penalty per change point, X * ln(intervals) in overdispersion-"
     "scaled Poisson deviance (default 2, the BIC charge)",
     ds_worm_set_penalty},
    {"changepoint-min-ratio", "X",
     "phase changes: report a change only when the rate changes by at least this factor "
     "(default 2)",
     ds_worm_set_ratio},
    {"changepoint-min-jump", "FRACTION",
     "phase changes: ... and by at least this fraction of the series' highest segment "
     "rate (default 0.25)",
     ds_worm_set_jump},
    {"worm-scan-rate", "PPS",
     "coverage: the per-host scan rate (probes/s to the whole Internet) to evaluate; "
     "default: the median rate estimated in the largest monitor",
     ds_worm_set_rate},
    {"worm-coverage-window", "DURATION", "coverage: the time t in P(seen within t) (default 1h)",
     ds_worm_set_window},
    {NULL, NULL, NULL, NULL},
};

/* ---- tracking ----------------------------------------------------------------- */

void *ds_worm_create(const ds_ctx *ctx, const void *cfg)
{
    ds_worm *w = ds_xcalloc(1, sizeof *w);
    w->ctx = ctx;
    if (cfg) {
        w->cfg = *(const ds_worm_cfg *)cfg;
    } else {
        ds_worm_cfg *d = ds_worm_config_new();
        w->cfg = *d;
        free(d);
    }
    w->nmon = ds_telescope_count(ctx->telescope);
    w->nsig = ctx->sigs ? ds_sigset_count(ctx->sigs) : 0;
    w->interval = ctx->interval_ns;
    ds_hosttab_init(&w->hosts);
    w->cur = ds_xcalloc(ds_worm_ncells(w) ? ds_worm_ncells(w) : 1, sizeof *w->cur);
    unsigned gbits = 1;
    while ((1ull << gbits) < (uint64_t)w->nsig * (uint64_t)w->nmon)
        gbits++;
    ds_distinct64_init(&w->active, 32 + gbits);
    ds_distinct64_init(&w->first_active, 32 + gbits);
    w->keep_first = ctx->keep_heads;
    if (ds_mem_bounded(ctx->mem))
        ds_hosttab_bound(&w->hosts, ctx->mem);
    return w;
}

/* ---- bounded memory ------------------------------------------------------------ */

static inline uint64_t ds_worm_hkey(const ds_ip *a)
{
    if (ds_ip_is_v4(a))
        return ds_ip_v4(a);
    return ds_hll_mix(a->q[0] ^ ds_hll_mix(a->q[1])) | 1ull << 63;
}

/* new_hosts and active_hosts of the open interval from the sketches (probes are
 * counted exactly as ever). With close, the cumulative base moves on and the
 * interval's sketches are emptied. */
static void ds_worm_cells_approx(ds_worm *w, ds_worm_cell *cells, bool close)
{
    for (size_t k = 0; k < ds_worm_ncells(w); k++) {
        uint64_t cum = (uint64_t)llround(ds_hll_estimate(&w->cum[k]));
        cells[k].new_hosts = cum > w->cum_prev[k] ? cum - w->cum_prev[k] : 0;
        cells[k].active = (uint64_t)llround(ds_hll_estimate(&w->act[k]));
        if (close) {
            w->cum_prev[k] += cells[k].new_hosts;
            memset(w->act[k].reg, 0, (size_t)1 << DS_WORM_HLL_P);
        }
    }
}

/* Evicts every host with at most T packets, T the smallest count that frees at
 * least half of the table (counts above 64 are bucketed by powers of two). */
static void ds_worm_evict(ds_worm *w)
{
    uint32_t n = w->hosts.n;
    if (n == 0)
        return;
    uint64_t hist[64 + 32] = {0};
    for (uint32_t r = 0; r < n; r++) {
        uint32_t c = ds_hosttab_at(&w->hosts, r)->packets;
        hist[c <= 64 ? (c ? c - 1 : 0) : 64 + (unsigned)(31 - __builtin_clz(c))]++;
    }
    uint64_t sum = 0;
    uint32_t T = UINT32_MAX;
    for (unsigned i = 0; i < 64 + 32 && T == UINT32_MAX; i++) {
        sum += hist[i];
        if (2 * sum >= n)
            T = i < 64 ? i + 1 : (i - 64 >= 31 ? UINT32_MAX : (2u << (i - 64)) - 1);
    }
    uint64_t *gone = ds_xcalloc(((size_t)n + 63) / 64, sizeof *gone);
    uint32_t removed = ds_hosttab_evict(&w->hosts, T, gone);
    /* Renumber the sightings (records keep their order): new = old - removed
     * before it; the sightings of removed hosts go. */
    uint32_t *rank = ds_xmalloc((((size_t)n + 63) / 64 + 1) * sizeof *rank);
    rank[0] = 0;
    for (size_t i = 0; i < ((size_t)n + 63) / 64; i++)
        rank[i + 1] = rank[i] + (uint32_t)__builtin_popcountll(gone[i]);
    size_t ws = 0;
    for (size_t i = 0; i < w->nsight; i++) {
        uint32_t r = w->sight[i].rec;
        if (gone[r >> 6] >> (r & 63) & 1)
            continue;
        uint32_t below =
            rank[r >> 6] + (uint32_t)__builtin_popcountll(gone[r >> 6] & ((1ull << (r & 63)) - 1));
        w->sight[ws] = w->sight[i];
        w->sight[ws++].rec = r - below;
    }
    w->nsight = ws;
    uint32_t lost = 0; /* removed among the never-evicted prefix */
    for (uint32_t r = 0; r < w->exact_prefix; r += 64) {
        uint64_t word = gone[r >> 6];
        if (w->exact_prefix - r < 64)
            word &= (1ull << (w->exact_prefix - r)) - 1;
        lost += (uint32_t)__builtin_popcountll(word);
    }
    w->exact_prefix -= lost;
    free(rank);
    free(gone);
    w->evictions++;
    w->evicted += removed;
    if (T > w->max_evicted_packets)
        w->max_evicted_packets = T;
}

/* The budget refused a new host: from now on the counts come from sketches, which
 * start with every host seen so far (all of them are in the table: none was
 * evicted yet), and the table evicts. */
static void ds_worm_degrade(ds_worm *w, int64_t ts)
{
    size_t nc = ds_worm_ncells(w);
    w->cum = ds_xmalloc((nc ? nc : 1) * sizeof *w->cum);
    w->act = ds_xmalloc((nc ? nc : 1) * sizeof *w->act);
    w->cum_prev = ds_xcalloc(nc ? nc : 1, sizeof *w->cum_prev);
    for (size_t k = 0; k < nc; k++) {
        ds_hll_init(&w->cum[k], DS_WORM_HLL_P);
        ds_hll_init(&w->act[k], DS_WORM_HLL_P);
    }
    ds_mem_force(w->ctx->mem, 2 * nc * ((size_t)1 << DS_WORM_HLL_P));
    for (size_t i = 0; i < w->nrows; i++)
        for (size_t k = 0; k < nc; k++)
            w->cum_prev[k] += w->rows[i].cells[k].new_hosts;
    int all = w->nmon;
    for (uint32_t r = 0; r < w->hosts.n; r++) {
        const ds_host *h = ds_hosttab_at(&w->hosts, r);
        ds_ip a;
        ds_hosttab_addr(&w->hosts, h, &a);
        uint64_t key = ds_worm_hkey(&a);
        int sig = (int)ds_host_sig(h);
        for (int m = 0; m < w->nmon; m++)
            if (h->monitors >> m & 1)
                ds_hll_add(ds_worm_hllp(w, w->cum, sig, m), key);
        ds_hll_add(ds_worm_hllp(w, w->cum, sig, all), key);
        if (w->open && (h->last & DS_HOST_TIME_MASK) >= w->cur_start_rel) {
            ds_hll_add(ds_worm_hllp(w, w->act, sig, all), key);
            if (w->nmon == 1)
                ds_hll_add(ds_worm_hllp(w, w->act, sig, 0), key);
        }
    }
    if (w->nmon > 1) { /* the per-monitor active hosts of the open interval */
        ds_distinct64_finish(&w->active);
        for (size_t i = 0; i < w->active.n; i++) {
            uint64_t g = w->active.v[i] >> 32;
            uint32_t rec = (uint32_t)w->active.v[i];
            ds_ip a;
            ds_hosttab_addr(&w->hosts, ds_hosttab_at(&w->hosts, rec), &a);
            ds_hll_add(
                ds_worm_hllp(w, w->act, (int)(g / (uint64_t)w->nmon), (int)(g % (uint64_t)w->nmon)),
                ds_worm_hkey(&a));
        }
        ds_distinct64_clear(&w->active);
    }
    w->approx = true;
    w->approx_since = ts;
    w->exact_prefix = w->hosts.n;
    ds_worm_evict(w);
}

static void ds_worm_log_sighting(ds_worm *w, uint32_t rec, unsigned mon, int64_t ts);

/* A probe once degraded: sketches, then the table (evicting when full). */
static void ds_worm_probe_approx(ds_worm *w, const ds_pkt *p, unsigned sig)
{
    unsigned mon = p->monitor;
    uint64_t key = ds_worm_hkey(&p->src);
    ds_hll_add(ds_worm_hllp(w, w->cum, (int)sig, (int)mon), key);
    ds_hll_add(ds_worm_hllp(w, w->cum, (int)sig, w->nmon), key);
    ds_hll_add(ds_worm_hllp(w, w->act, (int)sig, (int)mon), key);
    ds_hll_add(ds_worm_hllp(w, w->act, (int)sig, w->nmon), key);
    ds_worm_cellp(w, w->cur, (int)sig, w->nmon)->probes++;
    ds_worm_cellp(w, w->cur, (int)sig, (int)mon)->probes++;
    bool created;
    uint32_t rec = ds_hosttab_upsert(&w->hosts, &p->src, sig, p->ts_ns, mon, &created);
    if (rec == DS_HOSTTAB_FULL) {
        ds_worm_evict(w);
        rec = ds_hosttab_upsert(&w->hosts, &p->src, sig, p->ts_ns, mon, &created);
        if (rec == DS_HOSTTAB_FULL) {
            w->dropped++;
            return;
        }
    }
    if (!created && ds_hosttab_touch(&w->hosts, ds_hosttab_at(&w->hosts, rec), p->ts_ns, mon))
        ds_worm_log_sighting(w, rec, mon, p->ts_ns);
}

/* Per-monitor active counts of an interval from the distinct (group, record) keys. */
void ds_worm_count_active(const ds_worm *w, ds_distinct64 *d, ds_worm_cell *cells)
{
    if (w->nmon == 1) {
        for (int s = 0; s < w->nsig; s++)
            ds_worm_cellp(w, cells, s, 0)->active = ds_worm_cellp(w, cells, s, 1)->active;
        return;
    }
    ds_distinct64_finish(d);
    for (size_t i = 0; i < d->n; i++) {
        uint64_t g = d->v[i] >> 32;
        ds_worm_cellp(w, cells, (int)(g / (uint64_t)w->nmon), (int)(g % (uint64_t)w->nmon))
            ->active++;
    }
}

static void ds_worm_close(ds_worm *w)
{
    if (!w->open)
        return;
    if (w->approx)
        ds_worm_cells_approx(w, w->cur, true);
    else
        ds_worm_count_active(w, &w->active, w->cur);
    if (w->nrows == w->caprows) {
        w->caprows = w->caprows ? 2 * w->caprows : 64;
        w->rows = ds_xrealloc(w->rows, w->caprows * sizeof *w->rows);
    }
    w->rows[w->nrows++] = (ds_worm_row){w->cur_start, w->cur, w->approx};
    w->cur = ds_xcalloc(ds_worm_ncells(w) ? ds_worm_ncells(w) : 1, sizeof *w->cur);
    if (w->keep_first && w->nrows == 1) {
        /* Keep the first interval's keys for a merge with an earlier part. */
        ds_distinct64 t = w->first_active;
        w->first_active = w->active;
        w->active = t;
        w->have_first = true;
    }
    ds_distinct64_clear(&w->active);
    w->open = false;
}

static void ds_worm_advance(void *st, int64_t now)
{
    ds_worm *w = st;
    if (w->open && now >= w->cur_start + w->interval)
        ds_worm_close(w);
}

static void ds_worm_log_sighting(ds_worm *w, uint32_t rec, unsigned mon, int64_t ts)
{
    if (w->nsight == w->capsight) {
        w->capsight = w->capsight ? 2 * w->capsight : 256;
        w->sight = ds_xrealloc(w->sight, w->capsight * sizeof *w->sight);
    }
    w->sight[w->nsight++] = (ds_worm_sighting){ts, rec, (uint16_t)mon};
}

static void ds_worm_probe(ds_worm *w, const ds_pkt *p, unsigned sig)
{
    if (w->approx) {
        ds_worm_probe_approx(w, p, sig);
        return;
    }
    unsigned mon = p->monitor;
    bool created;
    uint32_t rec = ds_hosttab_upsert(&w->hosts, &p->src, sig, p->ts_ns, mon, &created);
    if (rec == DS_HOSTTAB_FULL) { /* past --max-memory */
        ds_worm_degrade(w, p->ts_ns);
        ds_worm_probe_approx(w, p, sig);
        return;
    }
    ds_worm_cell *all = ds_worm_cellp(w, w->cur, (int)sig, w->nmon);
    ds_worm_cell *mc = ds_worm_cellp(w, w->cur, (int)sig, (int)mon);
    if (created) {
        all->new_hosts++;
        mc->new_hosts++;
        all->active++;
    } else {
        ds_host *h = ds_hosttab_at(&w->hosts, rec);
        if ((h->last & DS_HOST_TIME_MASK) < w->cur_start_rel)
            all->active++;
        if (ds_hosttab_touch(&w->hosts, h, p->ts_ns, mon)) {
            mc->new_hosts++;
            ds_worm_log_sighting(w, rec, mon, p->ts_ns);
        }
    }
    all->probes++;
    mc->probes++;
    if (w->nmon > 1)
        ds_distinct64_add(&w->active, ((uint64_t)sig * (uint64_t)w->nmon + mon) << 32 | rec);
}

/* Hints for probe k + distance (counted in probes, not packets: probes are a
 * fraction of the traffic, and a distance in packets would be too short where they
 * are sparse): first its slot, later (when the slot is in cache) its record, so the
 * two dependent misses of each lookup overlap with the work on earlier probes. Only
 * the lowest signature bit is prefetched: packets matching several are rare. */
#define DS_WORM_PF_SLOT 16
#define DS_WORM_PF_REC 8
#define DS_WORM_RUN 1024

/* Closes the open interval, if any, and opens the one holding time ts. */
static void ds_worm_open(ds_worm *w, int64_t ts)
{
    ds_worm_close(w);
    w->cur_start = ds_floor_div(ts, w->interval) * w->interval;
    w->open = true;
    if (!w->any) {
        w->first_ts = ts;
        w->any = true;
    }
    /* Relative to the host table's base; before any host exists the base is set by
     * the first probe, which is >= this interval's start. */
    int64_t rel = ds_floor_div(w->cur_start, 1000) - w->hosts.base_us;
    w->cur_start_rel = w->hosts.has_base && rel > 0 ? (uint64_t)rel : 0;
}

/* A run of packets: one pass finds the probes (most packets are not), then the
 * probes are counted interval by interval. Packet times never decrease, so only a
 * run that crosses an interval's end needs its times looked at one by one. */
static void ds_worm_run(ds_worm *w, const ds_pkt *pkts, size_t n)
{
    uint64_t hash[DS_WORM_RUN];
    uint16_t at[DS_WORM_RUN];
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
        if (pkts[i].sigs && pkts[i].monitor < w->nmon) {
            at[np] = (uint16_t)i;
            hash[np++] = ds_hosttab_hash(&pkts[i].src, (unsigned)__builtin_ctz(pkts[i].sigs));
        }
    for (size_t k = 0; k < np && k < DS_WORM_PF_SLOT; k++)
        ds_hosttab_prefetch_slot(&w->hosts, hash[k]);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (!w->open || pkts[i].ts_ns >= w->cur_start + w->interval)
            ds_worm_open(w, pkts[i].ts_ns);
        int64_t end = w->cur_start + w->interval;
        size_t j = n;
        if (pkts[n - 1].ts_ns >= end)
            for (j = i + 1; pkts[j].ts_ns < end; j++)
                ;
        for (; k < np && at[k] < j; k++) {
            if (k + DS_WORM_PF_SLOT < np)
                ds_hosttab_prefetch_slot(&w->hosts, hash[k + DS_WORM_PF_SLOT]);
            if (k + DS_WORM_PF_REC < np)
                ds_hosttab_prefetch_record(&w->hosts, hash[k + DS_WORM_PF_REC]);
            const ds_pkt *p = &pkts[at[k]];
            for (uint32_t m = p->sigs; m; m &= m - 1) {
                unsigned sig = (unsigned)__builtin_ctz(m);
                if ((int)sig < w->nsig)
                    ds_worm_probe(w, p, sig);
            }
        }
        w->last_ts = pkts[j - 1].ts_ns;
        i = j;
    }
}

static void ds_worm_packets(void *st, const ds_pkt *pkts, size_t n)
{
    for (size_t off = 0; off < n; off += DS_WORM_RUN)
        ds_worm_run(st, pkts + off, n - off < DS_WORM_RUN ? n - off : DS_WORM_RUN);
}

/* ---- output ------------------------------------------------------------------- */

static void ds_worm_join_monitors(const ds_worm *w, char *buf, uint64_t mask)
{
    size_t n = 0;
    buf[0] = 0;
    for (int m = 0; m < w->nmon; m++) {
        if (!(mask >> m & 1))
            continue;
        const char *name = ds_telescope_name(w->ctx->telescope, m);
        size_t l = strlen(name);
        if (n)
            buf[n++] = '+';
        memcpy(buf + n, name, l + 1);
        n += l;
    }
}

/* One hosts.csv row (ds_write_rows may call it on several threads at once). */
typedef struct ds_worm_hosts_job {
    const ds_worm *w;
    const ds_attrib *attrib;
    const uint32_t *list;
    const ds_ip *ips;
    const ds_host_info *info;
} ds_worm_hosts_job;

static void ds_worm_host_row(void *arg, FILE *f, size_t k)
{
    const ds_worm_hosts_job *j = arg;
    const ds_worm *w = j->w;
    uint32_t r = j->list[k];
    const ds_host *h = ds_hosttab_at(&w->hosts, r);
    char buf[DS_IP_STRLEN];
    fputs(ds_ip_format(&j->ips[k], buf), f);
    fputc(',', f);
    ds_csv_text(f, ds_sigset_name(w->ctx->sigs, (int)ds_host_sig(h)));
    fputc(',', f);
    ds_csv_time(f, ds_host_first_ns(&w->hosts, h));
    fputc(',', f);
    ds_csv_time(f, ds_host_last_ns(&w->hosts, h));
    fprintf(f, ",%u,", h->packets);
    /* Joined in a buffer and escaped as one field (a name may start with '-'). */
    char mbuf[DS_MONITORS_MAX * DS_MONITOR_NAME_MAX + 1];
    ds_worm_join_monitors(w, mbuf, h->monitors);
    ds_csv_text(f, mbuf);
    fputc(',', f);
    ds_csv_text(f, ds_telescope_name(w->ctx->telescope, (int)ds_host_first_monitor(h)));
    ds_attrib_fields(f, &j->info[k]);
    if (w->approx)
        fputs(r >= w->exact_prefix ? ",1" : ",0", f);
    fputc('\n', f);
}

static void ds_worm_host_note(void *arg, size_t k)
{
    const ds_worm_hosts_job *j = arg;
    const ds_host *h = ds_hosttab_at(&j->w->hosts, j->list[k]);
    ds_attrib_note(j->attrib, "infected", ds_sigset_name(j->w->ctx->sigs, (int)ds_host_sig(h)),
                   &j->ips[k], &j->info[k]);
}

static void ds_worm_write_hosts(const ds_worm *w, const ds_attrib *attrib, FILE *f)
{
    fputs("ip,signature,first_seen,last_seen,packets,monitors,first_monitor", f);
    ds_attrib_header(f);
    if (w->approx) /* --max-memory: docs/FORMATS.md */
        fputs(",approximate", f);
    fputc('\n', f);
    /* The rows: every host, or once degraded (--max-memory) the heavy hitters of
     * lossy counting, the hosts with more than the largest eviction threshold:
     * hosts with fewer could have been evicted as well as kept, so listing them
     * would be arbitrary (and under a flood of spoofed sources they are the
     * table's whole fill, which write() would then have to attribute). */
    uint32_t nl = 0;
    uint32_t *list = ds_xmalloc((w->hosts.n ? w->hosts.n : 1) * sizeof *list);
    for (uint32_t r = 0; r < w->hosts.n; r++)
        if (!w->approx || ds_hosttab_at(&w->hosts, r)->packets > w->max_evicted_packets)
            list[nl++] = r;
    /* Attribution once per host, in one batch, at write time (never per packet). */
    ds_ip *ips = ds_xmalloc((nl ? nl : 1) * sizeof *ips);
    ds_host_info *info = ds_xmalloc((nl ? nl : 1) * sizeof *info);
    for (uint32_t k = 0; k < nl; k++)
        ds_hosttab_addr(&w->hosts, ds_hosttab_at(&w->hosts, list[k]), &ips[k]);
    ds_attrib_lookup(attrib, ips, nl, info);
    ds_worm_hosts_job job = {w, attrib, list, ips, info};
    ds_write_rows(f, nl, attrib ? attrib->threads : 1, ds_worm_host_row, ds_worm_host_note, &job);
    free(list);
    free(ips);
    free(info);
}

static void ds_worm_write_rows(const ds_worm *w, FILE *f, const ds_worm_row *extra)
{
    fputs("interval_start,signature,monitor,new_hosts,cumulative_hosts,active_hosts,probes", f);
    fputs(w->approx ? ",approximate\n" : "\n", f);
    uint64_t *cum = ds_xcalloc(ds_worm_ncells(w) ? ds_worm_ncells(w) : 1, sizeof *cum);
    bool open_t = ds_telescope_is_open(w->ctx->telescope);
    for (size_t i = 0; i < w->nrows + (extra ? 1 : 0); i++) {
        const ds_worm_row *r = i < w->nrows ? &w->rows[i] : extra;
        int64_t sec = ds_floor_div(r->start, DS_NS_PER_SEC);
        for (int s = 0; s < w->nsig; s++) {
            for (int m = open_t ? w->nmon : 0; m <= w->nmon; m++) {
                size_t k = (size_t)s * (size_t)(w->nmon + 1) + (size_t)m;
                const ds_worm_cell *c = &r->cells[k];
                cum[k] += c->new_hosts;
                fprintf(f, "%lld,", (long long)sec);
                ds_csv_text(f, ds_sigset_name(w->ctx->sigs, s));
                fputc(',', f);
                /* `all` is written even with one monitor, so every file has the
                 * same shape; the open telescope's only monitor is `all` itself. */
                ds_csv_text(f, m == w->nmon ? "all" : ds_telescope_name(w->ctx->telescope, m));
                fprintf(f, ",%llu,%llu,%llu,%llu", (unsigned long long)c->new_hosts,
                        (unsigned long long)cum[k], (unsigned long long)c->active,
                        (unsigned long long)c->probes);
                if (w->approx)
                    fputs(r->approx ? ",1" : ",0", f);
                fputc('\n', f);
            }
        }
    }
    free(cum);
}

/* summary.json's and worm.json's "approximate" object (docs/FORMATS.md). */
static json_t *ds_worm_approx_json(const ds_worm *w, const ds_ctx *ctx)
{
    json_t *a = ds_approx_json(ctx,
                               "hosts.csv keeps the hosts with the most packets (rows with "
                               "approximate = 1 may miss up to max_evicted_packets earlier "
                               "packets); new_hosts, cumulative_hosts and active_hosts of "
                               "the rows with approximate = 1 and worm.json's figures are "
                               "estimates",
                               w->approx_since);
    json_object_set_new(a, "eviction_rounds", json_integer((json_int_t)w->evictions));
    json_object_set_new(a, "hosts_evicted", json_integer((json_int_t)w->evicted));
    json_object_set_new(a, "max_evicted_packets", json_integer((json_int_t)w->max_evicted_packets));
    json_object_set_new(a, "probes_not_tracked", json_integer((json_int_t)w->dropped));
    json_object_set_new(a, "hll_bits", json_integer(DS_WORM_HLL_P));
    json_object_set_new(a, "relative_standard_error",
                        json_real(1.04 / sqrt((double)(1u << DS_WORM_HLL_P))));
    json_t *est = json_object();
    for (int s = 0; s < w->nsig; s++)
        json_object_set_new(est, ds_sigset_name(ctx->sigs, s),
                            json_integer((json_int_t)llround(
                                ds_hll_estimate(ds_worm_hllp(w, w->cum, s, w->nmon)))));
    json_object_set_new(a, "estimated_hosts", est);
    return a;
}

/* worm.csv and worm.json, which need no attribution: with threads, they are made
 * while hosts.csv is written. */
typedef struct ds_worm_files {
    const ds_worm *w;
    const ds_ctx *ctx;
    const ds_worm_row *ex;
    json_t *hsigs, *approx; /* summary.json's parts of them */
    int rc;
    char err[DS_ERRLEN];
} ds_worm_files;

static void *ds_worm_write_files(void *arg)
{
    ds_worm_files *wf = arg;
    const ds_worm *w = wf->w;
    const ds_ctx *ctx = wf->ctx;
    ds_ofile fw;
    wf->rc = ds_ofile_open(ctx->out, "worm.csv", &fw, wf->err, sizeof wf->err);
    if (wf->rc == 0) {
        ds_worm_write_rows(w, fw.f, wf->ex);
        wf->rc = ds_ofile_commit(&fw, wf->err, sizeof wf->err);
    }
    if (wf->rc != 0)
        return NULL;
    json_t *doc = json_object();
    json_t *sigs = json_object();
    for (int s = 0; s < w->nsig; s++) {
        json_t *h = json_object();
        json_object_set_new(sigs, ds_sigset_name(ctx->sigs, s), ds_worm_report(w, s, wf->ex, h));
        json_object_set_new(wf->hsigs, ds_sigset_name(ctx->sigs, s), h);
    }
    json_object_set_new(doc, "interval_s", json_real((double)w->interval / 1e9));
    json_object_set_new(doc, "signatures", sigs);
    wf->approx = w->approx ? ds_worm_approx_json(w, ctx) : NULL;
    if (wf->approx)
        json_object_set_new(doc, "approximate", json_incref(wf->approx));
    wf->rc = ds_outdir_write_json(ctx->out, "worm.json", doc, wf->err, sizeof wf->err);
    json_decref(doc);
    return NULL;
}

static int ds_worm_write(void *st, const ds_ctx *ctx, json_t *summary, char *err, size_t errlen)
{
    ds_worm *w = st;
    /* The interval still open, counted on copies so that the state stays as it was. */
    ds_worm_row extra = {0, NULL, false};
    const ds_worm_row *ex = NULL;
    if (w->open && w->approx) {
        extra.start = w->cur_start;
        extra.approx = true;
        extra.cells = ds_xmalloc((ds_worm_ncells(w) ? ds_worm_ncells(w) : 1) * sizeof *extra.cells);
        memcpy(extra.cells, w->cur, ds_worm_ncells(w) * sizeof *extra.cells);
        ds_worm_cells_approx(w, extra.cells, false);
        ex = &extra;
    } else if (w->open) {
        extra.start = w->cur_start;
        extra.cells = ds_xmalloc((ds_worm_ncells(w) ? ds_worm_ncells(w) : 1) * sizeof *extra.cells);
        memcpy(extra.cells, w->cur, ds_worm_ncells(w) * sizeof *extra.cells);
        ds_distinct64 tmp;
        ds_distinct64_init(&tmp, w->active.key_bits);
        ds_distinct64_merge(&tmp, &w->active);
        ds_worm_count_active(w, &tmp, extra.cells);
        ds_distinct64_free(&tmp);
        ex = &extra;
    }
    ds_worm_files wf = {w, ctx, ex, json_object(), NULL, 0, ""};
    pthread_t th;
    bool side = ctx->attrib && ctx->attrib->threads > 1 &&
                pthread_create(&th, NULL, ds_worm_write_files, &wf) == 0;
    ds_ofile fh;
    int rc = ds_ofile_open(ctx->out, "hosts.csv", &fh, err, errlen);
    if (rc == 0) {
        ds_worm_write_hosts(w, ctx->attrib, fh.f);
        rc = ds_ofile_commit(&fh, err, errlen);
    }
    if (side)
        pthread_join(th, NULL);
    else
        ds_worm_write_files(&wf);
    if (rc == 0 && wf.rc != 0) {
        snprintf(err, errlen, "%s", wf.err);
        rc = -1;
    }
    json_t *head = json_object();
    json_object_set_new(head, "hosts_tracked", json_integer((json_int_t)w->hosts.n));
    size_t bytes = ds_hosttab_bytes(&w->hosts) + w->capsight * sizeof *w->sight;
    json_object_set_new(head, "host_table_bytes", json_integer((json_int_t)bytes));
    json_object_set_new(head, "bytes_per_host",
                        w->hosts.n ? json_real((double)bytes / w->hosts.n) : json_null());
    json_object_set_new(head, "signatures", wf.hsigs);
    if (wf.approx)
        json_object_set_new(head, "approximate", wf.approx);
    json_object_set_new(summary, "worm", head);
    free(extra.cells);
    return rc;
}

void ds_worm_destroy(void *st)
{
    ds_worm *w = st;
    for (size_t i = 0; i < w->nrows; i++)
        free(w->rows[i].cells);
    free(w->rows);
    free(w->cur);
    free(w->sight);
    ds_distinct64_free(&w->active);
    ds_distinct64_free(&w->first_active);
    ds_hosttab_free(&w->hosts);
    for (size_t k = 0; w->approx && k < ds_worm_ncells(w); k++) {
        ds_hll_free(&w->cum[k]);
        ds_hll_free(&w->act[k]);
    }
    if (w->approx) /* a degraded state only exists in a bounded run (ctx alive) */
        ds_mem_give(w->ctx->mem, 2 * ds_worm_ncells(w) * ((size_t)1 << DS_WORM_HLL_P));
    free(w->cum);
    free(w->act);
    free(w->cum_prev);
    free(w);
}

const ds_analyzer_ops ds_worm_ops = {
    .name = "worm",
    .description = "infected hosts and outbreak curves per worm signature (hosts.csv, "
                   "worm.csv, worm.json)",
    .options = ds_worm_options,
    .config_new = ds_worm_config_new,
    .config_free = ds_worm_config_free,
    .create = ds_worm_create,
    .packets = ds_worm_packets,
    .advance = ds_worm_advance,
    .write = ds_worm_write,
    .destroy = ds_worm_destroy,
    .save = ds_worm_save,
    .load = ds_worm_load,
    .merge = ds_worm_merge,
};

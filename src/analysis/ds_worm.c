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
 */
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ds_worm_int.h"
#include "enrich/ds_attrib.h"
#include "output/ds_csv.h"

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
    return w;
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
    ds_worm_count_active(w, &w->active, w->cur);
    if (w->nrows == w->caprows) {
        w->caprows = w->caprows ? 2 * w->caprows : 64;
        w->rows = ds_xrealloc(w->rows, w->caprows * sizeof *w->rows);
    }
    w->rows[w->nrows++] = (ds_worm_row){w->cur_start, w->cur};
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
    unsigned mon = p->monitor;
    bool created;
    uint32_t rec = ds_hosttab_upsert(&w->hosts, &p->src, sig, p->ts_ns, mon, &created);
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

/* Hints for packet i + distance: first its slot, later (when the slot is in
 * cache) its record, so the two dependent misses of each lookup overlap with the
 * work on earlier packets. Only the lowest signature bit is prefetched: packets
 * matching several signatures are rare. */
#define DS_WORM_PF_SLOT 32
#define DS_WORM_PF_REC 16

static inline void ds_worm_prefetch(const ds_worm *w, const ds_pkt *pkts, size_t n, size_t i)
{
    if (i + DS_WORM_PF_SLOT < n && pkts[i + DS_WORM_PF_SLOT].sigs)
        ds_hosttab_prefetch_slot(&w->hosts, &pkts[i + DS_WORM_PF_SLOT].src,
                                 (unsigned)__builtin_ctz(pkts[i + DS_WORM_PF_SLOT].sigs));
    if (i + DS_WORM_PF_REC < n && pkts[i + DS_WORM_PF_REC].sigs)
        ds_hosttab_prefetch_record(&w->hosts, &pkts[i + DS_WORM_PF_REC].src,
                                   (unsigned)__builtin_ctz(pkts[i + DS_WORM_PF_REC].sigs));
}

static void ds_worm_packets(void *st, const ds_pkt *pkts, size_t n)
{
    ds_worm *w = st;
    for (size_t i = 0; i < n && i < DS_WORM_PF_SLOT; i++)
        if (pkts[i].sigs)
            ds_hosttab_prefetch_slot(&w->hosts, &pkts[i].src,
                                     (unsigned)__builtin_ctz(pkts[i].sigs));
    for (size_t i = 0; i < n; i++) {
        const ds_pkt *p = &pkts[i];
        ds_worm_prefetch(w, pkts, n, i);
        if (!w->open || p->ts_ns >= w->cur_start + w->interval) {
            ds_worm_close(w);
            w->cur_start = ds_floor_div(p->ts_ns, w->interval) * w->interval;
            w->open = true;
            if (!w->any) {
                w->first_ts = p->ts_ns;
                w->any = true;
            }
            /* Relative to the host table's base; before any host exists the base is
             * set by the first probe, which is >= this interval's start. */
            int64_t rel = ds_floor_div(w->cur_start, 1000) - w->hosts.base_us;
            w->cur_start_rel = w->hosts.has_base && rel > 0 ? (uint64_t)rel : 0;
        }
        w->last_ts = p->ts_ns;
        if (!p->sigs || p->monitor >= w->nmon)
            continue;
        for (uint32_t m = p->sigs; m; m &= m - 1) {
            unsigned sig = (unsigned)__builtin_ctz(m);
            if ((int)sig < w->nsig)
                ds_worm_probe(w, p, sig);
        }
    }
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

static void ds_worm_write_hosts(const ds_worm *w, const ds_attrib *attrib, FILE *f)
{
    fputs("ip,signature,first_seen,last_seen,packets,monitors,first_monitor", f);
    ds_attrib_header(f);
    fputc('\n', f);
    /* Attribution once per host, in one batch, at write time (never per packet). */
    ds_ip *ips = ds_xmalloc((w->hosts.n ? w->hosts.n : 1) * sizeof *ips);
    ds_host_info *info = ds_xmalloc((w->hosts.n ? w->hosts.n : 1) * sizeof *info);
    for (uint32_t r = 0; r < w->hosts.n; r++)
        ds_hosttab_addr(&w->hosts, ds_hosttab_at(&w->hosts, r), &ips[r]);
    ds_attrib_lookup(attrib, ips, w->hosts.n, info);
    char buf[DS_IP_STRLEN];
    for (uint32_t r = 0; r < w->hosts.n; r++) {
        const ds_host *h = ds_hosttab_at(&w->hosts, r);
        const ds_ip a = ips[r];
        const char *sig = ds_sigset_name(w->ctx->sigs, (int)ds_host_sig(h));
        ds_attrib_note(attrib, "infected", sig, &a, &info[r]);
        fputs(ds_ip_format(&a, buf), f);
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
        ds_attrib_fields(f, &info[r]);
        fputc('\n', f);
    }
    free(ips);
    free(info);
}

static void ds_worm_write_rows(const ds_worm *w, FILE *f, const ds_worm_row *extra)
{
    fputs("interval_start,signature,monitor,new_hosts,cumulative_hosts,active_hosts,probes\n", f);
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
                fprintf(f, ",%llu,%llu,%llu,%llu\n", (unsigned long long)c->new_hosts,
                        (unsigned long long)cum[k], (unsigned long long)c->active,
                        (unsigned long long)c->probes);
            }
        }
    }
    free(cum);
}

static int ds_worm_write(void *st, const ds_ctx *ctx, json_t *summary, char *err, size_t errlen)
{
    ds_worm *w = st;
    /* The interval still open, counted on copies so that the state stays as it was. */
    ds_worm_row extra = {0, NULL};
    const ds_worm_row *ex = NULL;
    if (w->open) {
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
    int rc = -1;
    ds_ofile fh, fw;
    if (ds_ofile_open(ctx->out, "hosts.csv", &fh, err, errlen) != 0)
        goto out;
    ds_worm_write_hosts(w, ctx->attrib, fh.f);
    if (ds_ofile_commit(&fh, err, errlen) != 0)
        goto out;
    if (ds_ofile_open(ctx->out, "worm.csv", &fw, err, errlen) != 0)
        goto out;
    ds_worm_write_rows(w, fw.f, ex);
    if (ds_ofile_commit(&fw, err, errlen) != 0)
        goto out;

    json_t *doc = json_object();
    json_t *sigs = json_object();
    json_t *head = json_object();
    json_t *hsigs = json_object();
    for (int s = 0; s < w->nsig; s++) {
        json_t *h = json_object();
        json_object_set_new(sigs, ds_sigset_name(ctx->sigs, s), ds_worm_report(w, s, ex, h));
        json_object_set_new(hsigs, ds_sigset_name(ctx->sigs, s), h);
    }
    json_object_set_new(doc, "interval_s", json_real((double)w->interval / 1e9));
    json_object_set_new(doc, "signatures", sigs);
    rc = ds_outdir_write_json(ctx->out, "worm.json", doc, err, errlen);
    json_decref(doc);
    json_object_set_new(head, "hosts_tracked", json_integer((json_int_t)w->hosts.n));
    size_t bytes = ds_hosttab_bytes(&w->hosts) + w->capsight * sizeof *w->sight;
    json_object_set_new(head, "host_table_bytes", json_integer((json_int_t)bytes));
    json_object_set_new(head, "bytes_per_host",
                        w->hosts.n ? json_real((double)bytes / w->hosts.n) : json_null());
    json_object_set_new(head, "signatures", hsigs);
    json_object_set_new(summary, "worm", head);
out:
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

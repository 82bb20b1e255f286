/*
 * ds_worm_report.c — the outbreak figures of worm.json, per signature, computed at
 * write time from the interval rows and the host records (nothing here runs per
 * packet, and nothing changes the analyzer's state).
 *
 *   peaks, quantiles   host records are in first-sighting order, so the peak
 *                      minute/hour and the times to 50% / 90% are one sweep;
 *   phase_changes      PELT (src/model/ds_changepoint.c) on the per-interval probe
 *                      and new-host counts of `all`, gaps between rows filled with
 *                      zeros, but a gap longer than DS_WORM_MAX_GAP intervals is
 *                      shortened to that many zeros: PELT's cost grows with the
 *                      square of the intervals it prunes poorly (long zero runs),
 *                      and captures years apart (or a corrupt 1970 timestamp) would
 *                      otherwise make it run for hours. An hour of silence already
 *                      says "stopped"; times map back through `at`. A piecewise-constant model cuts
 * a smooth growth curve into many small steps, which are not phase changes; a change is reported
 * only when the rate changes by a factor of at least --changepoint-min-ratio AND by at least
 *                      --changepoint-min-jump of the series' highest segment rate;
 *                      rates before/after are those of the two adjacent segments;
 *   fit                the logistic model (src/model/ds_logistic.c) on the
 *                      cumulative `all` curve (value at each interval's end) from
 *                      the first row up to the first downward phase change of the
 *                      probe rate (the end of the infection phase), or all rows;
 *   deactivation       hosts whose last probe is more than --worm-deactivation
 *                      before the last packet of the input;
 *   coverage           see ds_worm_coverage() below.
 */
#include <math.h>
#include <stdlib.h>

#include "analysis/ds_worm_int.h"
#include "model/ds_changepoint.h"
#include "model/ds_logistic.h"

#define DS_2P32 4294967296.0

static json_t *ds_jtime(int64_t ns)
{
    char buf[DS_TIME_STRLEN];
    return json_string(ds_time_format(ns, buf));
}

static int ds_cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorts v); NAN when n == 0. */
static double ds_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, ds_cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static json_t *ds_jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Longest run of empty intervals kept in the change-point series (see above). */
#define DS_WORM_MAX_GAP 60

/* The per-interval series of one signature's `all` cell, long gaps shortened. */
typedef struct ds_wseries {
    size_t n;
    int64_t start; /* of the first row's interval */
    int64_t *at;   /* at[i]: interval number of element i, counted from start */
    double *probes, *news, *cum;
} ds_wseries;

/* Start time of element i < s->n. */
static int64_t ds_wseries_time(const ds_worm *w, const ds_wseries *s, size_t i)
{
    return s->start + s->at[i] * w->interval;
}

static void ds_wseries_build(const ds_worm *w, int sig, const ds_worm_row *extra, ds_wseries *s)
{
    memset(s, 0, sizeof *s);
    size_t nr = w->nrows + (extra ? 1 : 0);
    if (nr == 0)
        return;
    const ds_worm_row *first = w->nrows ? &w->rows[0] : extra;
    s->start = first->start;
    /* First pass: the length after shortening gaps; second pass fills. */
    int64_t prev = -1;
    for (size_t i = 0; i < nr; i++) {
        const ds_worm_row *r = i < w->nrows ? &w->rows[i] : extra;
        int64_t k = (r->start - s->start) / w->interval;
        if (k == prev)
            continue;
        int64_t gap = prev < 0 ? 0 : k - prev - 1;
        s->n += (size_t)(gap < DS_WORM_MAX_GAP ? gap : DS_WORM_MAX_GAP) + 1;
        prev = k;
    }
    s->at = ds_xmalloc(s->n * sizeof *s->at);
    s->probes = ds_xcalloc(s->n, sizeof *s->probes);
    s->news = ds_xcalloc(s->n, sizeof *s->news);
    s->cum = ds_xcalloc(s->n, sizeof *s->cum);
    size_t j = 0;
    prev = -1;
    for (size_t i = 0; i < nr; i++) {
        const ds_worm_row *r = i < w->nrows ? &w->rows[i] : extra;
        int64_t k = (r->start - s->start) / w->interval;
        if (k != prev) {
            int64_t gap = prev < 0 ? 0 : k - prev - 1;
            if (gap > DS_WORM_MAX_GAP)
                gap = DS_WORM_MAX_GAP;
            for (int64_t g = gap; g > 0; g--)
                s->at[j++] = k - g;
            s->at[j++] = k;
            prev = k;
        }
        const ds_worm_cell *c = ds_worm_cellp(w, r->cells, sig, w->nmon);
        s->probes[j - 1] += (double)c->probes;
        s->news[j - 1] += (double)c->new_hosts;
    }
    double acc = 0;
    for (size_t i = 0; i < s->n; i++)
        s->cum[i] = acc += s->news[i];
}

static void ds_wseries_free(ds_wseries *s)
{
    free(s->at);
    free(s->probes);
    free(s->news);
    free(s->cum);
}

/* Appends the reported changes of one series to `out`; returns the interval index
 * of the first downward one, or SIZE_MAX. */
static size_t ds_phase_changes(const ds_worm *w, const ds_wseries *s, const double *x,
                               const char *name, json_t *out)
{
    ds_segment *seg;
    double phi;
    size_t ns = ds_changepoint_pelt(x, s->n, w->cfg.cp_penalty, &seg, &phi);
    double top = 0;
    for (size_t i = 0; i < ns; i++)
        if (seg[i].mean > top)
            top = seg[i].mean;
    double per_min = 60.0 * DS_NS_PER_SEC / (double)w->interval;
    size_t first_down = SIZE_MAX;
    for (size_t i = 1; i < ns; i++) {
        double a = seg[i - 1].mean, b = seg[i].mean;
        double lo = a < b ? a : b, hi = a < b ? b : a;
        if (hi - lo < w->cfg.cp_min_jump * top || hi < w->cfg.cp_min_ratio * lo)
            continue;
        json_t *c = json_object();
        json_object_set_new(c, "time", ds_jtime(ds_wseries_time(w, s, seg[i].start)));
        json_object_set_new(c, "series", json_string(name));
        json_object_set_new(c, "direction", json_string(b < a ? "down" : "up"));
        json_object_set_new(c, "rate_before", json_real(a * per_min));
        json_object_set_new(c, "rate_after", json_real(b * per_min));
        json_array_append_new(out, c);
        if (b < a && first_down == SIZE_MAX)
            first_down = seg[i].start;
    }
    free(seg);
    return first_down;
}

static json_t *ds_worm_fit(const ds_worm *w, const ds_wseries *s, size_t upto, json_t *headline)
{
    size_t n = upto < s->n ? upto : s->n;
    double *t = ds_xmalloc((n ? n : 1) * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = (double)(s->at[i] + 1) * (double)w->interval / 3600e9; /* end of interval */
    ds_logistic f;
    int rc = ds_logistic_fit(t, s->cum, n, &f);
    free(t);
    json_t *j = json_object();
    json_object_set_new(j, "model", json_string("C(t) = N e^{K(t-T)} / (1 + e^{K(t-T)})"));
    json_object_set_new(j, "points", json_integer((json_int_t)n));
    if (n)
        json_object_set_new(j, "fitted_until",
                            ds_jtime(ds_wseries_time(w, s, n - 1) + w->interval));
    if (rc != 0) {
        json_object_set_new(j, "status", json_string("failed"));
        return j;
    }
    json_object_set_new(j, "status", json_string(f.converged ? "converged" : "not_converged"));
    json_object_set_new(j, "K_per_hour", json_real(f.K));
    json_object_set_new(j, "K_stderr", ds_jnum(f.K_se));
    json_object_set_new(j, "T", ds_jtime(s->start + (int64_t)llround(f.T * 3600e9)));
    json_object_set_new(j, "T_stderr_s", ds_jnum(f.T_se * 3600));
    json_object_set_new(j, "N", json_real(f.N));
    json_object_set_new(j, "N_stderr", ds_jnum(f.N_se));
    json_object_set_new(j, "doubling_time_minutes", json_real(60 * log(2.0) / f.K));
    json_object_set_new(j, "r_squared", json_real(f.r_squared));
    json_object_set_new(headline, "K_per_hour", json_real(f.K));
    json_object_set_new(headline, "doubling_time_minutes", json_real(60 * log(2.0) / f.K));
    return j;
}

/* Peak number of first sightings in one bucket of `width` ns. */
static void ds_peak(const ds_worm *w, int sig, int64_t width, uint64_t *peak, int64_t *at)
{
    *peak = 0;
    *at = 0;
    int64_t cur = INT64_MIN;
    uint64_t cnt = 0;
    for (uint32_t r = 0; r <= w->hosts.n; r++) {
        const ds_host *h = r < w->hosts.n ? ds_hosttab_at(&w->hosts, r) : NULL;
        if (h && (int)ds_host_sig(h) != sig)
            continue;
        int64_t b = h ? ds_floor_div(ds_host_first_ns(&w->hosts, h), width) : INT64_MAX;
        if (b != cur) {
            if (cnt > *peak) {
                *peak = cnt;
                *at = cur * width;
            }
            cur = b;
            cnt = 0;
        }
        cnt++;
    }
}

/* Coverage per monitor. Per-host scan rate: a uniform scanner's probes reach the
 * whole telescope (n_total addresses) at r * n_total / 2^32 per second, so
 * r_h = (packets - 1) * 2^32 / n_total / (last - first) for hosts with >= 2
 * probes (the first probe starts the clock). The record holds all monitors'
 * probes together: the union gives the estimate with the least variance, and a
 * monitor's median is taken over the hosts that monitor saw. The rate r
 * evaluated is --worm-scan-rate, or the largest monitor's median.
 *
 * Missed hosts (Horvitz-Thompson): a host scanning at r for D seconds escapes a
 * monitor of n addresses with probability q = exp(-r D n / 2^32). For a seen host
 * D = (last - first) + 2 / (r n_total / 2^32): its observed span plus one mean gap
 * between sightings before the first and after the last. Each seen host stands
 * for 1 / (1 - q) infected hosts with the same window, so the telescope missed
 * sum q / (1 - q). Per monitor, sum exp(-r D n_m / 2^32) over the telescope's
 * hosts is the model's number of them that monitor should miss, shown beside the
 * number it did miss, as a check of the model. With two or more monitors the
 * Chapman capture-recapture estimate between the largest monitor and the others
 * is given too (it assumes sightings in the two are independent). */
static json_t *ds_worm_coverage(const ds_worm *w, int sig, json_t *headline)
{
    const ds_telescope *tel = w->ctx->telescope;
    json_t *j = json_object();
    if (ds_telescope_is_open(tel)) {
        json_object_set_new(j, "note",
                            json_string("open telescope: monitor sizes unknown, so "
                                        "size-based figures are omitted"));
        return j;
    }
    int M = w->nmon, L = 0;
    double ntot = 0;
    for (int m = 0; m < M; m++) {
        uint64_t sz = ds_telescope_size_v4(tel, m);
        ntot += (double)sz;
        if (sz > ds_telescope_size_v4(tel, L))
            L = m;
    }
    if (ntot <= 0) {
        json_object_set_new(j, "note", json_string("no IPv4 prefixes: size-based figures omitted"));
        return j;
    }
    uint32_t N = w->hosts.n;
    /* Per-host rates, and each host's first sighting per monitor (only needed for
     * hosts seen in the largest monitor and another one). */
    double *rate = ds_xmalloc((N ? N : 1) * sizeof *rate);
    for (uint32_t r = 0; r < N; r++) {
        const ds_host *h = ds_hosttab_at(&w->hosts, r);
        double span =
            (double)(ds_host_last_ns(&w->hosts, h) - ds_host_first_ns(&w->hosts, h)) / 1e9;
        rate[r] = (int)ds_host_sig(h) == sig && h->packets >= 2 && span > 0
                      ? (double)(h->packets - 1) * DS_2P32 / ntot / span
                      : NAN;
    }
    double *buf = ds_xmalloc((N ? N : 1) * sizeof *buf);
    double *med = ds_xmalloc((size_t)M * sizeof *med);
    for (int m = 0; m < M; m++) {
        size_t k = 0;
        for (uint32_t r = 0; r < N; r++)
            if (!isnan(rate[r]) && (ds_hosttab_at(&w->hosts, r)->monitors >> m & 1))
                buf[k++] = rate[r];
        med[m] = ds_median(buf, k);
    }
    double r_used = w->cfg.scan_rate > 0 ? w->cfg.scan_rate : med[L];
    double tw = (double)w->cfg.coverage_ns / 1e9;
    json_object_set_new(j, "scan_rate_pps", ds_jnum(r_used));
    json_object_set_new(j, "scan_rate_source",
                        json_string(w->cfg.scan_rate > 0 ? "--worm-scan-rate"
                                                         : "median estimate, largest monitor"));
    json_object_set_new(j, "window_s", json_real(tw));
    json_object_set_new(j, "telescope_size", json_real(ntot));

    /* First sighting time per monitor for every host of the signature: the
     * record's first monitor plus the logged later sightings. */
    int64_t *tfirst = ds_xmalloc((size_t)(N ? N : 1) * (size_t)M * sizeof *tfirst);
    for (size_t i = 0; i < (size_t)N * (size_t)M; i++)
        tfirst[i] = INT64_MIN;
    for (uint32_t r = 0; r < N; r++) {
        const ds_host *h = ds_hosttab_at(&w->hosts, r);
        tfirst[(size_t)r * (size_t)M + ds_host_first_monitor(h)] = ds_host_first_ns(&w->hosts, h);
    }
    for (size_t i = 0; i < w->nsight; i++)
        tfirst[(size_t)w->sight[i].rec * (size_t)M + w->sight[i].monitor] =
            ds_floor_div(w->sight[i].ts_ns, 1000) * 1000;

    /* Model windows and the telescope-level missed estimate. */
    double missed = NAN, seen = 0;
    if (isfinite(r_used) && r_used > 0) {
        missed = 0;
        double gap = 1 / (r_used * ntot / DS_2P32);
        for (uint32_t r = 0; r < N; r++) {
            const ds_host *h = ds_hosttab_at(&w->hosts, r);
            if ((int)ds_host_sig(h) != sig)
                continue;
            seen++;
            double D =
                (double)(ds_host_last_ns(&w->hosts, h) - ds_host_first_ns(&w->hosts, h)) / 1e9 +
                2 * gap;
            buf[r] = D;
            double q = exp(-r_used * D * ntot / DS_2P32);
            missed += q / (1 - q);
        }
    }

    json_t *mons = json_array();
    for (int m = 0; m < M; m++) {
        double n = (double)ds_telescope_size_v4(tel, m);
        json_t *o = json_object();
        json_object_set_new(o, "monitor", json_string(ds_telescope_name(tel, m)));
        json_object_set_new(o, "size", json_real(n));
        uint64_t seen_m = 0, seen_any = 0;
        double expect_missed = 0;
        for (uint32_t r = 0; r < N; r++) {
            const ds_host *h = ds_hosttab_at(&w->hosts, r);
            if ((int)ds_host_sig(h) != sig)
                continue;
            seen_any++;
            if (h->monitors >> m & 1)
                seen_m++;
            if (isfinite(missed))
                expect_missed += exp(-r_used * buf[r] * n / DS_2P32);
        }
        json_object_set_new(o, "hosts_seen", json_integer((json_int_t)seen_m));
        json_object_set_new(o, "hosts_missed_seen_elsewhere",
                            json_integer((json_int_t)(seen_any - seen_m)));
        json_object_set_new(o, "hosts_missed_expected",
                            isfinite(missed) && n > 0 ? json_real(expect_missed) : json_null());
        json_object_set_new(o, "median_scan_rate_pps", ds_jnum(med[m]));
        bool ok = isfinite(r_used) && r_used > 0 && n > 0;
        json_object_set_new(o, "p_seen_within_window",
                            ok ? json_real(1 - pow(1 - n / DS_2P32, r_used * tw)) : json_null());
        json_object_set_new(o, "mean_time_to_first_sighting_s",
                            ok ? json_real(DS_2P32 / (n * r_used)) : json_null());
        if (m != L) {
            size_t k = 0;
            for (uint32_t r = 0; r < N; r++) {
                int64_t a = tfirst[(size_t)r * (size_t)M + (size_t)L];
                int64_t b = tfirst[(size_t)r * (size_t)M + (size_t)m];
                if (a != INT64_MIN && b != INT64_MIN &&
                    (int)ds_host_sig(ds_hosttab_at(&w->hosts, r)) == sig)
                    rate[k++] = (double)(b - a) / 1e9; /* rate[] no longer needed */
            }
            json_object_set_new(o, "hosts_seen_with_largest", json_integer((json_int_t)k));
            json_object_set_new(o, "median_sighting_delay_s", ds_jnum(ds_median(rate, k)));
        }
        json_array_append_new(mons, o);
    }
    json_object_set_new(j, "largest_monitor", json_string(ds_telescope_name(tel, L)));
    json_object_set_new(j, "monitors", mons);

    json_t *est = json_object();
    json_object_set_new(est, "method",
                        json_string("Horvitz-Thompson: sum of q/(1-q) over seen hosts, "
                                    "q = exp(-r D n/2^32), D = observed span + 2 mean gaps"));
    json_object_set_new(est, "hosts_seen", json_real(seen));
    json_object_set_new(est, "missed_hosts", ds_jnum(missed));
    json_object_set_new(est, "infected_estimate", ds_jnum(seen + missed));
    if (M >= 2) {
        /* Chapman: largest monitor vs the rest of the telescope. */
        double n1 = 0, n2 = 0, both = 0;
        for (uint32_t r = 0; r < N; r++) {
            const ds_host *h = ds_hosttab_at(&w->hosts, r);
            if ((int)ds_host_sig(h) != sig)
                continue;
            bool a = h->monitors >> L & 1, b = (h->monitors & ~(1ull << L)) != 0;
            n1 += a;
            n2 += b;
            both += a && b;
        }
        json_object_set_new(est, "capture_recapture_estimate",
                            json_real((n1 + 1) * (n2 + 1) / (both + 1) - 1));
    }
    json_object_set_new(j, "missed", est);
    json_object_set_new(headline, "missed_hosts_estimate", ds_jnum(missed));
    free(tfirst);
    free(rate);
    free(buf);
    free(med);
    return j;
}

json_t *ds_worm_report(const ds_worm *w, int sig, const ds_worm_row *extra, json_t *headline)
{
    json_t *j = json_object();
    /* Hosts of the signature, in first-sighting order. */
    uint64_t N = 0;
    int64_t t0 = 0, tlast = 0;
    for (uint32_t r = 0; r < w->hosts.n; r++) {
        const ds_host *h = ds_hosttab_at(&w->hosts, r);
        if ((int)ds_host_sig(h) != sig)
            continue;
        if (!N)
            t0 = ds_host_first_ns(&w->hosts, h);
        tlast = ds_host_first_ns(&w->hosts, h);
        N++;
    }
    json_object_set_new(j, "hosts_total", json_integer((json_int_t)N));
    json_object_set_new(headline, "hosts_total", json_integer((json_int_t)N));
    if (!N)
        return j;
    json_object_set_new(j, "first_host", ds_jtime(t0));
    json_object_set_new(j, "last_new_host", ds_jtime(tlast));

    uint64_t pk;
    int64_t at;
    ds_peak(w, sig, 60 * DS_NS_PER_SEC, &pk, &at);
    json_object_set_new(j, "peak_new_per_minute", json_integer((json_int_t)pk));
    json_object_set_new(j, "peak_minute", ds_jtime(at));
    json_object_set_new(headline, "peak_new_per_minute", json_integer((json_int_t)pk));
    json_object_set_new(headline, "peak_minute", ds_jtime(at));
    ds_peak(w, sig, 3600 * DS_NS_PER_SEC, &pk, &at);
    json_object_set_new(j, "peak_new_per_hour", json_integer((json_int_t)pk));
    json_object_set_new(j, "peak_hour", ds_jtime(at));

    /* Times to 50% and 90%: the first sighting of host number ceil(q N). */
    uint64_t k50 = (N + 1) / 2, k90 = (9 * N + 9) / 10, k = 0;
    for (uint32_t r = 0; r < w->hosts.n; r++) {
        const ds_host *h = ds_hosttab_at(&w->hosts, r);
        if ((int)ds_host_sig(h) != sig)
            continue;
        k++;
        int64_t t = ds_host_first_ns(&w->hosts, h);
        if (k == k50) {
            json_object_set_new(j, "time_50pct", ds_jtime(t));
            json_object_set_new(j, "time_to_50pct_s", json_real((double)(t - t0) / 1e9));
        }
        if (k == k90) {
            json_object_set_new(j, "time_90pct", ds_jtime(t));
            json_object_set_new(j, "time_to_90pct_s", json_real((double)(t - t0) / 1e9));
        }
    }

    ds_wseries s;
    ds_wseries_build(w, sig, extra, &s);
    json_t *pc = json_array();
    size_t down = ds_phase_changes(w, &s, s.probes, "probes", pc);
    ds_phase_changes(w, &s, s.news, "new_hosts", pc);
    json_object_set_new(j, "phase_change_rate_unit", json_string("per minute"));
    json_object_set_new(j, "phase_changes", pc);
    json_object_set_new(headline, "phase_changes", json_integer((json_int_t)json_array_size(pc)));

    int64_t end = down != SIZE_MAX ? ds_wseries_time(w, &s, down) : tlast;
    json_t *ph = json_object();
    json_object_set_new(ph, "start", ds_jtime(t0));
    json_object_set_new(ph, "end", ds_jtime(end));
    json_object_set_new(
        ph, "end_by",
        json_string(down != SIZE_MAX ? "downward phase change in probes" : "last new host"));
    json_object_set_new(ph, "length_s", json_real((double)(end - t0) / 1e9));
    json_object_set_new(j, "infection_phase", ph);
    json_object_set_new(headline, "infection_phase_s", json_real((double)(end - t0) / 1e9));

    json_object_set_new(j, "fit", ds_worm_fit(w, &s, down, headline));
    ds_wseries_free(&s);

    /* Deactivation. */
    uint64_t deact = 0;
    int64_t cut = w->last_ts - w->cfg.deactivation_ns;
    for (uint32_t r = 0; r < w->hosts.n; r++) {
        const ds_host *h = ds_hosttab_at(&w->hosts, r);
        if ((int)ds_host_sig(h) == sig && ds_host_last_ns(&w->hosts, h) < cut)
            deact++;
    }
    json_t *d = json_object();
    json_object_set_new(d, "threshold_s", json_real((double)w->cfg.deactivation_ns / 1e9));
    json_object_set_new(d, "end_of_observation", ds_jtime(w->last_ts));
    json_object_set_new(d, "hosts", json_integer((json_int_t)deact));
    json_object_set_new(d, "fraction", json_real((double)deact / (double)N));
    double hours = (double)(w->last_ts - t0) / 3600e9;
    json_object_set_new(d, "rate_per_hour",
                        hours > 0 ? json_real((double)deact / hours) : json_null());
    json_object_set_new(j, "deactivation", d);
    json_object_set_new(headline, "deactivated_hosts", json_integer((json_int_t)deact));

    json_object_set_new(j, "coverage", ds_worm_coverage(w, sig, headline));
    return j;
}

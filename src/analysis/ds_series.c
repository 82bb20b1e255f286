/*
 * ds_series.c — the traffic time series: series.csv and signatures.csv.
 *
 * Per interval (aligned to multiples of --interval in UTC) and monitor, packets,
 * bytes (IP total length) and exact distinct sources and destinations for every
 * class, and packets and distinct sources for every worm signature. Counters are
 * plain arrays indexed by monitor and class; distinct IPv4 addresses go into one
 * hash set (ds_kset) with the group in the key:
 *
 *     IPv4 key = group << 33 | direction << 32 | address
 *
 * where group = monitor * (classes + signatures) + class-or-signature. An insert
 * says whether the key is new, so the distinct counts are kept as packets arrive
 * (in `live`) and the interval's end only adds them up and clears the set. This
 * replaced appending every key and radix-sorting at the end, which was 38% of an
 * analyze run; the set's slots for a packet a few records ahead are prefetched so
 * the cache misses of a big interval overlap. (A bitmap per class for the
 * destinations, which all lie in the telescope, was tried and measured slower: the
 * bitmap of a /8 is 2 MiB per class, as much cache as the set.) IPv6 addresses
 * (rare on telescopes) still use the append-and-sort ds_distinct128 with the same
 * group numbering.
 *
 * The state file and a merge work on sorted key lists (ds_distinct64 d4): the set
 * is copied out into d4 when a state is saved or merged, and rebuilt from it after.
 *
 * Only intervals that saw packets get rows (a gap of days does not become millions
 * of zero rows); an interval that has rows has one for every monitor and class.
 *
 * Mergeable state: the distinct counts of an interval that two parts share cannot
 * be added, so the state keeps the keys of the open (last) interval and, when the
 * run saves its state (keep_heads), of the first interval too; a merge unions the
 * keys of an interval both parts have keys for, and adds the counts otherwise
 * (exact when the parts cover different monitors: the keys carry the monitor).
 *
 * Bounded memory (--max-memory, docs/SCALE.md): the set's growth is charged to the
 * run's budget; when the budget refuses it, the set spills its keys into one
 * HyperLogLog sketch per (cell, direction) of the open interval and starts again
 * empty at the same size, so a flood of spoofed sources costs the set's size plus
 * 2 x cells x 2^14 bytes. The interval's distinct counts are then the sketches'
 * estimates of the union of the spilled and the remaining keys, and its rows carry
 * approximate = 1 (the column is added to series.csv and signatures.csv only when a
 * row is approximate, so an unbounded run's files are unchanged). The IPv6 key list
 * is bounded the same way: when it would double past the budget its keys go into
 * the same sketches (hashed to 64 bits). A state cannot be saved once an interval
 * is approximate (not done: the sketches are not in the state format).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ds_analyzer.h"
#include "core/ds_distinct.h"
#include "model/ds_hll.h"
#include "output/ds_csv.h"

#define DS_SERIES_HLL_P 14
#include "telescope/ds_classify.h"

typedef struct ds_series_cell {
    uint64_t packets, bytes, sources, destinations;
} ds_series_cell;

typedef struct ds_series_row {
    int64_t start;
    ds_series_cell *cells; /* [monitor][class or signature] */
    bool approx;           /* distinct counts estimated (--max-memory) */
} ds_series_row;

typedef struct ds_series {
    const ds_ctx *ctx;
    int monitors, sigs, groups_per_mon;
    int64_t interval;
    bool open;         /* an interval is being counted */
    int64_t cur_start; /* its start */
    ds_series_cell *cur;
    ds_kset k4;       /* IPv4 keys of the open interval */
    uint64_t *live;   /* [group * 2 + direction]: distinct IPv4 addresses in k4 */
    ds_distinct64 d4; /* k4's keys, only while a state is saved or merged */
    ds_distinct128 d6;
    ds_series_row *rows;
    size_t nrows, caprows;
    /* keys of rows[0] (kept when the run saves its state, for a later merge) */
    bool keep_first, have_first;
    ds_distinct64 first4;
    ds_distinct128 first6;
    /* --max-memory: sketches of the open interval's spilled keys, [group * 2 + dir],
     * allocated at the first spill */
    ds_hll *hll;
    bool cur_approx;      /* the open interval spilled */
    uint64_t approx_rows; /* closed rows that are approximate */
    int64_t approx_since; /* packet time of the first spill */
    int64_t last_ts;      /* the latest packet */
    size_t d6_charged;    /* bytes of d6's growth charged to ctx->mem */
} ds_series;

static size_t ds_series_ncells(const ds_series *s)
{
    return (size_t)s->monitors * (size_t)s->groups_per_mon;
}

static void ds_series_spill(void *arg, const ds_kset *k);

static void *ds_series_create(const ds_ctx *ctx, const void *cfg)
{
    (void)cfg;
    ds_series *s = ds_xcalloc(1, sizeof *s);
    s->ctx = ctx;
    s->monitors = ds_telescope_count(ctx->telescope);
    s->sigs = ctx->sigs ? ds_sigset_count(ctx->sigs) : 0;
    s->groups_per_mon = DS_CLS_COUNT + s->sigs;
    s->interval = ctx->interval_ns;
    s->cur = ds_xcalloc(ds_series_ncells(s), sizeof *s->cur);
    unsigned group_bits = 1;
    while ((1ull << group_bits) < ds_series_ncells(s))
        group_bits++;
    ds_distinct64_init(&s->d4, 33 + group_bits);
    ds_kset_init(&s->k4);
    s->live = ds_xcalloc(2 * ds_series_ncells(s), sizeof *s->live);
    ds_distinct128_init(&s->d6);
    ds_distinct64_init(&s->first4, 33 + group_bits);
    ds_distinct128_init(&s->first6);
    s->keep_first = ctx->keep_heads;
    if (ds_mem_bounded(ctx->mem))
        ds_kset_bound(&s->k4, ctx->mem, ds_series_spill, s);
    return s;
}

/* Adds the keys of k (may be NULL) and of d6 (may be NULL) to the sketches
 * hll[group * 2 + direction]; IPv6 addresses as a 64-bit hash with the top bit set
 * (IPv4 keys are below 2^32). */
static void ds_series_fold(ds_hll *hll, const ds_kset *k, const ds_distinct128 *d6)
{
    for (size_t i = 0; k && i <= k->mask; i++) {
        uint64_t key = k->slot[i];
        if (key != DS_KSET_EMPTY)
            ds_hll_add(&hll[(key >> 33) * 2 + ((key >> 32) & 1)], (uint32_t)key);
    }
    for (size_t i = 0; d6 && i < d6->n; i++) {
        const ds_ip *a = &d6->v[i].addr;
        ds_hll_add(&hll[d6->v[i].group], ds_hll_mix(a->q[0] ^ ds_hll_mix(a->q[1])) | 1ull << 63);
    }
}

/* The IPv4 set is full and the budget refuses to grow it (ds_kset_bound; k is the
 * set), or the IPv6 list is (k NULL): its keys go into the sketches. */
static void ds_series_spill(void *arg, const ds_kset *k)
{
    ds_series *s = arg;
    size_t nh = 2 * ds_series_ncells(s);
    if (!s->hll) {
        s->hll = ds_xmalloc(nh * sizeof *s->hll);
        for (size_t i = 0; i < nh; i++)
            ds_hll_init(&s->hll[i], DS_SERIES_HLL_P);
        ds_mem_force(s->ctx->mem, nh * ((size_t)1 << DS_SERIES_HLL_P));
        s->approx_since = s->last_ts;
    }
    s->cur_approx = true;
    if (k) {
        ds_series_fold(s->hll, k, NULL);
    } else {
        ds_series_fold(s->hll, NULL, &s->d6);
        ds_distinct128_clear(&s->d6);
    }
}

/* The open interval's IPv4 distinct counts from the sketches and the keys still in
 * the set, into cells (read-only: the sketches are copied). */
static void ds_series_count_approx(const ds_series *s, ds_series_cell *cells)
{
    size_t nc = ds_series_ncells(s);
    ds_hll *t = ds_xmalloc(2 * nc * sizeof *t);
    for (size_t i = 0; i < 2 * nc; i++) {
        ds_hll_init(&t[i], DS_SERIES_HLL_P);
        memcpy(t[i].reg, s->hll[i].reg, (size_t)1 << DS_SERIES_HLL_P);
    }
    ds_series_fold(t, &s->k4, &s->d6);
    for (size_t g = 0; g < nc; g++) {
        cells[g].sources += (uint64_t)llround(ds_hll_estimate(&t[2 * g]));
        cells[g].destinations += (uint64_t)llround(ds_hll_estimate(&t[2 * g + 1]));
        ds_hll_free(&t[2 * g]);
        ds_hll_free(&t[2 * g + 1]);
    }
    free(t);
}

/* Turns the sorted distinct keys into per-cell source/destination counts (d4 NULL:
 * the IPv4 counts are elsewhere). */
static void ds_series_count_keys(ds_distinct64 *d4, ds_distinct128 *d6, ds_series_cell *cells)
{
    if (d4)
        ds_distinct64_finish(d4);
    for (size_t i = 0; d4 && i < d4->n; i++) {
        uint64_t k = d4->v[i];
        ds_series_cell *c = &cells[k >> 33];
        if ((k >> 32) & 1)
            c->destinations++;
        else
            c->sources++;
    }
    ds_distinct128_finish(d6);
    for (size_t i = 0; i < d6->n; i++) {
        uint32_t g = d6->v[i].group;
        if (g & 1)
            cells[g >> 1].destinations++;
        else
            cells[g >> 1].sources++;
    }
}

static void ds_series_count_distinct(ds_series *s, ds_series_cell *cells)
{
    size_t nc = ds_series_ncells(s);
    if (s->cur_approx) { /* IPv4 and IPv6 keys are all in the sketches' counts */
        ds_series_count_approx(s, cells);
        return;
    }
    for (size_t g = 0; g < nc; g++) {
        cells[g].sources += s->live[2 * g];
        cells[g].destinations += s->live[2 * g + 1];
    }
    ds_series_count_keys(NULL, &s->d6, cells);
}

/* Forgets the IPv4 keys of the open interval. */
static void ds_series_v4_clear(ds_series *s)
{
    ds_kset_clear(&s->k4);
    memset(s->live, 0, 2 * ds_series_ncells(s) * sizeof *s->live);
}

static inline void ds_series_v4_add(ds_series *s, uint64_t key)
{
    if (ds_kset_add(&s->k4, key))
        s->live[(key >> 33) * 2 + ((key >> 32) & 1)]++;
}

/* Copies the IPv4 keys of the open interval into d4 (for a save or a merge). */
static void ds_series_v4_out(ds_series *s)
{
    ds_distinct64_clear(&s->d4);
    ds_kset_to_distinct(&s->k4, &s->d4);
}

/* Makes the keys in d4 the IPv4 keys of the open interval (after a load or merge). */
static void ds_series_v4_in(ds_series *s)
{
    ds_series_v4_clear(s);
    for (size_t i = 0; i < s->d4.n; i++)
        ds_series_v4_add(s, s->d4.v[i]);
    ds_distinct64_clear(&s->d4);
}

/* Closes the current interval into a row (kept: rows are written at the end). */
static void ds_series_close(ds_series *s)
{
    if (!s->open)
        return;
    ds_series_count_distinct(s, s->cur);
    if (s->nrows == s->caprows) {
        s->caprows = s->caprows ? 2 * s->caprows : 64;
        s->rows = ds_xrealloc(s->rows, s->caprows * sizeof *s->rows);
    }
    s->rows[s->nrows].start = s->cur_start;
    s->rows[s->nrows].cells = s->cur;
    s->rows[s->nrows].approx = s->cur_approx;
    s->nrows++;
    s->cur = ds_xcalloc(ds_series_ncells(s), sizeof *s->cur);
    if (s->cur_approx) {
        s->approx_rows++;
        s->cur_approx = false;
        for (size_t i = 0; i < 2 * ds_series_ncells(s); i++)
            memset(s->hll[i].reg, 0, (size_t)1 << DS_SERIES_HLL_P);
    }
    if (s->keep_first && s->nrows == 1) {
        /* Keep the first interval's keys for a merge with an earlier part. */
        ds_distinct64_clear(&s->first4);
        ds_kset_to_distinct(&s->k4, &s->first4);
        ds_distinct64_finish(&s->first4);
        ds_distinct128 t6 = s->first6;
        s->first6 = s->d6;
        s->d6 = t6;
        s->have_first = true;
    }
    ds_series_v4_clear(s);
    ds_distinct128_clear(&s->d6);
    s->open = false;
}

static void ds_series_advance(void *st, int64_t now)
{
    ds_series *s = st;
    if (s->open && now >= s->cur_start + s->interval)
        ds_series_close(s);
}

/* The IPv6 key list is full (--max-memory only): finishing it may free room;
 * otherwise it would double, which the budget must allow, or it is spilled into
 * the sketches like the IPv4 set (ds_series_spill). */
static void ds_series_v6_full(ds_series *s)
{
    ds_distinct128_finish(&s->d6);
    if (s->d6.n < s->d6.cap / 2)
        return; /* the add will not grow it */
    size_t more = s->d6.cap * sizeof *s->d6.v;
    if (ds_mem_take(s->ctx->mem, more)) {
        s->d6_charged += more;
        return;
    }
    ds_series_spill(s, NULL);
}

static inline void ds_series_addr(ds_series *s, const ds_ip *a, uint64_t group, unsigned dir)
{
    if (ds_ip_is_v4(a)) {
        ds_series_v4_add(s, group << 33 | (uint64_t)dir << 32 | ds_ip_v4(a));
    } else {
        if (__builtin_expect(s->d6.n == s->d6.cap, 0) && s->ctx->mem)
            ds_series_v6_full(s);
        ds_distinct128_add(&s->d6, a, (uint32_t)(group << 1 | dir));
    }
}

/* Asks for the set slots packet p will touch (its class keys; signature keys are
 * rare enough to miss). */
static inline void ds_series_prefetch(const ds_series *s, const ds_pkt *p)
{
    uint64_t g = (uint64_t)p->monitor * (uint64_t)s->groups_per_mon + p->cls;
    if (ds_ip_is_v4(&p->src))
        ds_kset_prefetch(&s->k4, g << 33 | ds_ip_v4(&p->src));
    if (ds_ip_is_v4(&p->dst))
        ds_kset_prefetch(&s->k4, g << 33 | 1ull << 32 | ds_ip_v4(&p->dst));
}

static void ds_series_packets(void *st, const ds_pkt *pkts, size_t n)
{
    enum { AHEAD = 16 };
    ds_series *s = st;
    for (size_t i = 0; i < n && i < AHEAD; i++)
        ds_series_prefetch(s, &pkts[i]);
    for (size_t i = 0; i < n; i++) {
        const ds_pkt *p = &pkts[i];
        if (i + AHEAD < n)
            ds_series_prefetch(s, &pkts[i + AHEAD]);
        if (!s->open || p->ts_ns >= s->cur_start + s->interval) {
            ds_series_close(s);
            s->cur_start = ds_floor_div(p->ts_ns, s->interval) * s->interval;
            s->open = true;
        }
        s->last_ts = p->ts_ns;
        uint64_t base = (uint64_t)p->monitor * (uint64_t)s->groups_per_mon;
        ds_series_cell *c = &s->cur[base + p->cls];
        c->packets++;
        c->bytes += p->ip_len;
        ds_series_addr(s, &p->src, base + p->cls, 0);
        ds_series_addr(s, &p->dst, base + p->cls, 1);
        for (uint32_t m = p->sigs; m; m &= m - 1) {
            int sig = __builtin_ctz(m);
            uint64_t g = base + DS_CLS_COUNT + (uint64_t)sig;
            s->cur[g].packets++;
            s->cur[g].bytes += p->ip_len;
            ds_series_addr(s, &p->src, g, 0);
        }
    }
}

/* The `approximate` column ends every row once any row is approximate. */
static void ds_series_flag(FILE *f, bool column, bool approx)
{
    if (column)
        fputs(approx ? ",1" : ",0", f);
    fputc('\n', f);
}

static void ds_series_write_row(const ds_series *s, FILE *series, FILE *sigs, int64_t start,
                                const ds_series_cell *cells, bool column, bool approx)
{
    const ds_telescope *t = s->ctx->telescope;
    int64_t sec = ds_floor_div(start, DS_NS_PER_SEC);
    for (int m = 0; m < s->monitors; m++) {
        const ds_series_cell *mc = &cells[(size_t)m * (size_t)s->groups_per_mon];
        for (int c = 0; c < DS_CLS_COUNT; c++) {
            fprintf(series, "%lld,", (long long)sec);
            ds_csv_text(series, ds_telescope_name(t, m));
            fprintf(series, ",%s,%llu,%llu,%llu,%llu", ds_class_name(c),
                    (unsigned long long)mc[c].packets, (unsigned long long)mc[c].bytes,
                    (unsigned long long)mc[c].sources, (unsigned long long)mc[c].destinations);
            ds_series_flag(series, column, approx);
        }
        for (int g = 0; g < s->sigs; g++) {
            const ds_series_cell *sc = &mc[DS_CLS_COUNT + g];
            fprintf(sigs, "%lld,", (long long)sec);
            ds_csv_text(sigs, ds_telescope_name(t, m));
            fputc(',', sigs);
            ds_csv_text(sigs, ds_sigset_name(s->ctx->sigs, g));
            fprintf(sigs, ",%llu,%llu", (unsigned long long)sc->packets,
                    (unsigned long long)sc->sources);
            ds_series_flag(sigs, column, approx);
        }
    }
}

static int ds_series_write(void *st, const ds_ctx *ctx, json_t *summary, char *err, size_t errlen)
{
    ds_series *s = st;
    ds_ofile fs, fg;
    if (ds_ofile_open(ctx->out, "series.csv", &fs, err, errlen) != 0)
        return -1;
    if (ds_ofile_open(ctx->out, "signatures.csv", &fg, err, errlen) != 0) {
        ds_ofile_abort(&fs);
        return -1;
    }
    bool column = s->approx_rows || s->cur_approx;
    fputs("interval_start,monitor,class,packets,bytes,sources,destinations", fs.f);
    fputs(column ? ",approximate\n" : "\n", fs.f);
    fputs("interval_start,monitor,signature,packets,sources", fg.f);
    fputs(column ? ",approximate\n" : "\n", fg.f);
    for (size_t i = 0; i < s->nrows; i++)
        ds_series_write_row(s, fs.f, fg.f, s->rows[i].start, s->rows[i].cells, column,
                            s->rows[i].approx);
    size_t rows = s->nrows;
    if (s->open) {
        /* The interval still being counted, as if the input ended now: count a copy
         * so the state is left as it was. */
        ds_series_cell *tmp = ds_xmalloc(ds_series_ncells(s) * sizeof *tmp);
        memcpy(tmp, s->cur, ds_series_ncells(s) * sizeof *tmp);
        ds_series_count_distinct(s, tmp);
        ds_series_write_row(s, fs.f, fg.f, s->cur_start, tmp, column, s->cur_approx);
        free(tmp);
        rows++;
    }
    if (ds_ofile_commit(&fs, err, errlen) != 0) {
        ds_ofile_abort(&fg);
        return -1;
    }
    if (ds_ofile_commit(&fg, err, errlen) != 0)
        return -1;
    json_t *j = json_object();
    json_object_set_new(j, "interval_s", json_real((double)s->interval / 1e9));
    json_object_set_new(j, "intervals_with_packets", json_integer((json_int_t)rows));
    if (column) {
        /* docs/FORMATS.md, "approximate" */
        json_t *a = ds_approx_json(ctx,
                                   "sources and destinations per interval: "
                                   "HyperLogLog estimates in the rows with "
                                   "approximate = 1",
                                   s->approx_since);
        json_object_set_new(a, "intervals",
                            json_integer((json_int_t)(s->approx_rows + s->cur_approx)));
        json_object_set_new(a, "hll_bits", json_integer(DS_SERIES_HLL_P));
        json_object_set_new(a, "relative_standard_error",
                            json_real(1.04 / sqrt((double)(1u << DS_SERIES_HLL_P))));
        json_object_set_new(j, "approximate", a);
    }
    json_object_set_new(summary, "series", j);
    return 0;
}

static void ds_series_destroy(void *st)
{
    ds_series *s = st;
    for (size_t i = 0; i < s->nrows; i++)
        free(s->rows[i].cells);
    free(s->rows);
    free(s->cur);
    ds_kset_free(&s->k4);
    free(s->live);
    ds_distinct64_free(&s->d4);
    ds_distinct128_free(&s->d6);
    ds_distinct64_free(&s->first4);
    ds_distinct128_free(&s->first6);
    if (s->hll) {
        for (size_t i = 0; i < 2 * ds_series_ncells(s); i++)
            ds_hll_free(&s->hll[i]);
        free(s->hll);
        ds_mem_give(s->ctx->mem, 2 * ds_series_ncells(s) * ((size_t)1 << DS_SERIES_HLL_P));
    }
    if (s->d6_charged) /* only in a bounded run, whose ctx outlives its analyzers */
        ds_mem_give(s->ctx->mem, s->d6_charged);
    free(s);
}

/* ---- mergeable state -------------------------------------------------------- */

static void ds_series_save_cells(ds_wbuf *w, const ds_series_cell *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_wbuf_u64(w, c[i].packets);
        ds_wbuf_u64(w, c[i].bytes);
        ds_wbuf_u64(w, c[i].sources);
        ds_wbuf_u64(w, c[i].destinations);
    }
}

static void ds_series_load_cells(ds_rbuf *r, ds_series_cell *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        c[i].packets = ds_rbuf_u64(r);
        c[i].bytes = ds_rbuf_u64(r);
        c[i].sources = ds_rbuf_u64(r);
        c[i].destinations = ds_rbuf_u64(r);
    }
}

/* Keys are written deduplicated and sorted (finish() on a copy would cost the
 * same memory; finishing in place changes no count). */
static void ds_series_save_keys(ds_wbuf *w, ds_distinct64 *d4, ds_distinct128 *d6)
{
    ds_distinct64_finish(d4);
    ds_wbuf_u32(w, (uint32_t)d4->n);
    for (size_t i = 0; i < d4->n; i++)
        ds_wbuf_u64(w, d4->v[i]);
    ds_distinct128_finish(d6);
    ds_wbuf_u32(w, (uint32_t)d6->n);
    for (size_t i = 0; i < d6->n; i++) {
        ds_wbuf_ip(w, &d6->v[i].addr);
        ds_wbuf_u32(w, d6->v[i].group);
    }
}

/* A key's high bits index the nc cells: a key naming a cell beyond them is corrupt
 * (it would count outside the cell arrays; found by fuzz/fuzz_state.c). */
static void ds_series_load_keys(ds_rbuf *r, ds_distinct64 *d4, ds_distinct128 *d6, size_t nc)
{
    size_t n = ds_rbuf_count(r, 8);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = ds_rbuf_u64(r);
        if ((k >> 33) >= nc)
            ds_rbuf_fail(r, "series: an address key names a cell that does not exist");
        else
            ds_distinct64_add(d4, k);
    }
    n = ds_rbuf_count(r, 20);
    for (size_t i = 0; i < n; i++) {
        ds_ip a;
        ds_rbuf_ip(r, &a);
        uint32_t g = ds_rbuf_u32(r);
        if ((g >> 1) >= nc)
            ds_rbuf_fail(r, "series: an address key names a cell that does not exist");
        else
            ds_distinct128_add(d6, &a, g);
    }
}

static int ds_series_save(const void *st, ds_wbuf *w)
{
    ds_series *s = (ds_series *)st; /* finishing the key sets changes no count */
    size_t nc = ds_series_ncells(s);
    if (s->approx_rows || s->cur_approx) {
        fprintf(stderr, "darkscope: series: the distinct counts became estimates under "
                        "--max-memory; an approximate state cannot be saved (not done)\n");
        return -1;
    }
    ds_wbuf_u32(w, (uint32_t)s->monitors);
    ds_wbuf_u32(w, (uint32_t)s->groups_per_mon);
    ds_wbuf_i64(w, s->interval);
    ds_wbuf_u32(w, (uint32_t)s->nrows);
    for (size_t i = 0; i < s->nrows; i++) {
        ds_wbuf_i64(w, s->rows[i].start);
        ds_series_save_cells(w, s->rows[i].cells, nc);
    }
    ds_wbuf_u8(w, s->open);
    if (s->open) {
        ds_wbuf_i64(w, s->cur_start);
        ds_series_save_cells(w, s->cur, nc);
        ds_series_v4_out(s);
        ds_series_save_keys(w, &s->d4, &s->d6);
        ds_distinct64_clear(&s->d4);
    }
    ds_wbuf_u8(w, s->have_first);
    if (s->have_first)
        ds_series_save_keys(w, &s->first4, &s->first6);
    return 0;
}

static void *ds_series_load(const ds_ctx *ctx, const void *cfg, ds_rbuf *r, char *err,
                            size_t errlen)
{
    ds_series *s = ds_series_create(ctx, cfg);
    s->keep_first = false;
    size_t nc = ds_series_ncells(s);
    uint32_t mon = ds_rbuf_u32(r), gpm = ds_rbuf_u32(r);
    int64_t iv = ds_rbuf_i64(r);
    if (!r->bad &&
        (mon != (uint32_t)s->monitors || gpm != (uint32_t)s->groups_per_mon || iv != s->interval)) {
        snprintf(err, errlen,
                 "series: the state was made with other monitors, signatures or "
                 "--interval");
        ds_series_destroy(s);
        return NULL;
    }
    size_t n = ds_rbuf_count(r, 8 + nc * 32);
    s->rows = ds_xcalloc(n ? n : 1, sizeof *s->rows);
    s->caprows = n ? n : 1;
    for (size_t i = 0; i < n && !r->bad; i++) {
        s->rows[i].start = ds_rbuf_i64(r);
        /* As a run makes them: on the interval grid, increasing, room for one more
         * (merges walk the rows in order; the run adds the interval to a start). */
        int64_t t = s->rows[i].start;
        if (t < 0 || t % s->interval || t > INT64_MAX - s->interval ||
            (i && t <= s->rows[i - 1].start))
            ds_rbuf_fail(r, "series: interval starts out of order or off the --interval grid");
        s->rows[i].cells = ds_xcalloc(nc, sizeof *s->rows[i].cells);
        s->nrows++;
        ds_series_load_cells(r, s->rows[i].cells, nc);
    }
    s->open = ds_rbuf_bool(r);
    if (s->open) {
        s->cur_start = ds_rbuf_i64(r);
        int64_t t = s->cur_start;
        if (t < 0 || t % s->interval || t > INT64_MAX - s->interval ||
            (s->nrows && t <= s->rows[s->nrows - 1].start))
            ds_rbuf_fail(r, "series: the open interval is out of order or off the --interval grid");
        ds_series_load_cells(r, s->cur, nc);
        ds_series_load_keys(r, &s->d4, &s->d6, nc);
        ds_distinct64_finish(&s->d4);
        ds_series_v4_in(s);
    }
    s->have_first = ds_rbuf_bool(r);
    if (s->have_first)
        ds_series_load_keys(r, &s->first4, &s->first6, nc);
    if (r->bad) {
        ds_series_destroy(s);
        return NULL;
    }
    return s;
}

/* One interval of a state during a merge: its cells and, when known, its keys. */
typedef struct ds_series_ent {
    int64_t start;
    ds_series_cell *cells;
    ds_distinct64 *k4;
    ds_distinct128 *k6;
    bool open;   /* cells lack the distinct counts (they are in the keys) */
    bool approx; /* the row's distinct counts are estimates (--max-memory) */
} ds_series_ent;

static size_t ds_series_entries(ds_series *s, ds_series_ent *e)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        bool k = i == 0 && s->have_first;
        e[n++] = (ds_series_ent){
            s->rows[i].start, s->rows[i].cells, k ? &s->first4 : NULL, k ? &s->first6 : NULL, false,
            s->rows[i].approx};
    }
    if (s->open)
        e[n++] = (ds_series_ent){s->cur_start, s->cur, &s->d4, &s->d6, true, false};
    return n;
}

static void ds_series_push_row(ds_series *s, int64_t start, ds_series_cell *cells, bool approx)
{
    if (s->nrows == s->caprows) {
        s->caprows = s->caprows ? 2 * s->caprows : 64;
        s->rows = ds_xrealloc(s->rows, s->caprows * sizeof *s->rows);
    }
    s->rows[s->nrows].start = start;
    s->rows[s->nrows].cells = cells;
    s->rows[s->nrows].approx = approx;
    s->nrows++;
}

static int ds_series_merge(void *dstp, void *srcp, char *err, size_t errlen)
{
    ds_series *d = dstp, *s = srcp;
    size_t nc = ds_series_ncells(d);
    /* --max-memory: an open interval with estimated counts (its keys spilled into
     * sketches) is closed first, so it merges as a row: its counts add to the other
     * part's (exact for disjoint intervals, as the threads' shards are). */
    if (d->cur_approx)
        ds_series_close(d);
    if (s->cur_approx)
        ds_series_close(s);
    if (s->approx_rows && (!d->approx_rows || s->approx_since < d->approx_since))
        d->approx_since = s->approx_since;
    ds_series_v4_out(d); /* the merge below works on sorted key lists */
    ds_series_v4_out(s);
    ds_series_ent *a = ds_xmalloc((d->nrows + 1) * sizeof *a);
    ds_series_ent *b = ds_xmalloc((s->nrows + 1) * sizeof *b);
    size_t na = ds_series_entries(d, a), nb = ds_series_entries(s, b);
    int64_t last = INT64_MIN;
    bool last_open = false;
    if (na) {
        last = a[na - 1].start;
        last_open = a[na - 1].open;
    }
    if (nb && b[nb - 1].start >= last) {
        last_open = b[nb - 1].start > last ? b[nb - 1].open : (last_open || b[nb - 1].open);
        last = b[nb - 1].start;
    }
    ds_series_row *rows = NULL;
    size_t nrows = 0, caprows = 0;
    ds_series_cell *open_cells = NULL;
    int64_t open_start = 0;
    ds_distinct64 o4;
    ds_distinct128 o6;
    ds_distinct64_init(&o4, d->d4.key_bits);
    ds_distinct128_init(&o6);
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        ds_series_ent *x = NULL, *y = NULL;
        if (j >= nb || (i < na && a[i].start < b[j].start))
            x = &a[i++];
        else if (i >= na || b[j].start < a[i].start)
            x = &b[j++];
        else {
            x = &a[i++];
            y = &b[j++];
        }
        ds_series_cell *cells = ds_xcalloc(nc, sizeof *cells);
        for (size_t c = 0; c < nc; c++) {
            cells[c].packets = x->cells[c].packets + (y ? y->cells[c].packets : 0);
            cells[c].bytes = x->cells[c].bytes + (y ? y->cells[c].bytes : 0);
        }
        bool keyed = x->k4 && (!y || y->k4);
        bool stays_open = x->start == last && last_open && keyed;
        if (keyed) {
            /* The union of the keys: exact, whatever the parts. */
            ds_distinct64 u4;
            ds_distinct128 u6;
            ds_distinct64_init(&u4, d->d4.key_bits);
            ds_distinct128_init(&u6);
            ds_distinct64_merge(&u4, x->k4);
            for (size_t k = 0; k < x->k6->n; k++)
                ds_distinct128_add(&u6, &x->k6->v[k].addr, x->k6->v[k].group);
            if (y) {
                ds_distinct64_merge(&u4, y->k4);
                for (size_t k = 0; k < y->k6->n; k++)
                    ds_distinct128_add(&u6, &y->k6->v[k].addr, y->k6->v[k].group);
            }
            if (stays_open) {
                ds_distinct64_free(&o4);
                ds_distinct128_free(&o6);
                o4 = u4;
                o6 = u6;
            } else {
                ds_series_count_keys(&u4, &u6, cells);
                ds_distinct64_free(&u4);
                ds_distinct128_free(&u6);
            }
        } else {
            /* No keys on one side: the counts add up (exact for disjoint monitors). */
            ds_series_ent *sides[2] = {x, y};
            for (int k = 0; k < 2; k++) {
                ds_series_ent *e = sides[k];
                if (!e)
                    continue;
                ds_series_cell *t = ds_xcalloc(nc, sizeof *t);
                if (e->open)
                    ds_series_count_keys(e->k4, e->k6, t);
                else
                    memcpy(t, e->cells, nc * sizeof *t);
                for (size_t c = 0; c < nc; c++) {
                    cells[c].sources += t[c].sources;
                    cells[c].destinations += t[c].destinations;
                }
                free(t);
            }
        }
        if (stays_open) {
            open_cells = cells;
            open_start = x->start;
        } else {
            if (nrows == caprows) {
                caprows = caprows ? 2 * caprows : 64;
                rows = ds_xrealloc(rows, caprows * sizeof *rows);
            }
            rows[nrows++] = (ds_series_row){x->start, cells, x->approx || (y && y->approx)};
        }
    }
    free(a);
    free(b);
    /* Replace dst's intervals with the merged ones. */
    for (size_t k = 0; k < d->nrows; k++)
        free(d->rows[k].cells);
    free(d->rows);
    d->rows = NULL;
    d->nrows = d->caprows = 0;
    d->approx_rows = 0;
    for (size_t k = 0; k < nrows; k++) {
        ds_series_push_row(d, rows[k].start, rows[k].cells, rows[k].approx);
        d->approx_rows += rows[k].approx;
    }
    free(rows);
    ds_distinct64_free(&d->d4);
    ds_distinct128_free(&d->d6);
    d->d4 = o4;
    d->d6 = o6;
    ds_distinct64_finish(&d->d4);
    ds_series_v4_in(d);
    ds_distinct64_clear(&s->d4);
    d->open = open_cells != NULL;
    if (open_cells) {
        free(d->cur);
        d->cur = open_cells;
        d->cur_start = open_start;
    } else {
        memset(d->cur, 0, nc * sizeof *d->cur);
    }
    /* A merged state is no longer a part's head: its first keys are dropped. */
    d->have_first = false;
    ds_distinct64_clear(&d->first4);
    ds_distinct128_clear(&d->first6);
    (void)err;
    (void)errlen;
    return 0;
}

const ds_analyzer_ops ds_series_ops = {
    .name = "series",
    .description = "traffic per interval, monitor and class (series.csv, signatures.csv)",
    .options = NULL,
    .config_new = NULL,
    .config_free = NULL,
    .create = ds_series_create,
    .packets = ds_series_packets,
    .advance = ds_series_advance,
    .write = ds_series_write,
    .destroy = ds_series_destroy,
    .save = ds_series_save,
    .load = ds_series_load,
    .merge = ds_series_merge,
};

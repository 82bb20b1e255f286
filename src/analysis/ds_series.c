/*
 * ds_series.c — the traffic time series: series.csv and signatures.csv.
 *
 * Per interval (aligned to multiples of --interval in UTC) and monitor, packets,
 * bytes (IP total length) and exact distinct sources and destinations for every
 * class, and packets and distinct sources for every worm signature. Counters are
 * plain arrays indexed by monitor and class; distinct addresses go through
 * ds_distinct (append now, sort at the interval's end) with the group in the key:
 *
 *     IPv4 key = group << 33 | direction << 32 | address
 *
 * where group = monitor * (classes + signatures) + class-or-signature. IPv6
 * addresses use the 128-bit variant with the same group numbering.
 *
 * Only intervals that saw packets get rows (a gap of days does not become millions
 * of zero rows); an interval that has rows has one for every monitor and class.
 */
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ds_analyzer.h"
#include "core/ds_distinct.h"
#include "output/ds_csv.h"
#include "telescope/ds_classify.h"

typedef struct ds_series_cell {
    uint64_t packets, bytes, sources, destinations;
} ds_series_cell;

typedef struct ds_series_row {
    int64_t start;
    ds_series_cell *cells; /* [monitor][class or signature] */
} ds_series_row;

typedef struct ds_series {
    const ds_ctx *ctx;
    int monitors, sigs, groups_per_mon;
    int64_t interval;
    bool open;         /* an interval is being counted */
    int64_t cur_start; /* its start */
    ds_series_cell *cur;
    ds_distinct64 d4;
    ds_distinct128 d6;
    ds_series_row *rows;
    size_t nrows, caprows;
} ds_series;

static size_t ds_series_ncells(const ds_series *s)
{
    return (size_t)s->monitors * (size_t)s->groups_per_mon;
}

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
    ds_distinct128_init(&s->d6);
    return s;
}

/* Turns the sorted distinct keys into per-cell source/destination counts. */
static void ds_series_count_distinct(ds_series *s, ds_series_cell *cells)
{
    ds_distinct64_finish(&s->d4);
    for (size_t i = 0; i < s->d4.n; i++) {
        uint64_t k = s->d4.v[i];
        ds_series_cell *c = &cells[k >> 33];
        if ((k >> 32) & 1)
            c->destinations++;
        else
            c->sources++;
    }
    ds_distinct128_finish(&s->d6);
    for (size_t i = 0; i < s->d6.n; i++) {
        uint32_t g = s->d6.v[i].group;
        if (g & 1)
            cells[g >> 1].destinations++;
        else
            cells[g >> 1].sources++;
    }
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
    s->nrows++;
    s->cur = ds_xcalloc(ds_series_ncells(s), sizeof *s->cur);
    ds_distinct64_clear(&s->d4);
    ds_distinct128_clear(&s->d6);
    s->open = false;
}

static void ds_series_advance(void *st, int64_t now)
{
    ds_series *s = st;
    if (s->open && now >= s->cur_start + s->interval)
        ds_series_close(s);
}

static inline void ds_series_addr(ds_series *s, const ds_ip *a, uint64_t group, unsigned dir)
{
    if (ds_ip_is_v4(a))
        ds_distinct64_add(&s->d4, group << 33 | (uint64_t)dir << 32 | ds_ip_v4(a));
    else
        ds_distinct128_add(&s->d6, a, (uint32_t)(group << 1 | dir));
}

static void ds_series_packets(void *st, const ds_pkt *pkts, size_t n)
{
    ds_series *s = st;
    for (size_t i = 0; i < n; i++) {
        const ds_pkt *p = &pkts[i];
        if (!s->open || p->ts_ns >= s->cur_start + s->interval) {
            ds_series_close(s);
            s->cur_start = ds_floor_div(p->ts_ns, s->interval) * s->interval;
            s->open = true;
        }
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

static void ds_series_write_row(const ds_series *s, FILE *series, FILE *sigs, int64_t start,
                                const ds_series_cell *cells)
{
    const ds_telescope *t = s->ctx->telescope;
    int64_t sec = ds_floor_div(start, DS_NS_PER_SEC);
    for (int m = 0; m < s->monitors; m++) {
        const ds_series_cell *mc = &cells[(size_t)m * (size_t)s->groups_per_mon];
        for (int c = 0; c < DS_CLS_COUNT; c++) {
            fprintf(series, "%lld,", (long long)sec);
            ds_csv_text(series, ds_telescope_name(t, m));
            fprintf(series, ",%s,%llu,%llu,%llu,%llu\n", ds_class_name(c),
                    (unsigned long long)mc[c].packets, (unsigned long long)mc[c].bytes,
                    (unsigned long long)mc[c].sources, (unsigned long long)mc[c].destinations);
        }
        for (int g = 0; g < s->sigs; g++) {
            const ds_series_cell *sc = &mc[DS_CLS_COUNT + g];
            fprintf(sigs, "%lld,", (long long)sec);
            ds_csv_text(sigs, ds_telescope_name(t, m));
            fputc(',', sigs);
            ds_csv_text(sigs, ds_sigset_name(s->ctx->sigs, g));
            fprintf(sigs, ",%llu,%llu\n", (unsigned long long)sc->packets,
                    (unsigned long long)sc->sources);
        }
    }
}

static int ds_series_write(void *st, const ds_ctx *ctx, json_t *summary, char *err,
                           size_t errlen)
{
    ds_series *s = st;
    ds_ofile fs, fg;
    if (ds_ofile_open(ctx->out, "series.csv", &fs, err, errlen) != 0)
        return -1;
    if (ds_ofile_open(ctx->out, "signatures.csv", &fg, err, errlen) != 0) {
        ds_ofile_abort(&fs);
        return -1;
    }
    fputs("interval_start,monitor,class,packets,bytes,sources,destinations\n", fs.f);
    fputs("interval_start,monitor,signature,packets,sources\n", fg.f);
    for (size_t i = 0; i < s->nrows; i++)
        ds_series_write_row(s, fs.f, fg.f, s->rows[i].start, s->rows[i].cells);
    size_t rows = s->nrows;
    if (s->open) {
        /* The interval still being counted, as if the input ended now: count a copy
         * so the state is left as it was. */
        ds_series_cell *tmp = ds_xmalloc(ds_series_ncells(s) * sizeof *tmp);
        memcpy(tmp, s->cur, ds_series_ncells(s) * sizeof *tmp);
        ds_series_count_distinct(s, tmp);
        ds_series_write_row(s, fs.f, fg.f, s->cur_start, tmp);
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
    ds_distinct64_free(&s->d4);
    ds_distinct128_free(&s->d6);
    free(s);
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
};

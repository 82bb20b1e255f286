/*
 * ds_worm_state.c — the worm analyzer's mergeable state: save, load, merge.
 *
 * What a part knows and what a merge recomputes:
 *
 *   hosts      records (first/last sighting, packets, monitors, first monitor) merge
 *              per (address, signature): earliest first sighting and its monitor,
 *              latest last, packets added, monitors or-ed. The merged table is
 *              rebuilt in first-sighting order (the order hosts.csv and the report
 *              rely on), the earlier part first on ties.
 *   sightings  a host's first sighting in each other monitor: the earliest over the
 *              parts (a part's own first monitor counts as a sighting in the merge).
 *   new_hosts  recomputed from the merged records and sightings, so a host seen in
 *              both parts is new only once.
 *   active     distinct hosts per interval: an interval both parts have (the
 *              boundary of a split by time) counts a host active in both once. For
 *              `all` the records tell who was active (the earlier part: last
 *              sighting in the interval; the later part: first sighting in it); per
 *              monitor the (monitor, record) keys of the earlier part's open
 *              interval and of the later part's first interval are intersected.
 *              Other shared intervals (parts over other monitors at the same time)
 *              add up: exact when no host probes monitors of both parts in one
 *              interval (docs/SCALE.md).
 *   probes     added.
 */
#include <stdlib.h>

#include "analysis/ds_worm_int.h"

/* ---- save / load ---------------------------------------------------------------- */

static void ds_ws_cells(ds_wbuf *wb, const ds_worm_cell *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_wbuf_u64(wb, c[i].new_hosts);
        ds_wbuf_u64(wb, c[i].active);
        ds_wbuf_u64(wb, c[i].probes);
    }
}

static void ds_wl_cells(ds_rbuf *r, ds_worm_cell *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        c[i].new_hosts = ds_rbuf_u64(r);
        c[i].active = ds_rbuf_u64(r);
        c[i].probes = ds_rbuf_u64(r);
    }
}

static void ds_ws_keys(ds_wbuf *wb, ds_distinct64 *d)
{
    ds_distinct64_finish(d);
    ds_wbuf_u32(wb, (uint32_t)d->n);
    for (size_t i = 0; i < d->n; i++)
        ds_wbuf_u64(wb, d->v[i]);
}

static void ds_wl_keys(ds_rbuf *r, ds_distinct64 *d)
{
    size_t n = ds_rbuf_count(r, 8);
    for (size_t i = 0; i < n; i++)
        ds_distinct64_add(d, ds_rbuf_u64(r));
}

int ds_worm_save(const void *st, ds_wbuf *wb)
{
    ds_worm *w = (ds_worm *)st; /* finishing the key sets changes no count */
    size_t nc = ds_worm_ncells(w);
    if (w->approx) {
        fprintf(stderr, "darkscope: worm: the host table evicted hosts under --max-memory; an "
                        "approximate state cannot be saved (not done)\n");
        return -1;
    }
    ds_wbuf_u32(wb, (uint32_t)w->nmon);
    ds_wbuf_u32(wb, (uint32_t)w->nsig);
    ds_wbuf_i64(wb, w->interval);
    ds_wbuf_u32(wb, w->hosts.n);
    for (uint32_t i = 0; i < w->hosts.n; i++) {
        const ds_host *h = ds_hosttab_at(&w->hosts, i);
        ds_ip a;
        ds_hosttab_addr(&w->hosts, h, &a);
        ds_wbuf_ip(wb, &a);
        ds_wbuf_u8(wb, (uint8_t)ds_host_sig(h));
        ds_wbuf_u8(wb, (uint8_t)ds_host_first_monitor(h));
        ds_wbuf_i64(wb, ds_host_first_ns(&w->hosts, h));
        ds_wbuf_i64(wb, ds_host_last_ns(&w->hosts, h));
        ds_wbuf_u32(wb, h->packets);
        ds_wbuf_u64(wb, h->monitors);
    }
    ds_wbuf_u32(wb, (uint32_t)w->nsight);
    for (size_t i = 0; i < w->nsight; i++) {
        ds_wbuf_i64(wb, w->sight[i].ts_ns);
        ds_wbuf_u32(wb, w->sight[i].rec);
        ds_wbuf_u16(wb, w->sight[i].monitor);
    }
    ds_wbuf_u32(wb, (uint32_t)w->nrows);
    for (size_t i = 0; i < w->nrows; i++) {
        ds_wbuf_i64(wb, w->rows[i].start);
        ds_ws_cells(wb, w->rows[i].cells, nc);
    }
    ds_wbuf_u8(wb, w->open);
    if (w->open) {
        ds_wbuf_i64(wb, w->cur_start);
        ds_ws_cells(wb, w->cur, nc);
        ds_ws_keys(wb, &w->active);
    }
    ds_wbuf_u8(wb, w->have_first);
    if (w->have_first)
        ds_ws_keys(wb, &w->first_active);
    ds_wbuf_u8(wb, w->any);
    ds_wbuf_i64(wb, w->first_ts);
    ds_wbuf_i64(wb, w->last_ts);
    return 0;
}

/* The open interval's start in the host table's microseconds (see ds_worm_packets). */
static void ds_worm_set_rel(ds_worm *w)
{
    int64_t rel = ds_floor_div(w->cur_start, 1000) - w->hosts.base_us;
    w->cur_start_rel = w->hosts.has_base && rel > 0 ? (uint64_t)rel : 0;
}

/* Appends a record with every field given; returns its number, or UINT32_MAX when
 * (address, signature) is already in the table. */
static uint32_t ds_worm_put(ds_hosttab *t, const ds_ip *a, unsigned sig, unsigned fmon,
                            int64_t first, int64_t last, uint32_t packets, uint64_t monitors)
{
    bool created;
    uint32_t rec = ds_hosttab_upsert(t, a, sig, first, fmon, &created);
    if (!created)
        return UINT32_MAX;
    ds_host *h = ds_hosttab_at(t, rec);
    h->last = (h->last & ~DS_HOST_TIME_MASK) | ds_hosttab_rel(t, last);
    h->packets = packets;
    h->monitors = monitors | 1ull << fmon;
    return rec;
}

static void ds_worm_push_sight(ds_worm *w, int64_t ts, uint32_t rec, uint16_t mon)
{
    if (w->nsight == w->capsight) {
        w->capsight = w->capsight ? 2 * w->capsight : 256;
        w->sight = ds_xrealloc(w->sight, w->capsight * sizeof *w->sight);
    }
    w->sight[w->nsight++] = (ds_worm_sighting){ts, rec, mon};
}

void *ds_worm_load(const ds_ctx *ctx, const void *cfg, ds_rbuf *r, char *err, size_t errlen)
{
    ds_worm *w = ds_worm_create(ctx, cfg);
    w->keep_first = false;
    size_t nc = ds_worm_ncells(w);
    uint32_t nmon = ds_rbuf_u32(r), nsig = ds_rbuf_u32(r);
    int64_t iv = ds_rbuf_i64(r);
    if (!r->bad && (nmon != (uint32_t)w->nmon || nsig != (uint32_t)w->nsig || iv != w->interval)) {
        snprintf(err, errlen,
                 "worm: the state was made with other monitors, signatures or "
                 "--interval");
        ds_worm_destroy(w);
        return NULL;
    }
    size_t n = ds_rbuf_count(r, 46);
    for (size_t i = 0; i < n && !r->bad; i++) {
        ds_ip a;
        ds_rbuf_ip(r, &a);
        unsigned sig = ds_rbuf_u8(r), fmon = ds_rbuf_u8(r);
        int64_t first = ds_rbuf_i64(r), last = ds_rbuf_i64(r);
        uint32_t packets = ds_rbuf_u32(r);
        uint64_t mons = ds_rbuf_u64(r);
        if (r->bad)
            break;
        /* fmon indexes the cells; host times are kept in microseconds from a base and
         * read back times 1000, which must not overflow */
        if (sig >= nsig || fmon >= nmon || first < 0 || last < first ||
            last > INT64_MAX - (int64_t)DS_HOST_TIME_MASK * 1000 ||
            ds_worm_put(&w->hosts, &a, sig, fmon, first, last, packets, mons) == UINT32_MAX)
            ds_rbuf_fail(r, "worm: a host record is invalid or repeated");
    }
    n = ds_rbuf_count(r, 14);
    for (size_t i = 0; i < n && !r->bad; i++) {
        int64_t ts = ds_rbuf_i64(r);
        uint32_t rec = ds_rbuf_u32(r);
        uint16_t mon = ds_rbuf_u16(r);
        if (rec >= w->hosts.n || mon >= nmon || ts < 0)
            ds_rbuf_fail(r, "worm: a sighting names no host, or a time before 1970");
        else
            ds_worm_push_sight(w, ts, rec, mon);
    }
    n = ds_rbuf_count(r, 8 + nc * 24);
    for (size_t i = 0; i < n && !r->bad; i++) {
        if (w->nrows == w->caprows) {
            w->caprows = w->caprows ? 2 * w->caprows : 64;
            w->rows = ds_xrealloc(w->rows, w->caprows * sizeof *w->rows);
        }
        ds_worm_row *row = &w->rows[w->nrows++];
        row->start = ds_rbuf_i64(r);
        /* Interval starts as a run makes them: on the interval grid, increasing, and
         * room for one more interval (the report divides their differences into an
         * array's length; merges walk them in order). */
        if (row->start < 0 || row->start % w->interval || row->start > INT64_MAX - w->interval ||
            (w->nrows > 1 && row->start <= row[-1].start))
            ds_rbuf_fail(r, "worm: interval starts out of order or off the --interval grid");
        row->approx = false;
        row->cells = ds_xcalloc(nc ? nc : 1, sizeof *row->cells);
        ds_wl_cells(r, row->cells, nc);
    }
    w->open = ds_rbuf_bool(r);
    if (w->open) {
        w->cur_start = ds_rbuf_i64(r);
        if (w->cur_start < 0 || w->cur_start % w->interval ||
            w->cur_start > INT64_MAX - w->interval ||
            (w->nrows && w->cur_start <= w->rows[w->nrows - 1].start))
            ds_rbuf_fail(r, "worm: the open interval is out of order or off the --interval grid");
        ds_wl_cells(r, w->cur, nc);
        ds_wl_keys(r, &w->active);
        ds_worm_set_rel(w);
    }
    w->have_first = ds_rbuf_bool(r);
    if (w->have_first)
        ds_wl_keys(r, &w->first_active);
    w->any = ds_rbuf_bool(r);
    w->first_ts = ds_rbuf_i64(r);
    w->last_ts = ds_rbuf_i64(r);
    if (w->first_ts < 0 || w->last_ts < w->first_ts) /* the report subtracts them */
        ds_rbuf_fail(r, "worm: the last packet is before the first, or before 1970");
    if (r->bad) {
        ds_worm_destroy(w);
        return NULL;
    }
    return w;
}

/* ---- merge ---------------------------------------------------------------------- */

/* A record of either part, for the first-sighting order of the merged table. */
typedef struct ds_wm_ref {
    int64_t first;
    uint32_t rec;
    uint8_t side; /* 0 = dst, 1 = src */
} ds_wm_ref;

static int ds_wm_ref_cmp(const void *a, const void *b)
{
    const ds_wm_ref *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->side != y->side)
        return x->side < y->side ? -1 : 1;
    return (x->rec > y->rec) - (x->rec < y->rec);
}

static int ds_wm_sight_cmp(const void *a, const void *b)
{
    const ds_worm_sighting *x = a, *y = b;
    if (x->rec != y->rec)
        return x->rec < y->rec ? -1 : 1;
    if (x->monitor != y->monitor)
        return x->monitor < y->monitor ? -1 : 1;
    return (x->ts_ns > y->ts_ns) - (x->ts_ns < y->ts_ns);
}

static int ds_wm_sight_time_cmp(const void *a, const void *b)
{
    const ds_worm_sighting *x = a, *y = b;
    if (x->ts_ns != y->ts_ns)
        return x->ts_ns < y->ts_ns ? -1 : 1;
    if (x->rec != y->rec)
        return x->rec < y->rec ? -1 : 1;
    return (x->monitor > y->monitor) - (x->monitor < y->monitor);
}

/* The cells of one part's interval with per-monitor active counted (an open
 * interval keeps them in its keys); a new array. */
static ds_worm_cell *ds_wm_closed_cells(const ds_worm *w, const ds_worm_cell *cells, bool open,
                                        ds_distinct64 *keys)
{
    size_t nc = ds_worm_ncells(w);
    ds_worm_cell *c = ds_xmalloc((nc ? nc : 1) * sizeof *c);
    memcpy(c, cells, nc * sizeof *c);
    if (open) {
        ds_distinct64 tmp;
        ds_distinct64_init(&tmp, keys->key_bits);
        ds_distinct64_merge(&tmp, keys);
        ds_worm_count_active(w, &tmp, c);
        ds_distinct64_free(&tmp);
    }
    return c;
}

static bool ds_wm_has_key(const ds_distinct64 *sorted, uint64_t k)
{
    size_t lo = 0, hi = sorted->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted->v[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sorted->n && sorted->v[lo] == k;
}

/* Remaps (group, record) keys to the merged record numbers. */
static void ds_wm_remap_keys(ds_distinct64 *out, const ds_distinct64 *in, const uint32_t *map)
{
    for (size_t i = 0; i < in->n; i++)
        ds_distinct64_add(out, (in->v[i] >> 32) << 32 | map[(uint32_t)in->v[i]]);
}

typedef struct ds_wm_row {
    int64_t start;
    ds_worm_cell *cells;
} ds_wm_row;

static ds_worm_cell *ds_wm_row_at(ds_wm_row *rows, size_t n, int64_t start)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rows[mid].start < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && rows[lo].start == start ? rows[lo].cells : NULL;
}

int ds_worm_merge(void *dstp, void *srcp, char *err, size_t errlen)
{
    ds_worm *d = dstp, *s = srcp;
    ds_worm *p[2] = {d, s};
    size_t nc = ds_worm_ncells(d);
    int nm = d->nmon;

    /* 1. Hosts, in first-sighting order, into a new table. */
    size_t nref = (size_t)d->hosts.n + s->hosts.n;
    ds_wm_ref *refs = ds_xmalloc((nref ? nref : 1) * sizeof *refs);
    size_t k = 0;
    for (int side = 0; side < 2; side++)
        for (uint32_t r = 0; r < p[side]->hosts.n; r++)
            refs[k++] =
                (ds_wm_ref){ds_host_first_ns(&p[side]->hosts, ds_hosttab_at(&p[side]->hosts, r)), r,
                            (uint8_t)side};
    qsort(refs, nref, sizeof *refs, ds_wm_ref_cmp);
    uint32_t *map[2] = {ds_xmalloc((d->hosts.n + 1) * sizeof(uint32_t)),
                        ds_xmalloc((s->hosts.n + 1) * sizeof(uint32_t))};
    /* The record each merged record came from on the other side (UINT32_MAX when
     * the host is in one part only), for the boundary corrections below. */
    ds_hosttab t;
    ds_hosttab_init(&t);
    size_t ns_cap = d->nsight + s->nsight + s->hosts.n + d->hosts.n + 1;
    ds_worm_sighting *sg = ds_xmalloc(ns_cap * sizeof *sg);
    size_t nsg = 0;
    for (size_t i = 0; i < nref; i++) {
        const ds_worm *w = p[refs[i].side];
        const ds_host *h = ds_hosttab_at(&w->hosts, refs[i].rec);
        ds_ip a;
        ds_hosttab_addr(&w->hosts, h, &a);
        bool created;
        uint32_t rec = ds_hosttab_upsert(&t, &a, ds_host_sig(h), ds_host_first_ns(&w->hosts, h),
                                         ds_host_first_monitor(h), &created);
        map[refs[i].side][refs[i].rec] = rec;
        ds_host *m = ds_hosttab_at(&t, rec);
        int64_t last = ds_host_last_ns(&w->hosts, h);
        if (created) {
            m->last = (m->last & ~DS_HOST_TIME_MASK) | ds_hosttab_rel(&t, last);
            m->packets = h->packets;
            m->monitors = h->monitors;
        } else {
            /* The same host in the other part, seen first there. */
            if (last > ds_host_last_ns(&t, m))
                m->last = (m->last & ~DS_HOST_TIME_MASK) | ds_hosttab_rel(&t, last);
            uint64_t sum = (uint64_t)m->packets + h->packets;
            m->packets = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
            m->monitors |= h->monitors;
            /* Its own first monitor is a sighting in the merge. */
            sg[nsg++] = (ds_worm_sighting){ds_host_first_ns(&w->hosts, h), rec,
                                           (uint16_t)ds_host_first_monitor(h)};
        }
    }
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < p[side]->nsight; i++) {
            ds_worm_sighting x = p[side]->sight[i];
            x.rec = map[side][x.rec];
            sg[nsg++] = x;
        }
    /* Per (host, monitor) the earliest sighting, none in the host's first monitor. */
    qsort(sg, nsg, sizeof *sg, ds_wm_sight_cmp);
    size_t wsg = 0;
    for (size_t i = 0; i < nsg; i++) {
        if (wsg && sg[wsg - 1].rec == sg[i].rec && sg[wsg - 1].monitor == sg[i].monitor)
            continue;
        if (sg[i].monitor == ds_host_first_monitor(ds_hosttab_at(&t, sg[i].rec)))
            continue;
        sg[wsg++] = sg[i];
    }
    nsg = wsg;
    qsort(sg, nsg, sizeof *sg, ds_wm_sight_time_cmp);

    /* 2. Intervals: union by start; counts of shared intervals added. */
    size_t cap = d->nrows + s->nrows + 2;
    ds_wm_row *rows = ds_xmalloc(cap * sizeof *rows);
    size_t nrows = 0;
    size_t ia = 0, ib = 0;
    size_t na = d->nrows + (d->open ? 1 : 0), nb = s->nrows + (s->open ? 1 : 0);
    int64_t last_start = INT64_MIN;
    bool last_open = false;
    while (ia < na || ib < nb) {
        int64_t sa = ia < na ? (ia < d->nrows ? d->rows[ia].start : d->cur_start) : INT64_MAX;
        int64_t sb = ib < nb ? (ib < s->nrows ? s->rows[ib].start : s->cur_start) : INT64_MAX;
        int64_t st = sa < sb ? sa : sb;
        ds_worm_cell *cells = ds_xcalloc(nc ? nc : 1, sizeof *cells);
        bool open_here = false;
        for (int side = 0; side < 2; side++) {
            size_t *ix = side ? &ib : &ia;
            int64_t sx = side ? sb : sa;
            if (sx != st)
                continue;
            ds_worm *w = p[side];
            bool open = *ix == w->nrows;
            ds_worm_cell *c =
                ds_wm_closed_cells(w, open ? w->cur : w->rows[*ix].cells, open, &w->active);
            for (size_t q = 0; q < nc; q++) {
                cells[q].active += c[q].active;
                cells[q].probes += c[q].probes;
            }
            free(c);
            open_here = open_here || open;
            (*ix)++;
        }
        rows[nrows++] = (ds_wm_row){st, cells};
        last_start = st;
        last_open = open_here;
    }

    /* 3. The interval both parts counted at a split by time: hosts active in both
     * count once. The earlier part's open interval meets the later part's first. */
    int64_t bstart = d->open ? d->cur_start : INT64_MIN;
    bool src_head = s->have_first || (s->nrows == 0 && s->open);
    int64_t src_first = s->nrows ? s->rows[0].start : s->cur_start;
    ds_distinct64 dkeys, skeys;
    ds_distinct64_init(&dkeys, d->active.key_bits);
    ds_distinct64_init(&skeys, d->active.key_bits);
    bool boundary = d->open && src_head && src_first == bstart;
    ds_worm_cell *bcells = boundary ? ds_wm_row_at(rows, nrows, bstart) : NULL;
    if (bcells) {
        /* inverse of map[0]: merged record -> dst record */
        uint32_t *inv = ds_xmalloc((t.n + 1) * sizeof *inv);
        for (uint32_t r = 0; r < t.n; r++)
            inv[r] = UINT32_MAX;
        for (uint32_t r = 0; r < d->hosts.n; r++)
            inv[map[0][r]] = r;
        int64_t bend = bstart + d->interval;
        for (uint32_t r = 0; r < s->hosts.n; r++) {
            const ds_host *h = ds_hosttab_at(&s->hosts, r);
            uint32_t dr = inv[map[1][r]];
            if (dr == UINT32_MAX || ds_host_first_ns(&s->hosts, h) >= bend)
                continue;
            const ds_host *dh = ds_hosttab_at(&d->hosts, dr);
            if (ds_host_last_ns(&d->hosts, dh) >= ds_floor_div(bstart, 1000) * 1000)
                ds_worm_cellp(d, bcells, (int)ds_host_sig(h), nm)->active--;
        }
        free(inv);
        if (nm > 1) {
            ds_distinct64 *sk = s->have_first ? &s->first_active : &s->active;
            ds_distinct64_finish(&d->active);
            ds_distinct64_finish(sk);
            ds_wm_remap_keys(&dkeys, &d->active, map[0]);
            ds_wm_remap_keys(&skeys, sk, map[1]);
            ds_distinct64_finish(&dkeys);
            ds_distinct64_finish(&skeys);
            for (size_t i = 0; i < skeys.n; i++) {
                if (!ds_wm_has_key(&dkeys, skeys.v[i]))
                    continue;
                uint64_t g = skeys.v[i] >> 32;
                ds_worm_cellp(d, bcells, (int)(g / (uint64_t)nm), (int)(g % (uint64_t)nm))
                    ->active--;
            }
        }
    }

    if (nm == 1) /* one monitor: its counts are those of `all` */
        for (size_t i = 0; i < nrows; i++)
            for (int sig = 0; sig < d->nsig; sig++)
                ds_worm_cellp(d, rows[i].cells, sig, 0)->active =
                    ds_worm_cellp(d, rows[i].cells, sig, 1)->active;

    /* 4. new_hosts from the merged records and sightings. */
    for (size_t i = 0; i < nrows; i++)
        for (size_t q = 0; q < nc; q++)
            rows[i].cells[q].new_hosts = 0;
    for (uint32_t r = 0; r < t.n; r++) {
        const ds_host *h = ds_hosttab_at(&t, r);
        int64_t f = ds_host_first_ns(&t, h);
        ds_worm_cell *c = ds_wm_row_at(rows, nrows, ds_floor_div(f, d->interval) * d->interval);
        if (!c)
            continue;
        ds_worm_cellp(d, c, (int)ds_host_sig(h), nm)->new_hosts++;
        ds_worm_cellp(d, c, (int)ds_host_sig(h), (int)ds_host_first_monitor(h))->new_hosts++;
    }
    for (size_t i = 0; i < nsg; i++) {
        ds_worm_cell *c =
            ds_wm_row_at(rows, nrows, ds_floor_div(sg[i].ts_ns, d->interval) * d->interval);
        if (c)
            ds_worm_cellp(d, c, (int)ds_host_sig(ds_hosttab_at(&t, sg[i].rec)), sg[i].monitor)
                ->new_hosts++;
    }

    /* 5. The merged open interval keeps its keys (per-monitor active is counted from
     * them when it closes or is written); the others are closed rows. */
    ds_distinct64 open_keys;
    ds_distinct64_init(&open_keys, d->active.key_bits);
    if (last_open && nm > 1) {
        if (d->open && d->cur_start == last_start) {
            ds_distinct64_finish(&d->active);
            ds_wm_remap_keys(&open_keys, &d->active, map[0]);
        }
        if (s->open && s->cur_start == last_start) {
            ds_distinct64_finish(&s->active);
            ds_wm_remap_keys(&open_keys, &s->active, map[1]);
        }
        ds_worm_cell *c = rows[nrows - 1].cells;
        for (int sig = 0; sig < d->nsig; sig++)
            for (int m = 0; m < nm; m++)
                ds_worm_cellp(d, c, sig, m)->active = 0;
    }
    for (size_t i = 0; i < d->nrows; i++)
        free(d->rows[i].cells);
    free(d->rows);
    d->rows = NULL;
    d->nrows = d->caprows = 0;
    free(d->cur);
    size_t keep = last_open ? nrows - 1 : nrows;
    d->rows = ds_xmalloc((keep ? keep : 1) * sizeof *d->rows);
    d->caprows = keep ? keep : 1;
    for (size_t i = 0; i < keep; i++)
        d->rows[d->nrows++] = (ds_worm_row){rows[i].start, rows[i].cells, false};
    d->open = last_open;
    if (last_open) {
        d->cur = rows[nrows - 1].cells;
        d->cur_start = rows[nrows - 1].start;
    } else {
        d->cur = ds_xcalloc(nc ? nc : 1, sizeof *d->cur);
    }
    free(rows);
    ds_distinct64_free(&d->active);
    d->active = open_keys;
    ds_hosttab_free(&d->hosts);
    d->hosts = t;
    free(d->sight);
    d->sight = sg;
    d->nsight = nsg;
    /* The capacity the run would have grown to (summary.json reports the bytes). */
    d->capsight = 0;
    while (d->capsight < nsg)
        d->capsight = d->capsight ? 2 * d->capsight : 256;
    if (d->capsight > ns_cap)
        d->sight = ds_xrealloc(d->sight, d->capsight * sizeof *d->sight);
    if (d->open)
        ds_worm_set_rel(d);
    if (s->any) {
        if (!d->any || s->first_ts < d->first_ts)
            d->first_ts = s->first_ts;
        if (!d->any || s->last_ts > d->last_ts)
            d->last_ts = s->last_ts;
        d->any = true;
    }
    d->have_first = false;
    ds_distinct64_clear(&d->first_active);
    ds_distinct64_free(&dkeys);
    ds_distinct64_free(&skeys);
    free(map[0]);
    free(map[1]);
    free(refs);
    (void)err;
    (void)errlen;
    return 0;
}

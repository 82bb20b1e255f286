/*
 * ds_sim_epidemic.c — the worm epidemic by Gillespie's direct method (see the
 * header for the model). Data structures, chosen so that every event costs
 * O(log blocks) and every telescope probe O(1):
 *
 *  - hosts sorted by address, grouped in /16 blocks; inside a block's range, a
 *    permutation keeps the susceptible hosts first, so a uniform susceptible host is
 *    "a block drawn by its susceptible count, then a slot of its prefix";
 *  - Fenwick trees over blocks for S_b (global infections) and L_b*S_b (local ones);
 *  - scanning hosts in power-of-two rate classes (composition-rejection) and in one
 *    flat array (uniform picks for deactivation and churn).
 */
#include "sim/ds_sim_epidemic.h"

#include <math.h>
#include <stdlib.h>

#define DS_SIM_CLASSES 32

typedef struct ds_sim_fenwick {
    uint64_t *t; /* 1-based */
    size_t n;
    size_t top; /* highest power of two <= n */
} ds_sim_fenwick;

typedef struct ds_sim_item {
    uint32_t host;
    uint32_t rate; /* a copy, so that a draw touches only the class array */
} ds_sim_item;

typedef struct ds_sim_class {
    ds_sim_item *items;
    size_t n, cap;
    uint64_t sum;
} ds_sim_class;

struct ds_sim_epi {
    const ds_sim_scenario *sc;
    const ds_sim_worm *w;
    ds_sim_rng rng; /* epidemic events */
    ds_sim_aset *used;
    const ds_sim_pset *avoid[DS_SIM_MONITORS_MAX];
    size_t navoid;

    ds_sim_host *h;
    ds_sim_hot *hot;
    size_t n;
    uint32_t *perm;
    size_t nb;
    uint32_t *blk_first, *blk_count, *blk_s;
    uint64_t *blk_l;
    ds_sim_fenwick fw_s, fw_q;

    ds_sim_class cls[DS_SIM_CLASSES];
    uint32_t *scan; /* scanning hosts */
    size_t nscan;
    uint64_t R; /* sum of scanning rates, milli-probes/s */
    uint64_t Q; /* sum over blocks of L_b * S_b */
    uint64_t S; /* susceptible hosts */

    double now, next_random;
    bool initial_done, switched;

    ds_sim_segment *seg;
    size_t nseg, segcap;
    uint32_t *per_minute;
    size_t nminutes;
    double mean_rate;
};

/* ---- Fenwick tree -------------------------------------------------------------- */

static void ds_sim_fw_init(ds_sim_fenwick *f, size_t n)
{
    f->t = ds_xcalloc(n + 1, sizeof *f->t);
    f->n = n;
    f->top = 1;
    while (f->top * 2 <= n)
        f->top *= 2;
}

static void ds_sim_fw_add(ds_sim_fenwick *f, size_t i, uint64_t delta) /* modular */
{
    for (i++; i <= f->n; i += i & (~i + 1))
        f->t[i] += delta;
}

/* Index of the element where the running sum first exceeds k (k < total). */
static size_t ds_sim_fw_find(const ds_sim_fenwick *f, uint64_t k)
{
    size_t pos = 0;
    for (size_t step = f->top; step; step >>= 1) {
        if (pos + step <= f->n && f->t[pos + step] <= k) {
            pos += step;
            k -= f->t[pos];
        }
    }
    return pos;
}

/* ---- population ---------------------------------------------------------------- */

static int ds_sim_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void ds_sim_epi_draw(ds_sim_epi *e, uint64_t seed, ds_sim_geo *geo)
{
    ds_sim_rng pop;
    ds_sim_rng_seed(&pop, seed, 1);
    uint32_t *addrs = ds_xmalloc(e->n * sizeof *addrs);
    size_t c = e->w->cluster;
    for (size_t i = 0; i < e->n; i++) {
        uint32_t block = (c > 1 && i % c) ? addrs[i - i % c] : 0;
        /* A cluster's first host is drawn by country; the others share its /16. */
        addrs[i] = geo && !block
                       ? ds_sim_geo_draw_host(geo, &pop, e->avoid, e->navoid, e->used)
                       : ds_sim_draw_host_address(&pop, e->avoid, e->navoid, e->used, block);
    }
    qsort(addrs, e->n, sizeof *addrs, ds_sim_cmp_u32);
    /* Lognormal rates with the requested mean: mu = ln(mean) - sigma^2 / 2. */
    double sg = e->w->scan_rate_sigma;
    double mu = log(e->w->scan_rate) - sg * sg / 2;
    double total = 0;
    e->nb = 0;
    for (size_t i = 0; i < e->n; i++) {
        ds_sim_host *h = &e->h[i];
        ds_sim_hot *x = &e->hot[i];
        h->addr0 = x->addr = addrs[i];
        x->first_ns = INT64_MAX;
        x->first_monitor = -1;
        double r = sg > 0 ? exp(mu + sg * ds_sim_normal(&pop)) : e->w->scan_rate;
        if (r > e->w->scan_rate_max)
            r = e->w->scan_rate_max;
        double milli = llround(r * 1000.0);
        h->rate = milli < 1 ? 1 : (uint32_t)milli;
        total += h->rate / 1000.0;
        h->infected_at = h->deactivated_at = NAN;
        x->ttl = (uint8_t)(128 - 8 - ds_sim_below(&pop, 20));
        x->sport = (uint16_t)(1024 + ds_sim_below(&pop, 3000));
        x->ip_id = (uint16_t)ds_sim_u32(&pop);
        if (i == 0 || (addrs[i] >> 16) != (addrs[i - 1] >> 16))
            e->nb++;
    }
    e->mean_rate = total / (double)e->n;
    free(addrs);

    e->blk_first = ds_xcalloc(e->nb, sizeof *e->blk_first);
    e->blk_count = ds_xcalloc(e->nb, sizeof *e->blk_count);
    e->blk_s = ds_xcalloc(e->nb, sizeof *e->blk_s);
    e->blk_l = ds_xcalloc(e->nb, sizeof *e->blk_l);
    e->perm = ds_xmalloc(e->n * sizeof *e->perm);
    ds_sim_fw_init(&e->fw_s, e->nb);
    ds_sim_fw_init(&e->fw_q, e->nb);
    size_t b = 0;
    for (size_t i = 0; i < e->n; i++) {
        if (i > 0 && (e->h[i].addr0 >> 16) != (e->h[i - 1].addr0 >> 16))
            b++;
        if (e->blk_count[b] == 0)
            e->blk_first[b] = (uint32_t)i;
        e->blk_count[b]++;
        e->blk_s[b]++;
        e->h[i].blk = (uint32_t)b;
        e->h[i].blk_pos = (uint32_t)i;
        e->perm[i] = (uint32_t)i;
    }
    for (b = 0; b < e->nb; b++)
        ds_sim_fw_add(&e->fw_s, b, e->blk_s[b]);
    e->S = e->n;
}

ds_sim_epi *ds_sim_epi_new(const ds_sim_scenario *s, uint64_t seed, ds_sim_aset *used,
                           ds_sim_geo *geo)
{
    ds_sim_epi *e = ds_xcalloc(1, sizeof *e);
    e->sc = s;
    e->w = &s->worm;
    e->used = used;
    for (int m = 0; m < s->nmonitors; m++)
        e->avoid[e->navoid++] = &s->monitors[m].space;
    e->n = s->worm.vulnerable;
    e->h = ds_xcalloc(e->n, sizeof *e->h);
    e->hot = ds_xcalloc(e->n, sizeof *e->hot);
    ds_sim_rng_seed(&e->rng, seed, 2);
    ds_sim_epi_draw(e, seed, geo);
    e->nminutes = (size_t)ceil(s->duration / 60.0) + 1;
    e->per_minute = ds_xcalloc(e->nminutes, sizeof *e->per_minute);
    e->now = 0;
    e->next_random = INFINITY;
    e->initial_done = false; /* timed events beyond the end simply never come */
    e->switched = false;
    return e;
}

void ds_sim_epi_free(ds_sim_epi *e)
{
    if (!e)
        return;
    for (int k = 0; k < DS_SIM_CLASSES; k++)
        free(e->cls[k].items);
    free(e->h);
    free(e->hot);
    free(e->perm);
    free(e->blk_first);
    free(e->blk_count);
    free(e->blk_s);
    free(e->blk_l);
    free(e->fw_s.t);
    free(e->fw_q.t);
    free(e->scan);
    free(e->seg);
    free(e->per_minute);
    free(e);
}

/* ---- state changes ------------------------------------------------------------- */

/* Changes L_b and/or S_b by the deltas, keeping Q and its tree in step. */
static void ds_sim_blk_update(ds_sim_epi *e, uint32_t b, int64_t dl, int64_t ds)
{
    uint64_t before = e->blk_l[b] * e->blk_s[b];
    e->blk_l[b] += (uint64_t)dl;
    e->blk_s[b] = (uint32_t)((int64_t)e->blk_s[b] + ds);
    uint64_t after = e->blk_l[b] * e->blk_s[b];
    if (ds)
        ds_sim_fw_add(&e->fw_s, b, (uint64_t)ds);
    if (after != before) {
        ds_sim_fw_add(&e->fw_q, b, after - before);
        e->Q += after - before;
    }
}

static void ds_sim_seg_open(ds_sim_epi *e, uint32_t hi)
{
    if (e->nseg == e->segcap) {
        e->segcap = e->segcap ? e->segcap * 2 : 1024;
        e->seg = ds_xrealloc(e->seg, e->segcap * sizeof *e->seg);
    }
    e->seg[e->nseg] = (ds_sim_segment){.host = hi,
                                       .addr = e->hot[hi].addr,
                                       .from = e->now,
                                       .to = INFINITY,
                                       .first_probe_ns = INT64_MAX,
                                       .first_monitor = -1};
    e->h[hi].seg = (uint32_t)e->nseg++;
    e->h[hi].seg_open = true;
}

/* Closes the host's current segment at `now`, moving the sightings into it. */
static void ds_sim_seg_close(ds_sim_epi *e, uint32_t hi)
{
    if (!e->h[hi].seg_open)
        return;
    e->h[hi].seg_open = false;
    ds_sim_hot *x = &e->hot[hi];
    ds_sim_segment *g = &e->seg[e->h[hi].seg];
    if (g->to == INFINITY && e->now < e->sc->duration)
        g->to = e->now;
    g->probes = x->probes;
    g->first_probe_ns = x->first_ns;
    g->monitors = x->monitors;
    g->first_monitor = x->first_monitor;
    x->probes = 0;
    x->first_ns = INT64_MAX;
    x->monitors = 0;
    x->first_monitor = -1;
}

static void ds_sim_scan_start(ds_sim_epi *e, uint32_t hi)
{
    ds_sim_host *h = &e->h[hi];
    int k = 31 - __builtin_clz(h->rate);
    ds_sim_class *c = &e->cls[k];
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->items = ds_xrealloc(c->items, c->cap * sizeof *c->items);
    }
    h->cls = (uint8_t)k;
    h->cls_pos = (uint32_t)c->n;
    c->items[c->n++] = (ds_sim_item){hi, h->rate};
    c->sum += h->rate;
    if (e->nscan % 1024 == 0)
        e->scan = ds_xrealloc(e->scan, (e->nscan + 1024) * sizeof *e->scan);
    h->scan_pos = (uint32_t)e->nscan;
    e->scan[e->nscan++] = hi;
    e->R += h->rate;
    ds_sim_blk_update(e, h->blk, h->rate, 0);
    h->state = DS_SIM_SCANNING;
}

static void ds_sim_scan_stop(ds_sim_epi *e, uint32_t hi)
{
    ds_sim_host *h = &e->h[hi];
    ds_sim_class *c = &e->cls[h->cls];
    ds_sim_item it = c->items[--c->n];
    c->items[h->cls_pos] = it;
    e->h[it.host].cls_pos = h->cls_pos;
    c->sum -= h->rate;
    uint32_t last = e->scan[--e->nscan];
    e->scan[h->scan_pos] = last;
    e->h[last].scan_pos = h->scan_pos;
    e->R -= h->rate;
    ds_sim_blk_update(e, h->blk, -(int64_t)h->rate, 0);
    h->state = DS_SIM_STOPPED;
    ds_sim_seg_close(e, hi);
}

/* A susceptible host: block by S_b, then a slot of the block's susceptible prefix. */
static uint32_t ds_sim_pick_susceptible(ds_sim_epi *e, uint32_t block_or_all)
{
    uint32_t b = block_or_all;
    if (b == UINT32_MAX)
        b = (uint32_t)ds_sim_fw_find(&e->fw_s, ds_sim_below(&e->rng, e->S));
    return e->perm[e->blk_first[b] + ds_sim_below(&e->rng, e->blk_s[b])];
}

static void ds_sim_infect(ds_sim_epi *e, uint32_t hi, uint32_t by_addr)
{
    ds_sim_host *h = &e->h[hi];
    uint32_t b = h->blk;
    /* Move it out of the block's susceptible prefix. */
    uint32_t lastpos = e->blk_first[b] + e->blk_s[b] - 1;
    uint32_t other = e->perm[lastpos];
    e->perm[h->blk_pos] = other;
    e->h[other].blk_pos = h->blk_pos;
    e->perm[lastpos] = hi;
    h->blk_pos = lastpos;
    ds_sim_blk_update(e, b, 0, -1);
    e->S--;
    h->infected_at = e->now;
    h->infected_by = by_addr;
    size_t minute = (size_t)(e->now / 60.0);
    if (minute < e->nminutes)
        e->per_minute[minute]++;
    ds_sim_seg_open(e, hi);
    ds_sim_scan_start(e, hi);
}

ds_sim_hot *ds_sim_epi_pick(ds_sim_epi *e, ds_sim_rng *r)
{
    uint64_t u = ds_sim_below(r, e->R);
    int k = 0;
    while (u >= e->cls[k].sum)
        u -= e->cls[k++].sum;
    const ds_sim_class *c = &e->cls[k];
    for (;;) {
        /* One 64-bit draw: the high half picks the slot, the low half decides
         * acceptance with probability rate / 2^(k+1) >= 1/2. */
        uint64_t x = ds_sim_next(r);
        const ds_sim_item *it = &c->items[((x >> 32) * c->n) >> 32];
        if ((((x & 0xffffffffu) << (k + 1)) >> 32) < it->rate)
            return &e->hot[it->host];
    }
}

void ds_sim_epi_pick_batch(ds_sim_epi *e, ds_sim_rng *r, size_t n, ds_sim_hot **out)
{
    const ds_sim_item *slot[DS_SIM_PICK_BATCH];
    uint32_t low[DS_SIM_PICK_BATCH];
    uint8_t cls[DS_SIM_PICK_BATCH];
    /* Pass 1: the class and the slot of every draw; prefetch the slots. */
    for (size_t i = 0; i < n; i++) {
        uint64_t u = ds_sim_below(r, e->R);
        int k = 0;
        while (u >= e->cls[k].sum)
            u -= e->cls[k++].sum;
        const ds_sim_class *c = &e->cls[k];
        uint64_t x = ds_sim_next(r);
        slot[i] = &c->items[((x >> 32) * c->n) >> 32];
        low[i] = (uint32_t)x;
        cls[i] = (uint8_t)k;
        ds_prefetch(slot[i]);
    }
    /* Pass 2: acceptance; a rejected draw retries in its own class (the
     * composition-rejection method must not re-draw the class); prefetch the hosts. */
    for (size_t i = 0; i < n; i++) {
        int k = cls[i];
        const ds_sim_item *it = slot[i];
        uint64_t x = low[i];
        while (((x << (k + 1)) >> 32) >= it->rate) {
            const ds_sim_class *c = &e->cls[k];
            uint64_t y = ds_sim_next(r);
            it = &c->items[((y >> 32) * c->n) >> 32];
            x = y & 0xffffffffu;
        }
        out[i] = &e->hot[it->host];
        ds_prefetchw(out[i]);
    }
}

void ds_sim_epi_finish(ds_sim_epi *e)
{
    e->now = e->sc->duration; /* segments still open stay open-ended ("to" empty) */
    for (size_t i = 0; i < e->n; i++)
        if (!isnan(e->h[i].infected_at))
            ds_sim_seg_close(e, (uint32_t)i);
}

/* Infection picks need the host index, packets only the hot part. */
static uint32_t ds_sim_pick_index(ds_sim_epi *e)
{
    return (uint32_t)(ds_sim_epi_pick(e, &e->rng) - e->hot);
}

/* ---- events -------------------------------------------------------------------- */

static double ds_sim_rates(const ds_sim_epi *e, double *g, double *l, double *d, double *c)
{
    if (e->switched) {
        *g = *l = *d = *c = 0;
        return 0;
    }
    double p = e->w->local_preference;
    *g = (1 - p) * ((double)e->R / 1000.0) * (double)e->S / 4294967296.0;
    *l = p * ((double)e->Q / 1000.0) / 65536.0;
    *d = e->w->deactivation_per_hour / 3600.0 * (double)e->nscan;
    *c = e->w->churn_per_hour / 3600.0 * (double)e->nscan;
    return *g + *l + *d + *c;
}

static void ds_sim_redraw(ds_sim_epi *e)
{
    double g, l, d, c;
    double total = ds_sim_rates(e, &g, &l, &d, &c);
    e->next_random = total > 0 ? e->now + ds_sim_exp(&e->rng, total) : INFINITY;
}

double ds_sim_epi_next_time(const ds_sim_epi *e)
{
    double t = e->next_random;
    if (!e->initial_done && e->w->initial_at < t)
        t = e->w->initial_at;
    if (!e->switched && e->w->phase_switch < t)
        t = e->w->phase_switch;
    return t;
}

static void ds_sim_random_event(ds_sim_epi *e)
{
    double g, l, d, c;
    double total = ds_sim_rates(e, &g, &l, &d, &c);
    double u = ds_sim_unif(&e->rng) * total;
    if (u < g && e->S > 0) {
        uint32_t by = ds_sim_pick_index(e);
        ds_sim_infect(e, ds_sim_pick_susceptible(e, UINT32_MAX), e->hot[by].addr);
    } else if (u < g + l && e->Q > 0) {
        uint32_t b = (uint32_t)ds_sim_fw_find(&e->fw_q, ds_sim_below(&e->rng, e->Q));
        uint64_t k = ds_sim_below(&e->rng, e->blk_l[b]);
        uint32_t by = e->blk_first[b];
        for (uint32_t i = e->blk_first[b]; i < e->blk_first[b] + e->blk_count[b]; i++) {
            if (e->h[i].state != DS_SIM_SCANNING)
                continue;
            by = i;
            if (k < e->h[i].rate)
                break;
            k -= e->h[i].rate;
        }
        ds_sim_infect(e, ds_sim_pick_susceptible(e, b), e->hot[by].addr);
    } else if (u < g + l + d && e->nscan > 0) {
        uint32_t hi = e->scan[ds_sim_below(&e->rng, e->nscan)];
        e->h[hi].deactivated_at = e->now;
        ds_sim_scan_stop(e, hi);
    } else if (e->nscan > 0) {
        /* DHCP: a new lease in the same /16 (the ISP's pool). */
        uint32_t hi = e->scan[ds_sim_below(&e->rng, e->nscan)];
        ds_sim_seg_close(e, hi);
        e->hot[hi].addr =
            ds_sim_draw_host_address(&e->rng, e->avoid, e->navoid, e->used, e->hot[hi].addr);
        e->h[hi].changes++;
        ds_sim_seg_open(e, hi);
    }
}

void ds_sim_epi_step(ds_sim_epi *e)
{
    double t = ds_sim_epi_next_time(e);
    if (t == INFINITY)
        return;
    e->now = t;
    if (!e->initial_done && t == e->w->initial_at) {
        e->initial_done = true;
        for (uint32_t i = 0; i < e->w->initial && e->S > 0; i++)
            ds_sim_infect(e, ds_sim_pick_susceptible(e, UINT32_MAX), 0);
    } else if (!e->switched && t == e->w->phase_switch) {
        e->switched = true;
        for (size_t i = 0; i < e->nscan; i++)
            ds_sim_seg_close(e, e->scan[i]);
    } else {
        ds_sim_random_event(e);
    }
    ds_sim_redraw(e);
}

double ds_sim_epi_global_rate(const ds_sim_epi *e)
{
    if (e->switched)
        return 0;
    return (1 - e->w->local_preference) * (double)e->R / 1000.0;
}

ds_sim_host *ds_sim_epi_hosts(ds_sim_epi *e, size_t *n)
{
    *n = e->n;
    return e->h;
}

const ds_sim_hot *ds_sim_epi_hot(const ds_sim_epi *e)
{
    return e->hot;
}

ds_sim_segment *ds_sim_epi_segments(ds_sim_epi *e, size_t *n)
{
    *n = e->nseg;
    return e->seg;
}

const uint32_t *ds_sim_epi_per_minute(const ds_sim_epi *e, size_t *n)
{
    *n = e->nminutes;
    return e->per_minute;
}

double ds_sim_epi_mean_rate(const ds_sim_epi *e)
{
    return e->mean_rate;
}

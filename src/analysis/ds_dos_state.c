/*
 * ds_dos_state.c — the DoS analyzer's mergeable state: save, load, merge.
 *
 * The state is un-finished: vectors still open at the end of the part, with their
 * window rings, and — when the run saved its state — the part's "head" vectors
 * (started within the timeout of the part's first packet) un-judged even if they
 * ended, with the times of all their packets, their first second and first event
 * bin (ds_dos_head).
 *
 * Merging a later part B into A (consecutive in time):
 *   - a head vector of B continues A's open vector of the same key when the gap is
 *     at most the timeout, exactly as one run would have continued it: counters
 *     add, the address sets and sketches unite, the event bin of a shared minute
 *     unites, and B's packet times are replayed into A's ring, so the windows stay
 *     anchored at the vector's first packet in A, as in one run. The top target
 *     ports are exact while the vector has at most DS_DOS_TOPK of them
 *     (Space-Saving with more depends on the order of packets' ports, which states
 *     do not keep: docs/SCALE.md);
 *   - A's open vectors B does not continue have ended; B's heads that continue
 *     nothing stand as they are; every held head is judged.
 * A merged state keeps no heads (docs/SCALE.md: it can start a later merge, not
 * follow one). Parts over other monitors at the same time merge the same way;
 * they are exact when no victim is seen by both (a shared victim's vectors are
 * united, not interleaved).
 */
#include <math.h>
#include <stdlib.h>

#include "analysis/ds_dos.h"

/* ---- encoding helpers ------------------------------------------------------------ */

static void ds_ws_protos(ds_wbuf *w, const ds_dos_protos *p)
{
    for (int i = 0; i < 4; i++)
        ds_wbuf_u64(w, p->w[i]);
}

static void ds_rs_protos(ds_rbuf *r, ds_dos_protos *p)
{
    for (int i = 0; i < 4; i++)
        p->w[i] = ds_rbuf_u64(r);
}

static void ds_ws_dcount_key(uint64_t key, void *arg)
{
    ds_wbuf_u64(arg, key);
}

static void ds_ws_dcount(ds_wbuf *w, const ds_dcount *d)
{
    if (d->hll) {
        ds_wbuf_u8(w, 1);
        ds_wbuf_u8(w, d->hll->p);
        ds_wbuf_bytes(w, d->hll->reg, (size_t)1 << d->hll->p);
        return;
    }
    ds_wbuf_u8(w, 0);
    ds_wbuf_u32(w, d->n);
    ds_dcount_each(d, ds_ws_dcount_key, w);
}

static void ds_rs_dcount(ds_rbuf *r, ds_dcount *d, const ds_dos_config *c)
{
    memset(d, 0, sizeof *d);
    uint8_t kind = ds_rbuf_u8(r);
    if (kind == 1) {
        unsigned p = ds_rbuf_u8(r);
        if (p < DS_HLL_MIN_P || p > DS_HLL_MAX_P) {
            ds_rbuf_fail(r, "dos: a sketch has an impossible precision");
            return;
        }
        ds_dcount_make_hll(d, p);
        ds_rbuf_get(r, d->hll->reg, (size_t)1 << p);
        return;
    }
    if (kind != 0) {
        ds_rbuf_fail(r, "dos: a distinct counter of unknown kind");
        return;
    }
    size_t n = ds_rbuf_count(r, 8);
    for (size_t i = 0; i < n && !r->bad; i++)
        ds_dcount_add(d, ds_rbuf_u64(r), (uint32_t)c->exact_cap, c->hll_p);
}

static void ds_ws_set16(ds_wbuf *w, const ds_dos_set16 *s)
{
    ds_wbuf_u32(w, s->n);
    ds_wbuf_u8(w, s->bits != NULL);
    if (s->bits)
        for (int i = 0; i < 1024; i++)
            ds_wbuf_u64(w, s->bits[i]);
    else
        for (uint32_t i = 0; i < s->n; i++)
            ds_wbuf_u16(w, s->inl[i]);
}

static void ds_rs_set16(ds_rbuf *r, ds_dos_set16 *s)
{
    memset(s, 0, sizeof *s);
    s->n = ds_rbuf_u32(r);
    if (ds_rbuf_bool(r)) {
        s->bits = ds_xcalloc(1024, sizeof *s->bits);
        for (int i = 0; i < 1024; i++)
            s->bits[i] = ds_rbuf_u64(r);
    } else if (s->n > sizeof s->inl / sizeof s->inl[0]) {
        ds_rbuf_fail(r, "dos: a port set is inconsistent");
        s->n = 0;
    } else {
        for (uint32_t i = 0; i < s->n; i++)
            s->inl[i] = ds_rbuf_u16(r);
    }
}

static void ds_ws_vec(ds_wbuf *w, const ds_dos_vec *v, const uint32_t *ring, unsigned W)
{
    ds_wbuf_ip(w, &v->victim);
    ds_wbuf_u8(w, v->proto);
    ds_wbuf_i64(w, v->first);
    ds_wbuf_i64(w, v->last);
    ds_wbuf_u64(w, v->packets);
    ds_wbuf_u64(w, v->bytes);
    ds_wbuf_u64(w, v->monitors);
    for (int k = 0; k < DS_DOS_KINDS; k++)
        ds_wbuf_u64(w, v->kinds[k]);
    ds_wbuf_u64(w, v->mismatches);
    ds_wbuf_u64(w, v->unquoted);
    ds_ws_protos(w, &v->protos);
    ds_wbuf_i64(w, v->cur_bucket);
    ds_wbuf_u64(w, v->win_sum);
    ds_wbuf_u64(w, v->max_win);
    ds_wbuf_i64(w, v->cur_sec);
    ds_wbuf_u64(w, v->sec_count);
    ds_wbuf_u64(w, v->peak_sec);
    ds_wbuf_i64(w, v->bin_start);
    ds_wbuf_u64(w, v->bin_packets);
    ds_ws_protos(w, &v->bin_protos);
    ds_ws_dcount(w, &v->bin_addrs);
    ds_ws_dcount(w, &v->addrs);
    ds_ws_dcount(w, &v->s16);
    ds_ws_set16(w, &v->aports);
    ds_ws_set16(w, &v->tports);
    for (int i = 0; i < DS_DOS_TOPK; i++) {
        ds_wbuf_u16(w, v->top[i].port);
        ds_wbuf_u32(w, v->top[i].count);
    }
    ds_wbuf_u16(w, v->first_tport);
    ds_wbuf_u8(w, v->has_tport);
    ds_wbuf_u32(w, v->sample.n);
    for (uint32_t i = 0; i < v->sample.n; i++) {
        ds_wbuf_u64(w, v->sample.e[i].h);
        ds_wbuf_ip(w, &v->sample.e[i].addr);
    }
    for (unsigned i = 0; i < W; i++)
        ds_wbuf_u32(w, ring[i]);
    const ds_dos_head *h = v->head;
    ds_wbuf_u8(w, h != NULL);
    if (h) {
        ds_wbuf_u64(w, h->ntimes);
        ds_wbuf_u64(w, h->times_len);
        ds_wbuf_bytes(w, h->times, h->times_len);
        ds_wbuf_i64(w, h->sec0);
        ds_wbuf_u64(w, h->sec0_count);
        ds_wbuf_u8(w, h->bin_done);
        ds_wbuf_i64(w, h->bin_start);
        ds_wbuf_u64(w, h->bin_packets);
        ds_ws_protos(w, &h->bin_protos);
        ds_ws_dcount(w, &h->bin_addrs);
    }
}

/* Heapifies a full sample (a max-heap on the hash, as ds_dos_vector.c keeps it). */
static void ds_sample_heapify(ds_dos_sample *s, uint32_t k)
{
    s->heap = s->n == k && k > 0;
    if (!s->heap)
        return;
    for (uint32_t i = k / 2; i-- > 0;) {
        uint32_t j = i;
        for (;;) {
            uint32_t l = 2 * j + 1, r = l + 1, m = j;
            if (l < k && s->e[l].h > s->e[m].h)
                m = l;
            if (r < k && s->e[r].h > s->e[m].h)
                m = r;
            if (m == j)
                break;
            ds_dos_sample_ent t = s->e[j];
            s->e[j] = s->e[m];
            s->e[m] = t;
            j = m;
        }
    }
}

static void ds_rs_vec(ds_rbuf *r, const ds_dos *d, ds_dos_vec *v, uint32_t *ring)
{
    const ds_dos_config *c = &d->cfg;
    unsigned W = d->env.ring_len;
    memset(v, 0, sizeof *v);
    ds_rbuf_ip(r, &v->victim);
    v->proto = ds_rbuf_u8(r);
    v->used = true;
    v->hash = ds_dos_hash(&v->victim, v->proto);
    v->first = ds_rbuf_i64(r);
    v->last = ds_rbuf_i64(r);
    if (v->first < 0 || v->last < v->first) /* a run never makes these; merges subtract them */
        ds_rbuf_fail(r, "dos: a vector ends before it starts, or before 1970");
    v->packets = ds_rbuf_u64(r);
    v->bytes = ds_rbuf_u64(r);
    v->monitors = ds_rbuf_u64(r);
    for (int k = 0; k < DS_DOS_KINDS; k++)
        v->kinds[k] = ds_rbuf_u64(r);
    v->mismatches = ds_rbuf_u64(r);
    v->unquoted = ds_rbuf_u64(r);
    ds_rs_protos(r, &v->protos);
    v->cur_bucket = ds_rbuf_i64(r);
    /* The step of the last packet, counted from the first (ds_dos_vec_window). */
    if (!r->bad && v->cur_bucket != ds_floor_div(v->last - v->first, c->step))
        ds_rbuf_fail(r, "dos: a vector's window step does not match its times");
    v->win_sum = ds_rbuf_u64(r);
    v->max_win = ds_rbuf_u64(r);
    v->cur_sec = ds_rbuf_i64(r);
    v->sec_count = ds_rbuf_u64(r);
    v->peak_sec = ds_rbuf_u64(r);
    v->bin_start = ds_rbuf_i64(r);
    if (v->bin_start < 0 || v->bin_start > INT64_MAX - 60 * DS_NS_PER_SEC) /* an event's minute */
        ds_rbuf_fail(r, "dos: a vector's minute is before 1970 or past 2262");
    v->bin_packets = ds_rbuf_u64(r);
    ds_rs_protos(r, &v->bin_protos);
    ds_rs_dcount(r, &v->bin_addrs, c);
    ds_rs_dcount(r, &v->addrs, c);
    ds_rs_dcount(r, &v->s16, c);
    ds_rs_set16(r, &v->aports);
    ds_rs_set16(r, &v->tports);
    for (int i = 0; i < DS_DOS_TOPK; i++) {
        v->top[i].port = ds_rbuf_u16(r);
        v->top[i].count = ds_rbuf_u32(r);
    }
    v->first_tport = ds_rbuf_u16(r);
    v->has_tport = ds_rbuf_bool(r);
    size_t n = ds_rbuf_count(r, 24);
    if (n > c->ad_sample) {
        ds_rbuf_fail(r, "dos: a sample is larger than --dos-ad-sample");
        n = 0;
    }
    if (n) {
        v->sample.e = ds_xmalloc(n * sizeof *v->sample.e);
        v->sample.cap = (uint32_t)n;
    }
    for (size_t i = 0; i < n; i++) {
        v->sample.e[i].h = ds_rbuf_u64(r);
        ds_rbuf_ip(r, &v->sample.e[i].addr);
    }
    v->sample.n = (uint32_t)n;
    ds_sample_heapify(&v->sample, (uint32_t)c->ad_sample);
    for (unsigned i = 0; i < W; i++)
        ring[i] = ds_rbuf_u32(r);
    if (ds_rbuf_bool(r)) {
        ds_dos_head *h = ds_xcalloc(1, sizeof *h);
        v->head = h;
        h->ntimes = ds_rbuf_u64(r);
        uint64_t len = ds_rbuf_u64(r); /* u64: a long attack's log can pass 4 GiB */
        if (len > r->n - r->pos) {
            ds_rbuf_fail(r, "dos: a head vector's packet times run past the state");
            len = 0;
        }
        h->times_len = h->times_cap = (size_t)len;
        h->times = ds_xmalloc(h->times_len + 1);
        ds_rbuf_get(r, h->times, h->times_len);
        /* The log must be the vector's packets in this part, in time order, from
         * its first packet to its last: a merge replays it. */
        size_t pos = 0;
        int64_t t = v->first;
        uint64_t k = 0;
        bool ok = true;
        while (ok && pos < h->times_len) {
            ok = ds_dos_head_next(h, &pos, &t) && (k || t == v->first) && t <= v->last;
            k++;
        }
        h->last_time = t;
        if (!ok || k != h->ntimes || k != v->packets || t != v->last)
            ds_rbuf_fail(r, "dos: a head vector's packet times do not match the vector");
        h->sec0 = ds_rbuf_i64(r);
        h->sec0_count = ds_rbuf_u64(r);
        h->bin_done = ds_rbuf_bool(r);
        h->bin_start = ds_rbuf_i64(r);
        if (h->bin_start < 0 || h->bin_start > INT64_MAX - 60 * DS_NS_PER_SEC)
            ds_rbuf_fail(r, "dos: a vector's minute is before 1970 or past 2262");
        h->bin_packets = ds_rbuf_u64(r);
        ds_rs_protos(r, &h->bin_protos);
        ds_rs_dcount(r, &h->bin_addrs, c);
    }
}

static void ds_ws_attack(ds_wbuf *w, const ds_dos_attack *a)
{
    ds_wbuf_ip(w, &a->victim);
    ds_wbuf_u8(w, a->proto);
    ds_ws_protos(w, &a->protos);
    ds_wbuf_u64(w, a->monitors);
    ds_wbuf_i64(w, a->start);
    ds_wbuf_i64(w, a->end);
    ds_wbuf_u64(w, a->packets);
    ds_wbuf_u64(w, a->bytes);
    ds_wbuf_u64(w, a->addrs);
    ds_wbuf_u8(w, a->addrs_exact);
    ds_wbuf_u64(w, a->s16);
    ds_wbuf_u64(w, a->aports);
    ds_wbuf_u64(w, a->tports);
    ds_wbuf_u8(w, a->has_tport);
    ds_wbuf_u16(w, a->first_tport);
    ds_wbuf_u32(w, (uint32_t)a->ntop);
    for (int i = 0; i < DS_DOS_TOP_SHOWN; i++) {
        ds_wbuf_u16(w, a->top[i].port);
        ds_wbuf_u32(w, a->top[i].count);
    }
    ds_wbuf_u64(w, a->max_ppm);
    ds_wbuf_u64(w, a->peak_pps);
    ds_wbuf_f64(w, a->mean_pps);
    ds_wbuf_f64(w, a->est_pps);
    ds_wbuf_u64(w, a->mismatches);
    ds_wbuf_u64(w, a->unquoted);
    for (int k = 0; k < DS_DOS_KINDS; k++)
        ds_wbuf_u64(w, a->kinds[k]);
    ds_wbuf_f64(w, a->ad);
    ds_wbuf_u32(w, a->ad_n);
}

static void ds_rs_attack(ds_rbuf *r, ds_dos_attack *a)
{
    memset(a, 0, sizeof *a);
    ds_rbuf_ip(r, &a->victim);
    a->proto = ds_rbuf_u8(r);
    ds_rs_protos(r, &a->protos);
    a->monitors = ds_rbuf_u64(r);
    a->start = ds_rbuf_i64(r);
    a->end = ds_rbuf_i64(r);
    if (a->start < 0 || a->end < a->start)
        ds_rbuf_fail(r, "dos: an attack ends before it starts, or before 1970");
    a->packets = ds_rbuf_u64(r);
    a->bytes = ds_rbuf_u64(r);
    a->addrs = ds_rbuf_u64(r);
    a->addrs_exact = ds_rbuf_bool(r);
    a->s16 = ds_rbuf_u64(r);
    a->aports = ds_rbuf_u64(r);
    a->tports = ds_rbuf_u64(r);
    a->has_tport = ds_rbuf_bool(r);
    a->first_tport = ds_rbuf_u16(r);
    a->ntop = (int)ds_rbuf_u32(r);
    if (a->ntop > DS_DOS_TOP_SHOWN) {
        ds_rbuf_fail(r, "dos: an attack lists too many top ports");
        a->ntop = 0;
    }
    for (int i = 0; i < DS_DOS_TOP_SHOWN; i++) {
        a->top[i].port = ds_rbuf_u16(r);
        a->top[i].count = ds_rbuf_u32(r);
    }
    a->max_ppm = ds_rbuf_u64(r);
    a->peak_pps = ds_rbuf_u64(r);
    a->mean_pps = ds_rbuf_f64(r);
    a->est_pps = ds_rbuf_f64(r);
    a->mismatches = ds_rbuf_u64(r);
    a->unquoted = ds_rbuf_u64(r);
    for (int k = 0; k < DS_DOS_KINDS; k++)
        a->kinds[k] = ds_rbuf_u64(r);
    a->ad = ds_rbuf_f64(r);
    a->ad_n = ds_rbuf_u32(r);
}

/* ---- save / load ---------------------------------------------------------------- */

int ds_dos_save(const void *st, ds_wbuf *w)
{
    const ds_dos *d = st;
    /* Deferred addresses are a representation, not state: the file holds the sets
     * (ds_dos_vec_settle), so a saved state does not depend on when it was cut. */
    ds_dos_settle_all((ds_dos *)st);
    if (d->approx) { /* --max-memory evicted vectors (ds_dos.c) */
        fprintf(stderr, "darkscope: dos: vectors were evicted under --max-memory; an "
                        "approximate state cannot be saved (not done)\n");
        return -1;
    }
    unsigned W = d->env.ring_len;
    ds_wbuf_u32(w, W);
    ds_wbuf_i64(w, d->cfg.step);
    ds_wbuf_i64(w, d->cfg.timeout);
    ds_wbuf_u8(w, d->cfg.key_victim);
    ds_wbuf_u64(w, d->vectors);
    ds_wbuf_u64(w, d->vector_packets);
    ds_wbuf_u64(w, d->non_attacks);
    ds_wbuf_u64(w, d->non_attack_packets);
    for (int k = 0; k < DS_DOS_KINDS; k++)
        ds_wbuf_u64(w, d->kinds[k]);
    ds_wbuf_u64(w, d->mismatches);
    ds_wbuf_u64(w, d->unquoted);
    ds_wbuf_u8(w, d->any);
    ds_wbuf_i64(w, d->first_ts);
    ds_wbuf_i64(w, d->last_ts);
    ds_wbuf_u8(w, d->started);
    ds_wbuf_i64(w, d->part_start);
    ds_wbuf_i64(w, d->now);
    ds_wbuf_u32(w, (uint32_t)d->nattacks);
    for (size_t i = 0; i < d->nattacks; i++)
        ds_ws_attack(w, &d->attacks[i]);
    ds_wbuf_u32(w, (uint32_t)d->nevents);
    for (size_t i = 0; i < d->nevents; i++) {
        const ds_dos_event *e = &d->events[i];
        ds_wbuf_i64(w, e->minute);
        ds_wbuf_ip(w, &e->victim);
        ds_ws_protos(w, &e->protos);
        ds_wbuf_u64(w, e->packets);
        ds_wbuf_u64(w, e->addrs);
    }
    ds_wbuf_u32(w, (uint32_t)d->nopen);
    for (size_t i = 0; i < d->npool; i++)
        if (d->pool[i].used)
            ds_ws_vec(w, &d->pool[i], &d->rings[i * W], W);
    ds_wbuf_u32(w, (uint32_t)d->nheld);
    for (size_t i = 0; i < d->nheld; i++)
        ds_ws_vec(w, &d->held[i], &d->held_rings[i * W], W);
    return 0;
}

static void ds_dos_hold(ds_dos *d, const ds_dos_vec *v, const uint32_t *ring)
{
    unsigned W = d->env.ring_len;
    if (d->nheld == d->capheld) {
        d->capheld = d->capheld ? 2 * d->capheld : 64;
        d->held = ds_xrealloc(d->held, d->capheld * sizeof *d->held);
        d->held_rings = ds_xrealloc(d->held_rings, d->capheld * W * sizeof *d->held_rings);
    }
    d->held[d->nheld] = *v;
    memcpy(&d->held_rings[d->nheld * W], ring, W * sizeof *ring);
    d->nheld++;
}

void *ds_dos_load(const ds_ctx *ctx, const void *cfg, ds_rbuf *r, char *err, size_t errlen)
{
    ds_dos *d = ds_dos_create(ctx, cfg);
    d->keep_heads = false;
    unsigned W = d->env.ring_len;
    uint32_t w = ds_rbuf_u32(r);
    int64_t step = ds_rbuf_i64(r), timeout = ds_rbuf_i64(r);
    bool kv = ds_rbuf_bool(r);
    if (!r->bad &&
        (w != W || step != d->cfg.step || timeout != d->cfg.timeout || kv != d->cfg.key_victim)) {
        snprintf(err, errlen, "dos: the state was made with other DoS options");
        ds_dos_destroy(d);
        return NULL;
    }
    d->vectors = ds_rbuf_u64(r);
    d->vector_packets = ds_rbuf_u64(r);
    d->non_attacks = ds_rbuf_u64(r);
    d->non_attack_packets = ds_rbuf_u64(r);
    for (int k = 0; k < DS_DOS_KINDS; k++)
        d->kinds[k] = ds_rbuf_u64(r);
    d->mismatches = ds_rbuf_u64(r);
    d->unquoted = ds_rbuf_u64(r);
    d->any = ds_rbuf_bool(r);
    d->first_ts = ds_rbuf_i64(r);
    d->last_ts = ds_rbuf_i64(r);
    d->started = ds_rbuf_bool(r);
    d->part_start = ds_rbuf_i64(r);
    d->now = ds_rbuf_i64(r);
    /* Packet times are never before 1970 (ds_pcapng.c); the judging subtracts them. */
    if (d->part_start < 0 || d->now < 0 ||
        (d->any && (d->first_ts < 0 || d->last_ts < d->first_ts)))
        ds_rbuf_fail(r, "dos: the part's times are before 1970 or out of order");
    size_t n = ds_rbuf_count(r, 200);
    for (size_t i = 0; i < n && !r->bad; i++) {
        if (d->nattacks == d->capattacks) {
            d->capattacks = d->capattacks ? 2 * d->capattacks : 64;
            d->attacks = ds_xrealloc(d->attacks, d->capattacks * sizeof *d->attacks);
        }
        ds_dos_attack *a = &d->attacks[d->nattacks++];
        ds_rs_attack(r, a);
        /* An attack that ended in the part is a line of the result's stream too. */
        if (d->nd_ok && !r->bad)
            ds_dos_ndjson_line(d->nd.f, ctx->telescope, a);
    }
    n = ds_rbuf_count(r, 72);
    for (size_t i = 0; i < n && !r->bad; i++) {
        ds_dos_event e;
        e.minute = ds_rbuf_i64(r);
        if (e.minute < 0 || e.minute > INT64_MAX - 60 * DS_NS_PER_SEC) /* minute + 1 min */
            ds_rbuf_fail(r, "dos: an event's minute is before 1970 or past 2262");
        ds_rbuf_ip(r, &e.victim);
        ds_rs_protos(r, &e.protos);
        e.packets = ds_rbuf_u64(r);
        e.addrs = ds_rbuf_u64(r);
        ds_dos_push_event(d, &e);
    }
    uint32_t *ring = ds_xcalloc(W, sizeof *ring);
    for (int pass = 0; pass < 2 && !r->bad; pass++) {
        n = ds_rbuf_count(r, 100);
        for (size_t i = 0; i < n && !r->bad; i++) {
            ds_dos_vec v;
            ds_rs_vec(r, d, &v, ring);
            if (r->bad) {
                ds_dos_vec_free(&v);
                break;
            }
            if (pass == 0 && ds_dos_find(d, &v.victim, v.proto) != UINT32_MAX) {
                ds_rbuf_fail(r, "dos: two open vectors with one key");
                ds_dos_vec_free(&v);
            } else if (pass == 0) {
                ds_dos_insert(d, &v, ring);
            } else {
                ds_dos_hold(d, &v, ring);
            }
        }
    }
    free(ring);
    if (r->bad) {
        ds_dos_destroy(d);
        return NULL;
    }
    return d;
}

/* ---- merge ---------------------------------------------------------------------- */

/* Drops a vector's head: its stashed first bin becomes an event. */
static void ds_dos_drop_head(ds_dos *d, ds_dos_vec *v)
{
    const ds_dos_head *h = v->head;
    if (h && h->bin_done && h->bin_packets >= d->cfg.event_min) {
        ds_dos_event e = {h->bin_start, v->victim, h->bin_protos, h->bin_packets,
                          ds_dcount_value(&h->bin_addrs)};
        ds_dos_push_event(d, &e);
    }
    ds_dos_head_free(v);
}

static void ds_set16_merge(ds_dos_set16 *d, const ds_dos_set16 *s)
{
    /* Rebuild through the bitmap: simple, and the result is the set of the union. */
    uint64_t *bits = ds_xcalloc(1024, sizeof *bits);
    const ds_dos_set16 *two[2] = {d, s};
    for (int k = 0; k < 2; k++) {
        if (two[k]->bits)
            for (int i = 0; i < 1024; i++)
                bits[i] |= two[k]->bits[i];
        else
            for (uint32_t i = 0; i < two[k]->n; i++)
                bits[two[k]->inl[i] >> 6] |= 1ull << (two[k]->inl[i] & 63);
    }
    uint32_t n = 0;
    for (int i = 0; i < 1024; i++)
        n += (uint32_t)__builtin_popcountll(bits[i]);
    free(d->bits);
    d->bits = NULL;
    d->n = 0;
    if (n > sizeof d->inl / sizeof d->inl[0]) {
        d->bits = bits;
        d->n = n;
        return;
    }
    for (uint32_t v = 0; v < 65536; v++)
        if (bits[v >> 6] >> (v & 63) & 1)
            d->inl[d->n++] = (uint16_t)v;
    free(bits);
}

/* Top target ports of the union: exact sums while the union has at most
 * DS_DOS_TOPK ports (Space-Saving never evicted); beyond, the largest sums. */
static void ds_topk_merge(ds_dos_topk *d, const ds_dos_topk *s)
{
    ds_dos_topk all[2 * DS_DOS_TOPK];
    int n = 0;
    for (int i = 0; i < DS_DOS_TOPK; i++)
        if (d[i].count)
            all[n++] = d[i];
    for (int i = 0; i < DS_DOS_TOPK; i++) {
        if (!s[i].count)
            continue;
        int j = 0;
        while (j < n && all[j].port != s[i].port)
            j++;
        if (j < n)
            all[j].count += s[i].count;
        else
            all[n++] = s[i];
    }
    for (int i = 1; i < n; i++) /* largest counts first (insertion sort, n <= 16) */
        for (int j = i; j > 0 && all[j].count > all[j - 1].count; j--) {
            ds_dos_topk t = all[j];
            all[j] = all[j - 1];
            all[j - 1] = t;
        }
    memset(d, 0, DS_DOS_TOPK * sizeof *d);
    for (int i = 0; i < n && i < DS_DOS_TOPK; i++)
        d[i] = all[i];
}

static void ds_sample_merge(ds_dos_sample *d, const ds_dos_sample *s, uint32_t k)
{
    uint32_t n = d->n + s->n;
    ds_dos_sample_ent *e = ds_xmalloc((n ? n : 1) * sizeof *e);
    if (d->n)
        memcpy(e, d->e, d->n * sizeof *e);
    if (s->n)
        memcpy(e + d->n, s->e, s->n * sizeof *e);
    /* Sort by hash, drop repeats, keep the k smallest: the bottom-k of the union. */
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && e[j].h < e[j - 1].h; j--) {
            ds_dos_sample_ent t = e[j];
            e[j] = e[j - 1];
            e[j - 1] = t;
        }
    uint32_t w = 0;
    for (uint32_t i = 0; i < n && w < k; i++)
        if (w == 0 || e[i].h != e[w - 1].h)
            e[w++] = e[i];
    free(d->e);
    d->e = e;
    d->n = w;
    d->cap = n ? n : 1;
    ds_sample_heapify(d, k);
}

/* The bin being counted of a unites with the first bin of b (same minute). */
static void ds_bin_unite(const ds_dos_config *c, ds_dos_vec *a, uint64_t packets,
                         const ds_dos_protos *protos, const ds_dcount *addrs)
{
    a->bin_packets += packets;
    for (int i = 0; i < 4; i++)
        a->bin_protos.w[i] |= protos->w[i];
    ds_dcount_merge(&a->bin_addrs, addrs, (uint32_t)c->exact_cap, c->hll_p);
}

/* Makes a's current bin b's current one (a's having been emitted or united). */
static void ds_bin_take(ds_dos_vec *a, ds_dos_vec *b)
{
    a->bin_start = b->bin_start;
    a->bin_packets = b->bin_packets;
    a->bin_protos = b->bin_protos;
    ds_dcount t = a->bin_addrs;
    a->bin_addrs = b->bin_addrs;
    b->bin_addrs = t;
}

/* Continues a (open in dst, ring ra) with b (a head of the later part): the vector
 * one run would have had. b is left to be freed. */
static void ds_dos_continue(ds_dos *d, ds_dos_vec *a, uint32_t *ra, ds_dos_vec *b)
{
    const ds_dos_config *c = &d->cfg;
    const ds_dos_head *h = b->head;
    ds_dos_event e;
    /* Event bins: a's current bin and b's first one are one bin when they are the
     * same minute. */
    int64_t b_first_bin = h->bin_done ? h->bin_start : b->bin_start;
    if (b_first_bin == a->bin_start) {
        if (h->bin_done) {
            ds_bin_unite(c, a, h->bin_packets, &h->bin_protos, &h->bin_addrs);
            if (ds_dos_vec_bin_event(&d->env, a, &e))
                ds_dos_push_event(d, &e);
            ds_bin_take(a, b);
        } else {
            ds_bin_unite(c, a, b->bin_packets, &b->bin_protos, &b->bin_addrs);
        }
    } else {
        if (ds_dos_vec_bin_event(&d->env, a, &e))
            ds_dos_push_event(d, &e);
        if (h->bin_done && h->bin_packets >= c->event_min) {
            e = (ds_dos_event){h->bin_start, b->victim, h->bin_protos, h->bin_packets,
                               ds_dcount_value(&h->bin_addrs)};
            ds_dos_push_event(d, &e);
        }
        ds_bin_take(a, b);
    }
    /* Sliding window: b's packets continue a's windows, which are anchored at a's
     * first packet; replayed one by one as the single run counted them. */
    size_t pos = 0;
    int64_t t = b->first;
    while (ds_dos_head_next(h, &pos, &t))
        ds_dos_vec_window(&d->env, a, ra, t);
    /* Peak second: a's last second and b's first are one when the same second. */
    uint64_t peak = a->peak_sec > b->peak_sec ? a->peak_sec : b->peak_sec;
    if (h->sec0 == a->cur_sec && a->sec_count + h->sec0_count > peak)
        peak = a->sec_count + h->sec0_count;
    a->sec_count = b->sec_count + (b->cur_sec == a->cur_sec ? a->sec_count : 0);
    a->cur_sec = b->cur_sec;
    a->peak_sec = peak;
    /* Counters, sets, sketches. */
    a->last = b->last;
    a->packets += b->packets;
    a->bytes += b->bytes;
    a->monitors |= b->monitors;
    for (int k = 0; k < DS_DOS_KINDS; k++)
        a->kinds[k] += b->kinds[k];
    a->mismatches += b->mismatches;
    a->unquoted += b->unquoted;
    for (int i = 0; i < 4; i++)
        a->protos.w[i] |= b->protos.w[i];
    ds_dcount_merge(&a->addrs, &b->addrs, (uint32_t)c->exact_cap, c->hll_p);
    ds_dcount_merge(&a->s16, &b->s16, (uint32_t)c->exact_cap, c->hll_p);
    ds_set16_merge(&a->aports, &b->aports);
    ds_set16_merge(&a->tports, &b->tports);
    ds_topk_merge(a->top, b->top);
    if (!a->has_tport && b->has_tport) {
        a->has_tport = true;
        a->first_tport = b->first_tport;
    }
    ds_sample_merge(&a->sample, &b->sample, (uint32_t)c->ad_sample);
}

int ds_dos_merge(void *dstp, void *srcp, char *err, size_t errlen)
{
    ds_dos *d = dstp, *s = srcp;
    unsigned W = d->env.ring_len;
    ds_dos_settle_all(d);
    ds_dos_settle_all(s);
    ds_dos_merge_approx(d, s); /* --max-memory: an approximate part stays so */
    /* 1. dst becomes a merged state: its heads are judged or dropped. */
    for (size_t i = 0; i < d->nheld; i++)
        ds_dos_judge(d, &d->held[i]);
    d->nheld = 0;
    for (size_t i = 0; i < d->npool; i++)
        if (d->pool[i].used)
            ds_dos_drop_head(d, &d->pool[i]);
    /* 2. src's heads continue dst's open vectors, or stand alone. */
    for (size_t k = 0; k < s->npool + s->nheld; k++) {
        bool held = k >= s->npool;
        ds_dos_vec *b = held ? &s->held[k - s->npool] : &s->pool[k];
        if (!held && !b->used)
            continue;
        uint32_t ia = ds_dos_find(d, &b->victim, b->proto);
        bool cont = b->head && ia != UINT32_MAX && b->first - d->pool[ia].last <= d->cfg.timeout &&
                    b->first >= d->pool[ia].last;
        if (cont) {
            ds_dos_continue(d, &d->pool[ia], &d->rings[(size_t)ia * W], b);
            d->vectors--; /* one vector, counted by both parts */
            if (held)
                ds_dos_end(d, ia);
            ds_dos_vec_free(b);
            if (!held)
                b->used = false;
            continue;
        }
        if (ia != UINT32_MAX && b->first > d->pool[ia].last)
            ds_dos_end(d, ia); /* ended before b began */
        ds_dos_drop_head(d, b);
        if (held) {
            ds_dos_judge(d, b);
        } else if (ds_dos_find(d, &b->victim, b->proto) == UINT32_MAX) {
            ds_dos_insert(d, b, &s->rings[k * W]);
            b->used = false; /* moved */
        } else {
            /* The same key open in both parts at once (parts over other monitors):
             * the vectors are united, not interleaved (docs/SCALE.md). */
            uint32_t ja = ds_dos_find(d, &b->victim, b->proto);
            uint64_t bwin = b->max_win; /* b's own windows: it has no packet times */
            ds_dos_head_new(&d->env, b, b->first);
            ds_dos_continue(d, &d->pool[ja], &d->rings[(size_t)ja * W], b);
            if (bwin > d->pool[ja].max_win)
                d->pool[ja].max_win = bwin;
            d->vectors--;
            ds_dos_vec_free(b);
            b->used = false;
        }
    }
    s->nheld = 0;
    /* 3. What src judged, and its counters. */
    for (size_t i = 0; i < s->nattacks; i++) {
        if (d->nattacks == d->capattacks) {
            d->capattacks = d->capattacks ? 2 * d->capattacks : 64;
            d->attacks = ds_xrealloc(d->attacks, d->capattacks * sizeof *d->attacks);
        }
        d->attacks[d->nattacks++] = s->attacks[i];
        if (d->nd_ok)
            ds_dos_ndjson_line(d->nd.f, d->ctx->telescope, &s->attacks[i]);
    }
    for (size_t i = 0; i < s->nevents; i++)
        ds_dos_push_event(d, &s->events[i]);
    d->vectors += s->vectors;
    d->vector_packets += s->vector_packets;
    d->non_attacks += s->non_attacks;
    d->non_attack_packets += s->non_attack_packets;
    for (int k = 0; k < DS_DOS_KINDS; k++)
        d->kinds[k] += s->kinds[k];
    d->mismatches += s->mismatches;
    d->unquoted += s->unquoted;
    if (s->any) {
        if (!d->any || s->first_ts < d->first_ts)
            d->first_ts = s->first_ts;
        if (!d->any || s->last_ts > d->last_ts)
            d->last_ts = s->last_ts;
        d->any = true;
    }
    if (s->now > d->now)
        d->now = s->now;
    if (d->nd_ok)
        fflush(d->nd.f);
    (void)err;
    (void)errlen;
    return 0;
}

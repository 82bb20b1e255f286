/*
 * ds_scan_state.c — the scanner analyzer's mergeable state: save, load, merge.
 *
 * The state is un-finished: the ended episodes, every live (source, protocol, port)
 * slot with its candidate window (destinations with their latest probe, and the
 * probes) or its running episode (start, counts, destination set), and the heads
 * (ds_scan_int.h): the first stretch of every key first probed within the window of
 * the part's first probe.
 *
 * Merging a later part B into A (consecutive in time), per head of B:
 *   - its verbatim probes are replayed onto A's slot of the key through the same
 *     per-probe code a single run uses (a silence longer than the window ends A's
 *     episode there, a shorter one continues A's candidate or episode, a trigger
 *     can come from destinations of both parts);
 *   - then, if the stretch has later probes: an episode just adds them (packets,
 *     tools, destinations); a key that is still a candidate has a window holding
 *     only B's probes by then, so its state is B's own;
 *   - a stretch that ended inside B ends the merged slot there.
 * B's other slots start after a silence longer than the window (they end A's slot
 * of the key); B's ended episodes stand. The merged state keeps A's heads (and gets
 * heads for keys first heard in B within A's first window), so it can itself follow
 * an earlier part: a reduction tree (--mpi) may merge any two neighbours.
 *
 * The shards of one `-j` run are merged otherwise: they keep no heads (a run that
 * saves its state is not sharded) and hold disjoint sources, so B's running
 * episodes become finished rows of A and nothing else of B is kept. The result is
 * for writing only, never for saving.
 *
 * Layout (little-endian, ds_state.h): u64 min_dests, i64 window; u8 started, i64
 * first probe, i64 cutoff, u8 swept, i64 next sweep; u32 episodes (ip, u8 proto,
 * u16 port, i64 start, i64 end, u64 packets, u64 destinations, u8 tool); u32 slots
 * (see ds_ws_slot); u32 heads (ip, u8 proto, u16 port, u8 closed, u32 verbatim
 * probes (i64 ts, u64 destination key, u8 tags), the later probes: u64 packets, 3
 * u64 tool counts, u32 keys, u64 each; when closed, the held slot).
 */
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ds_scan_int.h"

/* ---- save ------------------------------------------------------------------------ */

static void ds_ws_set(ds_wbuf *w, const ds_scan_state *st)
{
    ds_wbuf_u32(w, (uint32_t)st->setn);
    for (size_t i = 0; i < st->setcap; i++)
        if (st->set[i])
            ds_wbuf_u64(w, st->set[i]);
}

static void ds_ws_state(ds_wbuf *w, const ds_scan_state *st)
{
    if (!st) {
        ds_wbuf_u8(w, 0);
    } else if (!st->episode) {
        ds_wbuf_u8(w, 1);
        ds_wbuf_u32(w, (uint32_t)st->nd);
        for (size_t i = 0; i < st->nd; i++) {
            ds_wbuf_u64(w, st->dv[i].dst);
            ds_wbuf_i64(w, st->dv[i].last);
        }
        ds_wbuf_u32(w, (uint32_t)st->qn);
        for (size_t i = 0; i < st->qn; i++) {
            const ds_scan_probe *p = &st->q[(st->qhead + i) & (st->qcap - 1)];
            ds_wbuf_i64(w, p->ts);
            ds_wbuf_u8(w, p->tags);
        }
    } else {
        ds_wbuf_u8(w, 2);
        ds_wbuf_i64(w, st->start);
        ds_wbuf_u64(w, st->packets);
        for (int t = 0; t < DS_TOOL_N; t++)
            ds_wbuf_u64(w, st->tools[t]);
        ds_ws_set(w, st);
    }
}

/* A slot: ip, u8 proto, u16 port, u8 head, i64 last, u64 dst0, u8 tags0, u8 kind
 * (0 one probe, 1 candidate, 2 episode) and the kind's fields. */
static void ds_ws_slot(ds_wbuf *w, const ds_scan_slot *s)
{
    ds_wbuf_ip(w, &s->src);
    ds_wbuf_u8(w, s->proto);
    ds_wbuf_u16(w, s->port);
    ds_wbuf_u8(w, s->head);
    ds_wbuf_i64(w, s->last);
    ds_wbuf_u64(w, s->dst0);
    ds_wbuf_u8(w, s->tags0);
    ds_ws_state(w, s->st);
}

int ds_scan_save(const void *stp, ds_wbuf *w)
{
    const ds_scan *sc = stp;
    if (sc->approx) { /* --max-memory evicted keys (ds_scan.c) */
        fprintf(stderr, "darkscope: scan: keys were evicted under --max-memory; an "
                        "approximate state cannot be saved (not done)\n");
        return -1;
    }
    ds_wbuf_u64(w, sc->cfg.min_dests);
    ds_wbuf_i64(w, sc->cfg.window_ns);
    ds_wbuf_u8(w, sc->started);
    ds_wbuf_i64(w, sc->first_ts);
    ds_wbuf_i64(w, sc->cutoff);
    ds_wbuf_u8(w, sc->swept_once);
    ds_wbuf_i64(w, sc->next_sweep);
    ds_wbuf_u32(w, (uint32_t)sc->neps);
    for (size_t i = 0; i < sc->neps; i++) {
        const ds_scan_ep *e = &sc->eps[i];
        ds_wbuf_ip(w, &e->src);
        ds_wbuf_u8(w, e->proto);
        ds_wbuf_u16(w, e->port);
        ds_wbuf_i64(w, e->start);
        ds_wbuf_i64(w, e->end);
        ds_wbuf_u64(w, e->packets);
        ds_wbuf_u64(w, e->dests);
        ds_wbuf_u8(w, (uint8_t)e->tool);
    }
    uint32_t live = 0;
    for (size_t i = 0; i < sc->cap; i++)
        live += sc->tab[i].used == DS_SLOT_LIVE;
    ds_wbuf_u32(w, live);
    for (size_t i = 0; i < sc->cap; i++)
        if (sc->tab[i].used == DS_SLOT_LIVE)
            ds_ws_slot(w, &sc->tab[i]);
    ds_wbuf_u32(w, (uint32_t)sc->nheads);
    for (size_t i = 0; i < sc->nheads; i++) {
        const ds_scan_head *h = sc->heads[i];
        ds_wbuf_ip(w, &h->src);
        ds_wbuf_u8(w, h->proto);
        ds_wbuf_u16(w, h->port);
        ds_wbuf_u8(w, h->closed);
        ds_wbuf_u32(w, (uint32_t)h->npre);
        for (size_t k = 0; k < h->npre; k++) {
            ds_wbuf_i64(w, h->pre[k].ts);
            ds_wbuf_u64(w, h->pre[k].dst);
            ds_wbuf_u8(w, h->pre[k].tags);
        }
        ds_wbuf_u64(w, h->post.packets);
        for (int t = 0; t < DS_TOOL_N; t++)
            ds_wbuf_u64(w, h->post.tools[t]);
        ds_ws_set(w, &h->post);
        if (h->closed)
            ds_ws_slot(w, &h->held);
    }
    return 0;
}

/* ---- load ------------------------------------------------------------------------ */

static void ds_rs_set(ds_rbuf *r, ds_scan_state *st)
{
    size_t n = ds_rbuf_count(r, 8);
    for (size_t i = 0; i < n && !r->bad; i++) {
        uint64_t k = ds_rbuf_u64(r);
        if (k == 0) {
            ds_rbuf_fail(r, "scan: a destination set holds an impossible key");
            return;
        }
        ds_scan_set_add(st, k);
    }
    if (!r->bad && st->setn != n)
        ds_rbuf_fail(r, "scan: a destination set repeats a key");
}

static ds_scan_state *ds_rs_state(ds_rbuf *r)
{
    uint8_t kind = ds_rbuf_u8(r);
    if (kind == 0 || r->bad)
        return NULL;
    if (kind > 2) {
        ds_rbuf_fail(r, "scan: a slot of unknown kind");
        return NULL;
    }
    ds_scan_state *st = ds_xcalloc(1, sizeof *st);
    if (kind == 1) {
        size_t nd = ds_rbuf_count(r, 16);
        st->dv = ds_xmalloc((nd ? nd : 1) * sizeof *st->dv);
        st->capd = nd ? nd : 1;
        for (size_t i = 0; i < nd && !r->bad; i++) {
            st->dv[i].dst = ds_rbuf_u64(r);
            st->dv[i].last = ds_rbuf_i64(r);
            if (st->dv[i].last < 0) /* as every loaded time: a merge subtracts them */
                ds_rbuf_fail(r, "scan: a time before 1970");
            if (!st->nd || st->dv[i].last < st->dmin)
                st->dmin = st->dv[i].last;
            st->nd++;
        }
        size_t qn = ds_rbuf_count(r, 9);
        /* the probe ring's capacity is a power of two (ds_scan_int.h) */
        size_t qcap = 1;
        while (qcap < qn)
            qcap *= 2;
        st->q = ds_xmalloc(qcap * sizeof *st->q);
        st->qcap = qcap;
        for (size_t i = 0; i < qn && !r->bad; i++) {
            st->q[i].ts = ds_rbuf_i64(r);
            if (st->q[i].ts < 0)
                ds_rbuf_fail(r, "scan: a time before 1970");
            st->q[i].tags = ds_rbuf_u8(r);
            st->qn++;
        }
        return st;
    }
    st->episode = true;
    st->start = ds_rbuf_i64(r);
    if (st->start < 0)
        ds_rbuf_fail(r, "scan: a time before 1970");
    st->packets = ds_rbuf_u64(r);
    for (int t = 0; t < DS_TOOL_N; t++)
        st->tools[t] = ds_rbuf_u64(r);
    ds_rs_set(r, st);
    return st;
}

static void ds_rs_slot(ds_rbuf *r, ds_scan_slot *s)
{
    memset(s, 0, sizeof *s);
    ds_rbuf_ip(r, &s->src);
    s->proto = ds_rbuf_u8(r);
    s->port = ds_rbuf_u16(r);
    s->head = ds_rbuf_bool(r);
    s->last = ds_rbuf_i64(r);
    if (s->last < 0) /* no run makes it; merges subtract it (fuzz_state) */
        ds_rbuf_fail(r, "scan: a time before 1970");
    s->dst0 = ds_rbuf_u64(r);
    s->tags0 = ds_rbuf_u8(r);
    s->used = DS_SLOT_LIVE;
    s->st = ds_rs_state(r);
}

void *ds_scan_load(const ds_ctx *ctx, const void *cfg, ds_rbuf *r, char *err, size_t errlen)
{
    ds_scan *sc = ds_scan_create(ctx, cfg);
    /* A loaded state may be merged with later parts and saved again: it keeps heads
     * for keys first heard within its first window, whoever runs the merge. */
    sc->keep_heads = true;
    uint64_t min = ds_rbuf_u64(r);
    int64_t win = ds_rbuf_i64(r);
    if (!r->bad && (min != sc->cfg.min_dests || win != sc->cfg.window_ns)) {
        snprintf(err, errlen,
                 "scan: the state was made with other --scan-min-dests or "
                 "--scan-window values");
        ds_scan_ops.destroy(sc);
        return NULL;
    }
    sc->started = ds_rbuf_bool(r);
    sc->first_ts = ds_rbuf_i64(r);
    if (sc->first_ts < 0)
        ds_rbuf_fail(r, "scan: a time before 1970");
    sc->cutoff = ds_rbuf_i64(r);
    sc->swept_once = ds_rbuf_bool(r);
    sc->next_sweep = ds_rbuf_i64(r);
    size_t ne = ds_rbuf_count(r, 16 + 1 + 2 + 8 * 4 + 1);
    sc->eps = ds_xmalloc((ne ? ne : 1) * sizeof *sc->eps);
    sc->capeps = ne ? ne : 1;
    for (size_t i = 0; i < ne && !r->bad; i++) {
        ds_scan_ep *e = &sc->eps[sc->neps++];
        ds_rbuf_ip(r, &e->src);
        e->proto = ds_rbuf_u8(r);
        e->port = ds_rbuf_u16(r);
        e->start = ds_rbuf_i64(r);
        e->end = ds_rbuf_i64(r);
        if (e->start < 0 || e->end < e->start) /* scanners.csv subtracts them */
            ds_rbuf_fail(r, "scan: an episode ends before it starts, or before 1970");
        e->packets = ds_rbuf_u64(r);
        e->dests = ds_rbuf_u64(r);
        e->tool = ds_rbuf_u8(r);
        if (e->tool > DS_TOOL_N)
            ds_rbuf_fail(r, "scan: an episode names an unknown tool");
    }
    size_t ns = ds_rbuf_count(r, 16 + 1 + 2 + 1 + 8 + 8 + 1 + 1);
    for (size_t i = 0; i < ns && !r->bad; i++) {
        ds_scan_slot s;
        ds_rs_slot(r, &s);
        if ((sc->n + 1) * 2 > sc->cap)
            ds_scan_rebuild(sc, sc->cap * 2, 0, false);
        ds_scan_slot *t = ds_scan_find(sc, &s.src, s.proto, s.port);
        if (t->used) {
            ds_scan_state_free(s.st);
            ds_rbuf_fail(r, "scan: a key has two slots");
            break;
        }
        *t = s;
        sc->n++;
    }
    size_t nh = ds_rbuf_count(r, 16 + 1 + 2 + 1 + 4 + 8 * 4 + 4);
    for (size_t i = 0; i < nh && !r->bad; i++) {
        ds_ip src;
        ds_rbuf_ip(r, &src);
        uint8_t proto = ds_rbuf_u8(r);
        uint16_t port = ds_rbuf_u16(r);
        if (ds_scan_head_get(sc, &src, proto, port)) {
            ds_rbuf_fail(r, "scan: a key has two heads");
            break;
        }
        ds_scan_head *h = ds_scan_head_new(sc, &src, proto, port);
        h->closed = ds_rbuf_bool(r);
        size_t np = ds_rbuf_count(r, 17);
        if (np == 0 && !r->bad)
            ds_rbuf_fail(r, "scan: a head without probes");
        h->pre = ds_xmalloc((np ? np : 1) * sizeof *h->pre);
        h->cappre = np ? np : 1;
        for (size_t k = 0; k < np && !r->bad; k++) {
            h->pre[k].ts = ds_rbuf_i64(r);
            if (h->pre[k].ts < 0)
                ds_rbuf_fail(r, "scan: a time before 1970");
            h->pre[k].dst = ds_rbuf_u64(r);
            h->pre[k].tags = ds_rbuf_u8(r);
            h->npre++;
        }
        h->post.packets = ds_rbuf_u64(r);
        for (int t = 0; t < DS_TOOL_N; t++)
            h->post.tools[t] = ds_rbuf_u64(r);
        ds_rs_set(r, &h->post);
        if (h->closed && !r->bad) {
            ds_rs_slot(r, &h->held);
            h->held.head = 0;
        }
        if (r->bad)
            break;
        /* A head's stretch is either closed or the key's live, head-marked slot. */
        ds_scan_slot *s = ds_scan_find(sc, &src, proto, port);
        if (!h->closed && !(s->used && s->head))
            ds_rbuf_fail(r, "scan: an open head without its slot");
    }
    for (size_t i = 0; i < sc->cap && !r->bad; i++) {
        const ds_scan_slot *s = &sc->tab[i];
        if (s->used && s->head) {
            const ds_scan_head *h = ds_scan_head_get(sc, &s->src, s->proto, s->port);
            if (!h || h->closed)
                ds_rbuf_fail(r, "scan: a head slot without its head");
        }
    }
    return sc;
}

/* ---- merge ----------------------------------------------------------------------- */

static void ds_scan_add_later(ds_scan_state *st, const ds_scan_state *post)
{
    st->packets += post->packets;
    for (int t = 0; t < DS_TOOL_N; t++)
        st->tools[t] += post->tools[t];
    for (size_t i = 0; i < post->setcap; i++)
        if (post->set[i])
            ds_scan_set_add(st, post->set[i]);
}

/* Continues dst's key with the head h of the later part src (see the top). */
static int ds_scan_merge_head(ds_scan *a, ds_scan *b, ds_scan_head *h, char *err, size_t errlen)
{
    for (size_t k = 0; k < h->npre; k++)
        ds_scan_probe_key(a, &h->src, h->proto, h->port, h->pre[k].dst, h->pre[k].ts,
                          h->pre[k].tags);
    ds_scan_slot *s = ds_scan_find(a, &h->src, h->proto, h->port);
    ds_scan_slot *bs = h->closed ? NULL : ds_scan_find(b, &h->src, h->proto, h->port);
    ds_scan_slot *fin = h->closed ? &h->held : bs;
    if (!s->used || !fin->used) {
        snprintf(err, errlen, "scan: a head of the later state has no slot (corrupt state)");
        return -1;
    }
    if (h->post.packets) {
        if (s->st && s->st->episode) {
            ds_scan_add_later(s->st, &h->post);
        } else {
            ds_scan_state_free(s->st);
            s->st = fin->st;
            fin->st = NULL;
            s->dst0 = fin->dst0;
            s->tags0 = fin->tags0;
        }
        s->last = fin->last;
        ds_scan_head *ha = s->head ? ds_scan_head_get(a, &h->src, h->proto, h->port) : NULL;
        if (ha)
            ds_scan_add_later(&ha->post, &h->post);
    }
    if (h->closed) {
        ds_scan_end_slot(a, s);
        s->used = DS_SLOT_GONE;
    } else {
        bs->used = DS_SLOT_GONE; /* taken over (b's destroy still frees its st) */
    }
    return 0;
}

int ds_scan_merge(void *dstp, void *srcp, char *err, size_t errlen)
{
    ds_scan *a = dstp, *b = srcp;
    if (a->cfg.min_dests != b->cfg.min_dests || a->cfg.window_ns != b->cfg.window_ns) {
        snprintf(err, errlen, "scan: states made with other scanner options");
        return -1;
    }
    ds_scan_merge_approx(a, b); /* --max-memory: an approximate part stays so */
    if (!b->started)
        return 0;
    if (!a->started) {
        /* Nothing before b: the result is b (contexts stay with their owners). */
        ds_scan t = *a;
        *a = *b;
        *b = t;
        b->ctx = a->ctx;
        a->ctx = t.ctx;
        a->keep_heads = t.keep_heads;
        return 0;
    }
    if (!a->keep_heads && !b->keep_heads && !a->nheads && !b->nheads && !a->approx && !b->approx) {
        /* Shards of one -j run (only they merge without heads): their sources are
         * disjoint, so b's keys need no place in a's table. Of them, only the
         * running episodes matter to the outputs: they join a's finished ones as
         * the rows ds_scan_write would make of them; the rest goes with b. */
        for (size_t i = 0; i < b->cap; i++)
            if (b->tab[i].used == DS_SLOT_LIVE && b->tab[i].st && b->tab[i].st->episode)
                ds_scan_finish_ep(a, &b->tab[i]);
        for (size_t i = 0; i < b->neps; i++)
            ds_scan_push_ep(a, &b->eps[i]);
        return 0;
    }
    for (size_t i = 0; i < b->nheads; i++)
        if (ds_scan_merge_head(a, b, b->heads[i], err, errlen) != 0)
            return -1;
    /* One rebuild, sized for both parts, which also drops the slots the heads'
     * merge removed: growing by doublings as b's keys arrive and rebuilding again
     * at the end moved a -j run's whole table three times (most of its merge). */
    size_t live_b = 0, cap = a->cap, floor_cap = a->floor_cap;
    for (size_t i = 0; i < b->cap; i++)
        live_b += b->tab[i].used == DS_SLOT_LIVE;
    while ((a->n + live_b + 1) * 2 > cap)
        cap *= 2;
    a->floor_cap = cap; /* sized for what is coming, not for what a holds */
    ds_scan_rebuild(a, cap, 0, false);
    a->floor_cap = floor_cap;
    for (size_t i = 0; i < b->cap; i++) {
        ds_scan_slot *sb = &b->tab[i];
        if (sb->used != DS_SLOT_LIVE)
            continue;
        /* Not a head's stretch: it began after a silence longer than the window,
         * so a's slot of the key (if any) ended before it. */
        if ((a->n + 1) * 2 > a->cap)
            ds_scan_rebuild(a, a->cap * 2, 0, false);
        ds_scan_slot *s = ds_scan_find(a, &sb->src, sb->proto, sb->port);
        if (s->used)
            ds_scan_end_slot(a, s);
        else
            a->n++;
        *s = *sb;
        s->head = 0;
        sb->st = NULL;
    }
    for (size_t i = 0; i < b->neps; i++)
        ds_scan_push_ep(a, &b->eps[i]);
    return 0;
}

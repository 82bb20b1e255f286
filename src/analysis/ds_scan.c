/*
 * ds_scan.c — scanners: scanners.csv, after CAIDA's darknet-scanner definition
 * (a source that reaches at least 25 distinct telescope addresses on one
 * destination port within 5 minutes; --scan-min-dests and --scan-window change
 * both numbers).
 *
 * Probes are the packets of the classes scan-tcp, scan-udp and scan-icmp
 * (docs/CLASSES.md); the port is the destination port, 0 for ICMP. State is kept
 * per (source, protocol, port) and the rule is applied exactly, with W the window
 * and D the minimum number of destinations:
 *
 *   window     at a probe of time t, the window is [t - W, t], both ends included:
 *              a destination counts when the source's latest probe to it is no
 *              older than W;
 *   trigger    the first probe at which the window holds D distinct destinations;
 *   start      the latest-probe time of the oldest of those D destinations: the
 *              start of the shortest span ending at the trigger that holds D
 *              destinations (so 25 probes spread over exactly 5 minutes qualify,
 *              5 minutes and 1 ns do not);
 *   episode    from start until the source has been silent on that port for more
 *              than W (a probe exactly W after the previous one continues it);
 *              end = its last probe. A new episode needs a new trigger;
 *   packets    probes from start to end (those in [start, trigger] included);
 *   destinations  distinct destinations probed from start to end;
 *   tool       zmap, masscan or mirai when more than half of the episode's probes
 *              carry that fingerprint tag, otherwise unknown;
 *   est_scan_pps  (packets - 1) * 2^32 / (IPv4 addresses of the telescope) /
 *              (end - start): the scan rate to the whole IPv4 space of a uniform
 *              scanner (the first probe starts the clock); empty for the open
 *              telescope, for IPv6 sources and for zero-length episodes.
 *
 * Memory: a telescope sees millions of sources that send one packet, so a
 * (source, port) with one probe lives only in its 48-byte table slot (the probe's
 * destination, time and tags inline); a second probe allocates the candidate
 * state (the window's distinct destinations and probe times). When the table
 * fills, and at least every 4 W of packet time, it is rebuilt without the keys
 * silent for more than W (their episodes end then; a probe of such a key before
 * that starts it afresh, so in a single run when a rebuild happens changes no
 * result), so memory follows the sources active in the last few W, not the run.
 * Under --max-memory and when saving a state for a merge, as before: swept every
 * W, and a full table only doubles (ds_scan_keeps_old_gc). An episode keeps the
 * set of its destinations (8 bytes each, load <= 0.5) to count them exactly until
 * it ends. IPv6 destinations are compared by a 63-bit hash (a collision would need
 * ~3e9 destinations in one episode).
 *
 * Mergeable state (--state, --mpi): ds_scan_state.c saves, loads and merges it.
 * When the run keeps heads, the keys first probed within W of the part's first
 * probe also record their first stretch (ds_scan_int.h), and a stretch that ends
 * inside the part is held in its head instead of being finished, because an
 * earlier part may continue it.
 *
 * Bounded memory (--max-memory, docs/SCALE.md): every rebuild charges the table
 * and the candidate and episode states to the run's budget (recounted then, not
 * per probe). When the table would double past the budget, keys are evicted
 * instead: first every key with a single probe (a flood of spoofed sources is
 * exactly that), then, if that freed less than half, the candidates whose window
 * holds the fewest destinations (every candidate with at most T of them, T chosen
 * to free half). Episodes and heads are never evicted (an episode is a scanner
 * already found; a table of nothing but episodes still grows). A scanner loses
 * at most the probes its key held when it was evicted: at a rate above a probe per
 * eviction round it is never a single-probe key at a round. An eviction rebuilds
 * the table at no less than half its size and the table keeps its bytes charged,
 * so it grows back to its size without asking the budget again (otherwise the
 * other tables would take what it freed, and the rounds would come ever faster).
 * Keys created after the first eviction may be such a resumed key: their episodes
 * carry approximate = 1.
 */
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ds_scan_int.h"
#include "enrich/ds_attrib.h"
#include "output/ds_csv.h"

#define DS_2P32 4294967296.0

static const char *const ds_tool_names[] = {"zmap", "masscan", "mirai", "unknown"};

_Static_assert(sizeof(ds_scan_slot) == 48, "ds_scan_slot layout");

/* ---- options ------------------------------------------------------------------ */

static void *ds_scan_config_new(void)
{
    ds_scan_cfg *c = ds_xcalloc(1, sizeof *c);
    c->min_dests = 25;
    c->window_ns = 300 * DS_NS_PER_SEC;
    return c;
}
static void ds_scan_config_free(void *c)
{
    free(c);
}
static int ds_scan_set_min(void *cfg, const char *v, char *err, size_t errlen)
{
    return ds_opt_parse_u64(v, 1, 1000000, &((ds_scan_cfg *)cfg)->min_dests, err, errlen);
}
static int ds_scan_set_window(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_scan_cfg *c = cfg;
    if (ds_opt_parse_duration(v, &c->window_ns, err, errlen) != 0)
        return -1;
    if (c->window_ns <= 0) {
        snprintf(err, errlen, "the scan window must be positive");
        return -1;
    }
    return 0;
}

static const ds_option ds_scan_options[] = {
    {"scan-min-dests", "N",
     "a scanner reaches at least N distinct telescope addresses on one port within the "
     "window (default 25)",
     ds_scan_set_min},
    {"scan-window", "DURATION",
     "the scanner window; an episode ends after this much silence (default 5m)",
     ds_scan_set_window},
    {NULL, NULL, NULL, NULL},
};

/* ---- small helpers ------------------------------------------------------------ */

static inline uint64_t ds_scan_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static inline uint64_t ds_scan_hash(const ds_ip *s, uint8_t proto, uint16_t port)
{
    return ds_scan_mix(s->q[0] ^ ds_scan_mix(s->q[1] ^ ((uint64_t)proto << 16 | port)));
}

/* Destination key: IPv4 address + 1 (never 0), IPv6 a hash with the top bit set. */
static inline uint64_t ds_scan_dkey(const ds_ip *d)
{
    if (ds_ip_is_v4(d))
        return (uint64_t)ds_ip_v4(d) + 1;
    return ds_scan_mix(d->q[0] ^ ds_scan_mix(d->q[1])) | (1ull << 63);
}

void ds_scan_set_add(ds_scan_state *st, uint64_t k)
{
    if ((st->setn + 1) * 2 > st->setcap) {
        size_t ncap = st->setcap ? st->setcap * 2 : 64;
        uint64_t *nv = ds_xcalloc(ncap, sizeof *nv);
        for (size_t i = 0; i < st->setcap; i++) {
            if (!st->set[i])
                continue;
            size_t j = ds_scan_mix(st->set[i]) & (ncap - 1);
            while (nv[j])
                j = (j + 1) & (ncap - 1);
            nv[j] = st->set[i];
        }
        free(st->set);
        st->set = nv;
        st->setcap = ncap;
    }
    size_t j = ds_scan_mix(k) & (st->setcap - 1);
    while (st->set[j]) {
        if (st->set[j] == k)
            return;
        j = (j + 1) & (st->setcap - 1);
    }
    st->set[j] = k;
    st->setn++;
}

void ds_scan_state_free(ds_scan_state *st)
{
    if (!st)
        return;
    free(st->dv);
    free(st->q);
    free(st->set);
    free(st);
}

static int ds_scan_tool_of(const uint64_t tools[DS_TOOL_N], uint64_t packets)
{
    for (int t = 0; t < DS_TOOL_N; t++)
        if (tools[t] * 2 > packets)
            return t;
    return DS_TOOL_N;
}

void ds_scan_tools_add(uint64_t tools[DS_TOOL_N], uint8_t tags)
{
    tools[DS_TOOL_ZMAP] += (tags & DS_TAG_ZMAP) != 0;
    tools[DS_TOOL_MASSCAN] += (tags & DS_TAG_MASSCAN) != 0;
    tools[DS_TOOL_MIRAI] += (tags & DS_TAG_MIRAI) != 0;
}

/* The episode of a slot as a finished row (end = its last probe). */
static ds_scan_ep ds_scan_ep_of(const ds_scan_slot *s)
{
    ds_scan_ep e = {.src = s->src,
                    .proto = s->proto,
                    .port = s->port,
                    .start = s->st->start,
                    .end = s->last,
                    .packets = s->st->packets,
                    .dests = s->st->setn,
                    .tool = ds_scan_tool_of(s->st->tools, s->st->packets),
                    .approx = s->approx != 0};
    return e;
}

/* Appends e to the growing list (*v, *n, *cap). */
static void ds_eps_append(ds_scan_ep **v, size_t *n, size_t *cap, const ds_scan_ep *e)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        *v = ds_xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = *e;
}

void ds_scan_push_ep(ds_scan *sc, const ds_scan_ep *e)
{
    ds_eps_append(&sc->eps, &sc->neps, &sc->capeps, e);
}

void ds_scan_finish_ep(ds_scan *sc, const ds_scan_slot *s)
{
    ds_scan_ep e = ds_scan_ep_of(s);
    ds_scan_push_ep(sc, &e);
}

/* ---- the table ---------------------------------------------------------------- */

static void ds_scan_place(ds_scan_slot *tab, size_t cap, const ds_scan_slot *s)
{
    size_t i = ds_scan_hash(&s->src, s->proto, s->port) & (cap - 1);
    while (tab[i].used)
        i = (i + 1) & (cap - 1);
    tab[i] = *s;
}

/* ---- heads (ds_scan_int.h) ----------------------------------------------------- */

static void ds_scan_hix_put(ds_scan *sc, size_t pos)
{
    const ds_scan_head *h = sc->heads[pos];
    size_t i = ds_scan_hash(&h->src, h->proto, h->port) & (sc->hcap - 1);
    while (sc->hix[i])
        i = (i + 1) & (sc->hcap - 1);
    sc->hix[i] = (uint32_t)(pos + 1);
}

ds_scan_head *ds_scan_head_get(const ds_scan *sc, const ds_ip *src, uint8_t proto, uint16_t port)
{
    if (!sc->hcap)
        return NULL;
    size_t i = ds_scan_hash(src, proto, port) & (sc->hcap - 1);
    for (; sc->hix[i]; i = (i + 1) & (sc->hcap - 1)) {
        ds_scan_head *h = sc->heads[sc->hix[i] - 1];
        if (h->port == port && h->proto == proto && ds_ip_eq(&h->src, src))
            return h;
    }
    return NULL;
}

ds_scan_head *ds_scan_head_new(ds_scan *sc, const ds_ip *src, uint8_t proto, uint16_t port)
{
    if (sc->nheads == sc->capheads) {
        sc->capheads = sc->capheads ? 2 * sc->capheads : 64;
        sc->heads = ds_xrealloc(sc->heads, sc->capheads * sizeof *sc->heads);
    }
    ds_scan_head *h = ds_xcalloc(1, sizeof *h);
    h->src = *src;
    h->proto = proto;
    h->port = port;
    sc->heads[sc->nheads++] = h;
    if (sc->nheads * 2 > sc->hcap) {
        free(sc->hix);
        sc->hcap = sc->hcap ? 2 * sc->hcap : 128;
        sc->hix = ds_xcalloc(sc->hcap, sizeof *sc->hix);
        for (size_t i = 0; i < sc->nheads; i++)
            ds_scan_hix_put(sc, i);
    } else {
        ds_scan_hix_put(sc, sc->nheads - 1);
    }
    return h;
}

void ds_scan_head_free(ds_scan_head *h)
{
    if (!h)
        return;
    free(h->pre);
    free(h->post.set);
    ds_scan_state_free(h->held.st);
    free(h);
}

/* Records a probe of a head's stretch: verbatim up to the cutoff, then counted. */
static void ds_scan_head_record(ds_scan_head *h, uint64_t d, int64_t t, uint8_t tags,
                                int64_t cutoff)
{
    if (t <= cutoff && h->post.packets == 0) {
        if (h->npre == h->cappre) {
            h->cappre = h->cappre ? 2 * h->cappre : 4;
            h->pre = ds_xrealloc(h->pre, h->cappre * sizeof *h->pre);
        }
        h->pre[h->npre++] = (ds_scan_hprobe){t, d, tags};
        return;
    }
    h->post.packets++;
    ds_scan_tools_add(h->post.tools, tags);
    ds_scan_set_add(&h->post, d);
}

void ds_scan_end_slot(ds_scan *sc, ds_scan_slot *s)
{
    ds_scan_head *h = s->head ? ds_scan_head_get(sc, &s->src, s->proto, s->port) : NULL;
    if (h) {
        /* The first stretch ended inside the part: a merge with an earlier part
         * decides what it was (it may continue an earlier episode). */
        h->closed = true;
        h->held = *s;
        h->held.head = 0;
    } else {
        if (s->st && s->st->episode)
            ds_scan_finish_ep(sc, s);
        ds_scan_state_free(s->st);
    }
    s->st = NULL;
    s->head = 0;
}

void ds_scan_started(ds_scan *sc, int64_t t)
{
    sc->started = true;
    sc->first_ts = t;
    sc->cutoff = t > INT64_MAX - sc->cfg.window_ns ? INT64_MAX : t + sc->cfg.window_ns;
}

/* ---- the table ------------------------------------------------------------------ */

/* Whether the table keeps the rebuild policy it had before it dropped silent keys
 * when full and swept every 4 W: a full table only doubles and the sweep comes
 * every W. So under --max-memory, whose eviction rounds follow the table's size,
 * and in a run that keeps heads (--state, --mpi): there a key ended before the
 * part's end is held or finished differently from one still open, and merges of
 * parts cut at random times differed from the whole run (2 of 20 and 6 of 30
 * cuts; tests/test_state.sh keeps two of them). */
static bool ds_scan_keeps_old_gc(const ds_scan *sc)
{
    return ds_mem_bounded(sc->ctx->mem) || sc->keep_heads;
}

/* Rebuilds the table with capacity `cap`, keeping only the keys heard from within
 * the window before `now` (keys silent for longer end their episode), and dropping
 * the slots a merge removed. */
void ds_scan_rebuild(ds_scan *sc, size_t cap, int64_t now, bool expire)
{
    size_t live = 0, held = 0;
    for (size_t i = 0; i < sc->cap; i++) {
        ds_scan_slot *s = &sc->tab[i];
        if (s->used == DS_SLOT_GONE)
            s->used = DS_SLOT_EMPTY;
        if (!s->used)
            continue;
        held++;
        if (expire && now - s->last > sc->cfg.window_ns) {
            ds_scan_end_slot(sc, s);
            s->used = DS_SLOT_EMPTY;
        } else {
            live++;
        }
    }
    /* Shrink after a flood of one-packet sources has expired, judged by what the
     * table held (the window's peak: keys only leave at a rebuild), not by what
     * survives: a steady stream of one-packet sources expires most keys at every
     * sweep and refills the table within the window, and sizing by the survivors
     * halved the table at each sweep only to double it again before the next. */
    if (expire && cap > sc->cap) {
        /* Full: the silent keys go first, and the table doubles only when the
         * survivors fill a quarter of it (half sets the next rebuild off, so a
         * quarter of new keys at least fit before it). */
        cap = sc->cap;
        if (live * 4 >= cap)
            cap *= 2;
        while (live * 2 >= cap)
            cap *= 2;
    } else {
        while (cap > 1024 && cap > sc->floor_cap && held * 4 < cap)
            cap /= 2;
        while (live * 2 >= cap)
            cap *= 2;
    }
    /* The live keys are set aside in table order, then placed into the table
     * cleared in place when its size stays (a sweep, or a full table that need
     * not double once its silent keys are gone), else into a new one. A new
     * table at every sweep cost a page fault per 4 KiB of it (8 Mi slots are
     * 448 MiB: 82% of the page faults of the bench capture's run, most of its
     * system time), and the old and new tables were held at once. Each placement
     * writes a random slot: the home slot of the key a few places ahead is
     * prefetched so those misses overlap. */
    enum { AHEAD = 16 };
    ds_scan_slot *mv = ds_xmalloc((live ? live : 1) * sizeof *mv);
    size_t k = 0;
    for (size_t i = 0; i < sc->cap; i++)
        if (sc->tab[i].used)
            mv[k++] = sc->tab[i];
    ds_scan_slot *nt = sc->tab;
    if (cap == sc->cap) {
        memset(nt, 0, cap * sizeof *nt);
    } else {
        free(sc->tab);
        nt = ds_xzalloc(cap, sizeof *nt);
    }
    for (size_t i = 0; i < k; i++) {
        const ds_scan_slot *a = &mv[i + AHEAD < k ? i + AHEAD : i];
        ds_prefetchw(&nt[ds_scan_hash(&a->src, a->proto, a->port) & (cap - 1)]);
        ds_scan_place(nt, cap, &mv[i]);
    }
    free(mv);
    sc->tab = nt;
    sc->cap = cap;
    sc->n = live;
    sc->rebuilds++;
    if (cap > sc->hw_cap)
        sc->hw_cap = cap;
    if (ds_mem_bounded(sc->ctx->mem)) { /* recount what the table holds */
        size_t b = cap * sizeof *nt;
        for (size_t i = 0; i < cap; i++) {
            const ds_scan_state *st = nt[i].used ? nt[i].st : NULL;
            if (st)
                b += sizeof *st + st->capd * sizeof *st->dv + st->qcap * sizeof *st->q +
                     st->setcap * sizeof *st->set;
        }
        /* Once evicting, the table keeps the bytes it had: if the other tables
         * took what its eviction freed, it could never grow back, and the rounds
         * would come ever faster (a slow scanner would be evicted at every one). */
        if (sc->approx && b < sc->charged)
            b = sc->charged;
        ds_mem_give(sc->ctx->mem, sc->charged);
        ds_mem_force(sc->ctx->mem, b);
        sc->charged = b;
    }
}

void ds_scan_merge_approx(ds_scan *d, const ds_scan *s)
{
    if (!s->approx)
        return;
    if (!d->approx || s->approx_since < d->approx_since)
        d->approx_since = s->approx_since;
    d->approx = true;
    d->evictions += s->evictions;
    d->evicted += s->evicted;
    if (s->max_evicted_dests > d->max_evicted_dests)
        d->max_evicted_dests = s->max_evicted_dests;
}

/* The table is full and may not double (--max-memory): ends and drops the keys with
 * a single probe, then if needed the candidates with the fewest destinations in
 * their window, and rebuilds at the same size (see "Bounded memory" above). */
static void ds_scan_evict(ds_scan *sc, int64_t now)
{
    size_t live = 0, dropped = 0;
    uint64_t hist[65] = {0};
    for (size_t i = 0; i < sc->cap; i++) {
        ds_scan_slot *s = &sc->tab[i];
        if (s->used != DS_SLOT_LIVE)
            continue;
        live++;
        if (s->head)
            continue;
        if (!s->st) {
            s->used = DS_SLOT_EMPTY; /* a single probe: nothing to finish */
            dropped++;
        } else if (!s->st->episode) {
            hist[s->st->nd < 64 ? s->st->nd : 64]++;
        }
    }
    uint64_t T = 0;
    if (2 * dropped < live) { /* candidates too: the fewest destinations first */
        uint64_t sum = dropped;
        for (T = 0; T < 64 && 2 * (sum + hist[T]) < live; T++)
            sum += hist[T];
        for (size_t i = 0; i < sc->cap; i++) {
            ds_scan_slot *s = &sc->tab[i];
            if (s->used == DS_SLOT_LIVE && !s->head && s->st && !s->st->episode && s->st->nd <= T) {
                ds_scan_end_slot(sc, s);
                s->used = DS_SLOT_EMPTY;
                dropped++;
            }
        }
    }
    if (!sc->approx) {
        sc->approx = true;
        sc->approx_since = now;
    }
    sc->evictions++;
    sc->evicted += dropped;
    if (T > sc->max_evicted_dests)
        sc->max_evicted_dests = T;
    sc->floor_cap = sc->cap / 2; /* rounds then come every cap/4 new keys or so */
    ds_scan_rebuild(sc, sc->cap, now, false);
    sc->floor_cap = 0;
}

void *ds_scan_create(const ds_ctx *ctx, const void *cfg)
{
    ds_scan *sc = ds_xcalloc(1, sizeof *sc);
    sc->ctx = ctx;
    if (cfg) {
        sc->cfg = *(const ds_scan_cfg *)cfg;
    } else {
        sc->cfg.min_dests = 25;
        sc->cfg.window_ns = 300 * DS_NS_PER_SEC;
    }
    sc->keep_heads = ctx->keep_heads;
    sc->cap = 1024;
    sc->tab = ds_xzalloc(sc->cap, sizeof *sc->tab);
    if (!ds_telescope_is_open(ctx->telescope))
        for (int m = 0; m < ds_telescope_count(ctx->telescope); m++)
            sc->tel_v4 += (double)ds_telescope_size_v4(ctx->telescope, m);
    return sc;
}

/* ---- per probe ---------------------------------------------------------------- */

static void ds_cand_push(ds_scan_state *st, int64_t ts, uint8_t tags)
{
    if (st->qn == st->qcap) {
        size_t ncap = st->qcap ? 2 * st->qcap : 4;
        ds_scan_probe *nq = ds_xmalloc(ncap * sizeof *nq);
        for (size_t i = 0; i < st->qn; i++)
            nq[i] = st->q[(st->qhead + i) & (st->qcap - 1)];
        free(st->q);
        st->q = nq;
        st->qcap = ncap;
        st->qhead = 0;
    }
    /* qcap is a power of two (ds_scan_int.h): a mask instead of a division */
    st->q[(st->qhead + st->qn) & (st->qcap - 1)] = (ds_scan_probe){ts, tags};
    st->qn++;
}

static void ds_cand_dst(ds_scan_state *st, uint64_t d, int64_t ts)
{
    for (size_t i = 0; i < st->nd; i++)
        if (st->dv[i].dst == d) {
            st->dv[i].last = ts;
            return;
        }
    if (st->nd == st->capd) {
        st->capd = st->capd ? 2 * st->capd : 4;
        st->dv = ds_xrealloc(st->dv, st->capd * sizeof *st->dv);
    }
    /* dmin stays a lower bound: a refreshed entry above only grew its last */
    if (!st->nd || ts < st->dmin)
        st->dmin = ts;
    st->dv[st->nd++] = (ds_scan_dst){d, ts};
}

/* Adds a probe to a candidate; turns it into an episode when the window holds
 * min_dests destinations. */
static void ds_cand_probe(const ds_scan *sc, ds_scan_state *st, uint64_t d, int64_t t, uint8_t tags)
{
    int64_t lo = t - sc->cfg.window_ns; /* window [lo, t] */
    while (st->qn && st->q[st->qhead].ts < lo) {
        st->qhead = (st->qhead + 1) & (st->qcap - 1);
        st->qn--;
    }
    /* Compact dv only when an entry may have left the window: otherwise the pass
     * would keep every entry in place, so skipping it changes nothing. */
    if (st->nd && st->dmin < lo) {
        size_t w = 0;
        int64_t m = INT64_MAX;
        for (size_t i = 0; i < st->nd; i++)
            if (st->dv[i].last >= lo) {
                if (st->dv[i].last < m)
                    m = st->dv[i].last;
                st->dv[w++] = st->dv[i];
            }
        st->nd = w;
        st->dmin = m;
    }
    ds_cand_push(st, t, tags);
    ds_cand_dst(st, d, t);
    if (st->nd < sc->cfg.min_dests)
        return;
    int64_t start = t;
    for (size_t i = 0; i < st->nd; i++)
        if (st->dv[i].last < start)
            start = st->dv[i].last;
    st->episode = true;
    st->start = start;
    for (size_t i = 0; i < st->qn; i++) {
        const ds_scan_probe *p = &st->q[(st->qhead + i) & (st->qcap - 1)];
        if (p->ts >= start) {
            st->packets++;
            ds_scan_tools_add(st->tools, p->tags);
        }
    }
    for (size_t i = 0; i < st->nd; i++)
        ds_scan_set_add(st, st->dv[i].dst);
    free(st->dv);
    free(st->q);
    st->dv = NULL;
    st->q = NULL;
    st->nd = st->capd = st->qn = st->qcap = st->qhead = 0;
}

/* ds_scan_find with the key's hash already computed (ds_scan_packets computes it
 * ahead, to prefetch the slot). */
static inline ds_scan_slot *ds_scan_find_h(ds_scan *sc, uint64_t h, const ds_ip *src, uint8_t proto,
                                           uint16_t port)
{
    size_t i = h & (sc->cap - 1);
    for (;; i = (i + 1) & (sc->cap - 1)) {
        ds_scan_slot *s = &sc->tab[i];
        if (!s->used)
            return s;
        if (s->used == DS_SLOT_LIVE && s->port == port && s->proto == proto &&
            ds_ip_eq(&s->src, src))
            return s;
    }
}

ds_scan_slot *ds_scan_find(ds_scan *sc, const ds_ip *src, uint8_t proto, uint16_t port)
{
    return ds_scan_find_h(sc, ds_scan_hash(src, proto, port), src, proto, port);
}

/* ds_scan_probe_key with the key's hash h already computed. */
static inline void ds_scan_probe_key_h(ds_scan *sc, uint64_t h, const ds_ip *src, uint8_t proto,
                                       uint16_t port, uint64_t d, int64_t t, uint8_t tags)
{
    if ((sc->n + 1) * 2 > sc->cap) {
        /* The new table (twice the size) is allocated while the old one is
         * still there: that is what must fit, unless the table only grows back
         * to a size it had before an eviction (its bytes are still charged). */
        bool regrow = sc->approx && 2 * sc->cap <= sc->hw_cap;
        if (!regrow && !ds_mem_fits(sc->ctx->mem, 2 * sc->cap * sizeof *sc->tab))
            ds_scan_evict(sc, t); /* past --max-memory */
        /* Keys silent for longer than the window are dead (a later probe of one
         * starts afresh, below), so the rebuild that doubles the table drops them
         * too and may not need to double after all. */
        if ((sc->n + 1) * 2 > sc->cap)
            ds_scan_rebuild(sc, sc->cap * 2, t, !ds_scan_keeps_old_gc(sc));
    }
    ds_scan_slot *s = ds_scan_find_h(sc, h, src, proto, port);
    if (s->used && t - s->last > sc->cfg.window_ns) {
        /* Silent for longer than the window: the episode (if any) ended at the
         * previous probe and this probe starts afresh. */
        ds_scan_end_slot(sc, s);
        s->dst0 = d;
        s->tags0 = tags;
        s->last = t;
    } else if (!s->used) {
        *s = (ds_scan_slot){.src = *src,
                            .port = port,
                            .proto = proto,
                            .used = DS_SLOT_LIVE,
                            .tags0 = tags,
                            .approx = sc->approx,
                            .last = t,
                            .dst0 = d,
                            .st = NULL};
        sc->n++;
        /* A key first heard within the window of the part's start may continue
         * an earlier part's key: keep its head (ds_scan_int.h). */
        if (sc->keep_heads && t <= sc->cutoff && !ds_scan_head_get(sc, src, proto, port)) {
            ds_scan_head_new(sc, src, proto, port);
            s->head = 1;
        }
    } else {
        if (!s->st) {
            s->st = ds_xcalloc(1, sizeof *s->st);
            ds_cand_push(s->st, s->last, s->tags0);
            ds_cand_dst(s->st, s->dst0, s->last);
        }
        if (s->st->episode) {
            s->st->packets++;
            ds_scan_tools_add(s->st->tools, tags);
            ds_scan_set_add(s->st, d);
        } else {
            ds_cand_probe(sc, s->st, d, t, tags);
        }
        s->last = t;
        goto recorded;
    }
    if (sc->cfg.min_dests <= 1) {
        /* One destination is enough: the single probe is an episode. */
        s->st = ds_xcalloc(1, sizeof *s->st);
        ds_cand_probe(sc, s->st, d, t, tags);
    }
recorded:
    if (s->head) {
        ds_scan_head *hd = ds_scan_head_get(sc, src, proto, port);
        if (hd)
            ds_scan_head_record(hd, d, t, tags, sc->cutoff);
    }
}

void ds_scan_probe_key(ds_scan *sc, const ds_ip *src, uint8_t proto, uint16_t port, uint64_t d,
                       int64_t t, uint8_t tags)
{
    ds_scan_probe_key_h(sc, ds_scan_hash(src, proto, port), src, proto, port, d, t, tags);
}

static inline bool ds_scan_is_probe(const ds_pkt *p)
{
    return p->cls == DS_CLS_SCAN_TCP || p->cls == DS_CLS_SCAN_UDP || p->cls == DS_CLS_SCAN_ICMP;
}

static inline uint16_t ds_scan_port_of(const ds_pkt *p)
{
    return p->cls == DS_CLS_SCAN_ICMP ? 0 : p->dport;
}

/* Prefetch distances (packets ahead) of the pipeline in ds_scan_packets. */
enum { DS_PF_SLOT = 24, DS_PF_STATE = 14, DS_PF_DATA = 6, DS_PF_RING = 32 };

static void ds_scan_packets(void *stp, const ds_pkt *pkts, size_t n)
{
    ds_scan *sc = stp;
    /* The table, the candidate states and their arrays are far bigger than the
     * cache and each probe touches a random slot of each, so the per-probe cost
     * is cache misses in a chain (slot -> state -> FIFO / destinations / set).
     * The packets arrive as an array: walk that chain a few packets ahead with
     * prefetches, one link per stage, so the misses overlap. Prefetches only read
     * live slots' states (always valid) and never change what is computed. */
    uint64_t hr[DS_PF_RING]; /* key hashes of packets i .. i + DS_PF_SLOT */
    for (size_t j = 0; j < n && j < DS_PF_SLOT; j++)
        if (ds_scan_is_probe(&pkts[j])) {
            hr[j % DS_PF_RING] =
                ds_scan_hash(&pkts[j].src, pkts[j].proto, ds_scan_port_of(&pkts[j]));
            ds_prefetch(&sc->tab[hr[j % DS_PF_RING] & (sc->cap - 1)]);
        }
    for (size_t i = 0; i < n; i++) {
        size_t j = i + DS_PF_SLOT;
        if (j < n && ds_scan_is_probe(&pkts[j])) {
            hr[j % DS_PF_RING] =
                ds_scan_hash(&pkts[j].src, pkts[j].proto, ds_scan_port_of(&pkts[j]));
            ds_prefetch(&sc->tab[hr[j % DS_PF_RING] & (sc->cap - 1)]);
        }
        j = i + DS_PF_STATE;
        if (j < n && ds_scan_is_probe(&pkts[j])) {
            const ds_scan_slot *s = &sc->tab[hr[j % DS_PF_RING] & (sc->cap - 1)];
            if (s->used == DS_SLOT_LIVE && s->st)
                ds_prefetch(s->st);
        }
        j = i + DS_PF_DATA;
        if (j < n && ds_scan_is_probe(&pkts[j])) {
            const ds_scan_slot *s = &sc->tab[hr[j % DS_PF_RING] & (sc->cap - 1)];
            if (s->used == DS_SLOT_LIVE && s->st) {
                const ds_scan_state *st = s->st;
                if (st->episode) {
                    if (st->setcap)
                        ds_prefetch(
                            &st->set[ds_scan_mix(ds_scan_dkey(&pkts[j].dst)) & (st->setcap - 1)]);
                } else {
                    if (st->qcap)
                        ds_prefetch(&st->q[st->qhead]);
                    ds_prefetch(st->dv);
                }
            }
        }
        const ds_pkt *p = &pkts[i];
        if (!ds_scan_is_probe(p))
            continue;
        if (!sc->started)
            ds_scan_started(sc, p->ts_ns);
        uint8_t tags = (uint8_t)(p->tags & (DS_TAG_ZMAP | DS_TAG_MASSCAN | DS_TAG_MIRAI));
        ds_scan_probe_key_h(sc, hr[i % DS_PF_RING], &p->src, p->proto, ds_scan_port_of(p),
                            ds_scan_dkey(&p->dst), p->ts_ns, tags);
    }
}

/* Packet time between two sweeps. The table also drops its silent keys whenever
 * it fills, which on a busy telescope is every window or two, so the sweep is
 * for quiet times: it gives back the memory of a flood that stopped. A sweep of
 * the whole table at every window was a third of the analysis of the bench
 * capture. */
static int64_t ds_scan_sweep_every(const ds_scan *sc)
{
    int64_t w = sc->cfg.window_ns;
    if (ds_scan_keeps_old_gc(sc) || w > INT64_MAX / 4)
        return w;
    return 4 * w;
}

static void ds_scan_advance(void *stp, int64_t now)
{
    ds_scan *sc = stp;
    if (!sc->swept_once) {
        sc->next_sweep = now + ds_scan_sweep_every(sc);
        sc->swept_once = true;
        return;
    }
    if (now < sc->next_sweep)
        return;
    ds_scan_rebuild(sc, sc->cap, now, true);
    sc->next_sweep = now + ds_scan_sweep_every(sc);
}

/* ---- output ------------------------------------------------------------------- */

static int ds_scan_ep_cmp(const void *a, const void *b)
{
    const ds_scan_ep *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    int c = ds_ip_cmp(&x->src, &y->src);
    if (c)
        return c;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    return (x->port > y->port) - (x->port < y->port);
}

static int ds_scan_ip_cmp(const void *a, const void *b)
{
    return ds_ip_cmp(a, b);
}

static const char *ds_proto_name(uint8_t p, char buf[8])
{
    switch (p) {
    case 6:
        return "tcp";
    case 17:
        return "udp";
    case 1:
        return "icmp";
    case 58:
        return "icmpv6";
    default:
        snprintf(buf, 8, "%u", p);
        return buf;
    }
}

static int ds_scan_write(void *stp, const ds_ctx *ctx, json_t *summary, char *err, size_t errlen)
{
    ds_scan *sc = stp;
    /* Finished episodes plus the running ones, as if the input ended now, plus the
     * episodes of heads' first stretches held for a merge. */
    size_t n = sc->neps, cap = sc->neps + 64;
    ds_scan_ep *all = ds_xmalloc(cap * sizeof *all);
    if (sc->neps)
        memcpy(all, sc->eps, sc->neps * sizeof *all);
    /* One pass over the table (hundreds of MB for a big run), growing the list. */
    for (size_t i = 0; i < sc->cap; i++)
        if (sc->tab[i].used == DS_SLOT_LIVE && sc->tab[i].st && sc->tab[i].st->episode) {
            ds_scan_ep e = ds_scan_ep_of(&sc->tab[i]);
            ds_eps_append(&all, &n, &cap, &e);
        }
    for (size_t i = 0; i < sc->nheads; i++)
        if (sc->heads[i]->closed && sc->heads[i]->held.st && sc->heads[i]->held.st->episode) {
            ds_scan_ep e = ds_scan_ep_of(&sc->heads[i]->held);
            ds_eps_append(&all, &n, &cap, &e);
        }
    qsort(all, n, sizeof *all, ds_scan_ep_cmp);

    ds_ofile f;
    if (ds_ofile_open(ctx->out, "scanners.csv", &f, err, errlen) != 0) {
        free(all);
        return -1;
    }
    fputs("source,protocol,port,start,end,packets,destinations,est_scan_pps,tool", f.f);
    ds_attrib_header(f.f);
    if (sc->approx) /* --max-memory: docs/FORMATS.md */
        fputs(",approximate", f.f);
    fputc('\n', f.f);
    /* Attribution once per episode's source, in one batch (sources repeat: cached). */
    ds_ip *ips = ds_xmalloc((n ? n : 1) * sizeof *ips);
    ds_host_info *info = ds_xmalloc((n ? n : 1) * sizeof *info);
    for (size_t i = 0; i < n; i++)
        ips[i] = all[i].src;
    ds_attrib_lookup(ctx->attrib, ips, n, info);
    uint64_t by_tool[DS_TOOL_N + 1] = {0};
    char ipb[DS_IP_STRLEN], pb[8];
    for (size_t i = 0; i < n; i++) {
        const ds_scan_ep *e = &all[i];
        char svc[24];
        snprintf(svc, sizeof svc, "%s/%u", ds_proto_name(e->proto, pb), e->port);
        ds_attrib_note(ctx->attrib, "scanner", svc, &e->src, &info[i]);
        fprintf(f.f, "%s,%s,%u,", ds_ip_format(&e->src, ipb), ds_proto_name(e->proto, pb), e->port);
        ds_csv_time(f.f, e->start);
        fputc(',', f.f);
        ds_csv_time(f.f, e->end);
        fprintf(f.f, ",%llu,%llu,", (unsigned long long)e->packets, (unsigned long long)e->dests);
        if (sc->tel_v4 > 0 && ds_ip_is_v4(&e->src) && e->end > e->start)
            fprintf(f.f, "%.6g",
                    (double)(e->packets - 1) * DS_2P32 / sc->tel_v4 /
                        ((double)(e->end - e->start) / 1e9));
        fprintf(f.f, ",%s", ds_tool_names[e->tool]);
        ds_attrib_fields(f.f, &info[i]);
        if (sc->approx)
            fputs(e->approx ? ",1" : ",0", f.f);
        fputc('\n', f.f);
        by_tool[e->tool]++;
    }
    free(ips);
    free(info);
    int rc = ds_ofile_commit(&f, err, errlen);
    json_t *j = json_object();
    json_object_set_new(j, "min_destinations", json_integer((json_int_t)sc->cfg.min_dests));
    json_object_set_new(j, "window_s", json_real((double)sc->cfg.window_ns / 1e9));
    json_object_set_new(j, "episodes", json_integer((json_int_t)n));
    size_t srcs = 0;
    ds_ip *v = ds_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = all[i].src;
    qsort(v, n, sizeof *v, ds_scan_ip_cmp);
    for (size_t i = 0; i < n; i++)
        srcs += i == 0 || !ds_ip_eq(&v[i], &v[i - 1]);
    free(v);
    json_object_set_new(j, "sources", json_integer((json_int_t)srcs));
    json_t *bt = json_object();
    for (int t = 0; t <= DS_TOOL_N; t++)
        json_object_set_new(bt, ds_tool_names[t], json_integer((json_int_t)by_tool[t]));
    json_object_set_new(j, "episodes_by_tool", bt);
    if (sc->approx) {
        json_t *a = ds_approx_json(ctx,
                                   "keys (source, protocol, port) with a single probe, "
                                   "then candidates with the fewest destinations, were "
                                   "evicted to stay under the bound: scanners.csv rows "
                                   "with approximate = 1 may miss probes of their start",
                                   sc->approx_since);
        json_object_set_new(a, "eviction_rounds", json_integer((json_int_t)sc->evictions));
        json_object_set_new(a, "keys_evicted", json_integer((json_int_t)sc->evicted));
        json_object_set_new(a, "max_evicted_window_destinations",
                            json_integer((json_int_t)sc->max_evicted_dests));
        json_object_set_new(j, "approximate", a);
    }
    json_object_set_new(summary, "scan", j);
    free(all);
    return rc;
}

static void ds_scan_destroy(void *stp)
{
    ds_scan *sc = stp;
    if (sc->charged) /* only in a bounded run, whose ctx outlives its analyzers */
        ds_mem_give(sc->ctx->mem, sc->charged);
    for (size_t i = 0; i < sc->cap; i++)
        if (sc->tab[i].used)
            ds_scan_state_free(sc->tab[i].st);
    for (size_t i = 0; i < sc->nheads; i++)
        ds_scan_head_free(sc->heads[i]);
    free(sc->heads);
    free(sc->hix);
    free(sc->tab);
    free(sc->eps);
    free(sc);
}

const ds_analyzer_ops ds_scan_ops = {
    .name = "scan",
    .description = "scanners: sources reaching many telescope addresses on one port "
                   "(scanners.csv)",
    .options = ds_scan_options,
    .config_new = ds_scan_config_new,
    .config_free = ds_scan_config_free,
    .create = ds_scan_create,
    .packets = ds_scan_packets,
    .advance = ds_scan_advance,
    .write = ds_scan_write,
    .destroy = ds_scan_destroy,
    .save = ds_scan_save,
    .load = ds_scan_load,
    .merge = ds_scan_merge,
};

/*
 * ds_dos.c — DoS attacks inferred from backscatter (Moore, Voelker, Savage 2001),
 * with Corsaro's attack-vector rules as defaults and every number an option.
 *
 * State: the open attack vectors, in an open-addressing table (linear probing,
 * backward-shift deletion, so no tombstones) of 32-bit slots pointing into a dense
 * pool of vectors; freed pool entries are reused through a free list, and each
 * vector's sliding-window ring lives in a parallel array, so the hot path allocates
 * nothing unless a table or pool doubles. Key: (victim, protocol), or the victim
 * alone with --dos-key victim.
 *
 * A vector ends when no packet came for longer than the timeout: either a packet
 * for its key finds it stale (the packet then starts a new vector), or a periodic
 * sweep in advance() (every timeout/10 of packet time) finds it idle. An ended
 * vector is judged once: an attack is summarised, kept for the outputs and written
 * as one line of attacks.ndjson at once; anything else only counts. So every
 * attack is reported exactly once, unlike Corsaro v2, which re-reports running
 * attacks at every dump and never reports the last, shorter dump period.
 *
 * attacks.ndjson is a stream: created under a temporary name, renamed into place
 * at the first write() while the analyzer keeps appending to it (one whole line
 * per attack, flushed), so a live run's file grows as attacks end. write() reports
 * the attacks still open "as if the input ended now" in attacks.csv, events.csv,
 * the Corsaro file and summary.json without touching the vectors; they go into
 * attacks.ndjson only at the write of a complete run (summary "complete": true),
 * because until then they may still grow and a line, once streamed, is final.
 *
 * Bounded memory (--max-memory, docs/SCALE.md): each doubling of the vector pool
 * charges its bytes (the vector, its ring, its free-list entry and two table slots
 * per pool entry, and the first allocation of its address sample) to the run's
 * budget. When the budget refuses, the open vectors
 * with the fewest packets are ended at once (evicted) instead — every vector with
 * at most T packets, T the smallest count that frees at least half of the pool — and
 * judged as usual (a flood of spoofed SYN-ACKs makes millions of one-packet vectors
 * that never become attacks: evicting them loses nothing but their count, which
 * non_attack_vectors keeps). A vector is never evicted while it has more than T
 * packets, so an attack under way survives. An attack can be missed or cut when it
 * has at most T packets at an eviction round (its first seconds, or a slow attack):
 * its vector ends there and its later packets start a new one, judged alone. Rows
 * that may be affected (attacks starting, events in minutes ending, after the first
 * eviction) carry approximate = 1. The vectors' own heap (the distinct-address
 * counters, port sets, samples) is not charged: it is bounded per vector by
 * --dos-exact-cap and nothing for the one-packet vectors of a flood; nor are the
 * two staging arrays (fixed, 2 x DS_DOS_STAGE records).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analysis/ds_dos.h"
#include "enrich/ds_attrib.h"
#include "model/ds_adtest.h"
#include "output/ds_csv.h"

/* ---- options -------------------------------------------------------------------- */

static void *ds_dos_config_new(void)
{
    ds_dos_config *c = ds_xcalloc(1, sizeof *c);
    c->timeout = 300 * DS_NS_PER_SEC;
    c->min_duration = 60 * DS_NS_PER_SEC;
    c->window = 60 * DS_NS_PER_SEC;
    c->step = 10 * DS_NS_PER_SEC;
    c->min_packets = 25;
    c->min_ppm = 30;
    c->min_addrs = 0;
    c->event_min = 10;
    c->exact_cap = 8192;
    c->hll_p = 14;
    c->ad_sample = 256;
    c->ad_min_sample = 20;
    return c;
}

static void ds_dos_config_free(void *cfg)
{
    ds_dos_config *c = cfg;
    if (!c)
        return;
    free(c->corsaro_path);
    free(c);
}

static int ds_set_key(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_dos_config *c = cfg;
    if (strcmp(v, "victim-protocol") == 0)
        c->key_victim = false;
    else if (strcmp(v, "victim") == 0)
        c->key_victim = true;
    else {
        snprintf(err, errlen, "'%s' is not a key (victim-protocol or victim)", v);
        return -1;
    }
    return 0;
}

static int ds_set_udp(void *cfg, const char *v, char *err, size_t errlen)
{
    ((ds_dos_config *)cfg)->udp = true;
    return 0;
}

static int ds_set_preset(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_dos_config *c = cfg;
    if (strcmp(v, "moore2001") == 0)
        c->moore2001 = true;
    else if (strcmp(v, "corsaro") == 0)
        c->moore2001 = false;
    else {
        snprintf(err, errlen, "'%s' is not a preset (corsaro or moore2001)", v);
        return -1;
    }
    return 0;
}

static int ds_set_dur(const char *v, int64_t min, int64_t *out, char *err, size_t errlen)
{
    int64_t ns;
    if (ds_opt_parse_duration(v, &ns, err, errlen) != 0)
        return -1;
    if (ns < min) {
        snprintf(err, errlen, "'%s' is too short", v);
        return -1;
    }
    *out = ns;
    return 0;
}

#define DS_DUR_SETTER(fname, field, min, flag)                                                     \
    static int fname(void *cfg, const char *v, char *err, size_t errlen)                           \
    {                                                                                              \
        ds_dos_config *c = cfg;                                                                    \
        flag;                                                                                      \
        return ds_set_dur(v, min, &c->field, err, errlen);                                         \
    }
DS_DUR_SETTER(ds_set_timeout, timeout, 1000000, (void)0)
DS_DUR_SETTER(ds_set_min_duration, min_duration, 0, c->set_min_duration = true)
DS_DUR_SETTER(ds_set_window, window, 1000000, (void)0)
DS_DUR_SETTER(ds_set_step, step, 1000000, (void)0)

#define DS_U64_SETTER(fname, field, min, max, flag)                                                \
    static int fname(void *cfg, const char *v, char *err, size_t errlen)                           \
    {                                                                                              \
        ds_dos_config *c = cfg;                                                                    \
        flag;                                                                                      \
        return ds_opt_parse_u64(v, min, max, &c->field, err, errlen);                              \
    }
DS_U64_SETTER(ds_set_min_packets, min_packets, 0, UINT64_MAX, c->set_min_packets = true)
DS_U64_SETTER(ds_set_min_ppm, min_ppm, 0, UINT64_MAX, c->set_min_ppm = true)
DS_U64_SETTER(ds_set_min_addrs, min_addrs, 0, UINT64_MAX, c->set_min_addrs = true)
DS_U64_SETTER(ds_set_event_min, event_min, 1, UINT64_MAX, (void)0)
DS_U64_SETTER(ds_set_exact_cap, exact_cap, 1, 1u << 24, (void)0)
DS_U64_SETTER(ds_set_ad_sample, ad_sample, 0, 1u << 20, (void)0)
DS_U64_SETTER(ds_set_ad_min_sample, ad_min_sample, 1, 1u << 20, (void)0)

static int ds_set_hll(void *cfg, const char *v, char *err, size_t errlen)
{
    uint64_t p;
    if (ds_opt_parse_u64(v, DS_HLL_MIN_P, DS_HLL_MAX_P, &p, err, errlen) != 0)
        return -1;
    ((ds_dos_config *)cfg)->hll_p = (unsigned)p;
    return 0;
}

static int ds_set_corsaro(void *cfg, const char *v, char *err, size_t errlen)
{
    ds_dos_config *c = cfg;
    if (!*v) {
        snprintf(err, errlen, "an empty file name");
        return -1;
    }
    free(c->corsaro_path);
    c->corsaro_path = ds_xstrdup(v);
    return 0;
}

static const ds_option ds_dos_options[] = {
    {"dos-key", "KEY",
     "DoS attack vectors per 'victim-protocol' (default; ICMP errors under the quoted "
     "protocol, as corsaro3) or per 'victim' (as Corsaro v2)",
     ds_set_key},
    {"dos-udp", NULL,
     "DoS: UDP responses also form attack vectors (protocol udp); off by default, as in Corsaro",
     ds_set_udp},
    {"dos-preset", "NAME",
     "DoS attack rule: 'corsaro' (default: >= 25 packets, >= 60 s, >= 30 packets in a "
     "sliding 60-s window) or 'moore2001' (>= 100 packets, >= 60 s, > 1 telescope address); "
     "thresholds given explicitly win",
     ds_set_preset},
    {"dos-timeout", "DURATION",
     "DoS: a vector ends after this long without a packet (default 300s)", ds_set_timeout},
    {"dos-min-packets", "N", "DoS: an attack has at least N packets (default 25)",
     ds_set_min_packets},
    {"dos-min-duration", "DURATION",
     "DoS: an attack lasts at least this long from first to last packet (default 60s)",
     ds_set_min_duration},
    {"dos-min-ppm", "N",
     "DoS: an attack has at least N packets in its best sliding window (default 30)",
     ds_set_min_ppm},
    {"dos-window", "DURATION",
     "DoS: length of the sliding window, rounded to whole steps, at most 64 (default 60s)",
     ds_set_window},
    {"dos-step", "DURATION",
     "DoS: the window slides in steps of this, from the first packet (default 10s)", ds_set_step},
    {"dos-min-addrs", "N",
     "DoS: an attack hit at least N telescope addresses (default 0: no rule; moore2001: 2)",
     ds_set_min_addrs},
    {"dos-event-min", "N",
     "DoS: events.csv lists victim-minutes with at least N packets (default 10)", ds_set_event_min},
    {"dos-exact-cap", "N",
     "DoS: distinct telescope addresses counted exactly up to N per vector, then estimated "
     "(default 8192)",
     ds_set_exact_cap},
    {"dos-hll-bits", "P",
     "DoS: HyperLogLog precision past the exact cap, 2^P bytes, error ~1.04/2^(P/2) (default 14)",
     ds_set_hll},
    {"dos-ad-sample", "N",
     "DoS: addresses sampled per attack for the Anderson-Darling test (default 256)",
     ds_set_ad_sample},
    {"dos-ad-min-sample", "N",
     "DoS: no Anderson-Darling test below N sampled addresses (default 20)", ds_set_ad_min_sample},
    {"corsaro-ascii", "FILE",
     "DoS: also write the attacks in Corsaro v2's dos ASCII layout to FILE (atomically)",
     ds_set_corsaro},
    {NULL, NULL, NULL, NULL},
};

/* ---- state ---------------------------------------------------------------------- */

uint32_t ds_dos_hash(const ds_ip *victim, uint8_t proto)
{
    return (uint32_t)(ds_hll_mix(victim->q[0] ^ ds_hll_mix(victim->q[1] ^ proto)) >> 32);
}

/* Staging: a backscatter packet is looked up (its vector found, started or ended
 * as stale, and its last-packet time set, which is all the idle checks read) and
 * appended to d->stage; the vectors take their packets in batches, grouped by
 * vector in arrival order (a counting sort on the pool index). Why: a vector's
 * state spans ten cache lines and a few hundred victims' vectors do not stay in
 * cache between two of their packets while the capture streams by, so adding
 * each packet at once cost a miss per line; grouped, a vector's lines are loaded
 * once per batch. A vector's packets are added in their order and vectors do not
 * interact, so only the order of the event list changes (it is sorted for
 * output). Every reader of the vectors flushes first: ds_dos_end (so a pool entry
 * is never reused with packets staged), ds_dos_evict, ds_dos_settle_all. */
#define DS_DOS_STAGE 8192
#define DS_DOS_PLACED 0x80000000u

static void ds_dos_stage_flush(ds_dos *d)
{
    size_t n = d->nstage;
    if (!n)
        return;
    d->nstage = 0;
    const ds_dos_rec *in = d->stage;
    ds_dos_rec *out = d->stage_out;
    uint32_t *cnt = d->stage_cnt;
    /* A vector's group starts where its first packet's would. */
    uint32_t run = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = in[i].idx;
        if (!(cnt[x] & DS_DOS_PLACED)) {
            uint32_t c = cnt[x];
            cnt[x] = run | DS_DOS_PLACED;
            run += c;
        }
    }
    for (size_t i = 0; i < n; i++)
        out[cnt[in[i].idx]++ & ~DS_DOS_PLACED] = in[i];
    unsigned W = d->env.ring_len;
    for (size_t i = 0; i < n; i++) {
        const ds_dos_rec *r = &out[i];
        cnt[r->idx] = 0;
        ds_dos_event e;
        if (ds_dos_vec_add(&d->env, &d->pool[r->idx], &d->rings[(size_t)r->idx * W], r, &e))
            ds_dos_push_event(d, &e);
    }
}

void *ds_dos_create(const ds_ctx *ctx, const void *cfgp)
{
    ds_dos *d = ds_xcalloc(1, sizeof *d);
    ds_dos_config *defaults = NULL;
    if (!cfgp)
        cfgp = defaults = ds_dos_config_new();
    d->cfg = *(const ds_dos_config *)cfgp;
    d->cfg.corsaro_path = d->cfg.corsaro_path ? ds_xstrdup(d->cfg.corsaro_path) : NULL;
    ds_dos_config_free(defaults);
    ds_dos_config *c = &d->cfg;
    if (c->moore2001) {
        if (!c->set_min_packets)
            c->min_packets = 100;
        if (!c->set_min_duration)
            c->min_duration = 60 * DS_NS_PER_SEC;
        if (!c->set_min_ppm)
            c->min_ppm = 0;
        if (!c->set_min_addrs)
            c->min_addrs = 2;
    }
    /* The sample needs to know which addresses are new while it fills. */
    if (c->exact_cap < c->ad_sample)
        c->exact_cap = c->ad_sample;
    int64_t w = (c->window + c->step / 2) / c->step;
    d->env.ring_len = (unsigned)(w < 1 ? 1 : w > DS_DOS_RING_MAX ? DS_DOS_RING_MAX : w);
    c->window = (int64_t)d->env.ring_len * c->step;
    d->env.cfg = c;
    d->env.telescope = ctx->telescope;
    d->env.space = ds_tspace_new(ctx->telescope);
    d->ctx = ctx;
    d->stage = ds_xmalloc(DS_DOS_STAGE * sizeof *d->stage);
    d->stage_out = ds_xmalloc(DS_DOS_STAGE * sizeof *d->stage_out);
    d->mask = 1023;
    d->slots = ds_xzalloc(d->mask + 1, sizeof *d->slots);
    d->next_sweep = INT64_MIN;
    d->keep_heads = ctx->keep_heads;
    char err[DS_ERRLEN];
    if (ctx->out && ds_ofile_open(ctx->out, "attacks.ndjson", &d->nd, err, sizeof err) == 0)
        d->nd_ok = true;
    else if (ctx->out)
        fprintf(stderr, "darkscope: %s\n", err);
    return d;
}

/* ---- the table ------------------------------------------------------------------ */

static inline bool ds_dos_key_eq(const ds_dos_vec *v, const ds_ip *victim, uint8_t proto)
{
    return v->proto == proto && ds_ip_eq(&v->victim, victim);
}

static void ds_dos_table_grow(ds_dos *d)
{
    uint32_t nmask = 2 * (d->mask + 1) - 1;
    uint32_t *ns = ds_xzalloc((size_t)nmask + 1, sizeof *ns);
    for (uint32_t i = 0; i <= d->mask; i++) {
        uint32_t s = d->slots[i];
        if (!s)
            continue;
        uint32_t j = d->pool[s - 1].hash & nmask;
        while (ns[j])
            j = (j + 1) & nmask;
        ns[j] = s;
    }
    free(d->slots);
    d->slots = ns;
    d->mask = nmask;
}

/* Removes the slot holding pool index idx (backward-shift deletion). */
static void ds_dos_table_remove(ds_dos *d, uint32_t idx)
{
    uint32_t i = d->pool[idx].hash & d->mask;
    while (d->slots[i] != idx + 1)
        i = (i + 1) & d->mask;
    uint32_t j = i;
    for (;;) {
        d->slots[i] = 0;
        for (;;) {
            j = (j + 1) & d->mask;
            if (!d->slots[j])
                return;
            uint32_t home = d->pool[d->slots[j] - 1].hash & d->mask;
            /* Move j back to i unless its home lies cyclically in (i, j]. */
            bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays)
                break;
        }
        d->slots[i] = d->slots[j];
        i = j;
    }
}

/* Bytes a pool entry costs (see "Bounded memory" above). */
static size_t ds_dos_entry_bytes(const ds_dos *d)
{
    /* the vector, its ring, free-list entry, staged count and two table slots, and
     * the first allocation of its address sample (8 entries and malloc's header),
     * which even a one-packet vector makes */
    return sizeof(ds_dos_vec) + d->env.ring_len * sizeof(uint32_t) + 2 * sizeof(uint32_t) +
           2 * sizeof(uint32_t) + 8 * sizeof(ds_dos_sample_ent) + 16;
}

/* Ends every open vector with at most T packets, T the smallest count that frees at
 * least half of the pool (counts above 64 bucketed by powers of two). */
static void ds_dos_evict(ds_dos *d, int64_t now)
{
    ds_dos_stage_flush(d); /* the packet counts rank the vectors */
    uint64_t hist[64 + 64] = {0};
    size_t open = 0;
    for (size_t i = 0; i < d->npool; i++) {
        if (!d->pool[i].used)
            continue;
        uint64_t c = d->pool[i].packets;
        hist[c <= 64 ? (c ? c - 1 : 0) : 64 + (unsigned)(63 - __builtin_clzll(c))]++;
        open++;
    }
    uint64_t sum = 0, T = UINT64_MAX;
    for (unsigned i = 0; i < 128 && T == UINT64_MAX; i++) {
        sum += hist[i];
        if (2 * sum >= open)
            T = i < 64 ? i + 1 : (i - 64 >= 63 ? UINT64_MAX : (2ull << (i - 64)) - 1);
    }
    if (!d->approx) {
        d->approx = true;
        d->approx_since = now;
    }
    for (size_t i = 0; i < d->npool; i++) {
        ds_dos_vec *v = &d->pool[i];
        if (!v->used || v->packets > T)
            continue;
        d->evicted++;
        d->evicted_packets += v->packets;
        if (v->head) /* judged now: an evicted vector is not held for a merge */
            ds_dos_head_free(v);
        ds_dos_end(d, (uint32_t)i);
    }
    d->evictions++;
    if (T > d->max_evicted_packets)
        d->max_evicted_packets = T;
}

void ds_dos_merge_approx(ds_dos *d, const ds_dos *s)
{
    if (!s->approx)
        return;
    if (!d->approx || s->approx_since < d->approx_since)
        d->approx_since = s->approx_since;
    d->approx = true;
    d->evictions += s->evictions;
    d->evicted += s->evicted;
    d->evicted_packets += s->evicted_packets;
    if (s->max_evicted_packets > d->max_evicted_packets)
        d->max_evicted_packets = s->max_evicted_packets;
}

static uint32_t ds_dos_pool_take(ds_dos *d)
{
    if (d->nfree)
        return d->free_list[--d->nfree];
    if (d->npool == d->cappool) {
        d->cappool = d->cappool ? 2 * d->cappool : 1024;
        d->pool = ds_xrealloc(d->pool, d->cappool * sizeof *d->pool);
        d->rings = ds_xrealloc(d->rings, d->cappool * d->env.ring_len * sizeof *d->rings);
        d->free_list = ds_xrealloc(d->free_list, d->cappool * sizeof *d->free_list);
        d->stage_cnt = ds_xrealloc(d->stage_cnt, d->cappool * sizeof *d->stage_cnt);
        memset(d->stage_cnt + d->npool, 0, (d->cappool - d->npool) * sizeof *d->stage_cnt);
    }
    return (uint32_t)d->npool++;
}

void ds_dos_push_event(ds_dos *d, const ds_dos_event *e)
{
    if (d->nevents == d->capevents) {
        d->capevents = d->capevents ? 2 * d->capevents : 256;
        d->events = ds_xrealloc(d->events, d->capevents * sizeof *d->events);
    }
    d->events[d->nevents++] = *e;
}

void ds_dos_settle_all(ds_dos *d)
{
    ds_dos_stage_flush(d);
    for (size_t i = 0; i < d->npool; i++)
        if (d->pool[i].used)
            ds_dos_vec_settle(&d->env, &d->pool[i]);
    for (size_t i = 0; i < d->nheld; i++)
        ds_dos_vec_settle(&d->env, &d->held[i]);
}

/* Judges an ended vector (already out of the table) and frees it: its event bins
 * (a head's stashed first bin too), and an attack or a non-attack. */
void ds_dos_judge(ds_dos *d, ds_dos_vec *v)
{
    ds_dos_vec_settle(&d->env, v);
    ds_dos_event e;
    if (v->head && v->head->bin_done && v->head->bin_packets >= d->cfg.event_min) {
        e = (ds_dos_event){v->head->bin_start, v->victim, v->head->bin_protos, v->head->bin_packets,
                           ds_dcount_value(&v->head->bin_addrs)};
        ds_dos_push_event(d, &e);
    }
    if (ds_dos_vec_bin_event(&d->env, v, &e))
        ds_dos_push_event(d, &e);
    if (ds_dos_vec_is_attack(&d->env, v)) {
        if (d->nattacks == d->capattacks) {
            d->capattacks = d->capattacks ? 2 * d->capattacks : 64;
            d->attacks = ds_xrealloc(d->attacks, d->capattacks * sizeof *d->attacks);
        }
        ds_dos_attack *a = &d->attacks[d->nattacks++];
        ds_dos_vec_summarise(&d->env, v, a);
        if (d->nd_ok) {
            ds_dos_ndjson_line(d->nd.f, d->ctx->telescope, a);
            fflush(d->nd.f);
        }
    } else {
        d->non_attacks++;
        d->non_attack_packets += v->packets;
    }
    ds_dos_vec_free(v);
}

/* Ends an open vector. A head vector is kept un-judged (held) when the run saves
 * its state: a merge may still prepend an earlier part's vector to it. */
void ds_dos_end(ds_dos *d, uint32_t idx)
{
    ds_dos_stage_flush(d);
    ds_dos_vec *v = &d->pool[idx];
    ds_dos_table_remove(d, idx);
    if (v->head) {
        if (d->nheld == d->capheld) {
            d->capheld = d->capheld ? 2 * d->capheld : 64;
            d->held = ds_xrealloc(d->held, d->capheld * sizeof *d->held);
            d->held_rings =
                ds_xrealloc(d->held_rings, d->capheld * d->env.ring_len * sizeof *d->held_rings);
        }
        d->held[d->nheld] = *v;
        memcpy(&d->held_rings[d->nheld * d->env.ring_len], &d->rings[(size_t)idx * d->env.ring_len],
               d->env.ring_len * sizeof *d->rings);
        d->nheld++;
        v->used = false;
    } else {
        ds_dos_judge(d, v);
    }
    d->free_list[d->nfree++] = idx;
    d->nopen--;
}

uint32_t ds_dos_find(const ds_dos *d, const ds_ip *victim, uint8_t proto)
{
    uint32_t h = ds_dos_hash(victim, proto);
    for (uint32_t i = h & d->mask; d->slots[i]; i = (i + 1) & d->mask) {
        const ds_dos_vec *v = &d->pool[d->slots[i] - 1];
        if (v->hash == h && ds_dos_key_eq(v, victim, proto))
            return d->slots[i] - 1;
    }
    return UINT32_MAX;
}

uint32_t ds_dos_insert(ds_dos *d, const ds_dos_vec *v, const uint32_t *ring)
{
    if (2 * (d->nopen + 1) > (size_t)d->mask + 1)
        ds_dos_table_grow(d);
    uint32_t idx = ds_dos_pool_take(d);
    d->pool[idx] = *v;
    d->pool[idx].hash = ds_dos_hash(&v->victim, v->proto);
    d->pool[idx].used = true;
    memcpy(&d->rings[(size_t)idx * d->env.ring_len], ring, d->env.ring_len * sizeof *ring);
    uint32_t i = d->pool[idx].hash & d->mask;
    while (d->slots[i])
        i = (i + 1) & d->mask;
    d->slots[i] = idx + 1;
    d->nopen++;
    return idx;
}

static void ds_dos_packets(void *st, const ds_pkt *pkts, size_t n)
{
    ds_dos *d = st;
    if (n && !d->started) {
        d->started = true;
        d->part_start = pkts[0].ts_ns;
    }
    if (n && pkts[n - 1].ts_ns > d->now)
        d->now = pkts[n - 1].ts_ns;
    for (size_t k = 0; k < n; k++) {
        const ds_pkt *p = &pkts[k];
        ds_dos_hit hit;
        if (!ds_dos_extract(&d->cfg, p, &hit))
            continue;
        uint8_t kp = d->cfg.key_victim ? 0 : hit.proto;
        uint32_t h = ds_dos_hash(&hit.victim, kp);
        uint32_t i = h & d->mask;
        uint32_t idx = UINT32_MAX;
        while (d->slots[i]) {
            ds_dos_vec *v = &d->pool[d->slots[i] - 1];
            if (v->hash == h && ds_dos_key_eq(v, &hit.victim, kp)) {
                idx = d->slots[i] - 1;
                break;
            }
            i = (i + 1) & d->mask;
        }
        if (idx != UINT32_MAX && p->ts_ns - d->pool[idx].last > d->cfg.timeout) {
            ds_dos_end(d, idx); /* stale: this packet starts a new vector */
            idx = UINT32_MAX;
        }
        if (idx == UINT32_MAX) {
            if (!d->nfree && d->npool == d->cappool && d->ctx->mem) {
                /* The pool would double: charge it, or evict (--max-memory). */
                size_t more = (d->cappool ? d->cappool : 1024) * ds_dos_entry_bytes(d);
                if (ds_mem_take(d->ctx->mem, more))
                    d->charged += more;
                else
                    ds_dos_evict(d, p->ts_ns);
            }
            if (2 * (d->nopen + 1) > (size_t)d->mask + 1)
                ds_dos_table_grow(d);
            idx = ds_dos_pool_take(d);
            ds_dos_hit key = hit;
            key.proto = kp;
            ds_dos_vec_start(&d->pool[idx], &key, h, p->ts_ns);
            if (d->keep_heads && p->ts_ns - d->part_start <= d->cfg.timeout)
                ds_dos_head_new(&d->env, &d->pool[idx], p->ts_ns);
            memset(&d->rings[(size_t)idx * d->env.ring_len], 0, d->env.ring_len * sizeof *d->rings);
            i = h & d->mask;
            while (d->slots[i])
                i = (i + 1) & d->mask;
            d->slots[i] = idx + 1;
            d->nopen++;
            d->vectors++;
        }
        d->pool[idx].last = p->ts_ns; /* for the idle checks; the rest when flushed */
        d->stage[d->nstage++] = (ds_dos_rec){.ts = p->ts_ns,
                                             .dst = p->dst,
                                             .idx = idx,
                                             .ip_len = p->ip_len,
                                             .monitor = p->monitor,
                                             .attack_port = hit.attack_port,
                                             .target_port = hit.target_port,
                                             .proto = hit.proto,
                                             .kind = hit.kind,
                                             .has_ports = hit.has_ports,
                                             .mismatch = hit.mismatch,
                                             .unquoted = hit.unquoted};
        d->stage_cnt[idx]++;
        if (d->nstage == DS_DOS_STAGE)
            ds_dos_stage_flush(d);
        d->vector_packets++;
        d->kinds[hit.kind]++;
        d->mismatches += hit.mismatch;
        d->unquoted += hit.unquoted;
        if (!d->any) {
            d->any = true;
            d->first_ts = p->ts_ns;
        }
        d->last_ts = p->ts_ns;
    }
}

/* Ends every vector idle for longer than the timeout at `now`: no later packet
 * (all are at or after now) could continue it. */
static void ds_dos_advance(void *st, int64_t now)
{
    ds_dos *d = st;
    if (now > d->now)
        d->now = now;
    if (now < d->next_sweep)
        return;
    int64_t every = d->cfg.timeout / 10;
    d->next_sweep = now + (every > DS_NS_PER_SEC ? every : DS_NS_PER_SEC);
    for (size_t i = 0; i < d->npool; i++)
        if (d->pool[i].used && now - d->pool[i].last > d->cfg.timeout)
            ds_dos_end(d, (uint32_t)i);
}

/* ---- write ---------------------------------------------------------------------- */

static int ds_attack_cmp(const void *a, const void *b)
{
    const ds_dos_attack *x = *(const ds_dos_attack *const *)a;
    const ds_dos_attack *y = *(const ds_dos_attack *const *)b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    int c = ds_ip_cmp(&x->victim, &y->victim);
    if (c)
        return c;
    return (x->proto > y->proto) - (x->proto < y->proto);
}

static int ds_event_cmp(const void *a, const void *b)
{
    const ds_dos_event *x = a, *y = b;
    if (x->minute != y->minute)
        return x->minute < y->minute ? -1 : 1;
    int c = ds_ip_cmp(&x->victim, &y->victim);
    if (c)
        return c;
    return memcmp(&x->protos, &y->protos, sizeof x->protos);
}

static int ds_double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile with linear interpolation between closest ranks (as numpy's default);
 * v sorted, n > 0. */
static double ds_percentile(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
}

static json_t *ds_percentiles_json(double *v, size_t n)
{
    json_t *j = json_object();
    if (n == 0) {
        json_object_set_new(j, "p50", json_null());
        json_object_set_new(j, "p80", json_null());
        json_object_set_new(j, "p90", json_null());
        return j;
    }
    qsort(v, n, sizeof *v, ds_double_cmp);
    json_object_set_new(j, "p50", json_real(ds_percentile(v, n, 0.5)));
    json_object_set_new(j, "p80", json_real(ds_percentile(v, n, 0.8)));
    json_object_set_new(j, "p90", json_real(ds_percentile(v, n, 0.9)));
    return j;
}

static int ds_ip_qcmp(const void *a, const void *b)
{
    return ds_ip_cmp(a, b);
}

static json_t *ds_u64j(uint64_t v)
{
    return json_integer((json_int_t)v);
}

/* What write() adds for the vectors not judged yet (open, and held heads). */
typedef struct ds_dos_tally {
    uint64_t ongoing_attacks; /* open and within the timeout of the latest packet */
    uint64_t open_vectors;    /* likewise, attack or not */
    uint64_t non_attacks, non_attack_packets;
} ds_dos_tally;

/* Summarises the vectors not judged yet "as if the input ended now", read-only:
 * their attacks into open[] (returned count), their event bins appended to ev.
 * A vector idle for longer than the timeout at the latest packet has ended even if
 * no sweep has come by yet: counting it by packet time, not by when the sweep ran,
 * keeps the counts independent of how the input was cut into batches or parts. */
static size_t ds_dos_unjudged(const ds_dos *d, ds_dos_attack *open, ds_dos_event *ev, size_t *nev,
                              ds_dos_tally *t)
{
    memset(t, 0, sizeof *t);
    size_t n = 0;
    for (size_t k = 0; k < d->npool + d->nheld; k++) {
        const ds_dos_vec *v = k < d->npool ? &d->pool[k] : &d->held[k - d->npool];
        if (k < d->npool && !v->used)
            continue;
        bool live = k < d->npool && d->now - v->last <= d->cfg.timeout;
        bool attack = ds_dos_vec_is_attack(&d->env, v);
        if (attack)
            ds_dos_vec_summarise(&d->env, v, &open[n++]);
        if (live) {
            t->open_vectors++;
            t->ongoing_attacks += attack;
        }
        if (!attack) {
            t->non_attacks++;
            t->non_attack_packets += v->packets;
        }
        const ds_dos_head *h = v->head;
        if (h && h->bin_done && h->bin_packets >= d->cfg.event_min)
            ev[(*nev)++] = (ds_dos_event){h->bin_start, v->victim, h->bin_protos, h->bin_packets,
                                          ds_dcount_value(&h->bin_addrs)};
        if (ds_dos_vec_bin_event(&d->env, v, &ev[*nev]))
            (*nev)++;
    }
    return n;
}

static json_t *ds_dos_summary(const ds_dos *d, const ds_dos_attack *const *all, size_t n,
                              const ds_dos_tally *tally, size_t nevents)
{
    json_t *j = json_object();
    const ds_dos_config *c = &d->cfg;
    json_t *rule = json_object();
    json_object_set_new(rule, "key", json_string(c->key_victim ? "victim" : "victim-protocol"));
    json_object_set_new(rule, "udp", json_boolean(c->udp));
    json_object_set_new(rule, "preset", json_string(c->moore2001 ? "moore2001" : "corsaro"));
    json_object_set_new(rule, "timeout_s", json_real((double)c->timeout / 1e9));
    json_object_set_new(rule, "min_packets", ds_u64j(c->min_packets));
    json_object_set_new(rule, "min_duration_s", json_real((double)c->min_duration / 1e9));
    json_object_set_new(rule, "min_ppm", ds_u64j(c->min_ppm));
    json_object_set_new(rule, "window_s", json_real((double)c->window / 1e9));
    json_object_set_new(rule, "step_s", json_real((double)c->step / 1e9));
    json_object_set_new(rule, "min_addrs", ds_u64j(c->min_addrs));
    json_object_set_new(rule, "event_min", ds_u64j(c->event_min));
    json_object_set_new(rule, "exact_cap", ds_u64j(c->exact_cap));
    json_object_set_new(rule, "hll_bits", ds_u64j(c->hll_p));
    json_object_set_new(rule, "ad_sample", ds_u64j(c->ad_sample));
    json_object_set_new(rule, "ad_min_sample", ds_u64j(c->ad_min_sample));
    json_object_set_new(j, "rule", rule);

    json_object_set_new(j, "attacks", ds_u64j(n));
    json_object_set_new(j, "attacks_ongoing", ds_u64j(tally->ongoing_attacks));
    /* Victims: sort a copy of the addresses and count runs. */
    ds_ip *vic = ds_xmalloc((n ? n : 1) * sizeof *vic);
    for (size_t i = 0; i < n; i++)
        vic[i] = all[i]->victim;
    qsort(vic, n, sizeof *vic, ds_ip_qcmp);
    uint64_t distinct = 0, repeat = 0;
    for (size_t i = 0; i < n;) {
        size_t k = i + 1;
        while (k < n && ds_ip_eq(&vic[k], &vic[i]))
            k++;
        distinct++;
        if (k - i > 1)
            repeat++;
        i = k;
    }
    free(vic);
    json_object_set_new(j, "distinct_victims", ds_u64j(distinct));
    json_object_set_new(j, "victims_attacked_more_than_once", ds_u64j(repeat));

    json_t *byp = json_object();
    uint64_t akinds[DS_DOS_KINDS] = {0};
    uint64_t estimated = 0, uniform = 0, nonuniform = 0;
    double *dur = ds_xmalloc((n ? n : 1) * sizeof *dur);
    double *est = ds_xmalloc((n ? n : 1) * sizeof *est);
    size_t nest = 0;
    for (size_t i = 0; i < n; i++) {
        const ds_dos_attack *a = all[i];
        char pb[1200];
        ds_dos_protos_format(&a->protos, pb, sizeof pb);
        json_t *cur = json_object_get(byp, pb);
        json_object_set_new(byp, pb, ds_u64j(cur ? (uint64_t)json_integer_value(cur) + 1 : 1));
        for (int k = 0; k < DS_DOS_KINDS; k++)
            akinds[k] += a->kinds[k];
        dur[i] = (double)(a->end - a->start) / 1e9;
        if (!isnan(a->est_pps))
            est[nest++] = a->est_pps;
        if (!a->addrs_exact)
            estimated++;
        if (!isnan(a->ad)) {
            if (ds_ad_uniform_ok(a->ad))
                uniform++;
            else
                nonuniform++;
        }
    }
    json_object_set_new(j, "attacks_by_protocol", byp);
    json_t *ak = json_object();
    for (int k = 0; k < DS_DOS_KINDS; k++)
        json_object_set_new(ak, ds_dos_kind_name(k), ds_u64j(akinds[k]));
    json_object_set_new(j, "attack_packets_by_kind", ak);
    json_object_set_new(j, "duration_s_percentiles", ds_percentiles_json(dur, n));
    json_object_set_new(j, "est_attack_pps_percentiles", ds_percentiles_json(est, nest));
    free(dur);
    free(est);
    json_object_set_new(j, "attacks_with_estimated_addrs", ds_u64j(estimated));
    json_object_set_new(j, "attacks_spoof_uniform", ds_u64j(uniform));
    json_object_set_new(j, "attacks_spoof_not_uniform", ds_u64j(nonuniform));

    /* Every vector, attack or not. Open vectors count as if the input ended now. */
    json_object_set_new(j, "vectors", ds_u64j(d->vectors));
    json_object_set_new(j, "vectors_open", ds_u64j(tally->open_vectors));
    json_object_set_new(j, "vector_packets", ds_u64j(d->vector_packets));
    json_object_set_new(j, "non_attack_vectors", ds_u64j(d->non_attacks + tally->non_attacks));
    json_object_set_new(j, "non_attack_packets",
                        ds_u64j(d->non_attack_packets + tally->non_attack_packets));
    json_t *vk = json_object();
    for (int k = 0; k < DS_DOS_KINDS; k++)
        json_object_set_new(vk, ds_dos_kind_name(k), ds_u64j(d->kinds[k]));
    json_object_set_new(j, "vector_packets_by_kind", vk);
    json_object_set_new(j, "icmp_mismatches", ds_u64j(d->mismatches));
    json_object_set_new(j, "unquoted_errors", ds_u64j(d->unquoted));
    json_object_set_new(j, "events", ds_u64j(nevents));
    return j;
}

/* Writes path atomically (temporary in the same directory, then rename). */
static int ds_dos_write_corsaro(const char *path, const ds_dos_attack *const *all, size_t n,
                                const ds_dos *d, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    size_t tl = strlen(path) + 16;
    char *tmp = ds_xmalloc(tl);
    snprintf(tmp, tl, "%.*s.%s.XXXXXX", (int)dl, path, slash ? slash + 1 : path);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return -1;
    }
    ds_dos_corsaro_ascii(f, all, n, d->first_ts, d->last_ts);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* Closes the attacks.ndjson stream (once placed, the file stays; before, the
 * temporary goes). */
static void ds_dos_close_stream(ds_dos *d)
{
    if (!d->nd_ok)
        return;
    if (d->nd_placed) {
        fclose(d->nd.f);
        free(d->nd.tmp_path);
        free(d->nd.final_path);
    } else {
        ds_ofile_abort(&d->nd);
    }
    d->nd_ok = false;
}

static int ds_dos_write(void *st, const ds_ctx *ctx, json_t *summary, char *err, size_t errlen)
{
    ds_dos *d = st;
    ds_dos_settle_all(d);
    /* The open vectors, as if the input ended now. */
    /* Sized by a first pass, not by the open vectors: a flood leaves hundreds of
     * thousands of them open, nearly none an attack (--max-memory counts on it). */
    size_t natt = 0, nbins = 0;
    for (size_t k = 0; k < d->npool + d->nheld; k++) {
        const ds_dos_vec *v = k < d->npool ? &d->pool[k] : &d->held[k - d->npool];
        if (k < d->npool && !v->used)
            continue;
        ds_dos_event e;
        natt += ds_dos_vec_is_attack(&d->env, v);
        nbins += (v->head != NULL) + ds_dos_vec_bin_event(&d->env, v, &e);
    }
    ds_dos_attack *open = ds_xmalloc((natt ? natt : 1) * sizeof *open);
    size_t nopen_att = 0;
    size_t nev = d->nevents;
    ds_dos_event *ev = ds_xmalloc((d->nevents + nbins + 1) * sizeof *ev);
    ds_dos_tally tally;
    if (d->nevents)
        memcpy(ev, d->events, d->nevents * sizeof *ev);
    nopen_att = ds_dos_unjudged(d, open, ev, &nev, &tally);
    size_t n = d->nattacks + nopen_att;
    const ds_dos_attack **all = ds_xmalloc((n ? n : 1) * sizeof *all);
    for (size_t i = 0; i < d->nattacks; i++)
        all[i] = &d->attacks[i];
    for (size_t i = 0; i < nopen_att; i++)
        all[d->nattacks + i] = &open[i];
    qsort(all, n, sizeof *all, ds_attack_cmp);
    qsort(ev, nev, sizeof *ev, ds_event_cmp);

    int rc = 0;
    const ds_telescope *t = ctx->telescope;
    ds_ofile fa, fe;
    if (ds_ofile_open(ctx->out, "attacks.csv", &fa, err, errlen) == 0) {
        ds_dos_csv_header(fa.f);
        ds_attrib_header(fa.f);
        if (d->approx) /* --max-memory: docs/FORMATS.md */
            fputs(",approximate", fa.f);
        fputc('\n', fa.f);
        /* Attribution once per attack (victims repeat: the lookup caches). */
        ds_ip *ips = ds_xmalloc((n ? n : 1) * sizeof *ips);
        ds_host_info *info = ds_xmalloc((n ? n : 1) * sizeof *info);
        for (size_t i = 0; i < n; i++)
            ips[i] = all[i]->victim;
        ds_attrib_lookup(ctx->attrib, ips, n, info);
        for (size_t i = 0; i < n; i++) {
            char pb[1200];
            ds_dos_csv_row(fa.f, t, all[i]);
            ds_attrib_fields(fa.f, &info[i]);
            if (d->approx)
                fputs(all[i]->start >= d->approx_since ? ",1" : ",0", fa.f);
            fputc('\n', fa.f);
            ds_attrib_note(ctx->attrib, "victim",
                           ds_dos_protos_format(&all[i]->protos, pb, sizeof pb), &ips[i], &info[i]);
        }
        free(ips);
        free(info);
        if (ds_ofile_commit(&fa, err, errlen) != 0)
            rc = -1;
    } else {
        rc = -1;
    }
    if (ds_ofile_open(ctx->out, "events.csv", &fe, err, errlen) == 0) {
        ds_dos_events_header(fe.f);
        fputs(d->approx ? ",approximate\n" : "\n", fe.f);
        for (size_t i = 0; i < nev; i++) {
            ds_dos_events_row(fe.f, &ev[i]);
            if (d->approx) /* a minute that ends after the first eviction */
                fputs(ev[i].minute + 60 * DS_NS_PER_SEC > d->approx_since ? ",1" : ",0", fe.f);
            fputc('\n', fe.f);
        }
        if (ds_ofile_commit(&fe, err, errlen) != 0)
            rc = -1;
    } else {
        rc = -1;
    }
    /* attacks.ndjson: the stream of ended attacks while the run goes on. At the end
     * of a complete run it is replaced by every attack in attacks.csv's order, so
     * the final file does not depend on the order the attacks were judged in (one
     * thread, several, a merge or --mpi judge them in different orders). */
    json_t *complete = json_object_get(summary, "complete");
    if (d->nd_ok && json_is_true(complete) && !d->nd_final) {
        ds_ofile fn;
        if (ds_ofile_open(ctx->out, "attacks.ndjson", &fn, err, errlen) == 0) {
            for (size_t i = 0; i < n; i++)
                ds_dos_ndjson_line(fn.f, t, all[i]);
            if (ds_ofile_commit(&fn, err, errlen) != 0)
                rc = -1;
        } else {
            rc = -1;
        }
        d->nd_final = true;
        ds_dos_close_stream(d);
    }
    if (d->nd_ok) {
        if (fflush(d->nd.f) != 0 || ferror(d->nd.f)) {
            snprintf(err, errlen, "%s: write failed: %s", d->nd.final_path, strerror(errno));
            rc = -1;
        } else if (!d->nd_placed) {
            if (rename(d->nd.tmp_path, d->nd.final_path) != 0) {
                snprintf(err, errlen, "%s: cannot rename into place: %s", d->nd.final_path,
                         strerror(errno));
                rc = -1;
            } else {
                d->nd_placed = true;
            }
        }
    }
    if (d->cfg.corsaro_path &&
        ds_dos_write_corsaro(d->cfg.corsaro_path, all, n, d, err, errlen) != 0)
        rc = -1;
    json_t *js = ds_dos_summary(d, all, n, &tally, nev);
    if (d->approx) {
        json_t *a = ds_approx_json(ctx,
                                   "open vectors with the fewest packets were ended early "
                                   "(evicted) to stay under the bound: attacks.csv and "
                                   "events.csv rows with approximate = 1 may be cut or "
                                   "missing packets, and an attack with at most "
                                   "max_evicted_packets packets at an eviction may be "
                                   "missed; attacks.ndjson lines carry no flag",
                                   d->approx_since);
        json_object_set_new(a, "eviction_rounds", ds_u64j(d->evictions));
        json_object_set_new(a, "vectors_evicted", ds_u64j(d->evicted));
        json_object_set_new(a, "evicted_packets", ds_u64j(d->evicted_packets));
        json_object_set_new(a, "max_evicted_packets", ds_u64j(d->max_evicted_packets));
        json_object_set_new(js, "approximate", a);
    }
    json_object_set_new(summary, "dos", js);
    free(all);
    free(open);
    free(ev);
    return rc;
}

size_t ds_dos_memory(const void *st)
{
    const ds_dos *d = st;
    size_t b = sizeof *d + ((size_t)d->mask + 1) * sizeof *d->slots;
    b += d->cappool * (sizeof *d->pool + d->env.ring_len * sizeof *d->rings + 2 * sizeof(uint32_t));
    b += 2 * DS_DOS_STAGE * sizeof(ds_dos_rec);
    for (size_t i = 0; i < d->npool; i++)
        if (d->pool[i].used)
            b += ds_dos_vec_bytes(&d->pool[i]);
    b += d->capattacks * sizeof *d->attacks + d->capevents * sizeof *d->events;
    return b;
}

void ds_dos_destroy(void *st)
{
    ds_dos *d = st;
    if (d->charged) /* only in a bounded run, whose ctx outlives its analyzers */
        ds_mem_give(d->ctx->mem, d->charged);
    for (size_t i = 0; i < d->npool; i++)
        if (d->pool[i].used)
            ds_dos_vec_free(&d->pool[i]);
    for (size_t i = 0; i < d->nheld; i++)
        ds_dos_vec_free(&d->held[i]);
    free(d->held);
    free(d->held_rings);
    ds_dos_close_stream(d);
    ds_tspace_free((ds_tspace *)d->env.space);
    free(d->slots);
    free(d->pool);
    free(d->rings);
    free(d->free_list);
    free(d->stage);
    free(d->stage_out);
    free(d->stage_cnt);
    free(d->attacks);
    free(d->events);
    free(d->cfg.corsaro_path);
    free(d);
}

const ds_analyzer_ops ds_dos_ops = {
    .name = "dos",
    .description =
        "DoS attacks inferred from backscatter (attacks.csv, attacks.ndjson, events.csv)",
    .options = ds_dos_options,
    .config_new = ds_dos_config_new,
    .config_free = ds_dos_config_free,
    .create = ds_dos_create,
    .packets = ds_dos_packets,
    .advance = ds_dos_advance,
    .write = ds_dos_write,
    .destroy = ds_dos_destroy,
    .save = ds_dos_save,
    .load = ds_dos_load,
    .merge = ds_dos_merge,
};

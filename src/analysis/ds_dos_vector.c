/*
 * ds_dos_vector.c — one attack vector: the packets of one victim (and protocol)
 * with no gap longer than the idle timeout.
 *
 * What a packet says (ds_dos_extract), following Moore et al. and Corsaro:
 *   - TCP SYN+ACK / RST and ICMP replies (0, 14, 16, 18; ICMPv6 129): the victim is
 *     the outer source, the protocol the outer one;
 *   - ICMP errors (3, 4, 5, 11, 12; ICMPv6 1-4) quoting a full inner IP header: the
 *     victim is the quoted destination and the protocol the quoted one (corsaro3);
 *     the quoted source should be the telescope address the error arrived at, and
 *     when it is not the packet is counted as a mismatch (a spoofer that did not
 *     use our address, or a rewritten capture);
 *   - an error without a full quote: victim = outer source, protocol ICMP, counted
 *     as unquoted (Corsaro drops what it cannot parse; darkscope keeps and flags);
 *   - UDP responses only with --dos-udp (victim = the responding source).
 * Ports: the attack port is the port at the telescope (the spoofed source port of
 * the attack packet), the target port the port at the victim; for errors both come
 * from the quote. ICMP replies have no ports (Corsaro counts type and code as
 * ports, which mixes two things in one column).
 *
 * Per packet the vector does a few counter updates and at most four small set
 * inserts; nothing is allocated except when a set outgrows its inline slots (once
 * per doubling). The sliding window keeps one counter per step in a ring owned by
 * the analyzer (window / step of them per vector): windows start at first packet +
 * k * step, and the ring's sum after each packet is the count of the newest window
 * so far, so its running maximum is the best window's count (the last packet of any
 * window sees at least that window's packets in the ring).
 *
 * Sample for the uniformity test: the k distinct hit addresses with the smallest
 * 64-bit hash, the hash salted with the vector's key (a bottom-k sample: uniform
 * among distinct addresses, the same on every run, and needing no random state).
 * The sample is a max-heap on the hash, so an address whose hash does not beat the
 * largest costs one compare, and a replacement O(log k). While the address count
 * is exact only new addresses are offered, so no duplicate check is needed; past
 * the cap an address that beats the largest is first looked for in the sample (a
 * linear scan, rare: with D distinct addresses so far it happens with probability
 * about k / D).
 *
 * Deferred sets: the distinct telescope addresses of a long vector are the costly
 * part. Their exact set is a table of tens of KB per victim, and an insert into one
 * of hundreds of such tables is a cache miss per backscatter packet (87% of the
 * insert's time sat on its first load); take it away and the miss moves to the next
 * random access, the per-minute address set or the 8 KiB attack-port bitmap. So once
 * an IPv4 vector has DS_DOS_DEFER_AT packets, a packet only appends its address and
 * attack port (sequential writes, ds_dos_lazy). The addresses are radix-sorted and
 * deduplicated when their array fills (ds_distinct64, which also notices a count
 * past the exact cap); the minute's addresses go into bin_addrs in one batch when
 * the minute closes, the ports into aports when 256 are pending. addrs, s16 and the
 * sample depend only on the set of addresses, not on their order, and are built
 * when the vector is judged, saved or merged (ds_dos_vec_settle): the outputs are
 * the same as with an insert per packet, byte for byte (test_dos.c compares them).
 * Not deferred: IPv6 (its 64-bit key is a hash; the sample and the /48s need the
 * address) and head vectors (rare; their first minute is merged apart).
 */
#include <math.h>
#include <stdlib.h>

#include "analysis/ds_dos.h"
#include "model/ds_adtest.h"
#include "telescope/ds_classify.h"

enum { DS_P_ICMP = 1, DS_P_TCP = 6, DS_P_UDP = 17, DS_P_ICMPV6 = 58 };

static const char *const ds_dos_kind_names[DS_DOS_KINDS] = {
    "synack", "rst", "rstack", "echo_reply", "unreach", "ttl_exceeded", "other_icmp", "udp",
};

const char *ds_dos_kind_name(int kind)
{
    return kind >= 0 && kind < DS_DOS_KINDS ? ds_dos_kind_names[kind] : "unknown";
}

const char *ds_dos_proto_name(uint8_t proto, char buf[8])
{
    switch (proto) {
    case DS_P_ICMP:
        return "icmp";
    case DS_P_TCP:
        return "tcp";
    case DS_P_UDP:
        return "udp";
    case DS_P_ICMPV6:
        return "icmpv6";
    case 132:
        return "sctp";
    case 47:
        return "gre";
    case 50:
        return "esp";
    default:
        snprintf(buf, 8, "%u", (unsigned)proto);
        return buf;
    }
}

char *ds_dos_protos_format(const ds_dos_protos *p, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < 256; i++) {
        if (!((p->w[i >> 6] >> (i & 63)) & 1))
            continue;
        char nb[8];
        const char *name = ds_dos_proto_name((uint8_t)i, nb);
        int w = snprintf(buf + used, len - used, "%s%s", used ? "+" : "", name);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    return buf;
}

static uint8_t ds_dos_icmp_kind(uint8_t ipver, uint8_t type)
{
    if (ipver == 6) {
        if (type == 129)
            return DS_DOS_ECHO_REPLY;
        if (type == 1)
            return DS_DOS_UNREACH;
        if (type == 3)
            return DS_DOS_TTL;
        return DS_DOS_OTHER_ICMP;
    }
    if (type == 0)
        return DS_DOS_ECHO_REPLY;
    if (type == 3)
        return DS_DOS_UNREACH;
    if (type == 11)
        return DS_DOS_TTL;
    return DS_DOS_OTHER_ICMP;
}

bool ds_dos_extract(const ds_dos_config *cfg, const ds_pkt *p, ds_dos_hit *hit)
{
    if (p->cls == DS_CLS_UDP_RESPONSE) {
        if (!cfg->udp)
            return false;
        hit->victim = p->src;
        hit->proto = DS_P_UDP;
        hit->kind = DS_DOS_UDP;
        hit->has_ports = true;
        hit->attack_port = p->dport;
        hit->target_port = p->sport;
        hit->mismatch = hit->unquoted = false;
        return true;
    }
    if (p->cls != DS_CLS_BACKSCATTER)
        return false;
    hit->mismatch = hit->unquoted = false;
    if (p->proto == DS_P_TCP) {
        hit->victim = p->src;
        hit->proto = DS_P_TCP;
        hit->kind = (p->tcp_flags & DS_TCP_RST)
                        ? ((p->tcp_flags & DS_TCP_ACK) ? DS_DOS_RSTACK : DS_DOS_RST)
                        : DS_DOS_SYNACK;
        hit->has_ports = true;
        hit->attack_port = p->dport;
        hit->target_port = p->sport;
        return true;
    }
    /* ICMP or ICMPv6 (the only other backscatter protocols). */
    hit->kind = ds_dos_icmp_kind(p->ipver, p->icmp_type);
    hit->has_ports = false;
    hit->attack_port = hit->target_port = 0;
    if (ds_icmp_is_error(p->ipver, p->icmp_type)) {
        if (p->quote == DS_QUOTE_FULL) {
            hit->victim = p->q_dst;
            hit->proto = p->q_proto;
            hit->mismatch = !ds_ip_eq(&p->q_src, &p->dst);
            if (p->q_sport || p->q_dport) {
                hit->has_ports = true;
                hit->attack_port = p->q_sport;
                hit->target_port = p->q_dport;
            }
            return true;
        }
        hit->unquoted = true;
    }
    hit->victim = p->src;
    hit->proto = p->proto;
    return true;
}

/* ---- small sets ------------------------------------------------------------- */

static void ds_set16_add(ds_dos_set16 *s, uint16_t v)
{
    if (s->bits) {
        uint64_t bit = 1ull << (v & 63);
        if (!(s->bits[v >> 6] & bit)) {
            s->bits[v >> 6] |= bit;
            s->n++;
        }
        return;
    }
    for (uint32_t i = 0; i < s->n; i++)
        if (s->inl[i] == v)
            return;
    if (s->n < sizeof s->inl / sizeof s->inl[0]) {
        s->inl[s->n++] = v;
        return;
    }
    s->bits = ds_xcalloc(1024, sizeof *s->bits);
    for (uint32_t i = 0; i < s->n; i++)
        s->bits[s->inl[i] >> 6] |= 1ull << (s->inl[i] & 63);
    s->bits[v >> 6] |= 1ull << (v & 63);
    s->n++;
}

/* Space-Saving (Metwally et al. 2005): exact while at most DS_DOS_TOPK distinct
 * ports; beyond, the least counted entry is replaced and its count inherited, so a
 * count is an upper bound and every port with more than packets/K is kept. */
static void ds_topk_add(ds_dos_topk *t, uint16_t port)
{
    int min_i = 0;
    for (int i = 0; i < DS_DOS_TOPK; i++) {
        if (t[i].count && t[i].port == port) {
            t[i].count++;
            return;
        }
        if (t[i].count < t[min_i].count)
            min_i = i;
    }
    t[min_i].port = port;
    t[min_i].count++;
}

/* ---- sample ----------------------------------------------------------------- */

static uint64_t ds_ip_key64(const ds_ip *a)
{
    if (ds_ip_is_v4(a))
        return ds_ip_v4(a);
    /* IPv6: a 62-bit hash with the top bit set, never equal to an IPv4 key or to
     * the table's empty marker; a collision needs ~2^31 addresses in one vector. */
    uint64_t h = ds_hll_mix(a->q[0] ^ ds_hll_mix(a->q[1]));
    return (h >> 2) | (1ull << 63);
}

/* Max-heap on the hash, so the largest sampled hash is at e[0]. */
static void ds_sample_sift_down(ds_dos_sample_ent *e, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && e[l].h > e[m].h)
            m = l;
        if (r < n && e[r].h > e[m].h)
            m = r;
        if (m == i)
            return;
        ds_dos_sample_ent t = e[i];
        e[i] = e[m];
        e[m] = t;
        i = m;
    }
}

static void ds_sample_offer(ds_dos_sample *s, uint32_t k, const ds_ip *addr, uint64_t h,
                            bool surely_new)
{
    if (k == 0)
        return;
    if (s->n < k) {
        if (!surely_new)
            for (uint32_t i = 0; i < s->n; i++)
                if (s->e[i].h == h)
                    return;
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 8;
            if (s->cap > k)
                s->cap = k;
            s->e = ds_xrealloc(s->e, s->cap * sizeof *s->e);
        }
        s->e[s->n].h = h;
        s->e[s->n].addr = *addr;
        s->n++;
        if (s->n == k) {
            for (uint32_t i = k / 2; i-- > 0;)
                ds_sample_sift_down(s->e, k, i);
            s->heap = true;
        }
        return;
    }
    /* Full: only a hash below the largest gets in (probability k / distinct so far,
     * so k * ln(D / k) replacements in all). A duplicate check is needed only when
     * the address count is estimated and so cannot say the address is new. */
    if (h >= s->e[0].h)
        return;
    if (!surely_new)
        for (uint32_t i = 0; i < k; i++)
            if (s->e[i].h == h)
                return;
    s->e[0].h = h;
    s->e[0].addr = *addr;
    ds_sample_sift_down(s->e, k, 0);
}

/* ---- the vector --------------------------------------------------------------- */

void ds_dos_vec_start(ds_dos_vec *v, const ds_dos_hit *hit, uint32_t hash, int64_t ts)
{
    memset(v, 0, sizeof *v);
    v->victim = hit->victim;
    v->proto = hit->proto;
    v->used = true;
    v->hash = hash;
    v->first = v->last = ts;
    v->bin_start = ds_floor_div(ts, 60 * DS_NS_PER_SEC) * 60 * DS_NS_PER_SEC;
    /* No bucket or second yet: the first packet resets the ring and the count. */
    v->cur_bucket = INT64_MIN / 2;
    v->cur_sec = INT64_MIN;
}

/* Closes the event bin being counted: into *closed (returns true when it qualifies),
 * or, for a vector that keeps a head, the first bin is stashed in the head instead:
 * a merge may still add an earlier part's packets of the same minute to it. */
static bool ds_dos_vec_close_bin(const ds_dos_env *env, ds_dos_vec *v, ds_dos_event *closed)
{
    ds_dos_head *h = v->head;
    if (h && !h->bin_done) {
        h->bin_done = true;
        h->bin_start = v->bin_start;
        h->bin_packets = v->bin_packets;
        h->bin_protos = v->bin_protos;
        ds_dcount t = h->bin_addrs;
        h->bin_addrs = v->bin_addrs;
        v->bin_addrs = t;
        return false;
    }
    return ds_dos_vec_bin_event(env, v, closed);
}

void ds_dos_vec_window(const ds_dos_env *env, ds_dos_vec *v, uint32_t *ring, int64_t ts)
{
    /* Steps count from the vector's first packet, as Corsaro's windows do; a merge
     * replays a later part's packet times through here (ds_dos_state.c). */
    int64_t b = ds_floor_div(ts - v->first, env->cfg->step);
    unsigned W = env->ring_len;
    if (b != v->cur_bucket) {
        int64_t gap = b - v->cur_bucket;
        if (gap >= (int64_t)W) {
            memset(ring, 0, W * sizeof *ring);
            v->win_sum = 0;
        } else {
            for (int64_t j = v->cur_bucket + 1; j <= b; j++) {
                uint32_t *c = &ring[ds_dos_ring_slot(j, W)];
                v->win_sum -= *c;
                *c = 0;
            }
        }
        v->cur_bucket = b;
    }
    ring[ds_dos_ring_slot(b, W)]++;
    if (++v->win_sum > v->max_win)
        v->max_win = v->win_sum;
}

/* A hit address into the distinct addresses, their /16s (/48s) and the sample. */
static void ds_dos_vec_addr(const ds_dos_env *env, ds_dos_vec *v, const ds_ip *dst, uint64_t akey)
{
    const ds_dos_config *cfg = env->cfg;
    uint32_t cap = (uint32_t)cfg->exact_cap;
    int isnew = ds_dcount_add(&v->addrs, akey, cap, cfg->hll_p);
    if (isnew == 0)
        return;
    uint64_t net;
    if (ds_ip_is_v4(dst)) {
        net = ds_ip_v4(dst) >> 16;
    } else {
        /* IPv6: the /48 stands for the /16 (both say "how many networks"). */
        ds_ip n48 = *dst;
        memset(n48.b + 6, 0, 10);
        net = ds_ip_key64(&n48);
    }
    ds_dcount_add(&v->s16, net, cap, cfg->hll_p);
    uint64_t h = ds_hll_mix(akey ^ ((uint64_t)v->hash << 32 | v->proto));
    ds_sample_offer(&v->sample, (uint32_t)cfg->ad_sample, dst, h, isnew == 1);
}

/* Packets before a vector defers its sets: most vectors are a few packets, held in
 * the sets' inline slots without an allocation. */
#define DS_DOS_DEFER_AT 64

static void ds_dos_defer_key(uint64_t key, void *arg)
{
    ds_distinct64 *a = arg;
    a->v[a->n++] = key;
}

/* Starts deferring: the addresses so far (exact, IPv4, at most DS_DOS_DEFER_AT of
 * them) move to the append array, and the sets built from them are emptied, to be
 * rebuilt by ds_dos_vec_settle. bin_addrs already holds this minute's. */
static void ds_dos_defer(ds_dos_vec *v)
{
    ds_dos_lazy *l = ds_xmalloc(sizeof *l);
    ds_distinct64_init_cap(&l->addrs, 32, 2 * DS_DOS_DEFER_AT);
    ds_dcount_each(&v->addrs, ds_dos_defer_key, &l->addrs);
    l->bin_mark = l->addrs.n;
    l->nports = 0;
    ds_dcount_clear(&v->addrs);
    ds_dcount_clear(&v->s16);
    free(v->sample.e);
    memset(&v->sample, 0, sizeof v->sample);
    v->lazy = l;
}

/* This minute's deferred addresses into bin_addrs. */
static void ds_dos_lazy_bin(const ds_dos_env *env, ds_dos_vec *v)
{
    ds_dos_lazy *l = v->lazy;
    for (size_t i = l->bin_mark; i < l->addrs.n; i++)
        ds_dcount_add(&v->bin_addrs, l->addrs.v[i], (uint32_t)env->cfg->exact_cap, env->cfg->hll_p);
    l->bin_mark = l->addrs.n;
}

static void ds_dos_lazy_ports(ds_dos_vec *v)
{
    ds_dos_lazy *l = v->lazy;
    for (uint32_t i = 0; i < l->nports; i++)
        ds_set16_add(&v->aports, l->ports[i]);
    l->nports = 0;
}

/* Appends a hit; true when the vector stopped deferring instead (past the exact
 * cap), and the caller adds the hit at once. */
static bool ds_dos_lazy_add(const ds_dos_env *env, ds_dos_vec *v, uint64_t akey,
                            const ds_dos_rec *r)
{
    ds_dos_lazy *l = v->lazy;
    if (l->addrs.n == l->addrs.cap) {
        ds_dos_lazy_bin(env, v); /* compacting reorders the minute's addresses */
        ds_distinct64_compact(&l->addrs);
        l->bin_mark = l->addrs.n;
        if (l->addrs.n > env->cfg->exact_cap) { /* an estimate from now on */
            ds_dos_vec_settle(env, v);
            return true;
        }
    }
    l->addrs.v[l->addrs.n++] = akey;
    if (r->has_ports) {
        if (l->nports == DS_DOS_LAZY_PORTS)
            ds_dos_lazy_ports(v);
        l->ports[l->nports++] = r->attack_port;
    }
    return false;
}

void ds_dos_vec_settle(const ds_dos_env *env, ds_dos_vec *v)
{
    ds_dos_lazy *l = v->lazy;
    if (!l)
        return;
    ds_dos_lazy_bin(env, v);
    ds_dos_lazy_ports(v);
    v->lazy = NULL;
    ds_distinct64_finish(&l->addrs);
    for (size_t i = 0; i < l->addrs.n; i++) {
        ds_ip a;
        ds_ip_set_v4(&a, (uint32_t)l->addrs.v[i]);
        ds_dos_vec_addr(env, v, &a, l->addrs.v[i]);
    }
    ds_distinct64_free(&l->addrs);
    free(l);
}

bool ds_dos_vec_add(const ds_dos_env *env, ds_dos_vec *v, uint32_t *ring, const ds_dos_rec *r,
                    ds_dos_event *closed)
{
    const ds_dos_config *cfg = env->cfg;
    int64_t ts = r->ts;
    /* Event bins are UTC minutes: a packet in a later minute closes the bin. */
    bool emitted = false;
    int64_t minute = ds_floor_div(ts, 60 * DS_NS_PER_SEC) * 60 * DS_NS_PER_SEC;
    if (minute != v->bin_start) {
        if (v->lazy)
            ds_dos_lazy_bin(env, v);
        emitted = ds_dos_vec_close_bin(env, v, closed);
        v->bin_start = minute;
        v->bin_packets = 0;
        memset(&v->bin_protos, 0, sizeof v->bin_protos);
        ds_dcount_reset(&v->bin_addrs);
    }
    v->last = ts;
    v->packets++;
    v->bytes += r->ip_len;
    v->monitors |= r->monitor < 64 ? 1ull << r->monitor : 0;
    v->kinds[r->kind]++;
    v->mismatches += r->mismatch;
    v->unquoted += r->unquoted;
    ds_dos_protos_add(&v->protos, r->proto);

    ds_dos_vec_window(env, v, ring, ts);

    /* Peak second (UTC seconds, so that parts analysed apart cut seconds alike). */
    int64_t sec = ds_floor_div(ts, DS_NS_PER_SEC);
    if (v->head) {
        ds_dos_head *h = v->head;
        ds_dos_head_log(h, ts);
        if (sec == h->sec0)
            h->sec0_count++;
    }
    if (sec != v->cur_sec) {
        v->cur_sec = sec;
        v->sec_count = 0;
    }
    if (++v->sec_count > v->peak_sec)
        v->peak_sec = v->sec_count;

    uint64_t akey = ds_ip_key64(&r->dst);
    v->bin_packets++;
    ds_dos_protos_add(&v->bin_protos, r->proto);
    if (v->lazy && !ds_ip_is_v4(&r->dst))
        ds_dos_vec_settle(env, v); /* a crafted mix of families: deferring stops */
    if (!v->lazy || ds_dos_lazy_add(env, v, akey, r)) {
        ds_dcount_add(&v->bin_addrs, akey, (uint32_t)cfg->exact_cap, cfg->hll_p);
        ds_dos_vec_addr(env, v, &r->dst, akey);
        if (r->has_ports)
            ds_set16_add(&v->aports, r->attack_port);
        if (v->packets == DS_DOS_DEFER_AT && ds_ip_is_v4(&r->dst) && !v->head &&
            ds_dcount_exact(&v->addrs))
            ds_dos_defer(v);
    }
    if (r->has_ports) {
        ds_set16_add(&v->tports, r->target_port);
        ds_topk_add(v->top, r->target_port);
        if (!v->has_tport) {
            v->has_tport = true;
            v->first_tport = r->target_port;
        }
    }
    return emitted;
}

bool ds_dos_vec_is_attack(const ds_dos_env *env, const ds_dos_vec *v)
{
    const ds_dos_config *cfg = env->cfg;
    if (v->packets < cfg->min_packets)
        return false;
    if (v->last - v->first < cfg->min_duration)
        return false;
    if (v->max_win < cfg->min_ppm)
        return false;
    if (cfg->min_addrs > 1 && ds_dcount_value(&v->addrs) < cfg->min_addrs)
        return false;
    return true;
}

static int ds_topk_cmp(const void *a, const void *b)
{
    const ds_dos_topk *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->port > y->port) - (x->port < y->port);
}

/* The sum of the IPv4 sizes of the monitors in mask, or 0 when one is unknown. */
static double ds_dos_size_v4(const ds_telescope *t, uint64_t mask)
{
    if (ds_telescope_is_open(t))
        return 0;
    double n = 0;
    for (int m = 0; m < ds_telescope_count(t) && m < 64; m++) {
        if (!((mask >> m) & 1))
            continue;
        uint64_t s = ds_telescope_size_v4(t, m);
        if (s == 0)
            return 0;
        n += (double)s;
    }
    return n;
}

void ds_dos_vec_summarise(const ds_dos_env *env, const ds_dos_vec *v, ds_dos_attack *a)
{
    memset(a, 0, sizeof *a);
    a->victim = v->victim;
    a->proto = v->proto;
    a->protos = v->protos;
    a->monitors = v->monitors;
    a->start = v->first;
    a->end = v->last;
    a->packets = v->packets;
    a->bytes = v->bytes;
    a->addrs = ds_dcount_value(&v->addrs);
    a->addrs_exact = ds_dcount_exact(&v->addrs);
    a->s16 = ds_dcount_value(&v->s16);
    a->aports = v->aports.n;
    a->tports = v->tports.n;
    a->has_tport = v->has_tport;
    a->first_tport = v->first_tport;
    ds_dos_topk top[DS_DOS_TOPK];
    memcpy(top, v->top, sizeof top);
    qsort(top, DS_DOS_TOPK, sizeof top[0], ds_topk_cmp);
    for (int i = 0; i < DS_DOS_TOPK && a->ntop < DS_DOS_TOP_SHOWN; i++)
        if (top[i].count)
            a->top[a->ntop++] = top[i];
    a->max_ppm = v->max_win;
    a->peak_pps = v->peak_sec;
    double dur = (double)(v->last - v->first) / 1e9;
    a->mean_pps = dur > 0 ? (double)v->packets / dur : NAN;
    a->est_pps = NAN;
    double size = ds_dos_size_v4(env->telescope, v->monitors);
    if (size > 0 && dur > 0 && ds_ip_is_v4(&v->victim))
        a->est_pps = a->mean_pps * 4294967296.0 / size;
    a->mismatches = v->mismatches;
    a->unquoted = v->unquoted;
    memcpy(a->kinds, v->kinds, sizeof a->kinds);
    a->ad = NAN;
    if (env->space && v->sample.n >= env->cfg->ad_min_sample && v->sample.n > 0) {
        double *u = ds_xmalloc(v->sample.n * sizeof *u);
        uint32_t n = 0;
        for (uint32_t i = 0; i < v->sample.n; i++) {
            double x = ds_tspace_position(env->space, v->monitors, &v->sample.e[i].addr);
            if (x >= 0)
                u[n++] = x;
        }
        if (n >= env->cfg->ad_min_sample && n > 0) {
            a->ad = ds_ad_uniform(u, n);
            a->ad_n = n;
        }
        free(u);
    }
}

bool ds_dos_vec_bin_event(const ds_dos_env *env, const ds_dos_vec *v, ds_dos_event *e)
{
    if (v->bin_packets == 0 || v->bin_packets < env->cfg->event_min)
        return false;
    e->minute = v->bin_start;
    e->victim = v->victim;
    e->protos = v->bin_protos;
    e->packets = v->bin_packets;
    e->addrs = ds_dcount_value(&v->bin_addrs);
    return true;
}

void ds_dos_head_new(const ds_dos_env *env, ds_dos_vec *v, int64_t ts)
{
    (void)env;
    ds_dos_head *h = ds_xcalloc(1, sizeof *h);
    h->last_time = ts;
    h->sec0 = ds_floor_div(ts, DS_NS_PER_SEC);
    v->head = h;
}

void ds_dos_head_log(ds_dos_head *h, int64_t ts)
{
    uint64_t d = (uint64_t)(ts - h->last_time);
    if (h->times_cap - h->times_len < 10) {
        h->times_cap = h->times_cap ? 2 * h->times_cap : 64;
        h->times = ds_xrealloc(h->times, h->times_cap);
    }
    do {
        h->times[h->times_len++] = (uint8_t)((d & 0x7f) | (d > 0x7f ? 0x80 : 0));
        d >>= 7;
    } while (d);
    h->last_time = ts;
    h->ntimes++;
}

bool ds_dos_head_next(const ds_dos_head *h, size_t *pos, int64_t *ts)
{
    uint64_t d = 0;
    for (unsigned shift = 0; *pos < h->times_len && shift < 63; shift += 7) {
        uint8_t byte = h->times[(*pos)++];
        d |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            if (d > (uint64_t)(INT64_MAX - *ts))
                return false;
            *ts += (int64_t)d;
            return true;
        }
    }
    *pos = h->times_len + 1;
    return false;
}

void ds_dos_head_free(ds_dos_vec *v)
{
    if (!v->head)
        return;
    ds_dcount_clear(&v->head->bin_addrs);
    free(v->head->times);
    free(v->head);
    v->head = NULL;
}

size_t ds_dos_vec_bytes(const ds_dos_vec *v)
{
    return (v->head ? sizeof *v->head + v->head->times_cap + ds_dcount_bytes(&v->head->bin_addrs)
                    : 0) +
           ds_dcount_bytes(&v->addrs) + ds_dcount_bytes(&v->s16) + ds_dcount_bytes(&v->bin_addrs) +
           (v->aports.bits ? 8192 : 0) + (v->tports.bits ? 8192 : 0) +
           (size_t)v->sample.cap * sizeof(ds_dos_sample_ent) +
           (v->lazy ? sizeof *v->lazy + 2 * v->lazy->addrs.cap * sizeof(uint64_t) : 0);
}

void ds_dos_vec_free(ds_dos_vec *v)
{
    ds_dos_head_free(v);
    ds_dcount_clear(&v->addrs);
    ds_dcount_clear(&v->s16);
    ds_dcount_clear(&v->bin_addrs);
    free(v->aports.bits);
    free(v->tports.bits);
    free(v->sample.e);
    if (v->lazy) {
        ds_distinct64_free(&v->lazy->addrs);
        free(v->lazy);
        v->lazy = NULL;
    }
    v->aports.bits = v->tports.bits = NULL;
    v->sample.e = NULL;
    v->used = false;
}

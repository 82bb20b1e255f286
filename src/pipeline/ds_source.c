/*
 * ds_source.c — decode, classify, count and reorder one input (see ds_source.h).
 *
 * The ring is indexed by ever-increasing head/tail counters masked by a power-of-two
 * capacity. The common case, a frame not older than the newest one, is an append;
 * an older frame is inserted by moving the few newer records one slot up, which is
 * cheap because captures are out of order by a handful of packets at most.
 *
 * The file-wide distinct IPv4 counts of the dissection: destinations go into a
 * two-level bitmap (a telescope's addresses fill a few /16 leaves, so it stays the
 * telescope's size), sources into a hash set. Both are buffered and inserted a batch
 * at a time with the slots of a later packet prefetched, so the cache misses of a
 * table of a million sources overlap instead of stalling every packet.
 */
#include "pipeline/ds_source.h"

#include <stdlib.h>

#include "decode/ds_decode.h"
#include "telescope/ds_classify.h"

#define DS_SRC_PEND 512
/* Destination bitmap leaves (8 KiB, a /16 each): 32 MiB, 16 /8 telescopes. */
#define DS_DST_LEAVES 4096

struct ds_source {
    ds_capture *cap;
    const ds_telescope *tel;
    const ds_sigset *sigs;
    uint16_t index;
    int64_t tol;
    ds_pkt *ring;
    size_t mask;
    size_t head, tail;
    int64_t max_ts;
    int64_t last_out;
    bool have_out;
    bool seen_frame;
    bool eof;
    bool idle;
    ds_source_stats st;
    ds_aset src4;
    ds_membudget src4_mem; /* --max-memory (ds_source_bound) */
    ds_bits32 dst4;
    uint32_t pend[DS_SRC_PEND][2]; /* sources and destinations not yet counted */
    size_t npend;
    char *error;
};

ds_source *ds_source_new(ds_capture *cap, uint16_t index, const ds_telescope *t,
                         const ds_sigset *sigs, int64_t tolerance_ns)
{
    ds_source *s = ds_xcalloc(1, sizeof *s);
    s->cap = cap;
    s->index = index;
    s->tel = t;
    s->sigs = sigs;
    s->tol = tolerance_ns;
    s->mask = 4095;
    s->ring = ds_xmalloc((s->mask + 1) * sizeof *s->ring);
    ds_aset_init(&s->src4);
    ds_bits32_init(&s->dst4, DS_DST_LEAVES);
    return s;
}

void ds_source_bound(ds_source *s, size_t bytes)
{
    s->src4_mem = (ds_membudget){.limit = bytes};
    ds_aset_bound(&s->src4, &s->src4_mem);
}

void ds_source_free(ds_source *s)
{
    if (!s)
        return;
    ds_capture_close(s->cap);
    ds_aset_free(&s->src4);
    ds_bits32_free(&s->dst4);
    free(s->ring);
    free(s->error);
    free(s);
}

static void ds_ring_grow(ds_source *s)
{
    size_t cap = s->mask + 1, n = s->tail - s->head;
    ds_pkt *ring = ds_xmalloc(2 * cap * sizeof *ring);
    for (size_t i = 0; i < n; i++)
        ring[i] = s->ring[(s->head + i) & s->mask];
    free(s->ring);
    s->ring = ring;
    s->mask = 2 * cap - 1;
    s->head = 0;
    s->tail = n;
}

static void ds_src_flush(ds_source *s)
{
    enum { AHEAD = 40 };
    size_t n = s->npend;
    for (size_t i = 0; i < n && i < AHEAD; i++) {
        ds_aset_prefetch(&s->src4, s->pend[i][0]);
        ds_bits32_prefetch(&s->dst4, s->pend[i][1]);
    }
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            ds_aset_prefetch(&s->src4, s->pend[i + AHEAD][0]);
            ds_bits32_prefetch(&s->dst4, s->pend[i + AHEAD][1]);
        }
        ds_aset_add(&s->src4, s->pend[i][0]);
        ds_bits32_add(&s->dst4, s->pend[i][1]);
    }
    s->npend = 0;
}

/* Counts the outer headers like the shared reference dissection does. */
static void ds_dissect(ds_source *s, const ds_pkt *p, int dec)
{
    ds_dissection *d = &s->st.d;
    if (p->ipver == 6) {
        d->ipv6++;
        return;
    }
    if (p->ipver != 4)
        return;
    d->ipv4++;
    if (dec == DS_DEC_IP_TRUNCATED || dec == DS_DEC_IP_IHL)
        return; /* no trustworthy header fields */
    if (s->npend == DS_SRC_PEND)
        ds_src_flush(s);
    s->pend[s->npend][0] = ds_ip_v4(&p->src);
    s->pend[s->npend++][1] = ds_ip_v4(&p->dst);
    if (p->tags & DS_TAG_FRAGMENT)
        d->ip_fragments++;
    bool l4 = !(p->tags & DS_TAG_NONFIRST) && dec != DS_DEC_L4_TRUNCATED &&
              dec != DS_DEC_IP_TOTLEN && dec != DS_DEC_IP_BEYOND_CAPTURE;
    switch (p->proto) {
    case 6:
        d->tcp++;
        if (l4) {
            uint8_t fl = p->tcp_flags;
            if ((fl & (DS_TCP_SYN | DS_TCP_ACK)) == DS_TCP_SYN)
                d->tcp_syn_only++;
            if ((fl & (DS_TCP_SYN | DS_TCP_ACK)) == (DS_TCP_SYN | DS_TCP_ACK))
                d->tcp_synack++;
            if (fl & DS_TCP_RST)
                d->tcp_rst++;
        }
        break;
    case 17:
        d->udp++;
        break;
    case 1:
        d->icmp++;
        if (!l4)
            d->icmp_other++;
        else if (p->icmp_type == 8)
            d->icmp_echo_request++;
        else if (p->icmp_type == 0)
            d->icmp_echo_reply++;
        else if (p->icmp_type == 3)
            d->icmp_unreach++;
        else if (p->icmp_type == 11)
            d->icmp_time_exceeded++;
        else
            d->icmp_other++;
        break;
    default:
        break;
    }
}

/* Puts the record decoded into the tail slot at its place in time order. */
static void ds_ring_place(ds_source *s)
{
    ds_pkt *p = &s->ring[s->tail & s->mask];
    int64_t ts = p->ts_ns;
    bool first = !s->seen_frame;
    int64_t newest = s->max_ts;
    if (first || ts > s->max_ts)
        s->max_ts = ts;
    s->seen_frame = true;
    if (s->tail == s->head || ts >= s->ring[(s->tail - 1) & s->mask].ts_ns) {
        if (!first && ts < newest - s->tol)
            s->st.out_of_order++; /* older than released records could be */
        if (s->have_out && ts < s->last_out)
            p->ts_ns = s->last_out;
        s->tail++;
        return;
    }
    if (ts < newest - s->tol)
        s->st.out_of_order++;
    else
        s->st.reordered++;
    if (s->have_out && ts < s->last_out)
        ts = p->ts_ns = s->last_out;
    ds_pkt rec = *p;
    size_t i = s->tail;
    while (i > s->head && s->ring[(i - 1) & s->mask].ts_ns > ts) {
        s->ring[i & s->mask] = s->ring[(i - 1) & s->mask];
        i--;
    }
    s->ring[i & s->mask] = rec;
    s->tail++;
}

static void ds_ingest(ds_source *s, const ds_frame *f)
{
    ds_source_stats *st = &s->st;
    if (st->d.packets == 0)
        st->d.first_ts = f->ts_ns;
    st->d.last_ts = f->ts_ns;
    st->d.packets++;
    st->bytes += f->wirelen;
    if (s->tail - s->head > s->mask)
        ds_ring_grow(s);
    ds_pkt *p = &s->ring[s->tail & s->mask];
    int dec = ds_decode(f, p);
    if (dec == DS_DEC_NONIP) {
        st->non_ip++;
        return;
    }
    ds_dissect(s, p, dec);
    if (dec != DS_DEC_OK) {
        st->malformed[dec]++;
        return;
    }
    int mon = ds_telescope_lookup(s->tel, &p->dst);
    if (mon < 0) {
        st->outside++;
        return;
    }
    p->monitor = (uint16_t)mon;
    p->input = s->index;
    ds_classify(p);
    p->sigs = s->sigs ? ds_sigset_match(s->sigs, p) : 0;
    if (p->sigs)
        p->tags |= DS_TAG_SIGNATURE;
    p->payload = NULL; /* points into the reader's buffer: not valid past here */
    st->classes[p->cls]++;
    for (uint32_t t = p->tags, b = 0; t; t >>= 1, b++)
        if (t & 1)
            st->tags[b]++;
    ds_ring_place(s);
}

static void ds_source_end(ds_source *s)
{
    s->eof = true;
    ds_src_flush(s);
    s->st.d.distinct_src_ipv4 = ds_aset_count(&s->src4);
    s->st.d.distinct_src_ipv4_approx = s->src4.hll != NULL;
    s->st.d.distinct_dst_ipv4 = ds_bits32_count(&s->dst4);
    ds_membudget *m = s->src4.mem;
    ds_aset_free(&s->src4);
    ds_bits32_free(&s->dst4);
    ds_aset_init(&s->src4);
    ds_aset_bound(&s->src4, m);
    ds_bits32_init(&s->dst4, DS_DST_LEAVES);
}

const ds_pkt *ds_source_peek(ds_source *s)
{
    s->idle = false;
    for (;;) {
        if (s->tail != s->head) {
            ds_pkt *h = &s->ring[s->head & s->mask];
            if (s->eof || h->ts_ns <= s->max_ts - s->tol)
                return h;
        } else if (s->eof) {
            return NULL;
        }
        ds_frame f;
        int r = ds_capture_next(s->cap, &f);
        if (r == DS_CAP_FRAME) {
            ds_ingest(s, &f);
        } else if (r == DS_CAP_TIMEOUT) {
            s->idle = true;
            return NULL;
        } else {
            if (r == DS_CAP_ERROR && !s->error) {
                const char *e = ds_capture_error(s->cap);
                s->error = ds_xstrdup(e ? e : "read error");
            }
            ds_source_end(s);
        }
    }
}

void ds_source_pop(ds_source *s)
{
    const ds_pkt *h = &s->ring[s->head & s->mask];
    s->last_out = h->ts_ns;
    s->have_out = true;
    s->head++;
}

void ds_source_finish(ds_source *s)
{
    if (!s->eof)
        ds_source_end(s);
}

bool ds_source_idle(const ds_source *s)
{
    return s->idle;
}
bool ds_source_done(const ds_source *s)
{
    return s->eof && s->tail == s->head;
}
ds_capture *ds_source_capture(ds_source *s)
{
    return s->cap;
}
const ds_source_stats *ds_source_get_stats(const ds_source *s)
{
    return &s->st;
}
const char *ds_source_error(const ds_source *s)
{
    return s->error;
}

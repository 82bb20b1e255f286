/*
 * ds_scan_int.h — the scanner analyzer's internals, shared by ds_scan.c (per probe,
 * output) and ds_scan_state.c (save, load, merge). Not a public interface.
 *
 * Heads (docs/SCALE.md): when the run keeps heads (--state, --mpi), every
 * (source, protocol, port) first probed within the window W of the part's first
 * probe gets a head record describing its *first stretch* in the part (its probes
 * until a silence longer than W): the probes up to the part's first probe + W
 * verbatim (`pre`), and the later ones of the stretch as aggregates (`post`:
 * packets, tool counts, destination set). That is what a merge with an earlier part
 * needs: an earlier part's window can only reach W past its own end, so replaying
 * `pre` onto the earlier part's state gives the exact state one run would have, and
 * after it either the key is an episode (the post probes just add to it) or its
 * window holds only this part's probes (the state is this part's own).
 */
#ifndef DS_SCAN_INT_H
#define DS_SCAN_INT_H

#include "analysis/ds_analyzer.h"

typedef struct ds_scan_cfg {
    uint64_t min_dests;
    int64_t window_ns;
} ds_scan_cfg;

enum { DS_TOOL_ZMAP, DS_TOOL_MASSCAN, DS_TOOL_MIRAI, DS_TOOL_N };

/* A probe held while (source, port) is a candidate. */
typedef struct ds_scan_probe {
    int64_t ts;
    uint8_t tags;
} ds_scan_probe;

typedef struct ds_scan_dst {
    uint64_t dst;
    int64_t last;
} ds_scan_dst;

typedef struct ds_scan_state {
    bool episode;
    /* candidate: distinct destinations in the window, and its probes (a FIFO) */
    ds_scan_dst *dv;
    size_t nd, capd;
    /* a lower bound of the dv[].last (exact after each compaction), so a probe
     * compacts dv only when an entry may have left the window; valid when nd > 0 */
    int64_t dmin;
    ds_scan_probe *q;
    size_t qhead, qn, qcap; /* qcap is 0 or a power of two: the ring index is masked */
    /* episode */
    int64_t start;
    uint64_t packets;
    uint64_t tools[DS_TOOL_N];
    uint64_t *set; /* destination keys, 0 = empty */
    size_t setn, setcap;
} ds_scan_state;

enum {
    DS_SLOT_EMPTY = 0,
    DS_SLOT_LIVE = 1,
    DS_SLOT_GONE = 2 /* removed by a merge: still occupies its place in the probe
                        sequence until the table is rebuilt (open addressing) */
};

typedef struct ds_scan_slot {
    ds_ip src;
    uint16_t port;
    uint8_t proto;
    uint8_t used;   /* DS_SLOT_* */
    uint8_t tags0;  /* the single probe's tags while st == NULL */
    uint8_t head;   /* this slot is the part's first stretch of a head key */
    uint8_t approx; /* created after an eviction (--max-memory): may have lost probes */
    uint8_t pad;
    int64_t last;  /* latest probe */
    uint64_t dst0; /* the single probe's destination while st == NULL */
    ds_scan_state *st;
} ds_scan_slot;

/* A verbatim probe of a head. */
typedef struct ds_scan_hprobe {
    int64_t ts;
    uint64_t dst;
    uint8_t tags;
} ds_scan_hprobe;

typedef struct ds_scan_head {
    ds_ip src;
    uint16_t port;
    uint8_t proto;
    bool closed; /* the first stretch ended inside the part: `held` is its end state */
    ds_scan_hprobe *pre;
    size_t npre, cappre;
    ds_scan_state post; /* packets, tools and set of the probes after `pre` */
    ds_scan_slot held;  /* closed: the stretch's last slot (owns held.st) */
} ds_scan_head;

typedef struct ds_scan_ep {
    ds_ip src;
    uint8_t proto;
    uint16_t port;
    int64_t start, end;
    uint64_t packets, dests;
    int tool;
    bool approx; /* its key was created after an eviction (--max-memory) */
} ds_scan_ep;

typedef struct ds_scan {
    const ds_ctx *ctx;
    ds_scan_cfg cfg;
    ds_scan_slot *tab;
    size_t cap, n;     /* n counts live and gone slots */
    uint64_t rebuilds; /* of the table, for tests */
    int64_t next_sweep;
    bool swept_once;
    ds_scan_ep *eps;
    size_t neps, capeps;
    double tel_v4; /* IPv4 addresses of the telescope, 0 for open */
    /* heads */
    bool keep_heads;
    bool started;     /* a probe was seen */
    int64_t first_ts; /* the part's first probe */
    int64_t cutoff;   /* first_ts + window: `pre` ends here */
    ds_scan_head **heads;
    size_t nheads, capheads;
    uint32_t *hix; /* open-addressing index of heads: position + 1, 0 = empty */
    size_t hcap;
    /* --max-memory (ds_scan.c, "Bounded memory") */
    bool approx;
    int64_t approx_since;        /* packet time of the first eviction */
    uint64_t evictions, evicted; /* eviction rounds, keys evicted */
    uint64_t max_evicted_dests;  /* the largest eviction threshold (window dests) */
    size_t charged;              /* bytes charged to ctx->mem at the last rebuild */
    size_t floor_cap;            /* an eviction's rebuild shrinks no further than this */
    size_t hw_cap;               /* the largest capacity the table had */
} ds_scan;

/* ds_scan.c */
extern const ds_analyzer_ops ds_scan_ops;
void ds_scan_state_free(ds_scan_state *st);
void ds_scan_set_add(ds_scan_state *st, uint64_t k);
void ds_scan_tools_add(uint64_t tools[DS_TOOL_N], uint8_t tags);
void ds_scan_rebuild(ds_scan *sc, size_t cap, int64_t now, bool expire);
/* The live slot of a key, or the empty slot where it would go (never a gone one). */
ds_scan_slot *ds_scan_find(ds_scan *sc, const ds_ip *src, uint8_t proto, uint16_t port);
/* One probe of a key, exactly as the per-packet path applies it. */
void ds_scan_probe_key(ds_scan *sc, const ds_ip *src, uint8_t proto, uint16_t port, uint64_t d,
                       int64_t t, uint8_t tags);
/* Ends a live slot's stretch: its episode is finished (or, for a head's stretch, the
 * head is closed with the slot as `held`); the slot keeps no state (st == NULL). */
void ds_scan_end_slot(ds_scan *sc, ds_scan_slot *s);
ds_scan_head *ds_scan_head_get(const ds_scan *sc, const ds_ip *src, uint8_t proto, uint16_t port);
ds_scan_head *ds_scan_head_new(ds_scan *sc, const ds_ip *src, uint8_t proto, uint16_t port);
void ds_scan_head_free(ds_scan_head *h);
void ds_scan_finish_ep(ds_scan *sc, const ds_scan_slot *s);
/* Appends an ended episode to sc's list. */
void ds_scan_push_ep(ds_scan *sc, const ds_scan_ep *e);
void ds_scan_started(ds_scan *sc, int64_t t);

/* --max-memory: dst takes src's eviction record (a merge with an approximate part
 * is approximate). */
void ds_scan_merge_approx(ds_scan *dst, const ds_scan *src);

/* ds_scan_state.c */
int ds_scan_save(const void *st, ds_wbuf *w);
void *ds_scan_load(const ds_ctx *ctx, const void *cfg, ds_rbuf *r, char *err, size_t errlen);
int ds_scan_merge(void *dst, void *src, char *err, size_t errlen);
void *ds_scan_create(const ds_ctx *ctx, const void *cfg);

#endif

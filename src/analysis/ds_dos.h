/*
 * ds_dos.h — the DoS analyzer's internal contract, shared by its three files:
 *
 *   ds_dos.c         the analyzer: options, the table of open attack vectors,
 *                    expiry, and write();
 *   ds_dos_vector.c  one attack vector: what a backscatter packet adds to it and how
 *                    it is judged and summarised into an attack record;
 *   ds_dos_output.c  attacks.csv, attacks.ndjson, events.csv, the Corsaro ASCII
 *                    file and the "dos" member of summary.json.
 *
 * The method is Moore, Voelker and Savage's backscatter analysis (USENIX Security
 * 2001, ACM TOCS 2006) with Corsaro's attack-vector rules as defaults; the file
 * comments say where darkscope differs and why. Nothing here is used outside the
 * analyzer except by its tests.
 */
#ifndef DS_DOS_H
#define DS_DOS_H

#include <stdio.h>

#include "analysis/ds_analyzer.h"
#include "core/ds_distinct.h"
#include "model/ds_dcount.h"
#include "telescope/ds_telescope_offset.h"

/* Response kinds (columns of attacks.csv, in this order). */
enum ds_dos_kind {
    DS_DOS_SYNACK = 0, /* TCP SYN+ACK (without RST) */
    DS_DOS_RST,        /* TCP RST without ACK */
    DS_DOS_RSTACK,     /* TCP RST+ACK */
    DS_DOS_ECHO_REPLY, /* ICMP 0, ICMPv6 129 */
    DS_DOS_UNREACH,    /* ICMP 3, ICMPv6 1 */
    DS_DOS_TTL,        /* ICMP 11, ICMPv6 3 */
    DS_DOS_OTHER_ICMP, /* ICMP 4, 5, 12, 14, 16, 18; ICMPv6 2, 4 */
    DS_DOS_UDP,        /* UDP responses (--dos-udp); not an attacks.csv column */
    DS_DOS_KINDS
};
const char *ds_dos_kind_name(int kind);

#define DS_DOS_TOPK 8 /* Space-Saving counters for the top target ports */
#define DS_DOS_TOP_SHOWN 5
#define DS_DOS_RING_MAX 64

typedef struct ds_dos_config {
    bool key_victim;      /* --dos-key victim: one vector per victim (Corsaro v2) */
    bool udp;             /* --dos-udp */
    bool moore2001;       /* --dos-preset moore2001 */
    int64_t timeout;      /* idle time that ends a vector */
    int64_t min_duration; /* first to last packet */
    int64_t window, step; /* sliding window for min_ppm */
    uint64_t min_packets, min_ppm, min_addrs;
    uint64_t event_min; /* packets in a 1-minute bin for an event */
    uint64_t exact_cap; /* distinct addresses counted exactly per vector */
    unsigned hll_p;     /* HyperLogLog precision beyond the cap */
    uint64_t ad_sample, ad_min_sample;
    char *corsaro_path; /* --corsaro-ascii FILE, or NULL */
    /* Which thresholds the user set, so a preset changes only the others. */
    bool set_min_packets, set_min_duration, set_min_ppm, set_min_addrs;
} ds_dos_config;

/* A 256-bit set of IP protocol numbers (labels for --dos-key victim). */
typedef struct ds_dos_protos {
    uint64_t w[4];
} ds_dos_protos;

static inline void ds_dos_protos_add(ds_dos_protos *p, uint8_t proto)
{
    p->w[proto >> 6] |= 1ull << (proto & 63);
}
/* Writes "tcp", "icmp+tcp", ... into buf (names in protocol-number order). */
char *ds_dos_protos_format(const ds_dos_protos *p, char *buf, size_t len);
const char *ds_dos_proto_name(uint8_t proto, char buf[8]);

/* What one backscatter packet says, extracted once. */
typedef struct ds_dos_hit {
    ds_ip victim;
    uint8_t proto; /* key protocol: outer, or quoted for full-quote ICMP errors */
    uint8_t kind;  /* enum ds_dos_kind */
    bool has_ports;
    bool mismatch; /* ICMP error whose quoted source is not the telescope address */
    bool unquoted; /* ICMP error without a full quoted header */
    uint16_t attack_port, target_port;
} ds_dos_hit;

/* Fills hit from a packet; returns false when the packet enters no vector. */
bool ds_dos_extract(const ds_dos_config *cfg, const ds_pkt *p, ds_dos_hit *hit);

/* A backscatter packet staged for its vector (ds_dos.c, "Staging"): the hit and what
 * the vector needs of the packet. */
typedef struct ds_dos_rec {
    int64_t ts;
    ds_ip dst;    /* the telescope address hit */
    uint32_t idx; /* the vector's pool entry */
    uint32_t ip_len;
    uint16_t monitor;
    uint16_t attack_port, target_port;
    uint8_t proto, kind; /* as in ds_dos_hit */
    bool has_ports, mismatch, unquoted;
} ds_dos_rec;

typedef struct ds_dos_topk {
    uint16_t port;
    uint32_t count;
} ds_dos_topk;

/* Exact distinct 16-bit values: a few inline, then an 8 KiB bitmap. */
typedef struct ds_dos_set16 {
    uint32_t n;
    uint16_t inl[6];
    uint64_t *bits; /* 1024 words once past the inline slots */
} ds_dos_set16;

/* A bottom-k sample of distinct hit addresses for the uniformity test: the k with
 * the smallest salted hash (see ds_dos_vector.c). */
typedef struct ds_dos_sample_ent {
    uint64_t h;
    ds_ip addr;
} ds_dos_sample_ent;

typedef struct ds_dos_sample {
    ds_dos_sample_ent *e;
    uint32_t n, cap;
    bool heap; /* e[] is a max-heap on h (once full) */
} ds_dos_sample;

/* What a merge with an earlier part needs of a vector that may continue one of
 * that part's (a "head" vector: it started within the timeout of the part's first
 * packet; kept only when the run saves its state, docs/SCALE.md): the times of all
 * its packets, its packets in its first second, and its first event bin once closed.
 * The times are needed because the sliding windows are anchored at the first packet
 * of the whole vector, which only the earlier part knows: a merge replays them into
 * the earlier part's ring. They are kept as LEB128 varints of the nanoseconds since
 * the previous packet (1-4 bytes a packet at telescope rates). */
typedef struct ds_dos_head {
    uint8_t *times; /* varint deltas, the first from the vector's first packet */
    size_t times_len, times_cap;
    uint64_t ntimes;     /* packets logged (= the vector's packets in this part) */
    int64_t last_time;   /* time of the last logged packet (at first the vector's first) */
    int64_t sec0;        /* first UTC second */
    uint64_t sec0_count; /* packets in it */
    bool bin_done;       /* the first bin closed and is kept here, not emitted */
    int64_t bin_start;
    uint64_t bin_packets;
    ds_dos_protos bin_protos;
    ds_dcount bin_addrs;
} ds_dos_head;

/* A long IPv4 vector's deferred sets (ds_dos_vector.c, "Deferred sets"): its hit
 * addresses and attack ports are appended here and go into addrs, s16, sample,
 * bin_addrs and aports in batches. */
#define DS_DOS_LAZY_PORTS 256
typedef struct ds_dos_lazy {
    ds_distinct64 addrs; /* every hit address; addrs/s16/sample are empty meanwhile */
    size_t bin_mark;     /* addrs.v[bin_mark..n): this minute's, not yet in bin_addrs */
    uint32_t nports;
    uint16_t ports[DS_DOS_LAZY_PORTS]; /* attack ports not yet in aports */
} ds_dos_lazy;

typedef struct ds_dos_vec {
    ds_ip victim;
    uint8_t proto; /* key protocol (0 when keyed by victim only) */
    bool used;
    uint32_t hash;
    int64_t first, last;
    uint64_t packets, bytes;
    uint64_t monitors; /* bit m: monitor m saw a packet */
    uint64_t kinds[DS_DOS_KINDS];
    uint64_t mismatches, unquoted;
    ds_dos_protos protos;
    /* sliding window: step index (since first, so windows are anchored at the
     * first packet) of the newest packet, sum of the ring's steps, best window so far */
    int64_t cur_bucket;
    uint64_t win_sum, max_win;
    /* peak second, seconds anchored at the first packet */
    int64_t cur_sec;
    uint64_t sec_count, peak_sec;
    /* the 1-minute event bin being counted */
    int64_t bin_start;
    uint64_t bin_packets;
    ds_dos_protos bin_protos;
    ds_dcount bin_addrs;
    ds_dcount addrs; /* telescope addresses hit */
    ds_dcount s16;   /* their /16s (IPv6: /48s) */
    ds_dos_set16 aports, tports;
    ds_dos_topk top[DS_DOS_TOPK];
    uint16_t first_tport;
    bool has_tport;
    ds_dos_sample sample;
    ds_dos_head *head;        /* NULL unless a head vector (see ds_dos_head) */
    struct ds_dos_lazy *lazy; /* deferred sets (ds_dos_vector.c), or NULL */
} ds_dos_vec;

/* The ring slot of an absolute step (steps are >= 0 after 1970, but be safe). */
static inline unsigned ds_dos_ring_slot(int64_t b, unsigned W)
{
    int64_t m = b % (int64_t)W;
    return (unsigned)(m < 0 ? m + (int64_t)W : m);
}

/* An attack (or a vector judged as one), summarised for output. */
typedef struct ds_dos_attack {
    ds_ip victim;
    uint8_t proto;
    ds_dos_protos protos;
    uint64_t monitors;
    int64_t start, end;
    uint64_t packets, bytes;
    uint64_t addrs;
    bool addrs_exact;
    uint64_t s16, aports, tports;
    bool has_tport;
    uint16_t first_tport;
    ds_dos_topk top[DS_DOS_TOP_SHOWN];
    int ntop;
    uint64_t max_ppm, peak_pps;
    double mean_pps; /* NaN when the duration is 0 */
    double est_pps;  /* NaN when unknown */
    uint64_t mismatches, unquoted;
    uint64_t kinds[DS_DOS_KINDS];
    double ad;     /* NaN below the minimum sample */
    uint32_t ad_n; /* sample size used */
} ds_dos_attack;

typedef struct ds_dos_event {
    int64_t minute; /* bin start, ns */
    ds_ip victim;
    ds_dos_protos protos;
    uint64_t packets, addrs;
} ds_dos_event;

/* Everything a vector needs from the analyzer to judge and summarise itself. */
typedef struct ds_dos_env {
    const ds_dos_config *cfg;
    const ds_telescope *telescope;
    const ds_tspace *space;
    unsigned ring_len; /* window / step */
} ds_dos_env;

void ds_dos_vec_start(ds_dos_vec *v, const ds_dos_hit *hit, uint32_t hash, int64_t ts);
/* Counts a packet at time ts into the vector's sliding window (ring: its steps). */
void ds_dos_vec_window(const ds_dos_env *env, ds_dos_vec *v, uint32_t *ring, int64_t ts);
/* Adds a packet. When the packet closes an event bin that qualifies, fills closed
 * and returns true. */
bool ds_dos_vec_add(const ds_dos_env *env, ds_dos_vec *v, uint32_t *ring, const ds_dos_rec *r,
                    ds_dos_event *closed);
/* Brings a vector's deferred addresses into addrs, s16 and sample: required before
 * anything reads those (judging, summarising, saving, merging). */
void ds_dos_vec_settle(const ds_dos_env *env, ds_dos_vec *v);
/* True when the vector, ended now, is an attack. */
bool ds_dos_vec_is_attack(const ds_dos_env *env, const ds_dos_vec *v);
/* Summarises the vector (read-only). */
void ds_dos_vec_summarise(const ds_dos_env *env, const ds_dos_vec *v, ds_dos_attack *a);
/* The event of the bin being counted, if it qualifies (read-only). */
bool ds_dos_vec_bin_event(const ds_dos_env *env, const ds_dos_vec *v, ds_dos_event *e);
void ds_dos_head_new(const ds_dos_env *env, ds_dos_vec *v, int64_t ts);
void ds_dos_head_free(ds_dos_vec *v);
/* Appends a packet time to a head's log (times never decrease). */
void ds_dos_head_log(ds_dos_head *h, int64_t ts);
/* Reads the next time of a head's log at *pos: *ts (the previous time, the vector's
 * first for the first) advances by the next delta. False at the end of the log or on
 * a malformed or overflowing delta. */
bool ds_dos_head_next(const ds_dos_head *h, size_t *pos, int64_t *ts);
/* Bytes of heap the vector holds. */
size_t ds_dos_vec_bytes(const ds_dos_vec *v);
void ds_dos_vec_free(ds_dos_vec *v);

/* Output (ds_dos_output.c). */
/* The attacks.csv columns of the analysis itself, and one row of them: no newline
 * (attribution columns follow). */
void ds_dos_csv_header(FILE *f);
void ds_dos_csv_row(FILE *f, const ds_telescope *t, const ds_dos_attack *a);
/* One JSON object on one line, with its newline. */
void ds_dos_ndjson_line(FILE *f, const ds_telescope *t, const ds_dos_attack *a);
/* events.csv's header and rows, without the newline (an `approximate` column may
 * follow, ds_dos.c). */
void ds_dos_events_header(FILE *f);
void ds_dos_events_row(FILE *f, const ds_dos_event *e);
/* Corsaro v2 dos plugin ASCII: one interval block holding every attack. */
void ds_dos_corsaro_ascii(FILE *f, const ds_dos_attack *const *a, size_t n, int64_t first_ts,
                          int64_t last_ts);

/* The analyzer's state (ds_dos.c; ds_dos_state.c saves, loads and merges it). */
typedef struct ds_dos {
    ds_dos_config cfg; /* a copy, with the preset applied */
    ds_dos_env env;
    const ds_ctx *ctx;
    /* open vectors */
    uint32_t *slots; /* pool index + 1, 0 = empty */
    uint32_t mask;
    ds_dos_vec *pool;
    uint32_t *rings; /* ring_len counters per pool entry */
    uint32_t *free_list;
    size_t npool, cappool, nfree, nopen;
    /* staged packets (ds_dos.c, "Staging") */
    ds_dos_rec *stage, *stage_out;
    size_t nstage;
    uint32_t *stage_cnt; /* per pool entry: its staged packets, 0 when none */
    int64_t next_sweep;
    /* ended attacks and events */
    ds_dos_attack *attacks;
    size_t nattacks, capattacks;
    ds_dos_event *events;
    size_t nevents, capevents;
    /* totals over every vector */
    uint64_t vectors, vector_packets, non_attacks, non_attack_packets;
    uint64_t kinds[DS_DOS_KINDS];
    uint64_t mismatches, unquoted;
    bool any;
    int64_t first_ts, last_ts;
    /* mergeable state (ds_dos_state.c) */
    bool keep_heads; /* the run saves its state: keep head vectors */
    bool started;
    int64_t part_start; /* the first packet of the part */
    int64_t now;        /* the latest packet time seen */
    ds_dos_vec *held;   /* head vectors that ended: judged at write or merge */
    uint32_t *held_rings;
    size_t nheld, capheld;
    /* --max-memory (ds_dos.c, "Bounded memory"): the pool's growth is charged to
     * ctx->mem; when refused, the open vectors with the fewest packets are ended */
    bool approx;
    int64_t approx_since; /* packet time of the first eviction */
    uint64_t evictions, evicted, evicted_packets;
    uint64_t max_evicted_packets; /* the largest eviction threshold */
    size_t charged;               /* bytes charged to ctx->mem */
    /* attacks.ndjson stream */
    ds_ofile nd;
    bool nd_ok, nd_placed, nd_final;
} ds_dos;

/* ds_dos.c, for ds_dos_state.c */
void *ds_dos_create(const ds_ctx *ctx, const void *cfgp);
void ds_dos_destroy(void *st);
/* Takes a pool entry for a new open vector keyed like v (copied in) with ring. */
uint32_t ds_dos_insert(ds_dos *d, const ds_dos_vec *v, const uint32_t *ring);
/* Finds the open vector of (victim, proto), or UINT32_MAX. */
uint32_t ds_dos_find(const ds_dos *d, const ds_ip *victim, uint8_t proto);
/* Ends an open vector: judged, its event and attack recorded. */
void ds_dos_end(ds_dos *d, uint32_t idx);
/* Settles every vector of the analyzer (ds_dos_vec_settle). */
void ds_dos_settle_all(ds_dos *d);
/* Judges an ended vector (not in the table) and frees it. */
void ds_dos_judge(ds_dos *d, ds_dos_vec *v);
void ds_dos_push_event(ds_dos *d, const ds_dos_event *e);
uint32_t ds_dos_hash(const ds_ip *victim, uint8_t proto);

/* ds_dos_state.c */
int ds_dos_save(const void *st, ds_wbuf *w);
void *ds_dos_load(const ds_ctx *ctx, const void *cfg, ds_rbuf *r, char *err, size_t errlen);
int ds_dos_merge(void *dst, void *src, char *err, size_t errlen);

/* --max-memory: dst takes src's eviction record (a merge with an approximate part
 * is approximate). */
void ds_dos_merge_approx(ds_dos *dst, const ds_dos *src);

/* Memory held by the analyzer state (for the bounded-memory test). */
size_t ds_dos_memory(const void *st);

#endif

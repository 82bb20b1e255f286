/*
 * ds_worm_int.h — the worm analyzer's state, shared by its two files:
 * ds_worm.c (tracking packets, hosts.csv, worm.csv) and ds_worm_report.c (the
 * outbreak figures of worm.json). Not a public interface.
 */
#ifndef DS_WORM_INT_H
#define DS_WORM_INT_H

#include "analysis/ds_analyzer.h"
#include "analysis/ds_hosttab.h"
#include "core/ds_distinct.h"
#include "model/ds_hll.h"

#define DS_WORM_HLL_P 14

typedef struct ds_worm_cfg {
    int64_t deactivation_ns; /* --worm-deactivation */
    double cp_penalty;       /* --changepoint-penalty */
    double cp_min_ratio;     /* --changepoint-min-ratio */
    double cp_min_jump;      /* --changepoint-min-jump */
    double scan_rate;        /* --worm-scan-rate, 0 = estimate */
    int64_t coverage_ns;     /* --worm-coverage-window */
} ds_worm_cfg;

/* Counters of one (interval, signature, monitor-or-all) cell. */
typedef struct ds_worm_cell {
    uint64_t new_hosts, active, probes;
} ds_worm_cell;

typedef struct ds_worm_row {
    int64_t start;
    ds_worm_cell *cells; /* [sig][monitor], monitor == nmon is `all` */
    bool approx;         /* new and active hosts estimated (--max-memory) */
} ds_worm_row;

/* A host's first sighting in a monitor other than its first one (for the
 * sighting delays between monitors). */
typedef struct ds_worm_sighting {
    int64_t ts_ns;
    uint32_t rec;
    uint16_t monitor;
} ds_worm_sighting;

typedef struct ds_worm {
    const ds_ctx *ctx;
    ds_worm_cfg cfg;
    int nmon, nsig;
    int64_t interval;
    ds_hosttab hosts;
    /* interval being counted */
    bool open;
    int64_t cur_start;
    uint64_t cur_start_rel; /* cur_start in the host table's µs */
    ds_worm_cell *cur;
    ds_distinct64 active; /* (sig*nmon + monitor) << 32 | record, when nmon > 1 */
    ds_worm_row *rows;
    size_t nrows, caprows;
    ds_worm_sighting *sight;
    size_t nsight, capsight;
    bool any;
    int64_t first_ts, last_ts; /* of every packet the analyzer saw */
    /* per-monitor active keys of rows[0], kept when the run saves its state (a
     * merge with an earlier part needs them; ds_worm_state.c) */
    bool keep_first, have_first;
    ds_distinct64 first_active;
    /* --max-memory (ds_worm.c, "Bounded memory"): once the budget refuses a new
     * host the table evicts its smallest hosts and the counts come from sketches. */
    bool approx;
    int64_t approx_since;         /* packet time of the switch */
    uint64_t evictions, evicted;  /* eviction rounds, hosts evicted */
    uint64_t dropped;             /* probes of new hosts that found no room */
    uint32_t max_evicted_packets; /* the largest eviction threshold */
    uint32_t exact_prefix;        /* records [0, exact_prefix) were never evicted */
    ds_hll *cum;                  /* [cell]: every host seen */
    ds_hll *act;                  /* [cell]: hosts active in the open interval */
    uint64_t *cum_prev;           /* [cell]: cumulative hosts at the last close */
} ds_worm;

static inline size_t ds_worm_ncells(const ds_worm *w)
{
    return (size_t)w->nsig * (size_t)(w->nmon + 1);
}

static inline ds_worm_cell *ds_worm_cellp(const ds_worm *w, ds_worm_cell *cells, int sig, int mon)
{
    return &cells[(size_t)sig * (size_t)(w->nmon + 1) + (size_t)mon];
}

static inline ds_hll *ds_worm_hllp(const ds_worm *w, ds_hll *h, int sig, int mon)
{
    return &h[(size_t)sig * (size_t)(w->nmon + 1) + (size_t)mon];
}

/* ds_worm.c, for ds_worm_state.c: create/destroy, and the per-monitor active
 * counts of an interval from its (group, record) keys. */
void *ds_worm_create(const ds_ctx *ctx, const void *cfg);
void ds_worm_destroy(void *st);
void ds_worm_count_active(const ds_worm *w, ds_distinct64 *d, ds_worm_cell *cells);

/* ds_worm_state.c: the mergeable state (docs/SCALE.md). */
int ds_worm_save(const void *st, ds_wbuf *wb);
void *ds_worm_load(const ds_ctx *ctx, const void *cfg, ds_rbuf *r, char *err, size_t errlen);
int ds_worm_merge(void *dst, void *src, char *err, size_t errlen);

/* Builds worm.json's object for one signature from the rows (the open interval
 * included as `extra` when not NULL) and the host table; fills `headline` with the
 * members summary.json repeats. */
json_t *ds_worm_report(const ds_worm *w, int sig, const ds_worm_row *extra, json_t *headline);

#endif

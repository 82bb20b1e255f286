/*
 * ds_outputs.h — writing a run's outputs from states: summary.json's run-wide
 * members and every analyzer's files. One function serves `analyze` (from the
 * states it just built) and `merge` (from merged states), so both write the same
 * bytes for the same analysis.
 *
 * ds_runsum is the run-wide part of the state: what summary.json says about the
 * inputs and totals. It is itself mergeable (inputs are concatenated, counters
 * added, the time span widened) and saved in state files (ds_state_run.c).
 */
#ifndef DS_OUTPUTS_H
#define DS_OUTPUTS_H

#include <jansson.h>

#include "analysis/ds_analyzer.h"
#include "output/ds_report.h"
#include "pipeline/ds_run.h"
#include "pipeline/ds_source.h"
#include "pipeline/ds_thread.h"

typedef struct ds_runsum {
    json_t *inputs;      /* array of summary.json "inputs" objects (owned) */
    ds_source_stats tot; /* counters of every input, added */
    bool inputs_bad;     /* some input could not be read */
    uint64_t packets;    /* records analysed */
    bool any;
    int64_t first_ts, last_ts;
    bool complete;
    uint32_t parts; /* states merged into this one (1 for a run) */
} ds_runsum;

void ds_runsum_init(ds_runsum *rs);
void ds_runsum_free(ds_runsum *rs);
/* Adds s's counters into t. */
void ds_stats_add(ds_source_stats *t, const ds_source_stats *s);
/* Merges src into dst (src unchanged). */
void ds_runsum_merge(ds_runsum *dst, const ds_runsum *src);

/* Writes every enabled analyzer's files, then summary.json last (so summary.json
 * appearing means the rest of the directory is consistent with it). st[a] is the
 * state of registry entry a. With movie not NULL (a report follows), the report's
 * movie is started once the files it reads are written, to run while the others
 * are (*movie, NULL when not started: see ds_report_movie_start). With par not
 * NULL (`analyze -j`), each state is waited for (ds_par_ready) just before it is
 * used, so the merges of the later analyzers' shards go on while the earlier ones
 * write. Returns 0, or -1 after printing the errors. */
int ds_write_outputs(const ds_run_config *cfg, const ds_ctx *ctx, const ds_runsum *rs,
                     void *const *st, ds_par *par, ds_report_movie **movie);

#endif

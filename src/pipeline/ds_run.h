/*
 * ds_run.h — one analysis run: inputs in, analyzers over the merged stream, outputs
 * and summary.json out. The CLI fills a ds_run_config and calls ds_run().
 */
#ifndef DS_RUN_H
#define DS_RUN_H

#include <signal.h>

#include "telescope/ds_signature.h"
#include "telescope/ds_telescope.h"

/* Exit statuses of `darkscope analyze` (also listed in --help). */
enum {
    DS_EXIT_OK = 0,
    DS_EXIT_USAGE = 1,
    DS_EXIT_BAD_INPUT = 2, /* some input could not be read or was corrupt */
    DS_EXIT_OUTPUT = 3,    /* outputs could not be written */
    DS_EXIT_INTERRUPTED = 130
};

typedef struct ds_run_config {
    const char *const *inputs; /* file paths, "-" for standard input */
    size_t ninputs;
    const char *interface; /* live capture instead of files, or NULL */
    const char *bpf;       /* live capture filter, or NULL */
    int snaplen;
    const char *outdir;
    int64_t interval_ns;
    int64_t tolerance_ns;
    ds_telescope *telescope;
    ds_sigset *sigs;
    void **analyzer_cfg;      /* one per registry entry (may be NULL) */
    const bool *analyzer_on;  /* one per registry entry; NULL = all enabled */
    struct ds_enrich *enrich; /* attribution sources, or NULL (enrich/ds_enrich.h) */
    bool progress;            /* progress line on stderr */
    unsigned threads;         /* -j: analysis threads; 0 or 1 = this thread alone (ds_thread.h) */
    int argc;
    char **argv;                 /* the command line, for summary.json */
    volatile sig_atomic_t *stop; /* set by the signal handler */
    /* Mergeable state (docs/SCALE.md). */
    const char *state_out;      /* --state FILE: also write the state there, or NULL */
    char *const *analysis_opts; /* the options that shape the analysis, recorded in
                                   the state so a merge rebuilds the same config */
    size_t nanalysis_opts;
    const char *const *states; /* `darkscope merge`: the states to merge, in order */
    size_t nstates;
    /* --mpi (ds_mpi.c): a rank's run serialises its state into this buffer (framed,
     * as a state file) instead of writing outputs; NULL otherwise. */
    struct ds_wbuf *state_mem;
    /* --max-memory: bytes the analyzers' tables (15/16 of it) and the inputs'
     * file-wide distinct-source sets (1/16, shared out among the inputs) may use
     * together, 0 = unbounded (docs/SCALE.md, "Bounded memory"). */
    size_t max_memory;
} ds_run_config;

int ds_run(const ds_run_config *cfg);

/* `darkscope merge`: loads cfg->states, merges them in the order given and writes
 * the outputs (and cfg->state_out) as analyze would. Returns an exit status. */
int ds_run_merge(const ds_run_config *cfg);

#endif

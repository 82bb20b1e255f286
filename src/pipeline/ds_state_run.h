/*
 * ds_state_run.h — the state file of a whole run: the analysis options, a
 * fingerprint of the telescope and signatures, the run-wide summary (ds_runsum)
 * and every analyzer's save() (docs/FORMATS.md, "State files"). Saving is called
 * by the run; loading and merging by `darkscope merge` (ds_run_merge in
 * ds_state_run.c).
 */
#ifndef DS_STATE_RUN_H
#define DS_STATE_RUN_H

#include "pipeline/ds_outputs.h"
#include "pipeline/ds_run.h"

/* Writes the state of a run (st[a] for registry entry a; NULL when off) to path.
 * Returns 0, or -1 with a message. */
int ds_state_save_run(const ds_run_config *cfg, const ds_runsum *rs, void *const *st,
                      const char *path, char *err, size_t errlen);

/* The same into memory: framed bytes (a state file's) appended to framed. */
int ds_state_save_run_mem(const ds_run_config *cfg, const ds_runsum *rs, void *const *st,
                          ds_wbuf *framed, char *err, size_t errlen);

/* A state to merge: a file (data == NULL) or framed bytes in memory (name for
 * messages). */
typedef struct ds_state_src {
    const char *name;
    const uint8_t *data;
    size_t n;
} ds_state_src;

/* Merges states in the order given (earliest first) and writes the outputs (and
 * cfg->state_out) as analyze would; prints errors. strict: a state must not start
 * before the ones before it end (a split by time; --mpi). Returns an exit status. */
int ds_merge_states_write(const ds_run_config *cfg, const ds_state_src *srcs, size_t n,
                          bool strict);
/* Merges states in order into framed bytes (appended to framed). Returns an exit
 * status, with a message in err on failure. */
int ds_merge_states_mem(const ds_run_config *cfg, const ds_state_src *srcs, size_t n, bool strict,
                        ds_wbuf *framed, char *err, size_t errlen);
/* True when every enabled analyzer's merged state keeps the head of its first part,
 * so a merged state may follow an earlier one (any pairwise merge order in time). */
bool ds_state_merged_can_follow(const ds_run_config *cfg);

/* Reads the analysis options recorded in a state file (for `darkscope merge`,
 * which rebuilds the configuration from them). *opts is an array of *nopts strings
 * (free each and the array). Returns 0, or -1 with a message. */
int ds_state_read_options(const char *path, char ***opts, size_t *nopts, char *err, size_t errlen);

#endif

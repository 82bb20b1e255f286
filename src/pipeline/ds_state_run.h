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

/* Reads the analysis options recorded in a state file (for `darkscope merge`,
 * which rebuilds the configuration from them). *opts is an array of *nopts strings
 * (free each and the array). Returns 0, or -1 with a message. */
int ds_state_read_options(const char *path, char ***opts, size_t *nopts, char *err, size_t errlen);

#endif

/*
 * ds_merge.h — the k-way merge of time-ordered sources into one stream.
 *
 * A binary min-heap on each source's next record (ties broken by input order, so
 * the merged order is deterministic). Records are copied into the caller's batch
 * array: a batch then stays valid while the sources read on.
 */
#ifndef DS_MERGE_H
#define DS_MERGE_H

#include "pipeline/ds_source.h"

typedef struct ds_merge ds_merge;

/* The merge does not own the sources. */
ds_merge *ds_merge_new(ds_source *const *sources, size_t n);
void ds_merge_free(ds_merge *m);

/* Copies up to max records in time order into out; returns how many. Returns 0
 * when every source is done, or (live) when a source is idle and nothing is ready. */
size_t ds_merge_next(ds_merge *m, ds_pkt *out, size_t max);
/* True when every source is done. */
bool ds_merge_done(const ds_merge *m);

#endif

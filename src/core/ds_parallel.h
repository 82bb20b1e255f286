/*
 * ds_parallel.h — running independent pieces of work on several threads.
 *
 * The analysis is sharded by host across -j workers (pipeline/ds_thread.c); what
 * comes after it (attributing and writing every host, loading them back for the
 * report) is a loop over independent items. ds_parallel_for runs such a loop on
 * up to `threads` threads, the caller's among them, and returns when every item
 * is done; with threads <= 1 it is the plain loop, so `-j 1` stays one thread.
 * Items are handed out one at a time from a shared counter (an item should be a
 * chunk of work, not one host). The function must only write what item i owns.
 */
#ifndef DS_PARALLEL_H
#define DS_PARALLEL_H

#include <stddef.h>

typedef void (*ds_item_fn)(void *arg, size_t i);

void ds_parallel_for(unsigned threads, size_t n, ds_item_fn fn, void *arg);

/* qsort(base, n, size, cmp) on up to `threads` threads: parts sorted at once, then
 * merged. Like qsort, not promised stable: equal elements must be interchangeable. */
void ds_parallel_sort(unsigned threads, void *base, size_t n, size_t size,
                      int (*cmp)(const void *, const void *));

/* The CPUs this process may run on (its affinity mask, so that taskset and cgroup
 * cpusets count), at least 1 and at most 64: the default of -j. */
unsigned ds_cpus(void);

#endif

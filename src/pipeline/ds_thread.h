/*
 * ds_thread.h — `analyze -j N`: the analyzers on N worker threads, fed by the
 * reading thread (docs/SCALE.md, "Threads").
 *
 * The run's thread reads, decodes and merges the inputs as with one thread and
 * hands each batch of records to the workers through a ring of chunks; every
 * worker sees every chunk (read-only) and takes its share:
 *
 *   - per host (dos, scan): a packet belongs to the worker its remote host hashes
 *     to — the DoS victim for backscatter (ds_dos_extract's victim: the outer
 *     source, or an ICMP error's quoted destination), the source otherwise — so
 *     each host's vectors, candidate windows and episodes live in one thread;
 *   - per interval (series): whole reporting intervals, round robin, because its
 *     distinct-address counts of one interval cannot be added across hosts;
 *   - whole (worm, and every analyzer not listed): one worker runs it over every
 *     packet, because hosts.csv lists hosts in the order they were first seen,
 *     which host shards cannot restore for hosts first seen at the same instant.
 *
 * Each state gets the batches as the single-threaded run cuts them — packets()
 * with its share of a batch, then advance() with the batch's last timestamp — so
 * interval closes and sweeps happen at the same packet times. At the end the
 * shards of an analyzer are merged (its merge(): exact for parts over disjoint
 * hosts, or disjoint intervals, at the same time) into one state made with the
 * run's context, which writes the outputs.
 *
 * When the run saves its state (--state, --mpi) every analyzer runs whole on one
 * worker: a merged state no longer keeps the head a later merge needs
 * (docs/SCALE.md), and an unsharded state is exactly the single-threaded one.
 */
#ifndef DS_THREAD_H
#define DS_THREAD_H

#include "analysis/ds_analyzer.h"

typedef struct ds_par ds_par;

/* Creates the states of the enabled analyzers (registry indices on[0..non)) with
 * their configs acfg[a] and starts `threads` workers (>= 2). ctx is the run's
 * context and must outlive p. whole: run every analyzer unsharded. Returns NULL
 * when a thread could not be started (nothing is left running). */
ds_par *ds_par_start(const ds_ctx *ctx, void *const *acfg, const size_t *on, size_t non,
                     unsigned threads, bool whole);

/* Room for the next batch of at most max records (max <= 4096), to be filled by
 * the caller and published with ds_par_commit. */
ds_pkt *ds_par_buffer(ds_par *p, size_t max);
/* Publishes the n > 0 records just written into the buffer as one batch. */
void ds_par_commit(ds_par *p, size_t n);

/* Waits for the workers and stores every enabled analyzer's final state into st[a]
 * (registry index a): a whole analyzer's at once; a sharded one's is the merge of
 * its shards, which runs on its own thread (the outputs of the analyzers before it
 * are written meanwhile) until ds_par_ready or ds_par_wait. The states belong to
 * the caller (destroy()), but may point at contexts p holds: free p after them. */
void ds_par_finish_start(ds_par *p, void **st);
/* Waits until st[a] is final. Returns 0, or -1 with a message when its merge
 * failed. */
int ds_par_ready(ds_par *p, size_t a, char *err, size_t errlen);
/* ds_par_ready for every analyzer; the first error. */
int ds_par_wait(ds_par *p, char *err, size_t errlen);
/* After ds_par_finish_start: the CPU seconds each worker spent (at most max of them);
 * returns how many. For DS_RUN_TIMES (bench/bench_threads.sh). */
size_t ds_par_cpu(const ds_par *p, double *cpu, size_t max);
/* The calling thread's CPU seconds so far (user + system). */
double ds_thread_cpu(void);
/* Frees p (NULL is fine); after ds_par_wait and destroying the states. */
void ds_par_free(ds_par *p);

#endif

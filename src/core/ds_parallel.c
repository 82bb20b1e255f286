/*
 * ds_parallel.c — ds_parallel_for (see ds_parallel.h).
 *
 * Threads are created per call: the loops it serves take tens of milliseconds or
 * more, against tens of microseconds for a pthread_create, and a pool would keep
 * idle threads (and their stacks) alive through the whole analysis. When a thread
 * cannot be created the others, the caller at least, take its items.
 */
#include "core/ds_parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

typedef struct ds_pfor {
    ds_item_fn fn;
    void *arg;
    size_t n;
    atomic_size_t next;
} ds_pfor;

static void *ds_pfor_worker(void *p)
{
    ds_pfor *j = p;
    for (size_t i; (i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < j->n;)
        j->fn(j->arg, i);
    return NULL;
}

void ds_parallel_for(unsigned threads, size_t n, ds_item_fn fn, void *arg)
{
    if (threads <= 1 || n <= 1) {
        for (size_t i = 0; i < n; i++)
            fn(arg, i);
        return;
    }
    enum { MAX_THREADS = 64 };
    pthread_t th[MAX_THREADS];
    size_t nt = threads < n ? threads : n;
    if (nt > MAX_THREADS)
        nt = MAX_THREADS;
    ds_pfor j = {fn, arg, n, 0};
    size_t started = 0;
    while (started + 1 < nt && pthread_create(&th[started], NULL, ds_pfor_worker, &j) == 0)
        started++;
    ds_pfor_worker(&j);
    for (size_t k = 0; k < started; k++)
        pthread_join(th[k], NULL);
}

unsigned ds_cpus(void)
{
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                         : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

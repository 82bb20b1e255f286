/*
 * ds_parallel.c — ds_parallel_for, ds_parallel_sort and ds_cpus (see ds_parallel.h).
 *
 * Threads are created per call: the loops it serves take tens of milliseconds or
 * more, against tens of microseconds for a pthread_create, and a pool would keep
 * idle threads (and their stacks) alive through the whole analysis. When a thread
 * cannot be created the others, the caller at least, take its items. The sort
 * sorts equal parts with qsort at once, then merges pairs of runs, each pass's
 * merges in parallel, ping-ponging between the array and one buffer of its size.
 */
#include "core/ds_parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ds_common.h"

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

/* ds_parallel_sort: runs[k] = [bound[k], bound[k + 1]) of the array; each pass
 * merges runs 2i and 2i + 1 of src into dst, in parallel over i. */
typedef struct ds_psort {
    char *src, *dst;
    size_t size;
    int (*cmp)(const void *, const void *);
    size_t *bound; /* nruns + 1 element indices */
    size_t nruns;
} ds_psort;

static void ds_psort_part(void *arg, size_t k)
{
    const ds_psort *s = arg;
    qsort(s->src + s->bound[k] * s->size, s->bound[k + 1] - s->bound[k], s->size, s->cmp);
}

static void ds_psort_merge(void *arg, size_t i)
{
    const ds_psort *s = arg;
    size_t a = s->bound[2 * i], m = s->bound[2 * i + 1 < s->nruns ? 2 * i + 1 : s->nruns];
    size_t e = s->bound[2 * i + 2 < s->nruns ? 2 * i + 2 : s->nruns];
    const char *x = s->src + a * s->size, *xe = s->src + m * s->size;
    const char *y = xe, *ye = s->src + e * s->size;
    char *d = s->dst + a * s->size;
    while (x < xe && y < ye) {
        const char **from = s->cmp(y, x) < 0 ? &y : &x; /* ties from the earlier run */
        memcpy(d, *from, s->size);
        *from += s->size;
        d += s->size;
    }
    memcpy(d, x, (size_t)(xe - x));
    memcpy(d + (xe - x), y, (size_t)(ye - y));
}

void ds_parallel_sort(unsigned threads, void *base, size_t n, size_t size,
                      int (*cmp)(const void *, const void *))
{
    enum { MIN_PART = 16384 }; /* below it, threads cost more than they give */
    size_t parts = threads > 64 ? 64 : threads;
    while (parts > 1 && n / parts < MIN_PART)
        parts--;
    if (parts <= 1) {
        qsort(base, n, size, cmp);
        return;
    }
    size_t bound[65];
    for (size_t k = 0; k <= parts; k++)
        bound[k] = n * k / parts;
    char *tmp = ds_xmalloc(n * size);
    ds_psort s = {base, tmp, size, cmp, bound, parts};
    ds_parallel_for(threads, parts, ds_psort_part, &s);
    while (s.nruns > 1) {
        size_t pairs = (s.nruns + 1) / 2;
        ds_parallel_for(threads, pairs, ds_psort_merge, &s);
        for (size_t i = 0; i <= pairs; i++) /* the merged runs' bounds */
            bound[i] = bound[2 * i < s.nruns ? 2 * i : s.nruns];
        s.nruns = pairs;
        char *t = s.src;
        s.src = s.dst;
        s.dst = t;
    }
    if (s.src != base)
        memcpy(base, s.src, n * size);
    free(tmp);
}

unsigned ds_cpus(void)
{
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                         : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

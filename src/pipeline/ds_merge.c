/*
 * ds_merge.c — binary heap of sources keyed by (next timestamp, input index).
 *
 * A source whose peek came back empty because a live capture is idle is parked and
 * asked again at the next call, so an idle interface does not stop the others.
 */
#include "pipeline/ds_merge.h"

#include <stdlib.h>

typedef struct ds_heap_item {
    int64_t ts;
    size_t src;
} ds_heap_item;

struct ds_merge {
    ds_source *const *srcs;
    size_t n;
    ds_heap_item *heap;
    size_t heap_n;
    size_t *parked; /* sources to peek again */
    size_t parked_n;
    size_t done;
};

static bool ds_item_less(const ds_heap_item *a, const ds_heap_item *b)
{
    return a->ts < b->ts || (a->ts == b->ts && a->src < b->src);
}

static void ds_heap_push(ds_merge *m, ds_heap_item it)
{
    size_t i = m->heap_n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ds_item_less(&it, &m->heap[parent]))
            break;
        m->heap[i] = m->heap[parent];
        i = parent;
    }
    m->heap[i] = it;
}

static void ds_heap_sift_down(ds_merge *m)
{
    ds_heap_item it = m->heap[0];
    size_t i = 0, n = m->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ds_item_less(&m->heap[c + 1], &m->heap[c]))
            c++;
        if (!ds_item_less(&m->heap[c], &it))
            break;
        m->heap[i] = m->heap[c];
        i = c;
    }
    m->heap[i] = it;
}

/* Peeks source i and files it in the heap, the parking list or as done. */
static void ds_merge_enter(ds_merge *m, size_t i)
{
    const ds_pkt *p = ds_source_peek(m->srcs[i]);
    if (p)
        ds_heap_push(m, (ds_heap_item){p->ts_ns, i});
    else if (ds_source_idle(m->srcs[i]))
        m->parked[m->parked_n++] = i;
    else
        m->done++;
}

ds_merge *ds_merge_new(ds_source *const *sources, size_t n)
{
    ds_merge *m = ds_xcalloc(1, sizeof *m);
    m->srcs = sources;
    m->n = n;
    m->heap = ds_xcalloc(n ? n : 1, sizeof *m->heap);
    m->parked = ds_xcalloc(n ? n : 1, sizeof *m->parked);
    for (size_t i = 0; i < n; i++)
        ds_merge_enter(m, i);
    return m;
}

void ds_merge_free(ds_merge *m)
{
    if (!m)
        return;
    free(m->heap);
    free(m->parked);
    free(m);
}

size_t ds_merge_next(ds_merge *m, ds_pkt *out, size_t max)
{
    size_t parked_n = m->parked_n;
    m->parked_n = 0;
    for (size_t k = 0; k < parked_n; k++)
        ds_merge_enter(m, m->parked[k]);
    /* With a parked live source, nothing may pass it: its next record could be
     * earlier than anything in the heap. */
    if (m->parked_n)
        return 0;
    size_t got = 0;
    while (got < max && m->heap_n) {
        size_t i = m->heap[0].src;
        ds_source *s = m->srcs[i];
        out[got++] = *ds_source_peek(s);
        ds_source_pop(s);
        const ds_pkt *p = ds_source_peek(s);
        if (p) {
            m->heap[0].ts = p->ts_ns;
            ds_heap_sift_down(m);
        } else {
            m->heap[0] = m->heap[--m->heap_n];
            if (m->heap_n)
                ds_heap_sift_down(m);
            if (ds_source_idle(s)) {
                m->parked[m->parked_n++] = i;
                break;
            }
            m->done++;
        }
    }
    return got;
}

bool ds_merge_done(const ds_merge *m)
{
    return m->done == m->n;
}

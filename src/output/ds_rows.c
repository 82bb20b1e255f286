/*
 * ds_rows.c — ds_write_rows (see ds_rows.h).
 *
 * The rows are cut into chunks of DS_ROWS_CHUNK, handed out in order to `threads`
 * threads (the caller's among them), each formatting a chunk into an
 * open_memstream buffer. Whoever finishes a chunk and finds no other thread
 * writing becomes the writer: it writes every chunk that is ready in order, with
 * their `after` calls, then goes back to formatting. So the writing (and the after
 * calls, a breakdown note per host) overlaps the formatting of later chunks, and
 * at most DS_ROWS_AHEAD chunks per thread wait in memory (a few MB each), never
 * the whole file.
 */
#include "output/ds_rows.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio_ext.h>
#include <stdlib.h>

#include "core/ds_common.h"
#include "core/ds_parallel.h"

enum { DS_ROWS_CHUNK = 32768, DS_ROWS_AHEAD = 4 };

typedef struct ds_rows_job {
    FILE *f;
    size_t n, nchunks, ahead;
    ds_row_fn row;
    ds_row_after_fn after;
    void *arg;
    char **buf; /* chunk c formatted, NULL when its memory ran out */
    size_t *len;
    bool *ready;
    pthread_mutex_t mu;
    pthread_cond_t room;
    size_t next;    /* chunks handed out */
    size_t written; /* chunks written */
    bool writing;   /* a thread is writing */
} ds_rows_job;

static void ds_rows_format(ds_rows_job *j, size_t c)
{
    size_t from = c * DS_ROWS_CHUNK, to = from + DS_ROWS_CHUNK < j->n ? from + DS_ROWS_CHUNK : j->n;
    j->buf[c] = NULL;
    j->len[c] = 0;
    FILE *m = open_memstream(&j->buf[c], &j->len[c]);
    if (!m)
        return;                             /* the writer formats this chunk itself */
    __fsetlocking(m, FSETLOCKING_BYCALLER); /* this thread's own: no lock per call */
    for (size_t i = from; i < to; i++)
        j->row(j->arg, m, i);
    if (fclose(m) != 0) {
        free(j->buf[c]);
        j->buf[c] = NULL;
    }
}

static void ds_rows_write(ds_rows_job *j, size_t c)
{
    size_t from = c * DS_ROWS_CHUNK, to = from + DS_ROWS_CHUNK < j->n ? from + DS_ROWS_CHUNK : j->n;
    if (j->buf[c]) {
        fwrite(j->buf[c], 1, j->len[c], j->f);
        free(j->buf[c]);
        j->buf[c] = NULL;
    } else { /* no memory for the chunk: written here, row by row */
        for (size_t i = from; i < to; i++)
            j->row(j->arg, j->f, i);
    }
    for (size_t i = from; j->after && i < to; i++)
        j->after(j->arg, i);
}

/* One thread's share: format chunks while there are any, write when it can. */
static void ds_rows_thread(void *arg, size_t unused)
{
    (void)unused;
    ds_rows_job *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (j->next < j->nchunks && j->next - j->written >= j->ahead)
            pthread_cond_wait(&j->room, &j->mu);
        if (j->next >= j->nchunks)
            break;
        size_t c = j->next++;
        pthread_mutex_unlock(&j->mu);
        ds_rows_format(j, c);
        pthread_mutex_lock(&j->mu);
        j->ready[c] = true;
        if (j->writing)
            continue; /* the writer will see it ready */
        j->writing = true;
        while (j->written < j->nchunks && j->ready[j->written]) {
            size_t w = j->written;
            pthread_mutex_unlock(&j->mu);
            ds_rows_write(j, w);
            pthread_mutex_lock(&j->mu);
            j->written++;
            pthread_cond_broadcast(&j->room);
        }
        j->writing = false;
    }
    pthread_mutex_unlock(&j->mu);
}

void ds_write_rows(FILE *f, size_t n, unsigned threads, ds_row_fn row, ds_row_after_fn after,
                   void *arg)
{
    if (threads <= 1 || n <= DS_ROWS_CHUNK) {
        for (size_t i = 0; i < n; i++) {
            row(arg, f, i);
            if (after)
                after(arg, i);
        }
        return;
    }
    ds_rows_job j = {.f = f, .n = n, .row = row, .after = after, .arg = arg};
    j.nchunks = (n + DS_ROWS_CHUNK - 1) / DS_ROWS_CHUNK;
    j.ahead = (size_t)threads * DS_ROWS_AHEAD;
    j.buf = ds_xcalloc(j.nchunks, sizeof *j.buf);
    j.len = ds_xcalloc(j.nchunks, sizeof *j.len);
    j.ready = ds_xcalloc(j.nchunks, sizeof *j.ready);
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.room, NULL);
    /* One item per thread: each runs the loop above until the chunks run out. */
    ds_parallel_for(threads, threads, ds_rows_thread, &j);
    pthread_cond_destroy(&j.room);
    pthread_mutex_destroy(&j.mu);
    free(j.buf);
    free(j.len);
    free(j.ready);
}

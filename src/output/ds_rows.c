/*
 * ds_rows.c — ds_write_rows (see ds_rows.h).
 *
 * Rounds of `threads` chunks: the chunks of a round are formatted concurrently
 * (ds_parallel_for), each into an open_memstream buffer, then written in order
 * with their `after` calls. A round holds threads x DS_ROWS_CHUNK rows in memory
 * (a few MB each), never the whole file. Writing and the after calls are not
 * overlapped with the next round's formatting: they are a small part of the cost
 * (hosts.csv: about a sixth), and keeping them apart keeps this simple.
 */
#include "output/ds_rows.h"

#include <stdlib.h>

#include "core/ds_common.h"
#include "core/ds_parallel.h"

enum { DS_ROWS_CHUNK = 32768 };

typedef struct ds_rows_job {
    ds_row_fn row;
    void *arg;
    size_t first, n; /* the round: rows [first, first + n) */
    char **buf;
    size_t *len;
} ds_rows_job;

static void ds_rows_chunk(void *p, size_t c)
{
    ds_rows_job *j = p;
    size_t from = j->first + c * DS_ROWS_CHUNK;
    size_t to = from + DS_ROWS_CHUNK < j->first + j->n ? from + DS_ROWS_CHUNK : j->first + j->n;
    j->buf[c] = NULL;
    j->len[c] = 0;
    FILE *m = open_memstream(&j->buf[c], &j->len[c]);
    if (!m)
        return; /* the writer formats this chunk itself */
    for (size_t i = from; i < to; i++)
        j->row(j->arg, m, i);
    if (fclose(m) != 0) {
        free(j->buf[c]);
        j->buf[c] = NULL;
    }
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
    char **buf = ds_xcalloc(threads, sizeof *buf);
    size_t *len = ds_xcalloc(threads, sizeof *len);
    const size_t round = (size_t)threads * DS_ROWS_CHUNK;
    for (size_t first = 0; first < n;) {
        ds_rows_job j = {row, arg, first, n - first < round ? n - first : round, buf, len};
        size_t nchunks = (j.n + DS_ROWS_CHUNK - 1) / DS_ROWS_CHUNK;
        ds_parallel_for(threads, nchunks, ds_rows_chunk, &j);
        for (size_t c = 0; c < nchunks; c++) {
            size_t from = first + c * DS_ROWS_CHUNK;
            size_t to = from + DS_ROWS_CHUNK < first + j.n ? from + DS_ROWS_CHUNK : first + j.n;
            if (buf[c]) {
                fwrite(buf[c], 1, len[c], f);
                free(buf[c]);
            } else { /* no memory for the chunk: written here, row by row */
                for (size_t i = from; i < to; i++)
                    row(arg, f, i);
            }
            for (size_t i = from; after && i < to; i++)
                after(arg, i);
        }
        first += j.n;
    }
    free(buf);
    free(len);
}

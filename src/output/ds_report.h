/*
 * ds_report.h — report.html: one self-contained page describing an output
 * directory (run summary, traffic, worms, the movie, attribution, DoS attacks,
 * scanners, sources), made from the embedded front end (ds_webassets.h) and one
 * JSON data blob built from the directory's files.
 *
 * The blob is made with jansson and every "<" in it is written as \u003c, so no
 * data (a hostname "</script><script>...", say) can end the <script> element that
 * holds it; the page renders all data as DOM text. Large runs are reduced here, not
 * in the browser: hosts to locations and frames (ds_spread), tables to their top
 * rows, long series to at most a few thousand points.
 */
#ifndef DS_REPORT_H
#define DS_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "output/ds_spread.h"

typedef struct ds_report_movie ds_report_movie;

typedef struct ds_report_opts {
    ds_spread_opts spread;  /* movie frames and grid */
    size_t host_rows;       /* earliest infected hosts listed (default 200) */
    size_t attack_rows;     /* largest attacks listed (default 5000) */
    size_t scanner_rows;    /* busiest scan episodes listed (default 2000) */
    size_t breakdown_rows;  /* entries per role and signature (default 50) */
    size_t max_points;      /* points per time series (default 4000) */
    unsigned threads;       /* threads it may use (default 1); the page never depends on it */
    ds_report_movie *movie; /* the movie, started early (ds_report_movie_start) and taken
                               over by the report; NULL (default): the report makes it */
} ds_report_opts;

void ds_report_opts_default(ds_report_opts *o);

/* The data blob for DIR (every input file optional). NULL with a message when a
 * file exists but cannot be read. */
json_t *ds_report_data(const char *dir, const ds_report_opts *o, char *err, size_t errlen);

/* Writes DIR/report.html atomically. -1 with a message, e.g. when the front end is
 * not built into the binary. */
int ds_report_write(const char *dir, const ds_report_opts *o, char *err, size_t errlen);

/* The movie reads only hosts.csv and attacks.csv: once they are written, analyze
 * starts it on a thread of its own while it writes the other files. NULL with
 * o->threads <= 1 or when no report can be written. Hand it to the report in
 * opts.movie, or drop it (waits for the thread). */
ds_report_movie *ds_report_movie_start(const char *dir, const ds_report_opts *o);
void ds_report_movie_drop(ds_report_movie *m);

/* Called by `analyze` once its outputs are written: writes report.html with the
 * default options on up to `threads` threads, with the movie started early when
 * given (taken over in every case); a failure is a warning on stderr, never a
 * failed run. */
void ds_report_after_run(const char *dir, unsigned threads, ds_report_movie *movie);

#endif

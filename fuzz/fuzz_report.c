/*
 * fuzz_report.c — libFuzzer harness for what `darkscope report` and `darkscope movie`
 * read back from an output directory, which may have been edited by hand or come
 * from someone else: the CSV reader (ds_csvread.c: quotes, escapes, ragged rows),
 * summary.json and worm.json, and the report's data loader over them
 * (ds_report_data: series and worm curves summed into buckets, the movie's hosts
 * and victims on locations and frames (ds_spread), the top-K tables, histograms),
 * then the movie renderer (ds_movie_write) at a small size.
 *
 * Input: byte 0 sets the report's limits (points per series, rows per table), byte
 * 1 the movie's (frame length, frame limit, event budget; bit 7: render the movie),
 * the rest is the directory's files, each introduced by a line `==> NAME <==` as
 * `head` prints several files (so `head -n 20` of an output directory's CSV and
 * JSON files is a seed). Only the file names the report reads are written; a directory private to
 * the process is emptied before each input. Checks: a refusal names a file of the
 * directory; the data blob encodes as the page encodes it; series and frame counts
 * stay within their limits (+1 for the partial bucket or frame at each end); a
 * movie that fails says why and one that succeeds has frames.
 */
#include <math.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "output/ds_movie.h"
#include "output/ds_report.h"

static const char *const fz_names[] = {
    "summary.json", "worm.json",     "series.csv", "worm.csv", "hosts.csv",      "attacks.csv",
    "scanners.csv", "countries.csv", "tlds.csv",   "asns.csv", "categories.csv", "movie.gif",
};
#define FZ_NNAMES (sizeof fz_names / sizeof fz_names[0])

static char fz_dir[64];

static void fz_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", fz_dir, name);
}

static void fz_empty_dir(void)
{
    char p[128];
    for (size_t i = 0; i < FZ_NNAMES; i++) {
        fz_path(p, sizeof p, fz_names[i]);
        unlink(p);
    }
}

static void fz_write(const char *name, size_t nlen, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 1 < FZ_NNAMES; i++) { /* never movie.gif: that is an output */
        if (strlen(fz_names[i]) != nlen || memcmp(fz_names[i], name, nlen) != 0)
            continue;
        char p[128];
        fz_path(p, sizeof p, fz_names[i]);
        FILE *f = fopen(p, "ab"); /* a name given twice gets both parts */
        if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
            abort();
        return;
    }
}

/* Splits the input at `==> NAME <==` lines; NAME may carry a directory (head's). */
static void fz_files(const uint8_t *data, size_t size)
{
    static const char open[] = "==> ", close[] = " <==";
    const uint8_t *end = data + size, *p = data;
    const char *name = NULL;
    size_t nlen = 0;
    const uint8_t *body = NULL;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *eol = nl ? nl : end;
        size_t ll = (size_t)(eol - p);
        if (ll >= 8 && memcmp(p, open, 4) == 0 && memcmp(eol - 4, close, 4) == 0) {
            if (name)
                fz_write(name, nlen, body, (size_t)(p - body));
            const uint8_t *n0 = p + 4, *n1 = eol - 4;
            for (const uint8_t *s = n0; s < n1; s++)
                if (*s == '/')
                    n0 = s + 1;
            name = (const char *)n0;
            nlen = (size_t)(n1 - n0);
            body = nl ? nl + 1 : end;
        }
        p = nl ? nl + 1 : end;
    }
    if (name)
        fz_write(name, nlen, body, (size_t)(end - body));
}

/* Number of points in the data blob's series "t" arrays, the largest. */
static size_t fz_points(json_t *D)
{
    size_t n = json_array_size(json_object_get(json_object_get(D, "series"), "t"));
    json_t *sigs = json_object_get(json_object_get(D, "worm"), "signatures");
    for (size_t i = 0; i < json_array_size(sigs); i++) {
        size_t k = json_array_size(json_object_get(json_array_get(sigs, i), "t"));
        n = k > n ? k : n;
    }
    return n;
}

static void fz_cleanup(void)
{
    fz_empty_dir();
    rmdir(fz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(fz_dir, sizeof fz_dir, "%s/fuzz-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (strlen(fz_dir) > 40 || !mkdtemp(fz_dir))
        abort();
    atexit(fz_cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    ds_report_opts o;
    ds_report_opts_default(&o);
    o.max_points = 2 + (data[0] & 15);
    o.host_rows = o.attack_rows = o.scanner_rows = o.breakdown_rows = 1 + (data[0] >> 4);
    static const double frame_s[] = {300, 1, 86400, 0.001};
    o.spread.frame_s = frame_s[(data[1] >> 5) & 3];
    o.spread.max_frames = 2 + (data[1] & 31);
    o.spread.max_events = data[1] & 64 ? 4 : 500000;
    o.spread.max_victims = 1 + (data[0] >> 4);
    bool movie = data[1] & 128;
    fz_empty_dir();
    fz_files(data + 2, size - 2);

    char err[512];
    err[0] = 0;
    json_t *D = ds_report_data(fz_dir, &o, err, sizeof err);
    if (!D) {
        if (strncmp(err, fz_dir, strlen(fz_dir)) != 0)
            abort(); /* a refusal names the file */
    } else {
        char *text = json_dumps(D, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(12));
        if (!text)
            abort(); /* the page could not be written */
        free(text);
        if (fz_points(D) > o.max_points + 1)
            abort();
        json_t *mv = json_object_get(D, "movie");
        if (mv && !json_is_null(mv) &&
            json_integer_value(json_object_get(mv, "nframes")) >
                (json_int_t)o.spread.max_frames + 1)
            abort();
        json_decref(D);
    }
    if (movie) {
        ds_movie_opts mo;
        ds_movie_opts_default(&mo);
        mo.spread = o.spread;
        mo.width = 120;
        mo.victims = true;
        char gif[128];
        fz_path(gif, sizeof gif, "movie.gif");
        mo.gif_path = gif;
        uint32_t nframes = 0;
        err[0] = 0;
        if (ds_movie_write(fz_dir, &mo, &nframes, err, sizeof err) != 0) {
            if (!err[0])
                abort(); /* a failure says why */
        } else if (nframes == 0 || nframes > mo.spread.max_frames + 1) {
            abort();
        }
    }
    return 0;
}

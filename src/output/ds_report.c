/*
 * ds_report.c — writes report.html: the embedded template with the data blob put
 * in place of its marker (see ds_report.h for the escaping rule and why).
 */
#include "output/ds_report.h"

#include <stdlib.h>
#include <string.h>

#include "core/ds_common.h"
#include "output/ds_outdir.h"
#include "output/ds_report_int.h"
#include "output/ds_webassets.h"

#define DS_MARKER "@@DS_DATA@@"

/* Writes the JSON text with every '<' as \u003c: inside a JSON document '<' can only
 * occur in strings, where \u003c means the same, and without '<' nothing can close
 * the <script> element or open a comment in it. */
static void ds_write_script_safe(FILE *f, const char *s)
{
    for (const char *p = s; *p;) {
        const char *lt = strchr(p, '<');
        size_t n = lt ? (size_t)(lt - p) : strlen(p);
        fwrite(p, 1, n, f);
        if (!lt)
            break;
        fputs("\\u003c", f);
        p = lt + 1;
    }
}

int ds_report_write(const char *dir, const ds_report_opts *o, char *err, size_t errlen)
{
    if (ds_web_template_len == 0) {
        snprintf(err, errlen, "cannot write report.html: %s", DS_WEB_HOWTO);
        ds_report_movie_drop(o->movie);
        return -1;
    }
    const char *tpl = (const char *)ds_web_template;
    const char *mark = strstr(tpl, DS_MARKER);
    if (!mark) {
        snprintf(err, errlen, "the embedded report template has no data marker");
        ds_report_movie_drop(o->movie);
        return -1;
    }
    json_t *data = ds_report_data(dir, o, err, errlen);
    if (!data)
        return -1;
    /* ENSURE_ASCII: the page's bytes are then plain ASCII outside the template. */
    char *text = json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(12));
    json_decref(data);
    if (!text) {
        snprintf(err, errlen, "cannot encode the report data");
        return -1;
    }
    int rc = -1;
    ds_outdir *out = ds_outdir_open(dir, err, errlen);
    if (out) {
        ds_ofile of;
        if (ds_ofile_open(out, "report.html", &of, err, errlen) == 0) {
            fwrite(tpl, 1, (size_t)(mark - tpl), of.f);
            ds_write_script_safe(of.f, text);
            const char *rest = mark + strlen(DS_MARKER);
            fwrite(rest, 1, ds_web_template_len - (size_t)(rest - tpl), of.f);
            rc = ds_ofile_commit(&of, err, errlen);
        }
        ds_outdir_close(out);
    }
    free(text);
    return rc;
}

ds_report_movie *ds_report_movie_start(const char *dir, const ds_report_opts *o)
{
    return ds_web_template_len ? ds_report_movie_begin(dir, o) : NULL;
}

void ds_report_after_run(const char *dir, unsigned threads, ds_report_movie *movie)
{
    if (ds_web_template_len == 0) {
        fprintf(stderr, "darkscope: note: no report.html: %s\n", DS_WEB_HOWTO);
        ds_report_movie_drop(movie);
        return;
    }
    ds_report_opts o;
    ds_report_opts_default(&o);
    o.threads = threads;
    o.movie = movie;
    char err[DS_ERRLEN];
    if (ds_report_write(dir, &o, err, sizeof err) != 0)
        fprintf(stderr, "darkscope: warning: report.html not written: %s\n", err);
}

/*
 * ds_movie.c — renders the movie with libgd (see ds_movie.h).
 *
 * Each frame is a copy of the base map (same palette, so the GIF has one global
 * colour table), the events of the frame are applied to per-location counters, and
 * the circles are drawn biggest first so that small places stay visible on top.
 * The circle scale is fixed by the largest final count, so sizes mean the same in
 * every frame. Files are written under a temporary name and renamed when complete.
 */
#include "output/ds_movie.h"

#include <gdfontg.h>
#include <gdfontl.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ds_common.h"
#include "output/ds_centroids.h"
#include "output/ds_gdmap.h"
#include "output/ds_outdir.h"

void ds_movie_opts_default(ds_movie_opts *o)
{
    memset(o, 0, sizeof *o);
    ds_spread_opts_default(&o->spread);
    o->width = 960;
    o->delay_cs = 10;
}

typedef struct ds_order {
    double cum;
    uint32_t loc;
} ds_order;

static int ds_order_cmp(const void *a, const void *b)
{
    const ds_order *x = a, *y = b;
    return x->cum > y->cum ? -1 : x->cum < y->cum ? 1 : (x->loc > y->loc) - (x->loc < y->loc);
}

static void ds_thousands(char *buf, size_t len, uint64_t v)
{
    char raw[32];
    snprintf(raw, sizeof raw, "%llu", (unsigned long long)v);
    size_t n = strlen(raw), o = 0;
    for (size_t i = 0; i < n && o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = 0;
}

/* Time and count under the map. gd's built-in fonts are ASCII: the signature name is
 * shown with anything else replaced by '?'. */
static void ds_caption(gdImagePtr im, const ds_gdmap *m, double t, uint64_t total, uint64_t active,
                       const char *sig)
{
    char when[64], num[32], numa[32], line[200];
    struct tm tm;
    /* Frame times come from hosts.csv (ds_spread keeps 1970-2262); the cast and
     * gmtime_r are guarded anyway (a 1e300 there was undefined, fuzz_report). */
    time_t tt = t >= 0 && t < 1e12 ? (time_t)floor(t) : 0;
    if (!(t >= 0 && t < 1e12) || !gmtime_r(&tt, &tm))
        snprintf(when, sizeof when, "(time out of range)");
    else
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    ds_thousands(num, sizeof num, total);
    ds_thousands(numa, sizeof numa, active);
    char name[41];
    size_t i = 0;
    for (; sig[i] && i < sizeof name - 1; i++)
        name[i] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
    name[i] = 0;
    snprintf(line, sizeof line, "%s infected  %s active  (%s)", num, numa, name);
    gdFontPtr big = gdFontGetGiant(), small = gdFontGetLarge();
    int y = m->map_h + (m->h - m->map_h - big->h) / 2;
    gdImageString(im, big, 10, y, (unsigned char *)when, DS_GD_TEXT);
    gdImageString(im, small, 10 + (int)strlen(when) * big->w + 30, y + (big->h - small->h) / 2,
                  (unsigned char *)line, DS_GD_TEXT);
}

/* Opens a file by full path atomically through ds_outdir (its directory). */
static int ds_open_path(const char *path, ds_outdir **out, ds_ofile *of, char *err, size_t errlen)
{
    char *d = ds_xstrdup(path), *b = ds_xstrdup(path);
    const char *dn = dirname(d), *bn = basename(b);
    int rc = -1;
    *out = ds_outdir_open(dn, err, errlen);
    if (*out && ds_ofile_open(*out, bn, of, err, errlen) == 0)
        rc = 0;
    if (rc != 0 && *out) {
        ds_outdir_close(*out);
        *out = NULL;
    }
    free(d);
    free(b);
    return rc;
}

int ds_movie_write(const char *dir, const ds_movie_opts *o, uint32_t *nframes, char *err,
                   size_t errlen)
{
    *nframes = 0;
    ds_centroids cent;
    ds_centroids_load(&cent);
    ds_spread s;
    int rc = ds_spread_load(dir, &o->spread, &cent, &s, err, errlen);
    ds_centroids_free(&cent);
    if (rc != 0)
        return -1;
    rc = -1;
    ds_gdmap m;
    memset(&m, 0, sizeof m);
    ds_outdir *gout = NULL, *fout = NULL;
    ds_ofile gif;
    bool gif_open = false;
    double *cum = NULL;
    int64_t *act = NULL;
    ds_order *ord = NULL;
    gdImagePtr prev = NULL;

    if (s.nframes == 0 || s.nsig == 0) {
        snprintf(err, errlen, "%s: no infected hosts with a time in hosts.csv: nothing to animate",
                 dir);
        goto out;
    }
    const ds_spread_sig *g = &s.sig[0];
    if (o->signature) {
        g = NULL;
        for (size_t k = 0; k < s.nsig; k++)
            if (!strcmp(s.sig[k].name, o->signature))
                g = &s.sig[k];
        if (!g) {
            snprintf(err, errlen, "no hosts of signature '%s' in %s/hosts.csv", o->signature, dir);
            goto out;
        }
    }
    if (ds_gdmap_init(&m, o->width > 100 ? o->width : 960) != 0) {
        snprintf(err, errlen, "cannot allocate the map image");
        goto out;
    }
    if (!m.have_land)
        fprintf(stderr, "darkscope: note: drawing without land outlines: the front end (web/) "
                        "was not built into this binary\n");
    if (o->gif_path) {
        if (ds_open_path(o->gif_path, &gout, &gif, err, errlen) != 0)
            goto out;
        gif_open = true;
    }
    if (o->frames_dir && !(fout = ds_outdir_open(o->frames_dir, err, errlen)))
        goto out;

    cum = ds_xcalloc(s.nloc + 1, sizeof *cum);
    act = ds_xcalloc(s.nloc + 1, sizeof *act);
    ord = ds_xmalloc((s.nloc + 1) * sizeof *ord);
    double maxcum = 1;
    {
        double *fin = ds_xcalloc(s.nloc + 1, sizeof *fin);
        for (size_t k = 0; k < g->nev; k++)
            fin[g->ev_l[k]] += g->ev_new[k];
        for (size_t l = 0; l < s.nloc; l++)
            maxcum = fmax(maxcum, fin[l]);
        free(fin);
    }
    double rmax = m.w / 40.0;
    size_t ptr = 0;
    uint64_t total = 0;
    for (uint32_t f = 0; f < s.nframes; f++) {
        while (ptr < g->nev && g->ev_f[ptr] <= f) {
            cum[g->ev_l[ptr]] += g->ev_new[ptr];
            act[g->ev_l[ptr]] += (int64_t)g->ev_new[ptr] - (int64_t)g->ev_gone[ptr];
            ptr++;
        }
        total += g->total_new[f];
        gdImagePtr im = ds_gdmap_frame(&m);
        if (!im) {
            snprintf(err, errlen, "cannot allocate a frame");
            goto out;
        }
        size_t n = 0;
        uint64_t active = 0;
        for (size_t l = 0; l < s.nloc; l++) {
            if (cum[l] > 0)
                ord[n++] = (ds_order){cum[l], (uint32_t)l};
            active += act[l] > 0 ? (uint64_t)act[l] : 0;
        }
        qsort(ord, n, sizeof *ord, ds_order_cmp);
        for (size_t i = 0; i < n; i++) {
            uint32_t l = ord[i].loc;
            int x, y;
            if (!ds_gdmap_xy(&m, s.lat[l], s.lon[l], &x, &y))
                continue;
            int d = (int)fmax(4, 2 * rmax * sqrt(cum[l] / maxcum));
            gdImageFilledEllipse(im, x, y, d, d, DS_GD_INFECTED);
            if (act[l] > 0) {
                int da = (int)fmax(2, 2 * rmax * sqrt((double)act[l] / maxcum));
                gdImageFilledEllipse(im, x, y, da, da, DS_GD_ACTIVE);
            }
        }
        if (o->victims) {
            for (size_t k = 0; k < s.nvict; k++) {
                int x, y;
                if (s.v_f0[k] <= f && s.v_f1[k] >= f &&
                    ds_gdmap_xy(&m, s.lat[s.v_l[k]], s.lon[s.v_l[k]], &x, &y))
                    gdImageFilledRectangle(im, x - 3, y - 3, x + 3, y + 3, DS_GD_VICTIM);
            }
        }
        ds_caption(im, &m, s.t0 + (f + 1) * s.frame_s, total, active, g->name);
        if (gif_open) {
            if (f == 0)
                gdImageGifAnimBegin(im, gif.f, 1, 0);
            /* libgd drops a frame identical to prev (a zero-size difference box, with
             * a warning), which would shorten the movie: such a frame goes whole. */
            bool same = prev && !(gdImageCompare(im, prev) & GD_CMP_IMAGE);
            gdImageGifAnimAdd(im, gif.f, 0, 0, 0, o->delay_cs, gdDisposalNone, same ? NULL : prev);
        }
        if (fout) {
            char name[32];
            ds_ofile pf;
            snprintf(name, sizeof name, "frame-%05u.png", f);
            if (ds_ofile_open(fout, name, &pf, err, errlen) != 0) {
                gdImageDestroy(im);
                goto out;
            }
            gdImagePng(im, pf.f);
            if (ds_ofile_commit(&pf, err, errlen) != 0) {
                gdImageDestroy(im);
                goto out;
            }
        }
        if (prev)
            gdImageDestroy(prev);
        prev = im;
    }
    if (gif_open) {
        gdImageGifAnimEnd(gif.f);
        gif_open = false;
        if (ds_ofile_commit(&gif, err, errlen) != 0)
            goto out;
    }
    *nframes = s.nframes;
    rc = 0;
out:
    if (gif_open)
        ds_ofile_abort(&gif);
    if (prev)
        gdImageDestroy(prev);
    if (gout)
        ds_outdir_close(gout);
    if (fout)
        ds_outdir_close(fout);
    free(cum);
    free(act);
    free(ord);
    ds_gdmap_free(&m);
    ds_spread_free(&s);
    return rc;
}

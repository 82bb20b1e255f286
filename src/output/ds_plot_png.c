/*
 * ds_plot_png.c — line plots with libgd (see ds_plot_png.h): axes with rounded
 * ticks, a UTC time axis, one colour per series, dashed fitted curves, a legend.
 */
#include "output/ds_plot_png.h"

#include <gd.h>
#include <gdfontl.h>
#include <gdfonts.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ds_common.h"
#include "output/ds_outdir.h"

#define DS_PW 960
#define DS_PH 440
#define DS_ML 80
#define DS_MR 24
#define DS_MT 40
#define DS_MB 56

typedef struct ds_pseries {
    const char *label;
    json_t *y;  /* array of numbers (null = gap) */
    double *yv; /* or plain values (when y is NULL) */
    int rgb;
    bool dashed;
} ds_pseries;

static const int ds_palette[] = {0xd62728, 0x1f77b4, 0x2ca02c, 0xff7f0e, 0x9467bd,
                                 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};

static double ds_yval(const ds_pseries *s, size_t i)
{
    if (s->y) {
        json_t *v = json_array_get(s->y, i);
        return json_is_number(v) ? json_number_value(v) : NAN;
    }
    return s->yv[i];
}

static double ds_nice_step(double range, int want)
{
    double raw = range / want, mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static void ds_ascii(char *dst, size_t len, const char *src)
{
    size_t i = 0;
    for (; src[i] && i < len - 1; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[i] = 0;
}

/* Draws one plot; x are epoch seconds. */
static gdImagePtr ds_plot(const char *title, const char *ylabel, json_t *x, ds_pseries *s,
                          size_t ns)
{
    size_t n = json_array_size(x);
    double x0 = json_number_value(json_array_get(x, 0)),
           x1 = json_number_value(json_array_get(x, n - 1));
    if (x1 <= x0)
        x1 = x0 + 60;
    double ymax = 0;
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < n; i++) {
            double v = ds_yval(&s[k], i);
            if (isfinite(v))
                ymax = fmax(ymax, v);
        }
    if (ymax <= 0)
        ymax = 1;
    double ystep = ds_nice_step(ymax, 5);
    ymax = ceil(ymax * 1.02 / ystep) * ystep;

    gdImagePtr im = gdImageCreateTrueColor(DS_PW, DS_PH);
    int white = gdTrueColor(255, 255, 255), black = gdTrueColor(30, 30, 30),
        grid = gdTrueColor(225, 229, 233);
    gdImageFilledRectangle(im, 0, 0, DS_PW - 1, DS_PH - 1, white);
    int pw = DS_PW - DS_ML - DS_MR, ph = DS_PH - DS_MT - DS_MB;
#define DS_X(v) (DS_ML + (int)((v - x0) / (x1 - x0) * pw))
#define DS_Y(v) (DS_MT + ph - (int)((v) / ymax * ph))
    gdFontPtr fl = gdFontGetLarge(), fs = gdFontGetSmall();
    char buf[160];
    for (double v = 0; v <= ymax + ystep / 2; v += ystep) {
        int y = DS_Y(v);
        gdImageLine(im, DS_ML, y, DS_ML + pw, y, grid);
        snprintf(buf, sizeof buf, "%.6g", v);
        gdImageString(im, fs, DS_ML - 6 - (int)strlen(buf) * fs->w, y - fs->h / 2,
                      (unsigned char *)buf, black);
    }
    static const double steps[] = {60,    300,   600,   1800,   3600,   7200,   10800,
                                   21600, 43200, 86400, 172800, 604800, 2592000};
    double xs = steps[0];
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        xs = steps[i];
        if ((x1 - x0) / xs <= 8)
            break;
    }
    for (double v = ceil(x0 / xs) * xs; v <= x1; v += xs) {
        int xp = DS_X(v);
        gdImageLine(im, xp, DS_MT, xp, DS_MT + ph, grid);
        time_t tt = (time_t)v;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(buf, sizeof buf, xs >= 86400 ? "%m-%d" : "%H:%M", &tm);
        gdImageString(im, fs, xp - (int)strlen(buf) * fs->w / 2, DS_MT + ph + 6,
                      (unsigned char *)buf, black);
    }
    gdImageRectangle(im, DS_ML, DS_MT, DS_ML + pw, DS_MT + ph, black);
    {
        time_t tt = (time_t)x0;
        struct tm tm;
        gmtime_r(&tt, &tm);
        char d[40];
        strftime(d, sizeof d, "%Y-%m-%d %H:%M", &tm);
        snprintf(buf, sizeof buf, "time (UTC), from %s", d);
        gdImageString(im, fs, DS_ML + pw / 2 - (int)strlen(buf) * fs->w / 2, DS_PH - 20,
                      (unsigned char *)buf, black);
    }
    gdImageString(im, fl, DS_ML, 10, (unsigned char *)title, black);
    gdImageStringUp(im, fs, 8, DS_MT + ph / 2 + (int)strlen(ylabel) * fs->w / 2,
                    (unsigned char *)ylabel, black);

    gdImageSetThickness(im, 2);
    for (size_t k = 0; k < ns; k++) {
        int col = gdTrueColor((s[k].rgb >> 16) & 255, (s[k].rgb >> 8) & 255, s[k].rgb & 255);
        int px = 0, py = 0, have = 0, seg = 0;
        for (size_t i = 0; i < n; i++) {
            double v = ds_yval(&s[k], i);
            double t = json_number_value(json_array_get(x, i));
            if (!isfinite(v)) {
                have = 0;
                continue;
            }
            int xp = DS_X(t), yp = DS_Y(v);
            if (have && (!s[k].dashed || (seg++ & 1) == 0))
                gdImageLine(im, px, py, xp, yp, col);
            px = xp;
            py = yp;
            have = 1;
        }
        char label[48];
        ds_ascii(label, sizeof label, s[k].label);
        int ly = DS_MT + 8 + (int)k * (fs->h + 4);
        int lx = DS_ML + pw - 12 - 40 * fs->w / 2 - 20;
        gdImageFilledRectangle(im, lx, ly + 3, lx + 14, ly + 6, col);
        gdImageString(im, fs, lx + 20, ly, (unsigned char *)label, black);
    }
    gdImageSetThickness(im, 1);
#undef DS_X
#undef DS_Y
    return im;
}

static int ds_save(ds_outdir *out, const char *name, gdImagePtr im, char *err, size_t errlen)
{
    ds_ofile of;
    if (ds_ofile_open(out, name, &of, err, errlen) != 0) {
        gdImageDestroy(im);
        return -1;
    }
    gdImagePng(im, of.f);
    gdImageDestroy(im);
    return ds_ofile_commit(&of, err, errlen);
}

static int ds_plot_traffic(ds_outdir *out, json_t *D, char *err, size_t errlen)
{
    json_t *S = json_object_get(D, "series");
    json_t *t = json_object_get(S, "t"), *cls = json_object_get(S, "classes");
    if (json_array_size(t) == 0) {
        fprintf(stderr, "darkscope: note: no series.csv data: traffic.png not written\n");
        return 0;
    }
    ds_pseries s[16];
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(cls, k, v)
    {
        if (n == 16)
            break;
        s[n] = (ds_pseries){k, v, NULL, ds_palette[n % 10], false};
        n++;
    }
    char title[96];
    snprintf(title, sizeof title, "Packets per %.0f s interval by class (all monitors)",
             json_number_value(json_object_get(S, "interval_s")));
    return ds_save(out, "traffic.png", ds_plot(title, "packets", t, s, n), err, errlen);
}

/* The fitted logistic C(t) = N / (1 + e^{-K(t-T)}) at the series' times. */
static double *ds_fit_curve(json_t *sig, json_t *t, double interval)
{
    json_t *fit = json_object_get(json_object_get(sig, "report"), "fit");
    const char *st = json_string_value(json_object_get(fit, "status"));
    json_t *Tj = json_object_get(fit, "T");
    if (!st || !strcmp(st, "failed") || !Tj)
        return NULL;
    double K = json_number_value(json_object_get(fit, "K_per_hour"));
    double N = json_number_value(json_object_get(fit, "N"));
    double T = json_is_string(Tj) ? strtod(json_string_value(Tj), NULL) : json_number_value(Tj);
    json_t *u = json_object_get(fit, "fitted_until");
    double until =
        u ? (json_is_string(u) ? strtod(json_string_value(u), NULL) : json_number_value(u))
          : INFINITY;
    size_t n = json_array_size(t);
    double *y = ds_xmalloc((n ? n : 1) * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        double x = json_number_value(json_array_get(t, i)) + interval;
        y[i] = x <= until + interval ? N / (1 + exp(-K * (x - T) / 3600)) : NAN;
    }
    return y;
}

static int ds_plot_worms(ds_outdir *out, json_t *D, char *err, size_t errlen)
{
    json_t *sigs = json_object_get(json_object_get(D, "worm"), "signatures");
    size_t ns = json_array_size(sigs);
    if (ns == 0) {
        fprintf(stderr, "darkscope: note: no worm.csv data: cumulative_hosts.png not written\n");
        return 0;
    }
    /* One time axis: the signature with the most points; others are drawn on their
     * own times mapped onto it, so all must share it — plot the busiest few. */
    if (ns > 5)
        ns = 5;
    json_t *t = json_object_get(json_array_get(sigs, 0), "t");
    ds_pseries s[10];
    double *fits[5] = {NULL};
    char labels[5][64];
    size_t n = 0;
    for (size_t k = 0; k < ns; k++) {
        json_t *g = json_array_get(sigs, k);
        if (json_array_size(json_object_get(g, "t")) != json_array_size(t))
            continue; /* a different time axis: not on this plot */
        s[n++] = (ds_pseries){json_string_value(json_object_get(g, "name")),
                              json_object_get(g, "cum"), NULL, ds_palette[k], false};
        fits[k] = ds_fit_curve(g, t, json_number_value(json_object_get(g, "interval_s")));
        if (fits[k]) {
            snprintf(labels[k], sizeof labels[k], "%.40s logistic fit",
                     json_string_value(json_object_get(g, "name")));
            s[n++] = (ds_pseries){labels[k], NULL, fits[k], 0x333333, true};
        }
    }
    int rc = ds_save(out, "cumulative_hosts.png",
                     ds_plot("Cumulative infected hosts", "hosts", t, s, n), err, errlen);
    for (size_t k = 0; k < 5; k++)
        free(fits[k]);
    return rc;
}

int ds_plot_png_write(const char *dir, const ds_report_opts *o, char *err, size_t errlen)
{
    json_t *D = ds_report_data(dir, o, err, errlen);
    if (!D)
        return -1;
    ds_outdir *out = ds_outdir_open(dir, err, errlen);
    int rc = -1;
    if (out) {
        rc = ds_plot_traffic(out, D, err, errlen);
        if (rc == 0)
            rc = ds_plot_worms(out, D, err, errlen);
        ds_outdir_close(out);
    }
    json_decref(D);
    return rc;
}

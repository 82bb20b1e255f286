/*
 * ds_gdmap.c — the libgd base map (see ds_gdmap.h). Equirectangular is enough for a
 * GIF: circles stay round and the code stays small; latitudes above 84°N and below
 * 58°S hold no hosts and are cropped.
 */
#include "output/ds_gdmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/ds_common.h"
#include "output/ds_webassets.h"

#define DS_LAT_TOP 84.0
#define DS_LAT_BOT (-58.0)
#define DS_STRIP 34

bool ds_gdmap_xy(const ds_gdmap *m, double lat, double lon, int *x, int *y)
{
    *x = (int)((lon + 180.0) / 360.0 * m->w);
    *y = (int)((DS_LAT_TOP - lat) / (DS_LAT_TOP - DS_LAT_BOT) * m->map_h);
    return *x >= 0 && *x < m->w && *y >= 0 && *y < m->map_h;
}

/* Draws each ring of land.txt ("lon lat lon lat ..." in centi-degrees; "h " first
 * for a hole, filled with ocean after its land), clipped to the map area. */
static void ds_draw_land(ds_gdmap *m)
{
    const char *p = (const char *)ds_web_land, *end = p + ds_web_land_len;
    gdPoint *pts = NULL;
    size_t cap = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        size_t n = 0;
        const char *q = p;
        bool hole = q < nl && *q == 'h';
        if (hole)
            q++;
        while (q < nl) {
            char *e1, *e2;
            long lon = strtol(q, &e1, 10);
            if (e1 == q)
                break;
            long lat = strtol(e1, &e2, 10);
            if (e2 == e1)
                break;
            q = e2;
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                pts = ds_xrealloc(pts, cap * sizeof *pts);
            }
            /* Out-of-map points are kept: gd clips the polygon to the image. */
            pts[n].x = (int)((lon / 100.0 + 180.0) / 360.0 * m->w);
            pts[n].y = (int)((DS_LAT_TOP - lat / 100.0) / (DS_LAT_TOP - DS_LAT_BOT) * m->map_h);
            n++;
        }
        if (n >= 3) {
            gdImageFilledPolygon(m->base, pts, (int)n, hole ? DS_GD_OCEAN : DS_GD_LAND);
            gdImagePolygon(m->base, pts, (int)n, DS_GD_COAST);
        }
        p = nl + 1;
    }
    free(pts);
}

static const int ds_gd_rgb[DS_GD_NCOLORS][3] = {
    {255, 255, 255}, {234, 242, 248}, {217, 212, 199}, {170, 164, 150}, {20, 24, 28},
    {214, 39, 40},   {255, 190, 0},   {31, 119, 180},  {213, 227, 238},
};

/* A palette image with the colours allocated in enum order. */
static gdImagePtr ds_gd_new(int w, int h)
{
    gdImagePtr im = gdImageCreate(w, h);
    if (!im)
        return NULL;
    for (int i = 0; i < DS_GD_NCOLORS; i++)
        gdImageColorAllocate(im, ds_gd_rgb[i][0], ds_gd_rgb[i][1], ds_gd_rgb[i][2]);
    return im;
}

gdImagePtr ds_gdmap_frame(const ds_gdmap *m)
{
    /* A copy of the base by rows of palette indexes (gdImageClone crashes in
     * libgd 2.3.3 on palette images; gdImageCopy would re-resolve every colour). */
    gdImagePtr im = ds_gd_new(m->w, m->h);
    if (!im)
        return NULL;
    for (int y = 0; y < m->h; y++)
        memcpy(im->pixels[y], m->base->pixels[y], (size_t)m->w);
    return im;
}

int ds_gdmap_init(ds_gdmap *m, int width)
{
    memset(m, 0, sizeof *m);
    m->w = width;
    m->map_h = (int)(width * (DS_LAT_TOP - DS_LAT_BOT) / 360.0);
    m->h = m->map_h + DS_STRIP;
    m->base = ds_gd_new(m->w, m->h);
    if (!m->base)
        return -1;
    gdImageFilledRectangle(m->base, 0, 0, m->w - 1, m->h - 1, DS_GD_BG);
    gdImageFilledRectangle(m->base, 0, 0, m->w - 1, m->map_h - 1, DS_GD_OCEAN);
    for (int lon = -150; lon < 180; lon += 30) {
        int x, y;
        ds_gdmap_xy(m, 0, lon, &x, &y);
        gdImageLine(m->base, x, 0, x, m->map_h - 1, DS_GD_GRID);
    }
    for (int lat = -30; lat <= 60; lat += 30) {
        int x, y;
        ds_gdmap_xy(m, lat, 0, &x, &y);
        gdImageLine(m->base, 0, y, m->w - 1, y, DS_GD_GRID);
    }
    m->have_land = ds_web_land_len > 0;
    gdImageSetClip(m->base, 0, 0, m->w - 1, m->map_h - 1);
    ds_draw_land(m);
    gdImageSetClip(m->base, 0, 0, m->w - 1, m->h - 1);
    gdImageLine(m->base, 0, m->map_h, m->w - 1, m->map_h, DS_GD_COAST);
    return 0;
}

void ds_gdmap_free(ds_gdmap *m)
{
    if (m->base)
        gdImageDestroy(m->base);
    m->base = NULL;
}

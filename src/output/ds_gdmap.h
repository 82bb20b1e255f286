/*
 * ds_gdmap.h — a world map for libgd images: an equirectangular projection of the
 * Natural Earth land polygons (the embedded land.txt from web/build.mjs), cropped
 * to the inhabited latitudes, with a strip below it for text.
 *
 * The base image is a palette image with fixed colour indexes (below), and frames
 * are copies of it, so that every frame of an animated GIF shares one global
 * colour table and a test can count a colour's pixels exactly.
 */
#ifndef DS_GDMAP_H
#define DS_GDMAP_H

#include <gd.h>
#include <stdbool.h>

/* Palette indexes of the base image (and so of every frame). */
enum {
    DS_GD_BG = 0, /* text strip */
    DS_GD_OCEAN,
    DS_GD_LAND,
    DS_GD_COAST,
    DS_GD_TEXT,
    DS_GD_INFECTED, /* hosts infected so far: #d62728 */
    DS_GD_ACTIVE,   /* hosts active in the frame: #ffbe00 */
    DS_GD_VICTIM,   /* DoS victims: #1f77b4 */
    DS_GD_GRID,
    DS_GD_NCOLORS
};

typedef struct ds_gdmap {
    int w, h;  /* image size */
    int map_h; /* the map's height; the text strip is below */
    gdImagePtr base;
    bool have_land; /* false when the front end (and so land.txt) was not built */
} ds_gdmap;

/* Draws the base map at the given width (height follows). Returns 0 or -1. */
int ds_gdmap_init(ds_gdmap *m, int width);
void ds_gdmap_free(ds_gdmap *m);
/* A new frame: a copy of the base map with the same palette. */
gdImagePtr ds_gdmap_frame(const ds_gdmap *m);
/* Pixel of a point; false when it falls outside the cropped map. */
bool ds_gdmap_xy(const ds_gdmap *m, double lat, double lon, int *x, int *y);

#endif

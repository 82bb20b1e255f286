/*
 * ds_movie.h — the movie without a browser: an animated GIF (and optionally one PNG
 * per frame) of the outbreak drawn with libgd, like CAIDA's "Code Red: The Movie":
 * a world map, one circle per location with area proportional to the hosts
 * infected by that frame (red), the hosts active in the frame inside it (yellow),
 * optionally the DoS victims under attack (blue squares), and the UTC time and
 * cumulative count written under the map. Frames, locations and scaling are those
 * of the report's movie (ds_spread), so both show the same thing.
 */
#ifndef DS_MOVIE_H
#define DS_MOVIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/ds_spread.h"

typedef struct ds_movie_opts {
    ds_spread_opts spread;
    const char *gif_path;   /* animated GIF to write, or NULL */
    const char *frames_dir; /* directory for frame-NNNNN.png, or NULL */
    const char *signature;  /* NULL: the signature with the most hosts */
    int width;              /* image width in pixels (default 960) */
    int delay_cs;           /* GIF frame delay in 1/100 s (default 10) */
    bool victims;           /* draw DoS victims */
} ds_movie_opts;

void ds_movie_opts_default(ds_movie_opts *o);

/* Renders the movie of output directory DIR. *nframes receives the frame count.
 * Returns 0, or -1 with a message. */
int ds_movie_write(const char *dir, const ds_movie_opts *o, uint32_t *nframes, char *err,
                   size_t errlen);

#endif

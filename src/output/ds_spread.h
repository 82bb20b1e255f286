/*
 * ds_spread.h — the outbreak over space and time, as the movie needs it: hosts
 * reduced to locations and frames.
 *
 * A million hosts cannot go to a browser one by one, so the aggregation happens
 * here, once. Each host of hosts.csv gets a location — its lat/lon rounded to a
 * grid of `grid_deg` degrees, or its country's centroid when only the country is
 * known (ds_centroids), or none — and the frames of its first and last sighting
 * (frames of `frame_s` seconds aligned to multiples of it, i.e. to UTC midnight for
 * divisors of a day, like CAIDA's Code-Red movie). Per signature the result is a
 * list of events sorted by frame: (frame, location, hosts first seen then, hosts
 * whose last sighting was in the previous frame); replaying them gives for every
 * frame the hosts infected so far and the hosts active in it at every location.
 * When the events exceed a budget the grid is doubled until they fit, which
 * bounds the page size whatever the number of hosts.
 *
 * DoS victims (attacks.csv) are placed the same way, one entry per attack with its
 * first and last frame, the largest attacks first up to a limit.
 */
#ifndef DS_SPREAD_H
#define DS_SPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/ds_centroids.h"

typedef struct ds_spread_opts {
    double frame_s;      /* frame length in seconds (default 300) */
    double grid_deg;     /* location grid in degrees (default 1) */
    size_t max_events;   /* event budget over all signatures (default 500000) */
    size_t max_victims;  /* attacks placed on the map (default 20000) */
    uint32_t max_frames; /* longer runs get longer frames (default 4000) */
} ds_spread_opts;

void ds_spread_opts_default(ds_spread_opts *o);

typedef struct ds_spread_sig {
    char *name;
    uint64_t hosts;   /* hosts of the signature */
    uint64_t located; /* of which with a location */
    size_t nev;       /* events, sorted by frame then location */
    uint32_t *ev_f, *ev_l, *ev_new, *ev_gone;
    uint32_t *total_new; /* per frame: hosts first seen, located or not */
} ds_spread_sig;

typedef struct ds_spread {
    bool have_hosts, have_attacks; /* hosts.csv / attacks.csv were there */
    double t0;                     /* start of frame 0, epoch seconds */
    double frame_s;
    uint32_t nframes; /* 0: nothing with a time */
    double grid_deg;  /* the grid finally used */
    size_t nloc;
    double *lat, *lon; /* location points */
    size_t nsig;
    ds_spread_sig *sig;       /* by decreasing number of hosts */
    size_t nvict, vict_total; /* attacks placed / attacks in attacks.csv */
    uint32_t *v_l, *v_f0, *v_f1;
    double *v_pps;  /* estimated attack rate, or observed mean rate */
    char note[512]; /* what was coarsened or left out, for people */
} ds_spread;

/* Reads DIR/hosts.csv and DIR/attacks.csv (each optional). Returns 0, or -1 with a
 * message when a file exists but cannot be read. */
int ds_spread_load(const char *dir, const ds_spread_opts *o, const ds_centroids *cent, ds_spread *s,
                   char *err, size_t errlen);
void ds_spread_free(ds_spread *s);

#endif

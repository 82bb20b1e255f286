/*
 * ds_spread.c — hosts and victims to locations and frames (see ds_spread.h).
 *
 * Hosts are read once into a compact array (32 bytes each); the aggregation then
 * runs over that array, possibly several times with a coarser grid, each run a
 * sort of two records per host (first frame: +new; frame after the last: +gone)
 * followed by a merge of equal (signature, frame, location) records.
 */
#include "output/ds_spread.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ds_common.h"
#include "output/ds_csvread.h"

enum { DS_LOC_NONE = 0, DS_LOC_LL = 1, DS_LOC_COUNTRY = 2 };

typedef struct ds_place {
    float lat, lon;
    int32_t country; /* centroid index */
    uint8_t kind;    /* DS_LOC_* */
} ds_place;

typedef struct ds_shost {
    double first, last;
    ds_place at;
    uint16_t sig;
} ds_shost;

typedef struct ds_svict {
    double start, end, packets, pps;
    ds_place at;
} ds_svict;

typedef struct ds_srec {
    uint32_t sig, frame, loc, gone; /* gone: 0 = first seen, 1 = last seen before */
} ds_srec;

/* Location table: key -> index, open addressing (keys are never 0). */
typedef struct ds_locmap {
    uint64_t *keys;
    uint32_t *idx;
    size_t cap, n;
    double *lat, *lon;
    size_t capv;
} ds_locmap;

void ds_spread_opts_default(ds_spread_opts *o)
{
    o->frame_s = 300;
    o->grid_deg = 1;
    o->max_events = 500000; /* ~6 bytes each in the page: about 3 MB at most */
    o->max_victims = 20000;
    o->max_frames = 4000;
}

static bool ds_parse_num(const char *s, double *v)
{
    if (!s || !*s)
        return false;
    char *end;
    *v = ds_csv_strtod(s, &end);
    return *end == 0 && isfinite(*v);
}

/* A time darkscope can have written: epoch seconds from 1970 to 2262 (int64
 * nanoseconds). A hand-edited 1e308 would make the span, frame length and frame
 * numbers infinite or NaN (fuzz_report). */
static bool ds_parse_time(const char *s, double *v)
{
    return ds_parse_num(s, v) && *v >= 0 && *v <= 9223372036.0;
}

/* Where a row of hosts.csv or attacks.csv is: lat/lon, else the country, else none. */
static ds_place ds_place_of(const ds_csvr *r, int clat, int clon, int cctry,
                            const ds_centroids *cent)
{
    ds_place p = {0, 0, -1, DS_LOC_NONE};
    double la, lo;
    if (ds_parse_num(ds_csvr_get(r, clat), &la) && ds_parse_num(ds_csvr_get(r, clon), &lo) &&
        la >= -90 && la <= 90 && lo >= -180 && lo <= 180) {
        p.lat = (float)la;
        p.lon = (float)lo;
        p.kind = DS_LOC_LL;
        return p;
    }
    int c = ds_centroids_find(cent, ds_csvr_get(r, cctry));
    if (c >= 0) {
        p.country = c;
        p.lat = (float)cent->v[c].lat;
        p.lon = (float)cent->v[c].lon;
        p.kind = DS_LOC_COUNTRY;
    }
    return p;
}

static uint64_t ds_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static void ds_locmap_init(ds_locmap *m)
{
    memset(m, 0, sizeof *m);
    m->cap = 1024;
    m->keys = ds_xcalloc(m->cap, sizeof *m->keys);
    m->idx = ds_xcalloc(m->cap, sizeof *m->idx);
}

static void ds_locmap_free(ds_locmap *m)
{
    free(m->keys);
    free(m->idx);
    free(m->lat);
    free(m->lon);
}

static void ds_locmap_grow(ds_locmap *m)
{
    size_t oc = m->cap;
    uint64_t *ok = m->keys;
    uint32_t *oi = m->idx;
    m->cap *= 2;
    m->keys = ds_xcalloc(m->cap, sizeof *m->keys);
    m->idx = ds_xcalloc(m->cap, sizeof *m->idx);
    for (size_t i = 0; i < oc; i++) {
        if (!ok[i])
            continue;
        size_t h = ds_mix(ok[i]) & (m->cap - 1);
        while (m->keys[h])
            h = (h + 1) & (m->cap - 1);
        m->keys[h] = ok[i];
        m->idx[h] = oi[i];
    }
    free(ok);
    free(oi);
}

/* The location index of a place on grid g (adds it when new), or UINT32_MAX. */
static uint32_t ds_locmap_get(ds_locmap *m, const ds_place *p, double g)
{
    uint64_t key;
    double la, lo;
    if (p->kind == DS_LOC_LL) {
        long ila = lround(p->lat / g), ilo = lround(p->lon / g);
        key = (1ULL << 62) | ((uint64_t)(ila + (1L << 20)) << 21) | (uint64_t)(ilo + (1L << 20));
        la = fmax(-90, fmin(90, (double)ila * g));
        lo = (double)ilo * g;
        if (lo > 180)
            lo -= 360;
        if (lo < -180)
            lo += 360;
    } else if (p->kind == DS_LOC_COUNTRY) {
        key = (1ULL << 61) | (uint64_t)p->country;
        la = p->lat;
        lo = p->lon;
    } else {
        return UINT32_MAX;
    }
    if ((m->n + 1) * 2 > m->cap)
        ds_locmap_grow(m);
    size_t h = ds_mix(key) & (m->cap - 1);
    while (m->keys[h]) {
        if (m->keys[h] == key)
            return m->idx[h];
        h = (h + 1) & (m->cap - 1);
    }
    if (m->n == m->capv) {
        m->capv = m->capv ? m->capv * 2 : 256;
        m->lat = ds_xrealloc(m->lat, m->capv * sizeof *m->lat);
        m->lon = ds_xrealloc(m->lon, m->capv * sizeof *m->lon);
    }
    m->lat[m->n] = round(la * 1000) / 1000;
    m->lon[m->n] = round(lo * 1000) / 1000;
    m->keys[h] = key;
    m->idx[h] = (uint32_t)m->n;
    return (uint32_t)m->n++;
}

static int ds_srec_cmp(const void *a, const void *b)
{
    const ds_srec *x = a, *y = b;
    if (x->sig != y->sig)
        return x->sig < y->sig ? -1 : 1;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    if (x->loc != y->loc)
        return x->loc < y->loc ? -1 : 1;
    return 0;
}

/* Sorts by (sig, frame, loc); the order of equal keys does not matter (their
 * first-seen and gone records are only counted). With all three small enough
 * (always, for the files darkscope writes) they and `gone` pack into one 64-bit
 * key for ds_sort_u64: qsort's comparator calls were a quarter of a report of
 * 1.5 M hosts. */
static void ds_srec_sort(ds_srec *rec, size_t n)
{
    uint32_t maxsig = 0, maxframe = 0, maxloc = 0;
    for (size_t i = 0; i < n; i++) {
        maxsig = rec[i].sig > maxsig ? rec[i].sig : maxsig;
        maxframe = rec[i].frame > maxframe ? rec[i].frame : maxframe;
        maxloc = rec[i].loc > maxloc ? rec[i].loc : maxloc;
    }
    if (maxsig >= 1u << 16 || maxframe >= 1u << 16 || maxloc >= 1u << 31) {
        qsort(rec, n, sizeof *rec, ds_srec_cmp);
        return;
    }
    uint64_t *k = ds_xmalloc((n ? n : 1) * sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = (uint64_t)rec[i].sig << 48 | (uint64_t)rec[i].frame << 32 |
               (uint64_t)rec[i].loc << 1 | (rec[i].gone & 1);
    ds_sort_u64(k, n);
    for (size_t i = 0; i < n; i++)
        rec[i] = (ds_srec){(uint32_t)(k[i] >> 48), (uint32_t)(k[i] >> 32) & 0xffff,
                           (uint32_t)(k[i] >> 1) & 0x7fffffff, (uint32_t)(k[i] & 1)};
    free(k);
}

static int ds_vict_cmp(const void *a, const void *b)
{
    const ds_svict *x = a, *y = b;
    return x->packets > y->packets ? -1 : x->packets < y->packets ? 1 : 0;
}

typedef struct ds_loaded {
    ds_shost *h;
    size_t nh, caph;
    char **names;
    size_t nnames;
    ds_svict *v;
    size_t nv, capv;
} ds_loaded;

static uint16_t ds_sig_index(ds_loaded *L, const char *name)
{
    for (size_t i = 0; i < L->nnames; i++)
        if (!strcmp(L->names[i], name))
            return (uint16_t)i;
    if (L->nnames == UINT16_MAX)
        return UINT16_MAX - 1; /* absurdly many signatures: lump the rest together */
    L->names = ds_xrealloc(L->names, (L->nnames + 1) * sizeof *L->names);
    L->names[L->nnames] = ds_xstrdup(name);
    return (uint16_t)L->nnames++;
}

static int ds_read_hosts(const char *dir, const ds_centroids *cent, ds_loaded *L, ds_spread *s,
                         char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/hosts.csv", dir);
    ds_csvr *r = ds_csvr_open(path, err, errlen);
    if (!r)
        return err[0] ? -1 : 0;
    s->have_hosts = true;
    int csig = ds_csvr_col(r, "signature"), cf = ds_csvr_col(r, "first_seen"),
        cl = ds_csvr_col(r, "last_seen"), clat = ds_csvr_col(r, "lat"),
        clon = ds_csvr_col(r, "lon"), cc = ds_csvr_col(r, "country");
    while (ds_csvr_next(r)) {
        ds_shost h;
        if (!ds_parse_time(ds_csvr_get(r, cf), &h.first))
            continue;
        if (!ds_parse_time(ds_csvr_get(r, cl), &h.last) || h.last < h.first)
            h.last = h.first;
        h.sig = ds_sig_index(L, ds_csvr_get(r, csig));
        h.at = ds_place_of(r, clat, clon, cc, cent);
        if (L->nh == L->caph) {
            L->caph = L->caph ? L->caph * 2 : 4096;
            L->h = ds_xrealloc(L->h, L->caph * sizeof *L->h);
        }
        L->h[L->nh++] = h;
    }
    ds_csvr_close(r);
    return 0;
}

static int ds_read_attacks(const char *dir, const ds_centroids *cent, ds_loaded *L, ds_spread *s,
                           char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/attacks.csv", dir);
    ds_csvr *r = ds_csvr_open(path, err, errlen);
    if (!r)
        return err[0] ? -1 : 0;
    s->have_attacks = true;
    int cs = ds_csvr_col(r, "start"), ce = ds_csvr_col(r, "end"), cp = ds_csvr_col(r, "packets"),
        cr = ds_csvr_col(r, "est_attack_pps"), cm = ds_csvr_col(r, "mean_pps"),
        clat = ds_csvr_col(r, "lat"), clon = ds_csvr_col(r, "lon"), cc = ds_csvr_col(r, "country");
    while (ds_csvr_next(r)) {
        ds_svict v;
        if (!ds_parse_time(ds_csvr_get(r, cs), &v.start))
            continue;
        if (!ds_parse_time(ds_csvr_get(r, ce), &v.end) || v.end < v.start)
            v.end = v.start;
        if (!ds_parse_num(ds_csvr_get(r, cp), &v.packets))
            v.packets = 0;
        if (!ds_parse_num(ds_csvr_get(r, cr), &v.pps) && !ds_parse_num(ds_csvr_get(r, cm), &v.pps))
            v.pps = 0;
        v.at = ds_place_of(r, clat, clon, cc, cent);
        if (L->nv == L->capv) {
            L->capv = L->capv ? L->capv * 2 : 1024;
            L->v = ds_xrealloc(L->v, L->capv * sizeof *L->v);
        }
        L->v[L->nv++] = v;
    }
    ds_csvr_close(r);
    return 0;
}

static void ds_note(ds_spread *s, const char *fmt, double a, double b)
{
    size_t used = strlen(s->note);
    if (used + 2 >= sizeof s->note)
        return;
    snprintf(s->note + used, sizeof s->note - used, fmt, a, b);
}

/* Sets t0, frame_s and nframes from the times of hosts and victims. */
static void ds_frames(ds_spread *s, const ds_loaded *L, const ds_spread_opts *o)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < L->nh; i++) {
        lo = fmin(lo, L->h[i].first);
        hi = fmax(hi, L->h[i].last);
    }
    for (size_t i = 0; i < L->nv; i++) {
        lo = fmin(lo, L->v[i].start);
        hi = fmax(hi, L->v[i].end);
    }
    s->frame_s = o->frame_s > 0 ? o->frame_s : 300;
    if (!isfinite(lo)) {
        s->nframes = 0;
        return;
    }
    double span = hi - floor(lo / s->frame_s) * s->frame_s;
    if (span / s->frame_s >= o->max_frames) {
        double k = ceil(span / s->frame_s / (o->max_frames - 1));
        ds_note(s,
                "Frames lengthened from %.0f s to %.0f s to keep the movie under the frame limit. ",
                s->frame_s, s->frame_s * k);
        s->frame_s *= k;
    }
    s->t0 = floor(lo / s->frame_s) * s->frame_s;
    if (s->t0 > lo) /* floor(lo / f) * f can round above lo (f = 0.001, lo = 100.24) */
        s->t0 -= s->frame_s;
    /* Rounding can also give one frame more than the limit's arithmetic says; the
     * count is kept in range (ds_frame_of puts later times in the last frame). */
    double nf = floor((hi - s->t0) / s->frame_s) + 1;
    double cap = o->max_frames < UINT32_MAX ? (double)o->max_frames + 1 : (double)UINT32_MAX;
    s->nframes = (uint32_t)(!(nf >= 1) ? 1 : nf > cap ? cap : nf);
}

static uint32_t ds_frame_of(const ds_spread *s, double t)
{
    double f = floor((t - s->t0) / s->frame_s);
    if (f < 0)
        return 0;
    if (f >= s->nframes)
        return s->nframes - 1;
    return (uint32_t)f;
}

/* Aggregates the hosts on grid g into sorted records (*out, *nout); returns the
 * number of distinct events they make. */
static size_t ds_aggregate(ds_spread *s, const ds_loaded *L, double g, ds_locmap *m, ds_srec **out,
                           size_t *nout)
{
    ds_srec *rec = ds_xmalloc((2 * L->nh + 1) * sizeof *rec);
    size_t n = 0;
    for (size_t i = 0; i < L->nh; i++) {
        const ds_shost *h = &L->h[i];
        uint32_t loc = ds_locmap_get(m, &h->at, g);
        if (loc == UINT32_MAX)
            continue;
        uint32_t f0 = ds_frame_of(s, h->first), f1 = ds_frame_of(s, h->last);
        rec[n++] = (ds_srec){h->sig, f0, loc, 0};
        if (f1 + 1 < s->nframes)
            rec[n++] = (ds_srec){h->sig, f1 + 1, loc, 1};
    }
    ds_srec_sort(rec, n);
    size_t ev = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || ds_srec_cmp(&rec[i], &rec[i - 1]) != 0)
            ev++;
    *out = rec;
    *nout = n;
    return ev;
}

static void ds_fill_events(ds_spread *s, const ds_srec *rec, size_t nrec)
{
    for (size_t i = 0; i < nrec;) {
        size_t j = i;
        uint32_t nw = 0, gone = 0;
        while (j < nrec && ds_srec_cmp(&rec[i], &rec[j]) == 0) {
            if (rec[j].gone)
                gone++;
            else
                nw++;
            j++;
        }
        ds_spread_sig *g = &s->sig[rec[i].sig];
        g->ev_f[g->nev] = rec[i].frame;
        g->ev_l[g->nev] = rec[i].loc;
        g->ev_new[g->nev] = nw;
        g->ev_gone[g->nev] = gone;
        g->nev++;
        i = j;
    }
}

/* Signatures by decreasing hosts: the busiest is the movie's first. */
static int ds_sig_cmp(const void *a, const void *b)
{
    const ds_spread_sig *x = a, *y = b;
    if (x->hosts != y->hosts)
        return x->hosts > y->hosts ? -1 : 1;
    return strcmp(x->name, y->name);
}

int ds_spread_load(const char *dir, const ds_spread_opts *o, const ds_centroids *cent, ds_spread *s,
                   char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    ds_loaded L;
    memset(&L, 0, sizeof L);
    int rc = -1;
    if (ds_read_hosts(dir, cent, &L, s, err, errlen) != 0 ||
        ds_read_attacks(dir, cent, &L, s, err, errlen) != 0)
        goto out;
    ds_frames(s, &L, o);
    rc = 0;
    if (s->nframes == 0)
        goto out;

    /* Hosts: the finest grid that fits the event budget. */
    double g = o->grid_deg > 0 ? o->grid_deg : 1;
    ds_locmap m;
    ds_srec *rec = NULL;
    size_t nev, nrec = 0;
    for (;;) {
        ds_locmap_init(&m);
        nev = ds_aggregate(s, &L, g, &m, &rec, &nrec);
        if (nev <= o->max_events || g >= 16)
            break;
        ds_locmap_free(&m);
        free(rec);
        g *= 2;
    }
    if (g != (o->grid_deg > 0 ? o->grid_deg : 1))
        ds_note(s, "Locations grouped on a %.3g° grid instead of %.3g° to keep the page small. ", g,
                o->grid_deg);
    s->grid_deg = g;

    s->nsig = L.nnames;
    s->sig = ds_xcalloc(s->nsig ? s->nsig : 1, sizeof *s->sig);
    for (size_t i = 0; i < L.nh; i++) {
        const ds_shost *h = &L.h[i];
        ds_spread_sig *sg = &s->sig[h->sig];
        if (!sg->total_new)
            sg->total_new = ds_xcalloc(s->nframes, sizeof *sg->total_new);
        sg->hosts++;
        sg->total_new[ds_frame_of(s, h->first)]++;
        if (h->at.kind != DS_LOC_NONE)
            sg->located++;
    }
    for (size_t k = 0; k < s->nsig; k++) {
        ds_spread_sig *sg = &s->sig[k];
        sg->name = L.names[k];
        L.names[k] = NULL;
        if (!sg->total_new)
            sg->total_new = ds_xcalloc(s->nframes, sizeof *sg->total_new);
        size_t cap = sg->located * 2 + 1; /* at most two events per located host */
        sg->ev_f = ds_xmalloc(cap * sizeof *sg->ev_f);
        sg->ev_l = ds_xmalloc(cap * sizeof *sg->ev_l);
        sg->ev_new = ds_xmalloc(cap * sizeof *sg->ev_new);
        sg->ev_gone = ds_xmalloc(cap * sizeof *sg->ev_gone);
    }
    ds_fill_events(s, rec, nrec);
    free(rec);
    if (s->nsig)
        qsort(s->sig, s->nsig, sizeof *s->sig, ds_sig_cmp);

    /* Victims: the largest attacks, on the same locations. */
    s->vict_total = L.nv;
    if (L.nv) /* L.v is NULL then, which qsort may not receive */
        qsort(L.v, L.nv, sizeof *L.v, ds_vict_cmp);
    size_t nv = L.nv < o->max_victims ? L.nv : o->max_victims;
    s->v_l = ds_xmalloc((nv + 1) * sizeof *s->v_l);
    s->v_f0 = ds_xmalloc((nv + 1) * sizeof *s->v_f0);
    s->v_f1 = ds_xmalloc((nv + 1) * sizeof *s->v_f1);
    s->v_pps = ds_xmalloc((nv + 1) * sizeof *s->v_pps);
    for (size_t i = 0; i < nv; i++) {
        uint32_t loc = ds_locmap_get(&m, &L.v[i].at, g);
        if (loc == UINT32_MAX)
            continue;
        s->v_l[s->nvict] = loc;
        s->v_f0[s->nvict] = ds_frame_of(s, L.v[i].start);
        s->v_f1[s->nvict] = ds_frame_of(s, L.v[i].end);
        s->v_pps[s->nvict] = L.v[i].pps;
        s->nvict++;
    }
    if (L.nv > nv)
        ds_note(s, "The map shows the %.0f largest of %.0f attacks. ", (double)nv, (double)L.nv);

    s->nloc = m.n;
    s->lat = m.lat;
    s->lon = m.lon;
    m.lat = m.lon = NULL;
    ds_locmap_free(&m);
out:
    for (size_t k = 0; k < L.nnames; k++)
        free(L.names[k]);
    free(L.names);
    free(L.h);
    free(L.v);
    return rc;
}

void ds_spread_free(ds_spread *s)
{
    for (size_t k = 0; k < s->nsig; k++) {
        ds_spread_sig *g = &s->sig[k];
        free(g->name);
        free(g->ev_f);
        free(g->ev_l);
        free(g->ev_new);
        free(g->ev_gone);
        free(g->total_new);
    }
    free(s->sig);
    free(s->lat);
    free(s->lon);
    free(s->v_l);
    free(s->v_f0);
    free(s->v_f1);
    free(s->v_pps);
    memset(s, 0, sizeof *s);
}

/*
 * ds_sim_epidemic.h — the random-scanning worm epidemic, simulated event by event.
 *
 * Model (random constant spread, Staniford/Paxson/Weaver 2002, made stochastic and
 * exact): N vulnerable hosts; an infected host probes random IPv4 addresses at its
 * own rate r_i (a fraction `local_preference` of its probes goes to random addresses
 * of its own /16). A probe that hits a susceptible host infects it. Between events
 * all rates are constant, so the time to the next event is exponential with the sum
 * of the rates (Gillespie's direct method; exact, no time step):
 *
 *   global infection   (1 - p) * R * S / 2^32        R = sum of scanning rates
 *   local infection    p * sum_b L_b * S_b / 2^16    per /16 block b
 *   deactivation       delta * I                     (patch, reboot: stops for good)
 *   DHCP churn         c * I                         (new address in the same /16)
 *
 * plus two timed events: the initial infections and the phase switch (every host
 * stops scanning). Rates are kept in integer milli-probes per second so that the
 * running sums never drift and the same seed gives the same history.
 *
 * Probes into the telescope are not events of the epidemic: the packet generator
 * asks for the total global probe rate and draws the probing host with
 * ds_sim_epi_pick(), weighted by rate in O(1) expected time by composition-rejection
 * (rates grouped in power-of-two classes; Slepoy, Thompson, Plimpton, J. Chem. Phys.
 * 128, 2008).
 */
#ifndef DS_SIM_EPIDEMIC_H
#define DS_SIM_EPIDEMIC_H

#include "sim/ds_sim_geo.h"
#include "sim/ds_sim_scenario.h"

enum { DS_SIM_SUSCEPTIBLE = 0, DS_SIM_SCANNING = 1, DS_SIM_STOPPED = 2 };

/* What every probe into a monitor touches, kept apart and small (24 bytes) so that
 * the per-packet random access to a host costs one cache line: the current address,
 * the packet counters, and the sightings of the current address (moved into its
 * segment when the address is given up). */
typedef struct ds_sim_hot {
    uint32_t addr;         /* current address */
    uint32_t probes;       /* probes of the current address into the monitors */
    int64_t first_ns;      /* first of them (INT64_MAX: none yet) */
    uint16_t ip_id, sport; /* per-host packet counters (Windows-like increments) */
    uint16_t monitors;     /* bit per monitor that received one */
    uint8_t ttl;
    int8_t first_monitor;
} ds_sim_hot;

typedef struct ds_sim_host {
    uint32_t addr0;        /* address when drawn */
    uint32_t rate;         /* milli-probes per second */
    uint32_t infected_by;  /* address of the infecting host, 0 for initial ones */
    double infected_at;    /* seconds after start; NAN when never */
    double deactivated_at; /* NAN when never */
    uint32_t changes;      /* address changes */
    uint32_t seg;          /* current address segment */
    uint32_t cls_pos, scan_pos, blk_pos, blk;
    uint8_t state, cls;
    bool seg_open; /* the current segment still collects sightings */
} ds_sim_host;

/* One address held by an infected host over a time span: what a telescope can see. */
typedef struct ds_sim_segment {
    uint32_t host;
    uint32_t addr;
    double from, to;        /* to = INFINITY while open */
    int64_t first_probe_ns; /* INT64_MAX: never seen */
    uint64_t probes;
    uint16_t monitors; /* bit per monitor that received a probe */
    int8_t first_monitor;
} ds_sim_segment;

typedef struct ds_sim_epi ds_sim_epi;

/* Draws the population (avoiding the monitors' /16s and `used`, to which it adds
 * the addresses) and per-host rates; nothing is infected yet. With `geo` (may be
 * NULL: routable space) the hosts follow the worm's country shares. */
ds_sim_epi *ds_sim_epi_new(const ds_sim_scenario *s, uint64_t seed, ds_sim_aset *used,
                           ds_sim_geo *geo);
void ds_sim_epi_free(ds_sim_epi *e);

/* Time of the next epidemic event (INFINITY when none will come). */
double ds_sim_epi_next_time(const ds_sim_epi *e);
/* Applies that event. */
void ds_sim_epi_step(ds_sim_epi *e);
/* Probes per second aimed at random addresses of the whole space (global part). */
double ds_sim_epi_global_rate(const ds_sim_epi *e);
/* A scanning host drawn with probability proportional to its rate. */
ds_sim_hot *ds_sim_epi_pick(ds_sim_epi *e, ds_sim_rng *r);
/* n (<= DS_SIM_PICK_BATCH) independent draws of ds_sim_epi_pick, with the memory
 * they touch prefetched in two passes: the hot path is memory latency, one random
 * host per packet, and a batch lets those misses overlap. */
#define DS_SIM_PICK_BATCH 256
void ds_sim_epi_pick_batch(ds_sim_epi *e, ds_sim_rng *r, size_t n, ds_sim_hot **out);
/* Moves the sightings of every address still held into its segment (at the end). */
void ds_sim_epi_finish(ds_sim_epi *e);

ds_sim_host *ds_sim_epi_hosts(ds_sim_epi *e, size_t *n);
const ds_sim_hot *ds_sim_epi_hot(const ds_sim_epi *e);
ds_sim_segment *ds_sim_epi_segments(ds_sim_epi *e, size_t *n);
/* New infections per minute since start (length = ceil(duration / 60)). */
const uint32_t *ds_sim_epi_per_minute(const ds_sim_epi *e, size_t *n);
/* Mean rate (probes/s) over the whole population, as drawn. */
double ds_sim_epi_mean_rate(const ds_sim_epi *e);

#endif

/*
 * ds_sim.h — `darkscope simulate`: runs a scenario and writes what its telescopes
 * would have recorded, plus the truth beside it:
 *
 *   DIR/MONITOR.pcap[.gz|.zst]  one capture per monitor (raw IPv4, microseconds)
 *   DIR/truth/hosts.csv         every infected host (ip, infected_at, infected_by, ...)
 *   DIR/truth/addresses.csv     every address an infected host used, and its probes
 *   DIR/truth/attacks.csv       DoS attacks under Corsaro's default rules
 *   DIR/truth/vectors.csv       every backscatter vector, attack or not
 *   DIR/truth/scenario.json     all parameters, seed, per-minute infections, totals
 *
 * Only packets that land in a monitor are generated: a source sending at r packets
 * per second to random addresses sends a Poisson stream of rate r n / 2^32 into a
 * monitor of n addresses, and the superposition of all sources is one Poisson stream
 * whose packets are labelled by source in proportion to their rates. So the cost is
 * per packet written, not per packet sent on the Internet.
 */
#ifndef DS_SIM_H
#define DS_SIM_H

#include "output/ds_pcap_writer.h"
#include "sim/ds_sim_scenario.h"

typedef struct ds_sim_options {
    uint64_t seed;
    enum ds_compress compress;
    double duration; /* seconds; <= 0: the scenario's own */
    bool progress;   /* a progress line on stderr */
    const char *geo; /* geolocation database for country shares; NULL: the default */
    bool no_geo;     /* never use one: routable space */
} ds_sim_options;

typedef struct ds_sim_capture {
    char monitor[DS_SIM_NAME_MAX];
    char *path;
    uint64_t packets, bytes;
} ds_sim_capture;

typedef struct ds_sim_report {
    ds_sim_capture captures[DS_SIM_MONITORS_MAX];
    int ncaptures;
    uint64_t packets;
    uint64_t infected, addresses, addresses_seen;
    uint32_t peak_new_per_minute;
    int64_t peak_minute_ns;
    int64_t phase_switch_ns; /* INT64_MAX: none */
    size_t attacks, vectors;
    /* How the population was placed (truth/scenario.json "population"), and a line
     * for stderr when country shares were asked for but could not be applied. */
    json_t *population;
    char population_note[512];
} ds_sim_report;

/* Runs the scenario into outdir. Returns 0, or -1 with a message. */
int ds_sim_run(ds_sim_scenario *s, const char *outdir, const ds_sim_options *o, ds_sim_report *rep,
               char *err, size_t errlen);
void ds_sim_report_free(ds_sim_report *rep);

#endif

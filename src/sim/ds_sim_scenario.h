/*
 * ds_sim_scenario.h — a simulation scenario: the telescope's monitors, an optional
 * random-scanning worm, DoS attacks seen through their backscatter, background
 * scanners and misconfigured sources. Read from a JSON file (docs/SCENARIOS.md) or
 * from a built-in preset, which is the same JSON compiled into the binary, so that
 * presets and files go through one parser and one set of checks.
 *
 * Times are seconds relative to `start` (the scenario's first instant, epoch ns);
 * the file may give them as ISO-8601 UTC ("2001-07-19T10:00:00Z"), epoch seconds,
 * or "+DURATION" after start.
 */
#ifndef DS_SIM_SCENARIO_H
#define DS_SIM_SCENARIO_H

#include <jansson.h>

#include "sim/ds_sim_addr.h"

#define DS_SIM_NAME_MAX 32
#define DS_SIM_MONITORS_MAX 16
#define DS_SIM_PORTS_MAX 16
#define DS_SIM_COUNTRIES_MAX 64

/* A country's share of a worm's vulnerable population. */
typedef struct ds_sim_share {
    char cc[3]; /* ISO 3166-1 alpha-2, upper case */
    double share;
} ds_sim_share;

typedef struct ds_sim_monitor {
    char name[DS_SIM_NAME_MAX];
    ds_sim_pset space;
} ds_sim_monitor;

typedef struct ds_sim_worm {
    bool enabled;
    char name[DS_SIM_NAME_MAX];
    uint8_t proto; /* 6 TCP (SYN probes) or 17 UDP (one datagram) */
    uint16_t port;
    uint16_t payload_len; /* UDP payload bytes (Slammer: 376) */
    uint32_t vulnerable;  /* N, the vulnerable population */
    uint32_t cluster;     /* vulnerable hosts drawn per /16 (1 = independent) */
    uint32_t initial;     /* hosts infected at initial_at */
    double initial_at;
    double scan_rate;       /* mean probes per second per infected host */
    double scan_rate_sigma; /* lognormal sigma of per-host rates (0 = all equal) */
    double scan_rate_max;   /* cap on a host's rate, probes/s */
    double phase_switch;    /* all hosts stop scanning at this time (INFINITY: never) */
    double deactivation_per_hour;
    double churn_per_hour;   /* DHCP address changes per infected host per hour */
    double local_preference; /* fraction of probes aimed at the host's own /16 */
    /* Country shares of the population (drawn through a geolocation database when
     * there is one; the rest of the population is spread over the other countries
     * by their address space). None: routable space. */
    ds_sim_share countries[DS_SIM_COUNTRIES_MAX];
    size_t ncountries;
} ds_sim_worm;

enum ds_sim_response {
    DS_SIM_SYNACK,
    DS_SIM_RST,
    DS_SIM_RSTACK,
    DS_SIM_ECHO_REPLY,
    DS_SIM_UNREACH,     /* ICMP 3 from the victim, quoting the attack packet */
    DS_SIM_TTL_EXCEEDED /* ICMP 11 from a router on the way, quoting the attack packet */
};

typedef struct ds_sim_attack {
    uint32_t victim;
    double start, duration;
    double rate; /* attack packets per second, each answered once */
    enum ds_sim_response response;
    uint8_t proto;     /* the attack's protocol (quoted in ICMP errors) */
    uint16_t port;     /* the victim's attacked port */
    uint32_t router;   /* source of TTL-exceeded errors */
    ds_sim_pset spoof; /* spoofed-source space; the whole space by default */
} ds_sim_attack;

enum ds_sim_tool { DS_SIM_TOOL_PLAIN, DS_SIM_TOOL_ZMAP, DS_SIM_TOOL_MASSCAN, DS_SIM_TOOL_MIRAI };

typedef struct ds_sim_scanner {
    enum ds_sim_tool tool;
    uint8_t proto; /* 6 TCP SYN, 17 UDP, 1 ICMP echo request */
    uint16_t ports[DS_SIM_PORTS_MAX];
    size_t nports;
    uint32_t sources; /* number of scanning hosts (a botnet when > 1) */
    uint32_t source;  /* fixed address for a single scanner, 0 = drawn */
    double rate;      /* probes per second per source, over all of IPv4 */
    double start, duration;
} ds_sim_scanner;

typedef struct ds_sim_misconfig {
    uint32_t sources;
    uint32_t targets; /* dark addresses they insist on, drawn in the monitor */
    int monitor;
    uint8_t proto;
    uint16_t port;
    double rate; /* packets per second per source (not scaled: aimed) */
    double start, duration;
} ds_sim_misconfig;

typedef struct ds_sim_scenario {
    char name[64];
    char description[256];
    int64_t start_ns;
    double duration;
    ds_sim_monitor monitors[DS_SIM_MONITORS_MAX];
    int nmonitors;
    ds_sim_worm worm;
    ds_sim_attack *attacks;
    size_t nattacks;
    ds_sim_scanner *scanners;
    size_t nscanners;
    ds_sim_misconfig *misconfigs;
    size_t nmisconfigs;
    json_t *source; /* the parsed document, for truth/scenario.json */
} ds_sim_scenario;

/* Loads a preset by name or, failing that, a file. Errors: "FILE:LINE:COL: path:
 * reason" (LINE:COL of the offending value), or the preset name for presets. */
ds_sim_scenario *ds_sim_scenario_load(const char *name_or_path, char *err, size_t errlen);
/* Parses JSON text; `origin` names it in messages. */
ds_sim_scenario *ds_sim_scenario_parse(const char *text, const char *origin, char *err,
                                       size_t errlen);
void ds_sim_scenario_free(ds_sim_scenario *s);

/* The normalised parameters (every default filled in) as JSON. */
json_t *ds_sim_scenario_json(const ds_sim_scenario *s);

/* Built-in presets (ds_sim_presets.c): the JSON text, or NULL. */
const char *ds_sim_preset_text(const char *name);
/* Names of the presets, NULL-terminated. */
extern const char *const ds_sim_preset_names[];

const char *ds_sim_response_name(enum ds_sim_response r);
const char *ds_sim_tool_name(enum ds_sim_tool t);

#endif

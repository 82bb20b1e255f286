/*
 * ds_sim_presets.c — the built-in scenarios, written in the scenario file format
 * itself (docs/SCENARIOS.md) so that they go through the same parser and checks as
 * a user's file, and `darkscope simulate --print-scenario NAME` shows a template.
 * The sources of every number are in docs/SCENARIOS.md.
 */
#include "sim/ds_sim_scenario.h"

/* Code-Red v2, 19 July 2001, as CAIDA's telescopes saw it (Moore, Shannon, Brown,
 * "Code-Red: a case study on the spread and victims of an Internet worm", IMW 2002):
 * first infections about 10:00 UTC, more than 359,000 hosts in under 14 hours, more
 * than 2,000 new hosts a minute at the peak, the switch from spreading to attacking
 * at 00:00 UTC on 20 July. The scan rate gives the random-constant-spread rate
 * K = r N / 2^32 = 1.7 per hour, near the 1.8 per hour Staniford, Paxson and Weaver
 * (2002) fitted to Code-Red. A 2001-like background: a few scanners on ports no
 * built-in worm signature matches (so every signature hit is a worm probe) and DoS
 * backscatter. */
static const char ds_preset_codered[] =
    "{\n"
    "  \"name\": \"codered-2001\",\n"
    "  \"description\": \"Code-Red v2 on 19 July 2001 seen by a /8 at UCSD and two /16s at LBL\",\n"
    "  \"start\": \"2001-07-19T04:00:00Z\",\n"
    "  \"duration\": \"24h\",\n"
    "  \"monitors\": {\n"
    "    \"ucsd\": [\"44.0.0.0/8\"],\n"
    "    \"lbl\": [\"131.243.0.0/16\", \"128.3.0.0/16\"]\n"
    "  },\n"
    "  \"worm\": {\n"
    "    \"name\": \"codered\",\n"
    "    \"protocol\": \"tcp\",\n"
    "    \"port\": 80,\n"
    "    \"vulnerable\": 350000,\n"
    "    \"initial\": 10,\n"
    "    \"initial_at\": \"2001-07-19T10:00:00Z\",\n"
    "    \"scan_rate\": 5.9,\n"
    "    \"scan_rate_sigma\": 0.3,\n"
    "    \"phase_switch\": \"2001-07-20T00:00:00Z\",\n"
    "    \"deactivation_per_hour\": 0.02,\n"
    "    \"dhcp_churn_per_hour\": 0.008,\n"
    "    \"countries\": {\"US\": 0.43, \"KR\": 0.11, \"CN\": 0.05, \"TW\": 0.04}\n"
    "  },\n"
    "  \"attacks\": [\n"
    "    {\"victim\": \"24.12.80.7\", \"start\": \"2001-07-19T06:10:00Z\", \"duration\": \"40m\",\n"
    "     \"rate\": 12000, \"response\": \"syn-ack\", \"port\": 80},\n"
    "    {\"victim\": \"209.58.1.20\", \"start\": \"2001-07-19T13:30:00Z\", \"duration\": "
    "\"25m\",\n"
    "     \"rate\": 6000, \"response\": \"rst-ack\", \"port\": 6667},\n"
    "    {\"victim\": \"152.2.41.9\", \"start\": \"2001-07-20T01:00:00Z\", \"duration\": \"1h\",\n"
    "     \"rate\": 4000, \"response\": \"icmp-unreachable\", \"protocol\": \"udp\", \"port\": "
    "27015}\n"
    "  ],\n"
    "  \"scanners\": [\n"
    "    {\"protocol\": \"tcp\", \"ports\": 21, \"sources\": 40, \"rate\": 60},\n"
    "    {\"protocol\": \"tcp\", \"ports\": [139, 1433], \"sources\": 80, \"rate\": 30},\n"
    "    {\"protocol\": \"icmp\", \"sources\": 20, \"rate\": 100}\n"
    "  ],\n"
    "  \"misconfig\": [\n"
    "    {\"sources\": 30, \"targets\": 6, \"monitor\": \"ucsd\", \"protocol\": \"udp\", \"port\": "
    "53,\n"
    "     \"rate\": 0.02}\n"
    "  ]\n"
    "}\n";

/* Slammer / Sapphire, 25 January 2003 (Moore, Paxson, Savage, Shannon, Staniford,
 * Weaver, "Inside the Slammer worm", IEEE Security & Privacy 2003): one 376-byte UDP
 * datagram to port 1434, about 75,000 hosts infected within 10 minutes, doubling every
 * 8.5 s, scan rates limited by each host's bandwidth (heterogeneous; peak ~26,000/s).
 * At those rates a /8 would receive over a million packets a second, so this preset
 * watches one /16 for 20 minutes (about 6 million packets). */
static const char ds_preset_slammer[] =
    "{\n"
    "  \"name\": \"slammer-2003\",\n"
    "  \"description\": \"Slammer on 25 January 2003 seen by a /16\",\n"
    "  \"start\": \"2003-01-25T05:28:00Z\",\n"
    "  \"duration\": \"20m\",\n"
    "  \"monitors\": {\"telescope\": [\"44.0.0.0/16\"]},\n"
    "  \"worm\": {\n"
    "    \"name\": \"slammer\",\n"
    "    \"protocol\": \"udp\",\n"
    "    \"port\": 1434,\n"
    "    \"payload_bytes\": 376,\n"
    "    \"vulnerable\": 75000,\n"
    "    \"initial\": 1,\n"
    "    \"initial_at\": \"2003-01-25T05:29:00Z\",\n"
    "    \"scan_rate\": 4700,\n"
    "    \"scan_rate_sigma\": 0.8,\n"
    "    \"scan_rate_max\": 26000,\n"
    "    \"deactivation_per_hour\": 0.5\n"
    "  }\n"
    "}\n";

/* Conficker.A, first day (21 November 2008): SYNs to 445, a preference for the local
 * /16, vulnerable hosts clustered in networks (Aben, "Conficker/Conflicker/Downadup
 * as seen from the UCSD Network Telescope", CAIDA 2009; Shin, Gu, "Conficker and
 * beyond", ACM CCS workshop 2010). */
static const char ds_preset_conficker[] = "{\n"
                                          "  \"name\": \"conficker\",\n"
                                          "  \"description\": \"Conficker-like worm with local "
                                          "preference, first 24 hours, seen by a /8\",\n"
                                          "  \"start\": \"2008-11-21T00:00:00Z\",\n"
                                          "  \"duration\": \"24h\",\n"
                                          "  \"monitors\": {\"ucsd\": [\"44.0.0.0/8\"]},\n"
                                          "  \"worm\": {\n"
                                          "    \"name\": \"conficker\",\n"
                                          "    \"protocol\": \"tcp\",\n"
                                          "    \"port\": 445,\n"
                                          "    \"vulnerable\": 100000,\n"
                                          "    \"cluster\": 20,\n"
                                          "    \"initial\": 10,\n"
                                          "    \"initial_at\": \"+1h\",\n"
                                          "    \"scan_rate\": 2,\n"
                                          "    \"scan_rate_sigma\": 0.5,\n"
                                          "    \"local_preference\": 0.3,\n"
                                          "    \"deactivation_per_hour\": 0.01,\n"
                                          "    \"dhcp_churn_per_hour\": 0.02\n"
                                          "  }\n"
                                          "}\n";

/* DoS attacks for the backscatter analysis (Moore, Voelker, Savage 2001): every
 * response kind, a biased spoofer, a victim attacked over TCP and ICMP, a victim
 * attacked twice with a gap above the 300-s timeout, and two vectors that fall just
 * short of an attack; plus ZMap, Masscan and Mirai scanners and misconfiguration. */
static const char ds_preset_dos[] =
    "{\n"
    "  \"name\": \"dos-sample\",\n"
    "  \"description\": \"DoS backscatter of several attacks and some background radiation\",\n"
    "  \"start\": \"2021-03-01T00:00:00Z\",\n"
    "  \"duration\": \"2h\",\n"
    "  \"monitors\": {\n"
    "    \"ucsd\": [\"44.0.0.0/8\"],\n"
    "    \"lbl\": [\"131.243.0.0/16\"]\n"
    "  },\n"
    "  \"attacks\": [\n"
    "    {\"victim\": \"23.94.10.5\", \"start\": \"+5m\", \"duration\": \"30m\", \"rate\": 20000,\n"
    "     \"response\": \"syn-ack\", \"port\": 80},\n"
    "    {\"victim\": \"23.94.10.5\", \"start\": \"+20m\", \"duration\": \"10m\", \"rate\": 3000,\n"
    "     \"response\": \"echo-reply\"},\n"
    "    {\"victim\": \"23.94.10.5\", \"start\": \"+41m\", \"duration\": \"12m\", \"rate\": 9000,\n"
    "     \"response\": \"syn-ack\", \"port\": 443},\n"
    "    {\"victim\": \"61.12.200.7\", \"start\": \"+10m\", \"duration\": \"20m\", \"rate\": "
    "5000,\n"
    "     \"response\": \"rst-ack\", \"port\": 443},\n"
    "    {\"victim\": \"61.12.200.8\", \"start\": \"+12m\", \"duration\": \"8m\", \"rate\": 4000,\n"
    "     \"response\": \"rst\", \"port\": 22},\n"
    "    {\"victim\": \"81.2.69.160\", \"start\": \"+15m\", \"duration\": \"15m\", \"rate\": "
    "8000,\n"
    "     \"response\": \"icmp-unreachable\", \"protocol\": \"udp\", \"port\": 53},\n"
    "    {\"victim\": \"104.20.1.9\", \"start\": \"+30m\", \"duration\": \"10m\", \"rate\": 3000,\n"
    "     \"response\": \"ttl-exceeded\", \"protocol\": \"tcp\", \"port\": 80,\n"
    "     \"router\": \"62.115.0.1\"},\n"
    "    {\"victim\": \"185.60.216.35\", \"start\": \"+50m\", \"duration\": \"25m\", \"rate\": "
    "10000,\n"
    "     \"response\": \"syn-ack\", \"port\": 443, \"spoof\": [\"44.0.0.0/10\", "
    "\"128.0.0.0/1\"]},\n"
    "    {\"victim\": \"5.9.10.11\", \"start\": \"+60m\", \"duration\": \"50s\", \"rate\": 50000,\n"
    "     \"response\": \"syn-ack\", \"port\": 25},\n"
    "    {\"victim\": \"77.88.55.66\", \"start\": \"+70m\", \"duration\": \"30m\", \"rate\": 20,\n"
    "     \"response\": \"syn-ack\", \"port\": 80}\n"
    "  ],\n"
    "  \"scanners\": [\n"
    "    {\"tool\": \"zmap\", \"ports\": 443, \"rate\": 100000, \"start\": \"+20m\", \"duration\": "
    "\"20m\"},\n"
    "    {\"tool\": \"masscan\", \"ports\": 3389, \"rate\": 50000, \"start\": \"+45m\", "
    "\"duration\": \"15m\"},\n"
    "    {\"tool\": \"mirai\", \"sources\": 200, \"rate\": 50},\n"
    "    {\"protocol\": \"icmp\", \"sources\": 10, \"rate\": 200}\n"
    "  ],\n"
    "  \"misconfig\": [\n"
    "    {\"sources\": 20, \"targets\": 5, \"monitor\": \"ucsd\", \"protocol\": \"udp\", \"port\": "
    "6881,\n"
    "     \"rate\": 0.05}\n"
    "  ]\n"
    "}\n";

const char *const ds_sim_preset_names[] = {"codered-2001", "slammer-2003", "conficker",
                                           "dos-sample", NULL};

const char *ds_sim_preset_text(const char *name)
{
    static const char *const texts[] = {ds_preset_codered, ds_preset_slammer, ds_preset_conficker,
                                        ds_preset_dos};
    for (size_t i = 0; ds_sim_preset_names[i]; i++)
        if (!strcmp(name, ds_sim_preset_names[i]))
            return texts[i];
    return NULL;
}

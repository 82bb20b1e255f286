/*
 * ds_sim_packets.h — the bytes of every simulated packet kind: worm probes,
 * backscatter of each response kind, scanner probes with their tool fingerprints,
 * misconfigured traffic. Each function writes one raw IPv4 packet (LINKTYPE_RAW)
 * into buf (at least DS_SIM_PKT_MAX bytes) through ds_craft and returns its length.
 * Field choices follow what the real tools and worms put on the wire, so that the
 * decoder, the classifier and the fingerprints see realistic packets.
 */
#ifndef DS_SIM_PACKETS_H
#define DS_SIM_PACKETS_H

#include "sim/ds_sim_epidemic.h"

#define DS_SIM_PKT_MAX 1600

size_t ds_sim_pkt_worm(uint8_t *buf, const ds_sim_worm *w, ds_sim_hot *h, uint32_t dst,
                       const uint8_t *payload, ds_sim_rng *r);
/* Fills the UDP worm payload passed above: 0x04 then 0x01 bytes (Slammer's layout). */
void ds_sim_worm_payload(uint8_t *buf, size_t n);
/* The victim's (or a router's) answer to one spoofed attack packet that claimed to
 * come from dst. */
size_t ds_sim_pkt_backscatter(uint8_t *buf, const ds_sim_attack *a, uint32_t dst, uint8_t ttl,
                              ds_sim_rng *r);
size_t ds_sim_pkt_scan(uint8_t *buf, const ds_sim_scanner *s, uint32_t src, uint16_t sport,
                       uint8_t ttl, uint32_t dst, ds_sim_rng *r);
size_t ds_sim_pkt_misconfig(uint8_t *buf, const ds_sim_misconfig *m, uint32_t src, uint16_t sport,
                            uint32_t dst, ds_sim_rng *r);

#endif

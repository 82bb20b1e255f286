/*
 * ds_sim_vectors.h — the truth about DoS attacks, computed by the simulator from the
 * backscatter packets it wrote, independently of the DoS analyzer (which it is meant
 * to check). Rules (Corsaro's defaults, DESIGN.md section 5): packets are keyed by
 * (victim, protocol) — the outer source for TCP and echo replies, the quoted
 * destination and quoted protocol for ICMP errors; a vector ends when the next
 * packet comes more than 300 s after the last; a vector is an attack when it has at
 * least 25 packets, lasts at least 60 s from first to last packet, and has at least
 * 30 packets in some 60-s window [first + 10k, first + 10k + 60) s, k = 0, 1, ...
 */
#ifndef DS_SIM_VECTORS_H
#define DS_SIM_VECTORS_H

#include <stdio.h>

#include "sim/ds_sim_scenario.h"

typedef struct ds_sim_vectors ds_sim_vectors;

/* Keys come from the scenario's attacks (several attacks may share one key). */
ds_sim_vectors *ds_sim_vectors_new(const ds_sim_scenario *s);
void ds_sim_vectors_free(ds_sim_vectors *v);
/* Records one backscatter packet of attack `attack` as written (time order). */
void ds_sim_vectors_add(ds_sim_vectors *v, size_t attack, int64_t ts_ns, uint32_t dst,
                        uint16_t ip_len, int monitor);
/* Writes every attack (attacks_csv) and every vector (vectors_csv, with an
 * is_attack column); returns the number of attacks. */
size_t ds_sim_vectors_write(ds_sim_vectors *v, FILE *attacks_csv, FILE *vectors_csv,
                            size_t *nvectors);

#endif

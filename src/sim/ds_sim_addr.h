/*
 * ds_sim_addr.h — IPv4 address spaces for the simulator: prefix sets (a monitor, the
 * spoofed-source space of an attack), uniform draws inside them, the test for
 * routable unicast space, and a set of addresses already handed out.
 *
 * All addresses are host-order uint32. A prefix set draws uniformly over its union
 * by picking a prefix with probability proportional to its size; prefixes in one
 * set must not overlap (checked at parse time), so that every address of the union
 * has the same probability.
 */
#ifndef DS_SIM_ADDR_H
#define DS_SIM_ADDR_H

#include "sim/ds_sim_rng.h"

typedef struct ds_sim_prefix {
    uint32_t base; /* already masked */
    uint8_t len;
} ds_sim_prefix;

typedef struct ds_sim_pset {
    ds_sim_prefix *p;
    size_t n;
    uint64_t size; /* addresses in the union */
    uint64_t *cum; /* cum[i] = addresses in prefixes 0..i */
} ds_sim_pset;

/* Parses "a.b.c.d/len" (or a bare address, /32). Returns 0 or -1. */
int ds_sim_prefix_parse(const char *s, ds_sim_prefix *out);
/* Adds a prefix; returns -1 when it overlaps one already in the set. */
int ds_sim_pset_add(ds_sim_pset *s, ds_sim_prefix p);
void ds_sim_pset_free(ds_sim_pset *s);
/* The whole IPv4 space, 0.0.0.0/0. */
void ds_sim_pset_all(ds_sim_pset *s);
bool ds_sim_pset_contains(const ds_sim_pset *s, uint32_t a);
/* The intersection of two sets (both free of internal overlap), as a new set. */
void ds_sim_pset_intersect(const ds_sim_pset *a, const ds_sim_pset *b, ds_sim_pset *out);
/* Whether any prefix of the set overlaps the /16 holding a. */
bool ds_sim_pset_touches_16(const ds_sim_pset *s, uint32_t a);
/* Uniform address of the union (the set must not be empty). */
uint32_t ds_sim_pset_draw(const ds_sim_pset *s, ds_sim_rng *r);
/* "a.b.c.d/len,..." into buf. */
void ds_sim_pset_format(const ds_sim_pset *s, char *buf, size_t len);

/* True for public unicast addresses: not in any IANA special-purpose block
 * (RFC 6890: 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24,
 * 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24,
 * 224/4 multicast, 240/4 reserved and the broadcast address). */
bool ds_sim_routable(uint32_t a);

/* A set of addresses (open addressing; 0.0.0.0 is never a member). */
typedef struct ds_sim_aset {
    uint32_t *slot;
    size_t cap, count;
} ds_sim_aset;

void ds_sim_aset_init(ds_sim_aset *s, size_t expected);
void ds_sim_aset_free(ds_sim_aset *s);
/* Adds a; returns false when it was already there. */
bool ds_sim_aset_add(ds_sim_aset *s, uint32_t a);
bool ds_sim_aset_has(const ds_sim_aset *s, uint32_t a);

/* The one place where a simulated host gets its address: uniform over routable
 * space outside every monitor's /16s (so that no host sits inside, or next to, a
 * telescope), not already used. When `block16` is non-zero the address is drawn
 * inside that /16 instead (clustered populations, DHCP pools). A worm population
 * with country shares is drawn by ds_sim_geo_draw_host() (ds_sim_geo.h) instead,
 * under the same rules. */
uint32_t ds_sim_draw_host_address(ds_sim_rng *r, const ds_sim_pset *const *avoid, size_t navoid,
                                  ds_sim_aset *used, uint32_t block16);

#endif

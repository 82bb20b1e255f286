/*
 * ds_sim_rng.h — the simulator's random numbers: xoshiro256** (Blackman and Vigna,
 * "Scrambled linear pseudorandom number generators", 2018; public-domain reference
 * code at prng.di.unimi.it), seeded through splitmix64 as its authors recommend.
 *
 * Why our own and not rand() or GSL: the same seed must give the same bytes on every
 * run and build, so the generator must be fixed by us, fast (one call per packet
 * field), and splittable into independent streams. Every part of a simulation
 * (epidemic, each attack, each scanner, the worm's packets) draws from its own
 * stream, derived from (seed, stream number), so that adding an attack to a scenario
 * does not change the epidemic, and the epidemic does not depend on the monitors.
 */
#ifndef DS_SIM_RNG_H
#define DS_SIM_RNG_H

#include <math.h>

#include "core/ds_common.h"

typedef struct ds_sim_rng {
    uint64_t s[4];
} ds_sim_rng;

/* Stream `stream` of the simulation seeded with `seed`. */
void ds_sim_rng_seed(ds_sim_rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t ds_sim_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t ds_sim_next(ds_sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = ds_sim_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ds_sim_rotl(s[3], 45);
    return out;
}

static inline uint32_t ds_sim_u32(ds_sim_rng *r)
{
    return (uint32_t)(ds_sim_next(r) >> 32);
}

/* Uniform in [0, 1), 53 bits. */
static inline double ds_sim_unif(ds_sim_rng *r)
{
    return (double)(ds_sim_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n) without modulo bias worth mentioning (Lemire's
 * multiply-shift; the bias is below n/2^64). */
static inline uint64_t ds_sim_below(ds_sim_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)ds_sim_next(r) * n) >> 64);
}

/* Exponential with the given rate (mean 1/rate). */
static inline double ds_sim_exp(ds_sim_rng *r, double rate)
{
    return -log1p(-ds_sim_unif(r)) / rate;
}

/* Standard normal (Box–Muller, one value per call: simplicity over speed, it is
 * used once per host). */
double ds_sim_normal(ds_sim_rng *r);

#endif

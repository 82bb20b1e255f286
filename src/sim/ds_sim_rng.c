/*
 * ds_sim_rng.c — seeding and the slower distributions of the simulator's generator
 * (see ds_sim_rng.h for why the generator is fixed).
 */
#include "sim/ds_sim_rng.h"

static uint64_t ds_sim_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ds_sim_rng_seed(ds_sim_rng *r, uint64_t seed, uint64_t stream)
{
    /* Two splitmix rounds mix seed and stream so that nearby seeds and stream numbers
     * give unrelated states; xoshiro must not start from all zeros, which splitmix
     * output never is in all four words. */
    uint64_t x = seed;
    uint64_t k = ds_sim_splitmix(&x) ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = ds_sim_splitmix(&k);
}

double ds_sim_normal(ds_sim_rng *r)
{
    double u1 = 1.0 - ds_sim_unif(r); /* (0, 1]: log is finite */
    double u2 = ds_sim_unif(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/*
 * ds_hll.h — HyperLogLog: an estimate of the number of distinct 64-bit keys in
 * 2^p bytes, whatever the number of keys.
 *
 * The DoS analyzer counts the telescope addresses an attack hits exactly while they
 * are few, and switches to this sketch past a cap, so that a flood spoofing every
 * address of a /8 costs 2^p bytes instead of 16 million table slots. The relative
 * standard error is about 1.04 / sqrt(2^p) (0.8% for the default p = 14).
 *
 * The estimator is Ertl's improved raw estimator ("New cardinality estimation
 * algorithms for HyperLogLog sketches", 2017), which is unbiased from 0 to 2^64
 * keys without the empirical bias tables of HyperLogLog++ or a switch to linear
 * counting, so the code stays small.
 */
#ifndef DS_HLL_H
#define DS_HLL_H

#include "core/ds_common.h"

#define DS_HLL_MIN_P 4
#define DS_HLL_MAX_P 18

typedef struct ds_hll {
    uint8_t p;    /* precision: 2^p registers */
    uint8_t *reg; /* 2^p registers, each the largest rank seen */
} ds_hll;

void ds_hll_init(ds_hll *h, unsigned p);
void ds_hll_free(ds_hll *h);

/* A 64-bit mixer (splitmix64's finaliser): keys need not be random, e.g. IPv4
 * addresses of one /8, so every user hashes through this first. */
static inline uint64_t ds_hll_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* Adds a key (hashed inside). Returns true when a register grew. */
static inline bool ds_hll_add(ds_hll *h, uint64_t key)
{
    uint64_t x = ds_hll_mix(key + 0x9e3779b97f4a7c15ull);
    uint64_t idx = x >> (64 - h->p);
    uint64_t rest = x << h->p;
    /* Rank = position of the first 1 bit in the remaining 64 - p bits, 1-based;
     * all zero gives 64 - p + 1. */
    uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - h->p + 1);
    if (rank > h->reg[idx]) {
        h->reg[idx] = rank;
        return true;
    }
    return false;
}

/* The estimated number of distinct keys added. */
double ds_hll_estimate(const ds_hll *h);

/* Bytes held. */
size_t ds_hll_bytes(const ds_hll *h);

#endif

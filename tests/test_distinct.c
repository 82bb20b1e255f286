/*
 * test_distinct.c — the exact distinct counters of the hot path (core/ds_distinct):
 * ds_kset, ds_aset and ds_bits32 against a sort-and-unique reference, on key
 * streams with many repeats, across table growth, clears that shrink the table, and
 * the keys that are special to an implementation (0.0.0.0 for ds_aset, the last
 * address of a /16 leaf for ds_bits32).
 */
#include <stdlib.h>

#include "core/ds_distinct.h"
#include "ds_test.h"

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A key from a small or a large universe, so that both repeats and growth occur. */
static uint64_t draw(unsigned round, uint64_t mask)
{
    uint64_t r = next_rand();
    return round % 2 ? r & 0xfff & mask : r & mask;
}

static void test_kset(void)
{
    ds_kset s;
    ds_kset_init(&s);
    enum { N = 300000 };
    uint64_t *ref = malloc(N * sizeof *ref);
    for (unsigned round = 0; round < 4; round++) {
        size_t n = round == 2 ? 100 : N, fresh = 0; /* round 2: a shrink at the clear */
        for (size_t i = 0; i < n; i++) {
            uint64_t k = draw(round, (1ull << 45) - 1);
            ref[i] = k;
            fresh += ds_kset_add(&s, k);
        }
        size_t want = ds_test_distinct_u64(ref, n);
        DS_CHECK_EQ_INT(s.n, want);
        DS_CHECK_EQ_INT(fresh, want);
        ds_distinct64 d;
        ds_distinct64_init(&d, 45);
        ds_kset_to_distinct(&s, &d);
        ds_distinct64_finish(&d);
        DS_CHECK_EQ_INT(d.n, want);
        DS_CHECK(memcmp(d.v, ref, want * sizeof *ref) == 0);
        ds_distinct64_free(&d);
        ds_kset_clear(&s);
        DS_CHECK_EQ_INT(s.n, 0);
    }
    DS_CHECK(ds_kset_add(&s, 0));
    DS_CHECK(!ds_kset_add(&s, 0));
    free(ref);
    ds_kset_free(&s);
}

static void test_addr_sets(void)
{
    enum { N = 400000 };
    uint64_t *ref = malloc((N + 4) * sizeof *ref);
    ds_aset a;
    ds_bits32 b;
    ds_bits32 small; /* 3 leaves: most /16s overflow into its hash set */
    ds_aset_init(&a);
    ds_bits32_init(&b, 65536);
    ds_bits32_init(&small, 3);
    static const uint32_t edge[] = {0, 0xffffffffu, 0x0000ffffu, 0x2cffffffu};
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        ref[n++] = edge[i];
        ds_aset_add(&a, edge[i]);
        ds_bits32_add(&b, edge[i]);
        ds_bits32_add(&small, edge[i]);
    }
    for (size_t i = 0; i < N; i++) {
        /* Half in one /8 (a telescope's destinations), half anywhere, with repeats. */
        uint32_t x = (uint32_t)next_rand();
        if (i % 2)
            x = 0x2c000000u | (x & 0xfffffu);
        ref[n++] = x;
        ds_aset_add(&a, x);
        ds_bits32_add(&b, x);
        ds_bits32_add(&small, x);
    }
    size_t want = ds_test_distinct_u64(ref, n);
    DS_CHECK_EQ_INT(a.n, want);
    DS_CHECK_EQ_INT(ds_bits32_count(&b), want);
    DS_CHECK_EQ_INT(ds_bits32_count(&small), want);
    DS_CHECK(small.over.n > 0 && small.n > 0);
    ds_aset_add(&a, 0);
    ds_bits32_add(&b, 0xffffffffu);
    ds_bits32_add(&small, 0x2cffffffu);
    DS_CHECK_EQ_INT(a.n, want);
    DS_CHECK_EQ_INT(ds_bits32_count(&b), want);
    DS_CHECK_EQ_INT(ds_bits32_count(&small), want);
    ds_bits32_free(&small);
    ds_aset_free(&a);
    ds_bits32_free(&b);
    free(ref);
}

int main(void)
{
    DS_RUN(test_kset);
    DS_RUN(test_addr_sets);
    return ds_test_result();
}

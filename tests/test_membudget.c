/*
 * test_membudget.c — the pieces of --max-memory (docs/SCALE.md, "Bounded memory")
 * one at a time: the budget's arithmetic, the bounded hash sets (ds_kset spills to
 * its owner instead of growing, ds_aset folds into a HyperLogLog sketch), the worm
 * host table's refusal and eviction, and the SIZE parser. The whole runs under a
 * flood are tests/test_maxmem.sh and tests/test_flood.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/ds_analyzer.h"
#include "analysis/ds_hosttab.h"
#include "core/ds_distinct.h"
#include "ds_test.h"

static void test_budget(void)
{
    ds_membudget b;
    ds_membudget_init(&b, 1000);
    DS_CHECK(b.reserve == 125);
    DS_CHECK(ds_mem_take(&b, 800));
    DS_CHECK(!ds_mem_take(&b, 100)); /* 900 > 1000 - 125 */
    DS_CHECK(b.used == 800);
    DS_CHECK(ds_mem_fits(&b, 75) && !ds_mem_fits(&b, 76));
    ds_mem_force(&b, 150); /* a sketch may use the reserve */
    DS_CHECK(b.used == 950 && b.peak == 950);
    ds_mem_give(&b, 2000);
    DS_CHECK(b.used == 0);
    /* Unbounded: every call says yes and counts nothing. */
    DS_CHECK(ds_mem_take(NULL, SIZE_MAX));
    ds_membudget z;
    ds_membudget_init(&z, 0);
    DS_CHECK(ds_mem_take(&z, SIZE_MAX) && z.used == 0);
}

typedef struct spill_log {
    uint64_t keys, calls;
} spill_log;

static void count_spill(void *arg, const ds_kset *s)
{
    spill_log *l = arg;
    l->calls++;
    for (size_t i = 0; i <= s->mask; i++)
        l->keys += s->slot[i] != DS_KSET_EMPTY;
}

static void test_kset_spill(void)
{
    ds_membudget b = {.limit = 64 << 10};
    ds_kset s;
    ds_kset_init(&s);
    spill_log log = {0, 0};
    ds_kset_bound(&s, &b, count_spill, &log);
    uint64_t fresh = 0;
    for (uint64_t k = 0; k < 100000; k++)
        fresh += ds_kset_add(&s, k * 7919);
    /* Every distinct key went to the owner or is still in the set, once. */
    DS_CHECK(fresh == 100000);
    DS_CHECK(log.calls > 0 && log.calls == s.spills);
    DS_CHECK_EQ_INT((long long)(log.keys + s.n), 100000);
    DS_CHECK((s.mask + 1) * sizeof *s.slot <= b.limit);
    DS_CHECK(b.used == s.charged && b.used <= b.limit);
    ds_kset_free(&s);
    DS_CHECK(b.used == 0);
}

static void test_aset_hll(void)
{
    ds_membudget b = {.limit = 64 << 10};
    ds_aset s, exact;
    ds_aset_init(&s);
    ds_aset_init(&exact);
    ds_aset_bound(&s, &b);
    const uint32_t n = 1000000;
    for (uint32_t i = 0; i < n; i++) {
        ds_aset_add(&s, 0x01000000u + i * 2654435761u % 0x0fffffffu);
        if (i < 50000)
            ds_aset_add(&exact, i);
    }
    DS_CHECK(s.hll != NULL);
    DS_CHECK((s.mask + 1) * sizeof *s.slot <= b.limit);
    uint64_t est = ds_aset_count(&s);
    DS_CHECK(fabs((double)est - n) < 0.03 * n);
    /* The same addresses again: the union is the same set, the same estimate. */
    for (uint32_t i = 0; i < n; i++)
        ds_aset_add(&s, 0x01000000u + i * 2654435761u % 0x0fffffffu);
    DS_CHECK_EQ_INT((long long)ds_aset_count(&s), (long long)est);
    /* Unbounded sets stay exact. */
    DS_CHECK(exact.hll == NULL && ds_aset_count(&exact) == 50000);
    ds_aset_free(&s);
    ds_aset_free(&exact);
    DS_CHECK(b.used == 0);
}

static void test_hosttab_evict(void)
{
    ds_hosttab t;
    ds_hosttab_init(&t);
    bool created;
    ds_ip a;
    for (uint32_t i = 0; i < 3000; i++) {
        ds_ip_set_v4(&a, 0x0a000000u + i);
        DS_CHECK(ds_hosttab_upsert(&t, &a, 0, 1000000000LL + i, 0, &created) == i && created);
    }
    /* Every third host gets 4 more packets. */
    for (uint32_t i = 0; i < 3000; i += 3)
        for (int k = 0; k < 4; k++)
            ds_hosttab_touch(&t, ds_hosttab_at(&t, i), 2000000000LL, 0);
    uint64_t gone[(3000 + 63) / 64] = {0};
    DS_CHECK_EQ_INT(ds_hosttab_evict(&t, 1, gone), 2000);
    DS_CHECK_EQ_INT(t.n, 1000);
    DS_CHECK((gone[0] & 7) == 6); /* records 1 and 2 went, 0 stayed */
    /* The survivors keep their order, and the index finds them (and only them). */
    for (uint32_t r = 0; r < t.n; r++) {
        const ds_host *h = ds_hosttab_at(&t, r);
        DS_CHECK(h->key == 0x0a000000u + 3 * r && h->packets == 5);
    }
    ds_ip_set_v4(&a, 0x0a000000u + 3 * 17);
    DS_CHECK(ds_hosttab_upsert(&t, &a, 0, 3000000000LL, 0, &created) == 17 && !created);
    ds_ip_set_v4(&a, 0x0a000000u + 1);
    DS_CHECK(ds_hosttab_upsert(&t, &a, 0, 3000000000LL, 0, &created) == 1000 && created);
    ds_hosttab_free(&t);

    /* Under a budget the table refuses to grow instead of growing. */
    ds_membudget b = {.limit = 4 << 20};
    ds_hosttab_init(&t);
    ds_hosttab_bound(&t, &b);
    uint32_t i = 0, rec = 0;
    for (; i < 10000000 && rec != DS_HOSTTAB_FULL; i++) {
        ds_ip_set_v4(&a, 0x0b000000u + i);
        rec = ds_hosttab_upsert(&t, &a, 1, 1000000000LL, 0, &created);
    }
    DS_CHECK(rec == DS_HOSTTAB_FULL && i > 1000);
    DS_CHECK(ds_hosttab_bytes(&t) <= b.limit && b.used == t.charged);
    ds_hosttab_free(&t);
    DS_CHECK(b.used == 0);
}

static void test_parse_size(void)
{
    char err[256];
    uint64_t v = 0;
    struct {
        const char *s;
        uint64_t v;
    } ok[] = {{"256M", 256ull << 20}, {"512MiB", 512ull << 20},  {"2G", 2ull << 30},
              {"1GB", 1ull << 30},    {"16777216", 16ull << 20}, {"3T", 3ull << 40},
              {"64k", 64ull << 10}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        DS_CHECK(ds_opt_parse_size(ok[i].s, 0, &v, err, sizeof err) == 0);
        DS_CHECK(v == ok[i].v);
    }
    const char *bad[] = {"", "-1G", "+5M", "1.5G", "12X", "M", "99999999999T", "256 M"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        DS_CHECK(ds_opt_parse_size(bad[i], 0, &v, err, sizeof err) == -1 && err[0]);
    DS_CHECK(ds_opt_parse_size("15M", DS_MAX_MEMORY_MIN, &v, err, sizeof err) == -1);
    DS_CHECK(ds_opt_parse_size("16M", DS_MAX_MEMORY_MIN, &v, err, sizeof err) == 0);
}

extern const ds_analyzer_ops ds_series_ops;

/* series under a small budget with a flood of distinct IPv6 sources: the key list
 * spills into the sketches instead of growing, the interval's count is estimated
 * and says so. */
static void test_series_v6(void)
{
    char err[DS_ERRLEN];
    char *dir = ds_test_tmpdir("membudget6");
    ds_telescope *t = ds_telescope_new();
    DS_CHECK_EQ_INT(ds_telescope_add_spec(t, "a=2001:db8::/32", err, sizeof err), 0);
    ds_outdir *out = ds_outdir_open(dir, err, sizeof err);
    DS_CHECK(out != NULL);
    ds_membudget b;
    ds_membudget_init(&b, 2 << 20);
    ds_ctx ctx = {.telescope = t,
                  .interval_ns = 3600 * DS_NS_PER_SEC,
                  .out = out,
                  .max_memory = b.limit,
                  .mem = &b};
    void *st = ds_series_ops.create(&ctx, NULL);
    enum { B = 1024, N = 400 * B };
    static ds_pkt batch[B];
    size_t peak = 0;
    for (uint32_t i = 0; i < N; i += B) {
        for (uint32_t k = 0; k < B; k++) {
            uint8_t a[16] = {0x24, 0x01}, d[16] = {0x20, 0x01, 0x0d, 0xb8};
            uint32_t j = i + k;
            memcpy(a + 12, &j, 4);
            d[15] = (uint8_t)j;
            memset(&batch[k], 0, sizeof batch[k]);
            batch[k].ts_ns = 1700000000LL * DS_NS_PER_SEC + j;
            ds_ip_set_v6(&batch[k].src, a);
            ds_ip_set_v6(&batch[k].dst, d);
            batch[k].cls = DS_CLS_BACKSCATTER;
            batch[k].ipver = 6;
        }
        ds_series_ops.packets(st, batch, B);
        if (b.used > peak)
            peak = b.used;
    }
    DS_CHECK(peak <= b.limit);
    json_t *sum = json_object();
    DS_CHECK_EQ_INT(ds_series_ops.write(st, &ctx, sum, err, sizeof err), 0);
    json_t *ap = json_object_get(json_object_get(sum, "series"), "approximate");
    DS_CHECK(json_is_object(ap));
    json_decref(sum);
    ds_series_ops.destroy(st);
    DS_CHECK(b.used == 0);
    ds_outdir_close(out);
    char path[4096];
    snprintf(path, sizeof path, "%s/series.csv", dir);
    char *csv = ds_test_read_file(path, NULL);
    DS_CHECK(csv != NULL);
    /* "1700000000,a,backscatter,PACKETS,BYTES,SOURCES,DESTINATIONS,1" */
    unsigned long long pk = 0, by = 0, src = 0, dst = 0;
    int flag = -1;
    const char *row = csv ? strstr(csv, ",a,backscatter,") : NULL;
    DS_CHECK(row && sscanf(row, ",a,backscatter,%llu,%llu,%llu,%llu,%d", &pk, &by, &src, &dst,
                           &flag) == 5);
    DS_CHECK(pk == N && flag == 1);
    DS_CHECK(fabs((double)src - N) < 0.03 * N);
    DS_CHECK(dst >= 250 && dst <= 262); /* 256 destinations, estimated as well */
    DS_CHECK(csv && strstr(csv, "sources,destinations,approximate\n"));
    free(csv);
    ds_telescope_free(t);
    free(dir);
}

int main(void)
{
    DS_RUN(test_budget);
    DS_RUN(test_kset_spill);
    DS_RUN(test_aset_hll);
    DS_RUN(test_hosttab_evict);
    DS_RUN(test_parse_size);
    DS_RUN(test_series_v6);
    return ds_test_result();
}

/*
 * test_parallel.c — the helpers that spread output work over threads
 * (core/ds_parallel.h, output/ds_rows.h): every item done exactly once whatever
 * the number of threads, a parallel sort that sorts (on and around the sizes
 * where it splits), and a file written by ds_write_rows byte for byte the
 * one a single thread writes, with the `after` calls in row order and never two at
 * once, for row counts on and around the chunk boundaries and past the chunks
 * the threads may hold; and ds_sort_u64, the
 * radix sort the movie's records use, against qsort.
 */
#include "ds_test.h"

#include <stdatomic.h>

#include "core/ds_common.h"
#include "core/ds_parallel.h"
#include "output/ds_rows.h"

static void count_item(void *arg, size_t i)
{
    atomic_int *hits = arg;
    atomic_fetch_add(&hits[i], 1);
}

static void test_parallel_for(void)
{
    enum { N = 1000 };
    static atomic_int hits[N];
    const unsigned threads[] = {0, 1, 2, 3, 7, 64, 200};
    const size_t counts[] = {0, 1, 2, 63, N};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++)
        for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
            for (size_t i = 0; i < N; i++)
                atomic_store(&hits[i], 0);
            ds_parallel_for(threads[t], counts[c], count_item, hits);
            size_t once = 0, untouched = 0;
            for (size_t i = 0; i < N; i++) {
                once += i < counts[c] && atomic_load(&hits[i]) == 1;
                untouched += i >= counts[c] && atomic_load(&hits[i]) == 0;
            }
            DS_CHECK_EQ_INT(once, counts[c]);
            DS_CHECK_EQ_INT(untouched, N - counts[c]);
        }
    DS_CHECK(ds_cpus() >= 1 && ds_cpus() <= 64);
}

/* Elements with many equal keys, and their position to tell them apart. */
typedef struct elem {
    uint32_t key, seq;
    char pad[24]; /* the breakdown sorts 40-byte references */
} elem;

static int by_key(const void *a, const void *b)
{
    const elem *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static int by_key_seq(const void *a, const void *b)
{
    const elem *x = a, *y = b;
    int c = by_key(a, b);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static void test_parallel_sort(void)
{
    const size_t counts[] = {0, 1, 5, 16383, 16384, 40000, 100003};
    const unsigned threads[] = {1, 2, 3, 4, 8, 64};
    uint64_t x = 7;
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        size_t n = counts[c];
        elem *v = malloc((n ? n : 1) * sizeof *v), *want = malloc((n ? n : 1) * sizeof *v),
             *got = malloc((n ? n : 1) * sizeof *v);
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            v[i] = (elem){(uint32_t)(x >> 33) % (c % 2 ? 50 : 1000000), (uint32_t)i, {0}};
        }
        memcpy(want, v, n * sizeof *v);
        qsort(want, n, sizeof *want, by_key_seq);
        for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
            memcpy(got, v, n * sizeof *v);
            ds_parallel_sort(threads[t], got, n, sizeof *got, by_key);
            /* ordered by key, and the same elements (qsort need not be stable,
             * so neither is this) */
            size_t ordered = n ? 1 : 0, same = 0;
            for (size_t i = 1; i < n; i++)
                ordered += got[i - 1].key <= got[i].key;
            qsort(got, n, sizeof *got, by_key_seq);
            for (size_t i = 0; i < n; i++)
                same += got[i].key == want[i].key && got[i].seq == want[i].seq;
            DS_CHECK_EQ_INT(ordered, n);
            DS_CHECK_EQ_INT(same, n);
        }
        free(v);
        free(want);
        free(got);
    }
}

/* Rows of varying length (some long enough to make a memstream grow), and an
 * `after` that records the order it is called in. */
typedef struct rows_ctx {
    size_t *order, norder;
    atomic_int inside, overlaps; /* after calls running at once */
} rows_ctx;

static void row(void *arg, FILE *f, size_t i)
{
    (void)arg;
    fprintf(f, "%zu,", i);
    for (size_t k = 0; k < (i * 7919) % 97; k++)
        fputc('a' + (int)(k % 26), f);
    fputc('\n', f);
}

static void after(void *arg, size_t i)
{
    rows_ctx *c = arg;
    if (atomic_fetch_add(&c->inside, 1) != 0)
        atomic_fetch_add(&c->overlaps, 1);
    c->order[c->norder++] = i;
    atomic_fetch_sub(&c->inside, 1);
}

static char *write_rows(size_t n, unsigned threads, rows_ctx *c, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    c->norder = 0;
    ds_write_rows(f, n, threads, row, after, c);
    fclose(f);
    return buf;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Keys that differ in every digit, in some digits only (the skipped passes), all
 * equal, and sizes 0 to a few hundred thousand. */
static void test_sort_u64(void)
{
    static const uint64_t masks[] = {~UINT64_C(0), 0xffff00000000ffffu, 0x0000ffff00000000u, 0xff,
                                     0};
    static const size_t sizes[] = {0, 1, 2, 3, 100, 65537, 300000};
    uint64_t x = 0x9e3779b97f4a7c15u;
    size_t bad = 0;
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            size_t n = sizes[z];
            uint64_t *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
            for (size_t i = 0; i < n; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                a[i] = b[i] = (x & masks[m]) | 0x0001000000010000u;
            }
            ds_sort_u64(a, n);
            qsort(b, n, sizeof *b, u64_cmp);
            bad += n && memcmp(a, b, n * sizeof *a) != 0;
            free(a);
            free(b);
        }
    DS_CHECK_EQ_INT(bad, 0);
}

static void test_write_rows(void)
{
    const size_t chunk = 32768; /* DS_ROWS_CHUNK */
    /* up to more chunks than the threads may hold formatted ahead (4 each) */
    const size_t counts[] = {0,         1,         chunk - 1,     chunk,
                             chunk + 1, 2 * chunk, 7 * chunk + 5, 37 * chunk + 3};
    const unsigned threads[] = {2, 3, 8};
    rows_ctx c = {malloc((37 * chunk + 3) * sizeof(size_t)), 0, 0, 0};
    for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
        size_t n = counts[k], len1, lenj;
        char *one = write_rows(n, 1, &c, &len1);
        DS_CHECK_EQ_INT(c.norder, n);
        for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
            char *many = write_rows(n, threads[t], &c, &lenj);
            DS_CHECK(lenj == len1 && memcmp(one, many, len1) == 0);
            size_t in_order = 0;
            for (size_t i = 0; i < c.norder; i++)
                in_order += c.order[i] == i;
            DS_CHECK_EQ_INT(c.norder, n);
            DS_CHECK_EQ_INT(in_order, n);
            DS_CHECK_EQ_INT(atomic_load(&c.overlaps), 0);
            free(many);
        }
        free(one);
    }
    free(c.order);
}

int main(void)
{
    DS_RUN(test_parallel_for);
    DS_RUN(test_parallel_sort);
    DS_RUN(test_sort_u64);
    DS_RUN(test_write_rows);
    return ds_test_result();
}

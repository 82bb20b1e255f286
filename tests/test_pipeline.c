/*
 * test_pipeline.c — the k-way merge across files and the reorder tolerance inside
 * a file, through the real reader and decoder (captures written by the test).
 */
#include "ds_test.h"

#include "output/ds_pcap_writer.h"
#include "pipeline/ds_merge.h"
#include "sim/ds_craft.h"

static void write_capture(const char *path, const int64_t *ts, size_t n, uint32_t src_base)
{
    char err[DS_ERRLEN];
    ds_pcap_writer *w = ds_pcap_writer_open(path, 1, true, DS_COMPRESS_NONE, err, sizeof err);
    DS_CHECK(w != NULL);
    uint8_t buf[256];
    for (size_t i = 0; i < n; i++) {
        ds_craft c = {.src = src_base + (uint32_t)i,
                      .dst = 0x2c000001,
                      .proto = 6,
                      .sport = 1234,
                      .dport = 80,
                      .tcp_flags = 0x02};
        size_t len = ds_craft_frame(&c, buf, true);
        ds_pcap_writer_add(w, ts[i], buf, (uint32_t)len, (uint32_t)len);
    }
    DS_CHECK_EQ_INT(ds_pcap_writer_close(w, err, sizeof err), 0);
}

static ds_source *open_source(const char *path, uint16_t idx, const ds_telescope *t, int64_t tol)
{
    char err[DS_ERRLEN];
    ds_capture *c = ds_capture_open(path, err, sizeof err);
    DS_CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    return ds_source_new(c, idx, t, NULL, tol);
}

/* Three files whose packets interleave in time come out as one ordered stream,
 * ties broken by input order. */
static void test_kway_merge(void)
{
    char *dir = ds_test_tmpdir("merge");
    ds_telescope *t = ds_telescope_new();
    const int64_t S = DS_NS_PER_SEC;
    int64_t a[] = {1 * S, 4 * S, 7 * S, 10 * S};
    int64_t b[] = {2 * S, 5 * S, 7 * S, 11 * S};
    int64_t c[] = {0, 3 * S, 6 * S, 9 * S, 12 * S};
    char pa[4096], pb[4096], pc[4096];
    snprintf(pa, sizeof pa, "%s/a.pcap", dir);
    snprintf(pb, sizeof pb, "%s/b.pcap", dir);
    snprintf(pc, sizeof pc, "%s/c.pcap", dir);
    write_capture(pa, a, 4, 0x01000000);
    write_capture(pb, b, 4, 0x02000000);
    write_capture(pc, c, 5, 0x03000000);
    ds_source *srcs[3] = {open_source(pa, 0, t, S), open_source(pb, 1, t, S),
                          open_source(pc, 2, t, S)};
    ds_merge *m = ds_merge_new(srcs, 3);
    ds_pkt out[64];
    size_t n = 0, got;
    while ((got = ds_merge_next(m, out + n, 3)) > 0)
        n += got;
    DS_CHECK(ds_merge_done(m));
    DS_CHECK_EQ_INT(n, 13);
    int64_t want_ts[] = {0, 1, 2, 3, 4, 5, 6, 7, 7, 9, 10, 11, 12};
    int want_in[] = {2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};
    for (size_t i = 0; i < n && i < 13; i++) {
        DS_CHECK_EQ_INT(out[i].ts_ns, want_ts[i] * S);
        DS_CHECK_EQ_INT(out[i].input, want_in[i]);
    }
    ds_merge_free(m);
    for (int i = 0; i < 3; i++)
        ds_source_free(srcs[i]);
    ds_telescope_free(t);
    ds_test_rmtree(dir);
    free(dir);
}

/* Disorder within the tolerance is repaired; worse disorder is counted and the
 * packet's time is raised so the stream never goes backwards. */
static void test_reorder_tolerance(void)
{
    char *dir = ds_test_tmpdir("reorder");
    ds_telescope *t = ds_telescope_new();
    const int64_t MS = 1000000;
    /* 500 ms back (repaired), then 5 s back (beyond 1 s tolerance). */
    int64_t ts[] = {1000 * MS, 2000 * MS, 1500 * MS, 3000 * MS, 9000 * MS, 4000 * MS, 9500 * MS};
    char p[4096];
    snprintf(p, sizeof p, "%s/r.pcap", dir);
    write_capture(p, ts, 7, 0x01000000);
    ds_source *s = open_source(p, 0, t, 1000 * MS);
    ds_merge *m = ds_merge_new(&s, 1);
    ds_pkt out[16];
    size_t n = ds_merge_next(m, out, 16);
    DS_CHECK_EQ_INT(n, 7);
    for (size_t i = 1; i < n; i++)
        DS_CHECK(out[i].ts_ns >= out[i - 1].ts_ns);
    DS_CHECK_EQ_INT(out[1].ts_ns, 1500 * MS); /* repaired: 1.5 s before 2 s */
    DS_CHECK_EQ_INT(ds_source_get_stats(s)->reordered, 1);
    DS_CHECK_EQ_INT(ds_source_get_stats(s)->out_of_order, 1);
    /* The 4 s packet came after 9 s had been seen; 3 s was already released, so it
     * keeps its place right after 3 s and before 9 s. */
    DS_CHECK_EQ_INT(out[4].ts_ns, 4000 * MS);
    ds_merge_free(m);
    ds_source_free(s);
    ds_telescope_free(t);
    ds_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    DS_RUN(test_kway_merge);
    DS_RUN(test_reorder_tolerance);
    return ds_test_result();
}

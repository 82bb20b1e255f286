/*
 * test_badinput_regress.c — regression tests for the bugs that fuzzing and the bad-input
 * corpus found in the capture reader, the state loader and the scenario parser
 * (docs/FUZZING.md lists them):
 *
 *   1. gzip member boundaries: a multi-member gzip stream decoded whole and a few
 *      bytes at a time gives the same frames (ds_decompress.c computed an
 *      out-of-bounds pointer, pin + used, at a member end: UBSan under clang).
 *   2. a mapped file that shrinks while it is read: the reader reports "the file
 *      shrank" at the vanished offset instead of dying of SIGBUS (ds_stream.c guard).
 *   3. gzip headers split across refills (a long FNAME, FEXTRA, FHCRC): ISA-L's
 *      isal_inflate() parsed them from uninitialised stack state, so the result
 *      depended on where the refills fell (ds_decompress.c now reads the header
 *      with isal_read_gzip_header and a persistent header struct).
 *   4. the fuzz harness's whole-versus-chunked comparison over every crafted format,
 *      so the check the fuzzer makes also runs in the ordinary suite.
 *   5. a state file whose series record holds an address key naming a cell beyond
 *      the monitors: ds_series_load counted it outside its arrays (heap write found
 *      by fuzz_state under ASan); it is now refused as corrupt.
 *   6. scenario times far from 1970-2106 (year 9999, epoch 1e12, durations of 1e300
 *      seconds): ds_sim_iso overflowed int64 nanoseconds (UBSan, fuzz_scenario); the
 *      parser now refuses them with a message, and ordinary scenarios still parse.
 *   7. a pcapng timestamp of 2^63 ns or more wrapped to a negative int64, and the
 *      time-ordered merge computed max_ts - tolerance from it (signed overflow,
 *      UBSan; a 200-byte pcapng): ds_pcapng.c now reads such times as 1970.
 *   8. a DoS state whose vector times are negative or reversed: ds_dos_merge and
 *      ds_dos_vec_is_attack subtracted them and overflowed (UBSan in fuzz_state);
 *      the loader now refuses such a vector (or attack) as corrupt, since a run
 *      never makes one (with 7, times are never negative).
 *   9. a worm state whose host record or sighting names a monitor beyond the
 *      telescope's: ds_worm_merge counted it outside the cell array (heap write,
 *      ASan in fuzz_state); the loader accepted monitors up to 63, now only the
 *      telescope's.
 *  10. a scan state with a probe time before 1970: ds_scan_probe_key subtracted it
 *      in a merge and overflowed (UBSan, fuzz_state); the loader now refuses
 *      negative slot and head-probe times.
 */
#include "analysis/ds_analyzer.h"
#include "capture/ds_capture.h"
#include "capture/ds_stream.h"
#include "decode/ds_decode.h"
#include "ds_test.h"
#include "sim/ds_sim_scenario.h"
#include "telescope/ds_classify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* A classic pcap (raw IPv4 link type) of n TCP SYNs, 40 bytes each. */
static uint8_t *make_pcap(size_t npkt, size_t *len)
{
    size_t n = 24 + npkt * (16 + 40);
    uint8_t *b = calloc(1, n);
    const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0,   0, 0, 0,
                             0,    0,    0,    0,    0xff, 0xff, 0, 0, 101, 0, 0, 0};
    memcpy(b, hdr, 24);
    for (size_t i = 0; i < npkt; i++) {
        uint8_t *r = b + 24 + i * 56;
        uint32_t sec = 1135111000u + (uint32_t)(i / 1000), usec = (uint32_t)(i % 1000), cl = 40;
        memcpy(r, &sec, 4);
        memcpy(r + 4, &usec, 4);
        memcpy(r + 8, &cl, 4);
        memcpy(r + 12, &cl, 4);
        uint8_t *ip = r + 16;
        ip[0] = 0x45, ip[3] = 40, ip[8] = 64, ip[9] = 6;
        ip[12] = 198, ip[13] = 51, ip[14] = 100, ip[15] = (uint8_t)i;
        ip[16] = 10, ip[19] = (uint8_t)(i >> 8);
        ip[22] = 0x30, ip[23] = 0x39, ip[25] = 80, ip[32] = 0x50, ip[33] = 0x02;
    }
    *len = n;
    return b;
}

static uint8_t *gzip_mem_hdr(const uint8_t *in, size_t n, size_t *outlen, gz_header *h)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    if (h)
        deflateSetHeader(&z, h);
    size_t cap = deflateBound(&z, n) + 64;
    uint8_t *o = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = o;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    return o;
}

static uint8_t *gzip_mem(const uint8_t *in, size_t n, size_t *outlen)
{
    return gzip_mem_hdr(in, n, outlen, NULL);
}

/* Frames of a capture as one number, and how it ended. */
static uint64_t digest(ds_capture *c, int *end, size_t *frames)
{
    uint64_t h = 1469598103934665603u;
    ds_frame f;
    *frames = 0;
    while ((*end = ds_capture_next(c, &f)) == DS_CAP_FRAME) {
        h = (h ^ (uint64_t)f.ts_ns) * 1099511628211u;
        h = (h ^ f.caplen ^ (f.offset << 20)) * 1099511628211u;
        for (uint32_t i = 0; i < f.caplen; i++)
            h = (h ^ f.data[i]) * 1099511628211u;
        (*frames)++;
    }
    return h;
}

static void same_whole_and_chunked(const uint8_t *data, size_t n, size_t want_frames)
{
    char err[256];
    int end0;
    size_t fr0;
    ds_capture *c = ds_capture_open_mem(data, n, "mem", err, sizeof err);
    DS_CHECK(c != NULL);
    if (!c)
        return;
    uint64_t h0 = digest(c, &end0, &fr0);
    ds_capture_close(c);
    DS_CHECK_EQ_INT(end0, DS_CAP_EOF);
    DS_CHECK_EQ_INT(fr0, want_frames);
    static const size_t chunks[] = {1, 2, 3, 7, 13, 16, 17, 61, 4096};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        ds_stream *s = ds_stream_open_mem_chunked(data, n, chunks[k], "mem", err, sizeof err);
        c = s ? ds_capture_open_stream(s, "mem", err, sizeof err) : NULL;
        DS_CHECK(c != NULL);
        if (!c)
            continue;
        int end;
        size_t fr;
        uint64_t h = digest(c, &end, &fr);
        ds_capture_close(c);
        DS_CHECK_EQ_INT(end, end0);
        DS_CHECK_EQ_INT(fr, fr0);
        DS_CHECK(h == h0);
    }
}

/* Bug 1: members of a multi-member gzip stream end at every possible refill offset. */
static void test_gzip_members_any_chunking(void)
{
    size_t n1, n2, g1, g2;
    uint8_t *a = make_pcap(30, &n1);
    uint8_t *b = make_pcap(5, &n2);
    /* Member 1: the whole pcap; member 2: records only (continuing the stream). */
    uint8_t *z1 = gzip_mem(a, n1, &g1);
    uint8_t *z2 = gzip_mem(b + 24, n2 - 24, &g2);
    uint8_t *both = malloc(g1 + g2 + g2);
    memcpy(both, z1, g1);
    memcpy(both + g1, z2, g2);
    memcpy(both + g1 + g2, z2, g2);
    same_whole_and_chunked(both, g1 + 2 * g2, 40);
    /* Nested: gzip of that multi-member stream. */
    size_t gg;
    uint8_t *nested = gzip_mem(both, g1 + 2 * g2, &gg);
    same_whole_and_chunked(nested, gg, 40);
    free(a), free(b), free(z1), free(z2), free(both), free(nested);
}

/* Bug 2: a mapped capture truncated by another process while it is read. */
static void test_file_shrinks_while_mapped(void)
{
    char *dir = ds_test_tmpdir("shrink");
    char path[512];
    snprintf(path, sizeof path, "%s/shrink.pcap", dir);
    size_t n;
    uint8_t *pcap = make_pcap(40000, &n); /* 2.2 MB: many pages */
    ds_test_write_file(path, pcap, n);
    char err[256];
    ds_capture *c = ds_capture_open(path, err, sizeof err);
    DS_CHECK(c != NULL);
    if (c) {
        ds_frame f;
        int r = DS_CAP_FRAME;
        size_t got = 0;
        for (; got < 100 && r == DS_CAP_FRAME; got++)
            r = ds_capture_next(c, &f);
        DS_CHECK_EQ_INT(r, DS_CAP_FRAME);
        DS_CHECK(truncate(path, 10000) == 0); /* the first 2.5 pages stay */
        while ((r = ds_capture_next(c, &f)) == DS_CAP_FRAME)
            got++;
        DS_CHECK_EQ_INT(r, DS_CAP_ERROR);
        const char *e = ds_capture_error(c);
        DS_CHECK(e && strstr(e, "shrank while it was being read"));
        DS_CHECK(e && strstr(e, "file offset 12288:")); /* the first vanished page */
        /* Records up to the cut, maybe a few empty ones from the zero-filled tail
         * of the last page, never the 40000 of the original file. */
        DS_CHECK(got >= 100 && got < 600);
        fprintf(stderr, "  shrink: %zu frames, then: %s\n", got, e ? e : "(none)");
        ds_capture_close(c);
    }
    /* A second mapping of another file after the guard fired: still fine. */
    ds_test_write_file(path, pcap, n);
    c = ds_capture_open(path, err, sizeof err);
    DS_CHECK(c != NULL);
    if (c) {
        int end;
        size_t fr;
        digest(c, &end, &fr);
        DS_CHECK_EQ_INT(end, DS_CAP_EOF);
        DS_CHECK_EQ_INT(fr, 40000);
        DS_CHECK(ds_capture_error(c) == NULL);
        ds_capture_close(c);
    }
    free(pcap);
    ds_test_rmtree(dir);
    free(dir);
}

/* Bug 3: gzip header fields that a refill splits. */
static void test_gzip_header_split(void)
{
    size_t n, g, g2;
    uint8_t *p = make_pcap(50, &n);
    static char name[300], comment[100];
    static unsigned char extra[40];
    memset(name, 'n', sizeof name - 1);
    memset(comment, 'c', sizeof comment - 1);
    memset(extra, 0x88, sizeof extra);
    gz_header h;
    memset(&h, 0, sizeof h);
    h.name = (Bytef *)name;
    h.comment = (Bytef *)comment;
    h.extra = extra;
    h.extra_len = sizeof extra;
    h.hcrc = 1;
    uint8_t *z = gzip_mem_hdr(p, n, &g, &h);
    same_whole_and_chunked(z, g, 50);
    /* The same inside zstd-like nesting: gzip in gzip, both with long headers. */
    uint8_t *zz = gzip_mem_hdr(z, g, &g2, &h);
    same_whole_and_chunked(zz, g2, 50);
    /* A wrong header CRC is refused however the header arrives. */
    z[10 + 2 + sizeof extra + sizeof name + sizeof comment] ^= 0x55;
    char err[256];
    for (size_t chunk = 1; chunk < 400; chunk += 37) {
        ds_stream *s = ds_stream_open_mem_chunked(z, g, chunk, "mem", err, sizeof err);
        ds_capture *c = s ? ds_capture_open_stream(s, "mem", err, sizeof err) : NULL;
        DS_CHECK(c == NULL && strstr(err, "CRC mismatch"));
        ds_capture_close(c);
    }
    free(p), free(z), free(zz);
}

/* 4: the fuzzer's invariant on plain and compressed crafted captures. */
static void test_whole_equals_chunked(void)
{
    size_t n, g;
    uint8_t *p = make_pcap(300, &n);
    same_whole_and_chunked(p, n, 300);
    uint8_t *z = gzip_mem(p, n, &g);
    same_whole_and_chunked(z, g, 300);
    /* Cut inside the last record: the same warning-only end either way. */
    same_whole_and_chunked(p, n - 5, 299);
    free(p), free(z);
}

/* 5: a series state with a key beyond the cells is corrupt, not a heap write. */
static void *series_load(const uint8_t *p, size_t n, bool *bad)
{
    const ds_analyzer_ops *ops = NULL;
    for (size_t a = 0; a < ds_analyzer_count; a++)
        if (strcmp(ds_analyzers[a]->name, "series") == 0)
            ops = ds_analyzers[a];
    DS_CHECK(ops != NULL);
    ds_telescope *t = ds_telescope_new();
    ds_sigset *sigs = ds_sigset_builtin();
    ds_ctx ctx = {.telescope = t, .sigs = sigs, .interval_ns = 60 * DS_NS_PER_SEC};
    void *cfg = ops->config_new ? ops->config_new() : NULL;
    ds_rbuf r;
    ds_rbuf_init(&r, p, n);
    char err[256] = "";
    void *st = ops->load(&ctx, cfg, &r, err, sizeof err);
    *bad = r.bad || !st;
    if (st)
        ops->destroy(st);
    if (ops->config_free)
        ops->config_free(cfg);
    ds_sigset_free(sigs);
    ds_telescope_free(t);
    return st;
}

/* A series record: the header an empty state saves, no rows, an open interval of
 * zero cells with one key (IPv4 with cell c4, or IPv6 with group g6), no head. */
static uint8_t *series_state(int v6, uint64_t cell, size_t *len, size_t *nc_out)
{
    const ds_analyzer_ops *ops = NULL;
    for (size_t a = 0; a < ds_analyzer_count; a++)
        if (strcmp(ds_analyzers[a]->name, "series") == 0)
            ops = ds_analyzers[a];
    ds_telescope *t = ds_telescope_new();
    ds_sigset *sigs = ds_sigset_builtin();
    ds_ctx ctx = {.telescope = t, .sigs = sigs, .interval_ns = 60 * DS_NS_PER_SEC};
    void *cfg = ops->config_new ? ops->config_new() : NULL;
    void *st = ops->create(&ctx, cfg);
    ds_wbuf w;
    ds_wbuf_init(&w);
    ops->save(st, &w);
    uint32_t mon, gpm;
    memcpy(&mon, w.p, 4); /* little-endian host (x86-64, arm64) */
    memcpy(&gpm, w.p + 4, 4);
    size_t nc = (size_t)mon * gpm;
    ds_wbuf o;
    ds_wbuf_init(&o);
    ds_wbuf_bytes(&o, w.p, 16); /* monitors, groups, interval */
    ds_wbuf_u32(&o, 0);         /* rows */
    ds_wbuf_u8(&o, 1);          /* open */
    ds_wbuf_i64(&o, 0);
    for (size_t i = 0; i < nc * 4; i++)
        ds_wbuf_u64(&o, 0);
    if (!v6) {
        ds_wbuf_u32(&o, 1);
        ds_wbuf_u64(&o, cell << 33 | 0x0a000001u);
        ds_wbuf_u32(&o, 0);
    } else {
        ds_wbuf_u32(&o, 0);
        ds_wbuf_u32(&o, 1);
        ds_ip a;
        uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
        ds_ip_set_v6(&a, b);
        ds_wbuf_ip(&o, &a);
        ds_wbuf_u32(&o, (uint32_t)(cell << 1));
    }
    ds_wbuf_u8(&o, 0); /* no head */
    ds_wbuf_free(&w);
    ops->destroy(st);
    if (ops->config_free)
        ops->config_free(cfg);
    ds_sigset_free(sigs);
    ds_telescope_free(t);
    *len = o.n;
    *nc_out = nc;
    return o.p;
}

static void test_state_series_key_beyond_cells(void)
{
    for (int v6 = 0; v6 < 2; v6++) {
        size_t n, nc;
        bool bad;
        uint8_t *p = series_state(v6, 0, &n, &nc);
        series_load(p, n, &bad);
        DS_CHECK(!bad); /* a key of cell 0 is fine */
        free(p);
        uint64_t cells[] = {nc, nc + 1, (UINT64_C(1) << 31) - 1};
        for (size_t i = 0; i < 3; i++) {
            p = series_state(v6, cells[i], &n, &nc);
            series_load(p, n, &bad);
            DS_CHECK(bad);
            free(p);
        }
    }
}

/* 6: scenario times outside 1970-2106 and spans over 68 years are refused. */
static void test_scenario_far_times(void)
{
    static const char *const bad[] = {
        "{\"start\": \"9999-12-31T23:59:59Z\", \"monitors\": {\"m\": [\"10.0.0.0/8\"]}}",
        "{\"start\": \"1900-01-01T00:00:00Z\", \"monitors\": {\"m\": [\"10.0.0.0/8\"]}}",
        "{\"start\": 1e12, \"monitors\": {\"m\": [\"10.0.0.0/8\"]}}",
        "{\"start\": -1, \"monitors\": {\"m\": [\"10.0.0.0/8\"]}}",
        "{\"start\": 0, \"duration\": 1e300, \"monitors\": {\"m\": [\"10.0.0.0/8\"]}}",
        "{\"start\": 0, \"monitors\": {\"m\": [\"10.0.0.0/8\"]}, \"worm\": {\"vulnerable\": "
        "10, \"initial_at\": \"9000-01-01T00:00:00Z\"}}",
        "{\"start\": 0, \"monitors\": {\"m\": [\"10.0.0.0/8\"]}, \"worm\": {\"vulnerable\": "
        "10, \"phase_switch\": 1e300}}",
    };
    char err[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        ds_sim_scenario *s = ds_sim_scenario_parse(bad[i], "t.json", err, sizeof err);
        DS_CHECK(s == NULL);
        DS_CHECK(strncmp(err, "t.json:", 7) == 0);
        ds_sim_scenario_free(s);
    }
    ds_sim_scenario *s = ds_sim_scenario_parse(
        "{\"start\": \"2106-02-07T06:28:00Z\", \"duration\": \"1h\", \"monitors\": "
        "{\"m\": [\"10.0.0.0/8\"]}}",
        "t.json", err, sizeof err);
    DS_CHECK(s != NULL);
    ds_sim_scenario_free(s);
}

/* 40-byte IPv4 TCP SYN+ACK from 192.0.2.7 (the victim) to 10.0.0.9. */
static const uint8_t synack[40] = {0x45, 0, 0,  40, 0,    1,    0,    0,  64,   6,    0, 0, 192, 0,
                                   2,    7, 10, 0,  0,    9,    0,    80, 0x30, 0x39, 0, 0, 0,   1,
                                   0,    0, 0,  1,  0x50, 0x12, 0x20, 0,  0,    0,    0, 0};

static void put32(ds_wbuf *w, uint32_t v)
{
    ds_wbuf_bytes(w, &v, 4); /* pcapng in host order (the reader takes either) */
}

/* 7: pcapng times of 2^63 ns and more read as 1970, not as negative numbers. */
static void test_pcapng_time_wraps(void)
{
    ds_wbuf w;
    ds_wbuf_init(&w);
    uint32_t shb[7] = {0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0xffffffffu, 0xffffffffu, 28};
    ds_wbuf_bytes(&w, shb, sizeof shb);
    /* IDB: raw IPv4, if_tsresol 9 (nanoseconds) */
    uint32_t idb[8] = {1, 32, 101, 65535, 9 | 1u << 16, 9, 0, 32};
    ds_wbuf_bytes(&w, idb, sizeof idb);
    uint64_t ts[3] = {UINT64_C(1) << 63, ~UINT64_C(0) - 5, UINT64_C(1100000000000000000)};
    for (int i = 0; i < 3; i++) {
        put32(&w, 6);
        put32(&w, 72);
        put32(&w, 0);
        put32(&w, (uint32_t)(ts[i] >> 32));
        put32(&w, (uint32_t)ts[i]);
        put32(&w, 40);
        put32(&w, 40);
        ds_wbuf_bytes(&w, synack, 40);
        put32(&w, 72);
    }
    char err[256];
    ds_capture *c = ds_capture_open_mem(w.p, w.n, "wrap.pcapng", err, sizeof err);
    DS_CHECK(c != NULL);
    ds_frame f;
    int n = 0;
    while (c && ds_capture_next(c, &f) == 1) {
        DS_CHECK(f.ts_ns >= 0);
        n++;
    }
    DS_CHECK_EQ_INT(n, 3);
    ds_capture_close(c);
    ds_wbuf_free(&w);
}

/* 8: DoS vectors with times before 1970 or ending before they start are corrupt:
 * the earlier part is saved, its time patched, and loaded. */
static void *dos_load_patched(const ds_analyzer_ops *ops, ds_ctx *ctx, void *cfg, int64_t first,
                              int64_t last, bool *bad)
{
    ds_frame f = {.data = synack, .caplen = 40, .wirelen = 40, .linktype = 101};
    ds_pkt p;
    DS_CHECK_EQ_INT(ds_decode(&f, &p), DS_DEC_OK);
    p.monitor = 0;
    ds_classify(&p);
    const int64_t mark1 = INT64_C(1000000007), mark2 = INT64_C(101000000007);
    void *a = ops->create(ctx, cfg);
    p.ts_ns = mark1;
    ops->packets(a, &p, 1);
    p.ts_ns = mark2;
    ops->packets(a, &p, 1);
    ds_wbuf w;
    ds_wbuf_init(&w);
    DS_CHECK_EQ_INT(ops->save(a, &w), 0);
    ops->destroy(a);
    int patched = 0;
    for (size_t i = 0; i + 16 <= w.n; i++) /* the vector's first and last (little-endian) */
        if (memcmp(w.p + i, &mark1, 8) == 0 && memcmp(w.p + i + 8, &mark2, 8) == 0) {
            memcpy(w.p + i, &first, 8);
            memcpy(w.p + i + 8, &last, 8);
            patched++;
        }
    DS_CHECK(patched > 0);
    ds_rbuf r;
    ds_rbuf_init(&r, w.p, w.n);
    char err[256] = "";
    a = ops->load(ctx, cfg, &r, err, sizeof err);
    *bad = r.bad || !a;
    if (a)
        ops->destroy(a);
    ds_wbuf_free(&w);
    return a;
}

static void test_dos_state_bad_times(void)
{
    const ds_analyzer_ops *ops = NULL;
    for (size_t a = 0; a < ds_analyzer_count; a++)
        if (strcmp(ds_analyzers[a]->name, "dos") == 0)
            ops = ds_analyzers[a];
    DS_CHECK(ops != NULL);
    if (!ops)
        return;
    ds_telescope *t = ds_telescope_new();
    ds_sigset *sigs = ds_sigset_builtin();
    ds_ctx ctx = {.telescope = t, .sigs = sigs, .interval_ns = 60 * DS_NS_PER_SEC};
    void *cfg = ops->config_new ? ops->config_new() : NULL;
    bool bad;
    /* a plain vector loads (the same 100 s span: its window step must match) */
    dos_load_patched(ops, &ctx, cfg, 5, INT64_C(100000000005), &bad);
    DS_CHECK(!bad);
    dos_load_patched(ops, &ctx, cfg, INT64_MIN + 1000, 7, &bad);
    DS_CHECK(bad);
    dos_load_patched(ops, &ctx, cfg, INT64_C(4100000000000000000), -5, &bad);
    DS_CHECK(bad);
    dos_load_patched(ops, &ctx, cfg, 9, 8, &bad);
    DS_CHECK(bad);
    if (ops->config_free)
        ops->config_free(cfg);
    ds_sigset_free(sigs);
    ds_telescope_free(t);
}

/* 9: a worm host record's first monitor must be one of the telescope's. */
static void test_worm_state_bad_monitor(void)
{
    const ds_analyzer_ops *ops = NULL;
    for (size_t a = 0; a < ds_analyzer_count; a++)
        if (strcmp(ds_analyzers[a]->name, "worm") == 0)
            ops = ds_analyzers[a];
    DS_CHECK(ops != NULL);
    if (!ops)
        return;
    ds_telescope *t = ds_telescope_new();
    ds_sigset *sigs = ds_sigset_builtin();
    ds_ctx ctx = {.telescope = t, .sigs = sigs, .interval_ns = 60 * DS_NS_PER_SEC};
    void *cfg = ops->config_new ? ops->config_new() : NULL;
    uint8_t syn[40];
    memcpy(syn, synack, 40);
    syn[20] = 0x30, syn[21] = 0x39, syn[22] = 0, syn[23] = 80, syn[33] = 0x02; /* SYN to 80 */
    ds_frame f = {.data = syn, .caplen = 40, .wirelen = 40, .linktype = 101, .ts_ns = 1000000007};
    ds_pkt p;
    DS_CHECK_EQ_INT(ds_decode(&f, &p), DS_DEC_OK);
    p.ts_ns = f.ts_ns;
    p.monitor = 0;
    ds_classify(&p);
    p.sigs = ds_sigset_match(sigs, &p);
    DS_CHECK(p.sigs != 0); /* Code-Red's probe */
    for (int patch = 0; patch < 2; patch++) {
        void *st = ops->create(&ctx, cfg);
        ops->packets(st, &p, 1);
        ds_wbuf w;
        ds_wbuf_init(&w);
        DS_CHECK_EQ_INT(ops->save(st, &w), 0);
        ops->destroy(st);
        uint32_t nmon;
        memcpy(&nmon, w.p, 4); /* little-endian host */
        int found = 0;
        for (size_t i = 0; i + 18 <= w.n; i++)
            if (memcmp(w.p + i, p.src.b, 16) == 0) { /* address, signature, first monitor */
                if (patch)
                    w.p[i + 17] = (uint8_t)nmon;
                found++;
            }
        DS_CHECK(found > 0);
        ds_rbuf r;
        ds_rbuf_init(&r, w.p, w.n);
        char err[256] = "";
        st = ops->load(&ctx, cfg, &r, err, sizeof err);
        DS_CHECK(patch ? (st == NULL || r.bad) : (st != NULL && !r.bad));
        if (st)
            ops->destroy(st);
        ds_wbuf_free(&w);
    }
    if (ops->config_free)
        ops->config_free(cfg);
    ds_sigset_free(sigs);
    ds_telescope_free(t);
}

/* 10: scan slot times before 1970 are corrupt. */
static void test_scan_state_bad_times(void)
{
    const ds_analyzer_ops *ops = NULL;
    for (size_t a = 0; a < ds_analyzer_count; a++)
        if (strcmp(ds_analyzers[a]->name, "scan") == 0)
            ops = ds_analyzers[a];
    DS_CHECK(ops != NULL);
    if (!ops || !ops->save)
        return;
    ds_telescope *t = ds_telescope_new();
    ds_sigset *sigs = ds_sigset_builtin();
    ds_ctx ctx = {.telescope = t, .sigs = sigs, .interval_ns = 60 * DS_NS_PER_SEC};
    void *cfg = ops->config_new ? ops->config_new() : NULL;
    uint8_t syn[40];
    memcpy(syn, synack, 40);
    syn[20] = 0x30, syn[21] = 0x39, syn[22] = 0x1f, syn[23] = 0x90, syn[33] = 0x02; /* to 8080 */
    ds_frame f = {.data = syn, .caplen = 40, .wirelen = 40, .linktype = 101};
    ds_pkt p;
    DS_CHECK_EQ_INT(ds_decode(&f, &p), DS_DEC_OK);
    p.monitor = 0;
    ds_classify(&p);
    const int64_t mark = INT64_C(1000000007), neg = INT64_MIN + 1000;
    p.ts_ns = mark;
    for (int patch = 0; patch < 2; patch++) {
        void *st = ops->create(&ctx, cfg);
        ops->packets(st, &p, 1);
        ds_wbuf w;
        ds_wbuf_init(&w);
        DS_CHECK_EQ_INT(ops->save(st, &w), 0);
        ops->destroy(st);
        int found = 0;
        for (size_t i = 0; i + 8 <= w.n; i++)
            if (memcmp(w.p + i, &mark, 8) == 0) { /* little-endian host */
                if (patch)
                    memcpy(w.p + i, &neg, 8);
                found++;
            }
        DS_CHECK(found > 0);
        ds_rbuf r;
        ds_rbuf_init(&r, w.p, w.n);
        char err[256] = "";
        st = ops->load(&ctx, cfg, &r, err, sizeof err);
        DS_CHECK(patch ? (st == NULL || r.bad) : (st != NULL && !r.bad));
        if (st)
            ops->destroy(st);
        ds_wbuf_free(&w);
    }
    if (ops->config_free)
        ops->config_free(cfg);
    ds_sigset_free(sigs);
    ds_telescope_free(t);
}

int main(void)
{
    DS_RUN(test_gzip_members_any_chunking);
    DS_RUN(test_file_shrinks_while_mapped);
    DS_RUN(test_gzip_header_split);
    DS_RUN(test_whole_equals_chunked);
    DS_RUN(test_state_series_key_beyond_cells);
    DS_RUN(test_scenario_far_times);
    DS_RUN(test_pcapng_time_wraps);
    DS_RUN(test_dos_state_bad_times);
    DS_RUN(test_worm_state_bad_monitor);
    DS_RUN(test_scan_state_bad_times);
    return ds_test_result();
}

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
 *  11. a damaged gzip --asn file: ds_asn.c formatted its error message from zlib's
 *      text after gzclose() had freed it (heap-use-after-free, ASan in fuzz_asn).
 *  12. every other time a state loader reads is range checked too (found by
 *      reading the loaders): worm and series interval starts on the --interval
 *      grid, increasing, the open one last; DoS header times; scan window times.
 *  13. the run summary's first/last packet times (ds_state_run.c).
 *  14. far times (+-1e308) in an output directory read by report and movie: an
 *      infinite movie span (UBSan) and a bucketing loop that never ended (a hang),
 *      both found by fuzz_report.
 *  15. movie frames identical to the previous one were dropped from the GIF.
 *  16. (the state loaders' audit: tests 12 and 13.)
 *  17. a NUL byte in a bulk rDNS line glued the next line to it; a line of any
 *      length was held whole in memory.
 *  18. the movie's first frame could start after the first time (rounding), and
 *      the frame count was converted from -1.
 *  19. an xz stream with a corrupt index (found by CI's fuzz_capture run): read
 *      whole, liblzma decoded every block and met the damage in the same call, and
 *      the decoded bytes were dropped with the error (no frame at all); in small
 *      reads the frames came and then the error. With a bzip2 stream and one
 *      garbage byte inside, small reads even ended cleanly: bzip2 saw the garbage
 *      before xz met its damage, called it trailing garbage and stopped reading.
 *      Now the bytes before an error are delivered (gzip: those of the calls
 *      before the failing one, ISA-L's last output is not the data), a layer that
 *      ignores trailing garbage still reads the compressed layer below to its end,
 *      and a bad record met after a decoder failed names the decoder's error.
 *
 * The state tests save an analyzer's state from a few packets, patch a value in
 * the saved bytes (found by its value: little-endian hosts), and load it again: as
 * saved it must load, patched it must be refused.
 */
#include "analysis/ds_analyzer.h"
#include "capture/ds_capture.h"
#include "capture/ds_stream.h"
#include "decode/ds_decode.h"
#include "ds_test.h"
#include "enrich/ds_asn.h"
#include "enrich/ds_rdns.h"
#include "output/ds_centroids.h"
#include "output/ds_movie.h"
#include "output/ds_report.h"
#include "output/ds_spread.h"
#include "pipeline/ds_state_run.h"
#include "sim/ds_sim_scenario.h"
#include "telescope/ds_classify.h"

#include <bzlib.h>
#include <fcntl.h>
#include <lzma.h>
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

/* Bug 19: the frames before a corrupt xz index, read whole and in every small size. */
static void frames_then_xz_error(const uint8_t *data, size_t n, size_t want_frames)
{
    char err[256];
    for (size_t chunk = 0; chunk <= 64; chunk++) {
        ds_capture *c;
        if (chunk == 0) {
            c = ds_capture_open_mem(data, n, "mem", err, sizeof err);
        } else {
            ds_stream *s = ds_stream_open_mem_chunked(data, n, chunk, "mem", err, sizeof err);
            c = s ? ds_capture_open_stream(s, "mem", err, sizeof err) : NULL;
        }
        DS_CHECK(c != NULL);
        if (!c) {
            fprintf(stderr, "  chunk %zu: open failed: %s\n", chunk, err);
            continue;
        }
        int end;
        size_t fr;
        digest(c, &end, &fr);
        DS_CHECK_EQ_INT(fr, want_frames);
        DS_CHECK_EQ_INT(end, DS_CAP_ERROR);
        const char *e = ds_capture_error(c);
        DS_CHECK(e && strstr(e, "corrupt xz data"));
        if (fr != want_frames || end != DS_CAP_ERROR)
            fprintf(stderr, "  chunk %zu: %zu frames, end %d, %s\n", chunk, fr, end, e ? e : "-");
        ds_capture_close(c);
    }
}

static void test_xz_index_damage(void)
{
    size_t n;
    uint8_t *p = make_pcap(8, &n);
    /* xz(pcap), the last byte of the index's CRC32 (just before the 12-byte footer)
     * flipped: the blocks decode, the index check fails. */
    uint8_t z[4096], inner[4096];
    size_t zn = 0;
    DS_CHECK(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, p, n, z, &zn, sizeof z) == LZMA_OK);
    z[zn - 13] ^= 0x40;
    frames_then_xz_error(z, zn, 8);
    /* xz(bzip2(pcap) + one garbage byte), the same damage. */
    unsigned bn = sizeof inner - 1;
    DS_CHECK(BZ2_bzBuffToBuffCompress((char *)inner, &bn, (char *)p, (unsigned)n, 9, 0, 0) ==
             BZ_OK);
    inner[bn++] = 'x';
    zn = 0;
    DS_CHECK(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, inner, bn, z, &zn, sizeof z) ==
             LZMA_OK);
    z[zn - 13] ^= 0x40;
    frames_then_xz_error(z, zn, 8);
    /* Undamaged, the garbage byte is ignored with a warning, whole or in pieces. */
    z[zn - 13] ^= 0x40;
    same_whole_and_chunked(z, zn, 8);
    /* A bad record just before the damaged index, read whole: xz has met its error
     * by the time the parser meets the record, and the message names both. */
    uint32_t huge = 0x7fffffffu;
    memcpy(p + 24 + 7 * 56 + 8, &huge, 4);
    zn = 0;
    DS_CHECK(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, p, n, z, &zn, sizeof z) == LZMA_OK);
    z[zn - 13] ^= 0x40;
    char err[256];
    ds_capture *c = ds_capture_open_mem(z, zn, "mem", err, sizeof err);
    DS_CHECK(c != NULL);
    if (c) {
        int end;
        size_t fr;
        digest(c, &end, &fr);
        DS_CHECK_EQ_INT(fr, 7);
        const char *e = ds_capture_error(c);
        DS_CHECK(e && strncmp(e, "compressed offset ", 18) == 0 && strstr(e, "corrupt xz data") &&
                 strstr(e, "damaged already: offset 416: record length 2147483647"));
        fprintf(stderr, "  %s\n", e ? e : "-");
        ds_capture_close(c);
    }
    free(p);
}

/* ---- analyzer states (tests 5, 8-10, 12) ------------------------------------------ */

/* 40-byte IPv4 TCP SYN+ACK from 192.0.2.7 (the victim) to 10.0.0.9. */
static const uint8_t synack[40] = {0x45, 0, 0,  40, 0,    1,    0,    0,  64,   6,    0, 0, 192, 0,
                                   2,    7, 10, 0,  0,    9,    0,    80, 0x30, 0x39, 0, 0, 0,   1,
                                   0,    0, 0,  1,  0x50, 0x12, 0x20, 0,  0,    0,    0, 0};

/* One analyzer configured as `analyze` configures it by default (built-in
 * signatures, no telescope file, 60 s intervals): states are saved from packets,
 * patched, and loaded again. */
typedef struct az {
    const ds_analyzer_ops *ops;
    ds_telescope *t;
    ds_sigset *sigs;
    ds_ctx ctx;
    void *cfg;
} az;

static bool az_open(az *z, const char *name)
{
    memset(z, 0, sizeof *z);
    for (size_t a = 0; a < ds_analyzer_count; a++)
        if (strcmp(ds_analyzers[a]->name, name) == 0)
            z->ops = ds_analyzers[a];
    DS_CHECK(z->ops != NULL && z->ops->save != NULL && z->ops->load != NULL);
    if (!z->ops || !z->ops->save || !z->ops->load)
        return false;
    z->t = ds_telescope_new();
    z->sigs = ds_sigset_builtin();
    z->ctx = (ds_ctx){.telescope = z->t, .sigs = z->sigs, .interval_ns = 60 * DS_NS_PER_SEC};
    z->cfg = z->ops->config_new ? z->ops->config_new() : NULL;
    return true;
}

static void az_close(az *z)
{
    if (z->ops->config_free)
        z->ops->config_free(z->cfg);
    ds_sigset_free(z->sigs);
    ds_telescope_free(z->t);
}

/* The state after these packets, into w (initialised here). */
static void az_save(az *z, const ds_pkt *p, size_t n, ds_wbuf *w)
{
    void *st = z->ops->create(&z->ctx, z->cfg);
    for (size_t i = 0; i < n; i++)
        z->ops->packets(st, &p[i], 1);
    ds_wbuf_init(w);
    DS_CHECK_EQ_INT(z->ops->save(st, w), 0);
    z->ops->destroy(st);
}

/* Whether the loader refuses the bytes (as corrupt, or returning nothing). */
static bool az_refused(az *z, const uint8_t *p, size_t n)
{
    ds_rbuf r;
    ds_rbuf_init(&r, p, n);
    char err[256] = "";
    void *st = z->ops->load(&z->ctx, z->cfg, &r, err, sizeof err);
    bool bad = r.bad || !st;
    if (st)
        z->ops->destroy(st);
    return bad;
}

/* Replaces occurrence number `which` (1-based; 0: every one) of the n bytes `from`
 * by `to` in a saved state; returns the number of occurrences seen. Values are
 * found as the state holds them (little-endian host: x86-64, arm64). */
static int patch(ds_wbuf *w, const void *from, const void *to, size_t n, int which)
{
    int k = 0;
    for (size_t i = 0; i + n <= w->n; i++) {
        if (memcmp(w->p + i, from, n) != 0)
            continue;
        k++;
        if (which == 0 || which == k)
            memcpy(w->p + i, to, n);
        i += n - 1;
    }
    return k;
}

static int patch64(ds_wbuf *w, int64_t from, int64_t to, int which)
{
    return patch(w, &from, &to, 8, which);
}

/* A TCP packet from 192.0.2.7 to 10.0.0.<dst> with these ports and flags at ts,
 * decoded, classified and matched as the pipeline does, on monitor 0. The frames
 * stay valid for the next 15 calls. */
static ds_pkt tcp_pkt(const az *z, uint16_t sport, uint16_t dport, uint8_t flags, uint8_t dst,
                      int64_t ts)
{
    static uint8_t frames[16][40];
    static unsigned next;
    uint8_t *b = frames[next++ % 16];
    memcpy(b, synack, 40);
    b[19] = dst;
    b[20] = (uint8_t)(sport >> 8), b[21] = (uint8_t)sport;
    b[22] = (uint8_t)(dport >> 8), b[23] = (uint8_t)dport;
    b[33] = flags;
    ds_frame f = {.data = b, .caplen = 40, .wirelen = 40, .linktype = 101, .ts_ns = ts};
    ds_pkt p;
    DS_CHECK_EQ_INT(ds_decode(&f, &p), DS_DEC_OK);
    p.ts_ns = ts;
    p.monitor = 0;
    ds_classify(&p);
    p.sigs = ds_sigset_match(z->sigs, &p);
    return p;
}

/* 5: a series state with a key beyond the cells is corrupt, not a heap write. */

/* A series record: the header an empty state saves, no rows, an open interval of
 * zero cells with one key (IPv4 with cell c4, or IPv6 with group g6), no head. */
static uint8_t *series_state(az *z, int v6, uint64_t cell, size_t *len, size_t *nc_out)
{
    ds_wbuf w;
    az_save(z, NULL, 0, &w);
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
    *len = o.n;
    *nc_out = nc;
    return o.p;
}

static void test_state_series_key_beyond_cells(void)
{
    az z;
    if (!az_open(&z, "series"))
        return;
    for (int v6 = 0; v6 < 2; v6++) {
        size_t n, nc;
        uint8_t *p = series_state(&z, v6, 0, &n, &nc);
        DS_CHECK(!az_refused(&z, p, n)); /* a key of cell 0 is fine */
        free(p);
        uint64_t cells[] = {nc, nc + 1, (UINT64_C(1) << 31) - 1};
        for (size_t i = 0; i < 3; i++) {
            p = series_state(&z, v6, cells[i], &n, &nc);
            DS_CHECK(az_refused(&z, p, n));
            free(p);
        }
    }
    az_close(&z);
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
 * two backscatter packets' state, the vector's times patched, loaded again. */
static const int64_t dos_t1 = INT64_C(1000000007), dos_t2 = INT64_C(101000000007);

static void dos_save(az *z, ds_wbuf *w)
{
    ds_pkt p[2] = {tcp_pkt(z, 80, 12345, 0x12, 9, dos_t1), tcp_pkt(z, 80, 12345, 0x12, 9, dos_t2)};
    az_save(z, p, 2, w);
}

/* Every (first, last) = (t1, t2) pair replaced: the vector's, and the part's. */
static bool dos_refused_with(az *z, int64_t first, int64_t last)
{
    ds_wbuf w;
    dos_save(z, &w);
    int64_t from[2] = {dos_t1, dos_t2}, to[2] = {first, last};
    DS_CHECK(patch(&w, from, to, 16, 0) > 0);
    bool bad = az_refused(z, w.p, w.n);
    ds_wbuf_free(&w);
    return bad;
}

static void test_dos_state_bad_times(void)
{
    az z;
    if (!az_open(&z, "dos"))
        return;
    /* a plain vector loads (the same 100 s span: its window step must match) */
    DS_CHECK(!dos_refused_with(&z, 5, INT64_C(100000000005)));
    DS_CHECK(dos_refused_with(&z, INT64_MIN + 1000, 7));
    DS_CHECK(dos_refused_with(&z, INT64_C(4100000000000000000), -5));
    DS_CHECK(dos_refused_with(&z, 9, 8));
    az_close(&z);
}

/* 9: a worm host record's first monitor must be one of the telescope's. */
static void test_worm_state_bad_monitor(void)
{
    az z;
    if (!az_open(&z, "worm"))
        return;
    ds_pkt p = tcp_pkt(&z, 12345, 80, 0x02, 9, 1000000007); /* SYN to 80 */
    DS_CHECK(p.sigs != 0);                                  /* Code-Red's probe */
    for (int patched = 0; patched < 2; patched++) {
        ds_wbuf w;
        az_save(&z, &p, 1, &w);
        uint32_t nmon;
        memcpy(&nmon, w.p, 4); /* little-endian host */
        int found = 0;
        for (size_t i = 0; i + 18 <= w.n; i++)
            if (memcmp(w.p + i, p.src.b, 16) == 0) { /* address, signature, first monitor */
                if (patched)
                    w.p[i + 17] = (uint8_t)nmon;
                found++;
            }
        DS_CHECK(found > 0);
        DS_CHECK(az_refused(&z, w.p, w.n) == (patched != 0));
        ds_wbuf_free(&w);
    }
    az_close(&z);
}

/* 10: scan slot times before 1970 are corrupt. */
static void test_scan_state_bad_times(void)
{
    az z;
    if (!az_open(&z, "scan"))
        return;
    const int64_t mark = INT64_C(1000000007), neg = INT64_MIN + 1000;
    ds_pkt p = tcp_pkt(&z, 12345, 8080, 0x02, 9, mark); /* SYN to 8080 */
    for (int patched = 0; patched < 2; patched++) {
        ds_wbuf w;
        az_save(&z, &p, 1, &w);
        DS_CHECK(patch64(&w, mark, patched ? neg : mark, 0) > 0);
        DS_CHECK(az_refused(&z, w.p, w.n) == (patched != 0));
        ds_wbuf_free(&w);
    }
    az_close(&z);
}

/* 12: every loaded time is range checked, so that a merge or the outputs cannot
 * overflow on them (found by reading the loaders after findings 8 and 10). */

/* Interval rows (worm, series): a state of packets in intervals 1000 and 1002, whose
 * row start 1000 * interval is patched to `to`. */
static bool rows_refused_with(az *z, int64_t to)
{
    const int64_t iv = 60 * DS_NS_PER_SEC, s0 = 1000 * iv;
    ds_pkt p[2] = {tcp_pkt(z, 12345, 80, 0x02, 9, s0 + 7),
                   tcp_pkt(z, 12345, 80, 0x02, 10, s0 + 2 * iv + 7)};
    ds_wbuf w;
    az_save(z, p, 2, &w);
    DS_CHECK(patch64(&w, s0, to, 0) > 0);
    bool bad = az_refused(z, w.p, w.n);
    ds_wbuf_free(&w);
    return bad;
}

static void test_state_rows_in_order(void)
{
    const int64_t iv = 60 * DS_NS_PER_SEC, s0 = 1000 * iv;
    static const char *const names[] = {"worm", "series"};
    for (size_t k = 0; k < 2; k++) {
        az z;
        if (!az_open(&z, names[k]))
            continue;
        DS_CHECK(!rows_refused_with(&z, s0));         /* as saved */
        DS_CHECK(!rows_refused_with(&z, s0 - iv));    /* another interval, still in order */
        DS_CHECK(rows_refused_with(&z, s0 + 1));      /* off the interval grid */
        DS_CHECK(rows_refused_with(&z, -iv));         /* before 1970 */
        DS_CHECK(rows_refused_with(&z, s0 + 3 * iv)); /* after the open interval */
        az_close(&z);
    }
}

/* The DoS part's header: first/last packet and the judging clock. */
static void test_dos_state_header_times(void)
{
    az z;
    if (!az_open(&z, "dos"))
        return;
    int64_t pair[2] = {dos_t1, dos_t2}, rev[2] = {dos_t2, dos_t1}, neg_now[2] = {dos_t1, -5};
    ds_wbuf w;
    dos_save(&z, &w);
    DS_CHECK(!az_refused(&z, w.p, w.n));
    /* 1st pair: first_ts, last_ts; 2nd: part_start, now; then the vector's. */
    DS_CHECK_EQ_INT(patch(&w, pair, rev, 16, 1), 3);
    DS_CHECK(az_refused(&z, w.p, w.n));
    ds_wbuf_free(&w);
    dos_save(&z, &w);
    DS_CHECK_EQ_INT(patch(&w, pair, neg_now, 16, 2), 3);
    DS_CHECK(az_refused(&z, w.p, w.n));
    ds_wbuf_free(&w);
    az_close(&z);
}

/* Scan windows: the distinct-destination and probe-queue times of a slot. */
static void test_scan_state_window_times(void)
{
    az z;
    if (!az_open(&z, "scan"))
        return;
    const int64_t t1 = INT64_C(1000000007), t2 = INT64_C(2000000007);
    ds_pkt p[2] = {tcp_pkt(&z, 12345, 8080, 0x02, 9, t1), tcp_pkt(&z, 12345, 8080, 0x02, 10, t2)};
    ds_wbuf w;
    az_save(&z, p, 2, &w);
    DS_CHECK(!az_refused(&z, w.p, w.n));
    /* The slot's own time is t2; t1 is only in its window (destination, probe). */
    DS_CHECK(patch64(&w, t1, -1, 0) >= 2);
    DS_CHECK(az_refused(&z, w.p, w.n));
    ds_wbuf_free(&w);
    az_close(&z);
}

/* 13: the run summary's first and last packet times (ds_state_run.c; summary.json
 * subtracts them): a state of no analyzer, its run times set, merged alone. */
static void test_state_run_times(void)
{
    ds_run_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.outdir = "/nonexistent";
    cfg.interval_ns = 60 * DS_NS_PER_SEC;
    cfg.tolerance_ns = DS_NS_PER_SEC;
    cfg.snaplen = 262144;
    cfg.telescope = ds_telescope_new();
    cfg.sigs = ds_sigset_builtin();
    bool *on = ds_xcalloc(ds_analyzer_count, sizeof *on); /* every analyzer off */
    cfg.analyzer_on = on;
    cfg.analyzer_cfg = ds_xcalloc(ds_analyzer_count, sizeof *cfg.analyzer_cfg);
    void **st = ds_xcalloc(ds_analyzer_count, sizeof *st);
    static const int64_t times[][2] = {{5, 10}, {10, 5}, {-1, 10}, {INT64_MIN, INT64_MAX}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        ds_runsum rs;
        ds_runsum_init(&rs);
        rs.parts = 1;
        rs.complete = true;
        rs.any = true;
        rs.first_ts = times[i][0];
        rs.last_ts = times[i][1];
        ds_wbuf framed, out;
        ds_wbuf_init(&framed);
        ds_wbuf_init(&out);
        char err[DS_ERRLEN] = "";
        DS_CHECK_EQ_INT(ds_state_save_run_mem(&cfg, &rs, st, &framed, err, sizeof err), 0);
        ds_state_src src = {"t.state", framed.p, framed.n};
        int rc = ds_merge_states_mem(&cfg, &src, 1, false, &out, err, sizeof err);
        if (i == 0) {
            DS_CHECK_EQ_INT(rc, DS_EXIT_OK);
        } else {
            DS_CHECK(rc != DS_EXIT_OK);
            DS_CHECK(strncmp(err, "t.state", 7) == 0 && strstr(err, "before its first"));
        }
        ds_wbuf_free(&framed);
        ds_wbuf_free(&out);
        ds_runsum_free(&rs);
    }
    free(st);
    free(on);
    free(cfg.analyzer_cfg);
    ds_sigset_free(cfg.sigs);
    ds_telescope_free(cfg.telescope);
}

/* 11: a damaged gzip --asn file (fuzz_asn, ASan heap-use-after-free): ds_asn.c
 * formatted its message from zlib's gzerror() text after gzclose() had freed it.
 * The message must say the read failed and carry zlib's reason, which names the
 * file again. */
static void test_asn_gzip_error_message(void)
{
    char *dir = ds_test_tmpdir("asn");
    char path[512];
    snprintf(path, sizeof path, "%s/asn.csv.gz", dir);
    ds_wbuf csv;
    ds_wbuf_init(&csv);
    for (int i = 0; i < 2000; i++) {
        char line[96];
        int n = snprintf(line, sizeof line, "10.%d.%d.0,10.%d.%d.255,%d,Org %d\n", i >> 8, i & 255,
                         i >> 8, i & 255, 64500 + i, i);
        ds_wbuf_bytes(&csv, line, (size_t)n);
    }
    size_t g;
    uint8_t *z = gzip_mem(csv.p, csv.n, &g);
    for (size_t i = g / 2; i < g / 2 + 16; i++)
        z[i] ^= 0xa5;
    ds_test_write_file(path, z, g);
    ds_strpool *pool = ds_strpool_new();
    const char *paths[1] = {path};
    char err[DS_ERRLEN] = "";
    ds_asn *a = ds_asn_open(paths, 1, pool, err, sizeof err);
    DS_CHECK(a == NULL);
    const char *re = strstr(err, ": read error near line ");
    DS_CHECK(strncmp(err, path, strlen(path)) == 0 && re != NULL);
    const char *reason = re ? strchr(re + 2, ':') : NULL; /* after "line N" */
    DS_CHECK(reason && strncmp(reason + 2, path, strlen(path)) == 0);
    fprintf(stderr, "  asn: %s\n", err);
    ds_asn_close(a);
    ds_strpool_free(pool);
    free(z);
    ds_wbuf_free(&csv);
    ds_test_rmtree(dir);
    free(dir);
}

/* 14: times far outside 1970-2262 in an output directory read by `report` and
 * `movie` (fuzz_report): hosts at -1e308 and 1e308 made the movie's span infinite
 * (frame length inf, frame count from NaN: UBSan), and series.csv rows at +-1e308
 * with an interval_s of 1e-300 made the bucket width infinite, so the bucketing
 * loop never advanced (a hang). Such rows are skipped now, and the rest is kept. */
static void test_report_far_times(void)
{
    char *dir = ds_test_tmpdir("report");
    char p[512];
    static const char hosts[] = "signature,first_seen,last_seen,lat,lon\n"
                                "codered,-1e308,-1e308,10,10\n"
                                "codered,1e308,1e308,10,10\n"
                                "codered,1000000000.5,1000000100,10,10\n";
    snprintf(p, sizeof p, "%s/hosts.csv", dir);
    ds_test_write_file(p, hosts, strlen(hosts));
    ds_spread_opts so;
    ds_spread_opts_default(&so);
    ds_centroids cent;
    ds_centroids_load(&cent);
    ds_spread s;
    char err[DS_ERRLEN] = "";
    DS_CHECK_EQ_INT(ds_spread_load(dir, &so, &cent, &s, err, sizeof err), 0);
    DS_CHECK(s.frame_s == 300 && s.t0 == 999999900);
    DS_CHECK_EQ_INT(s.nframes, 1);
    DS_CHECK(s.nsig == 1 && s.sig[0].hosts == 1);
    ds_spread_free(&s);
    ds_centroids_free(&cent);

    ds_wbuf series;
    ds_wbuf_init(&series);
    static const char head[] = "interval_start,monitor,class,packets\n";
    ds_wbuf_bytes(&series, head, strlen(head));
    for (int i = 0; i < 20; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "%d,m,scan,1\n", 1000000000 + 60 * i);
        ds_wbuf_bytes(&series, line, (size_t)n);
    }
    static const char far[] = "-1e308,m,scan,1\n1e308,m,scan,1\n";
    ds_wbuf_bytes(&series, far, strlen(far));
    snprintf(p, sizeof p, "%s/series.csv", dir);
    ds_test_write_file(p, series.p, series.n);
    static const char summary[] = "{\"interval_s\": 1e-300}\n";
    snprintf(p, sizeof p, "%s/summary.json", dir);
    ds_test_write_file(p, summary, strlen(summary));
    ds_report_opts ro;
    ds_report_opts_default(&ro);
    ro.max_points = 4;
    json_t *D = ds_report_data(dir, &ro, err, sizeof err);
    DS_CHECK(D != NULL);
    json_t *t = json_object_get(json_object_get(D, "series"), "t");
    DS_CHECK(json_array_size(t) >= 1 && json_array_size(t) <= ro.max_points + 1);
    double sum = 0;
    json_t *scan =
        json_object_get(json_object_get(json_object_get(D, "series"), "classes"), "scan");
    for (size_t i = 0; i < json_array_size(scan); i++)
        sum += json_number_value(json_array_get(scan, i));
    DS_CHECK(sum == 20); /* the 20 rows of 2001, not the two far ones */
    json_decref(D);
    ds_wbuf_free(&series);
    ds_test_rmtree(dir);
    free(dir);
}

/* Number of images in a GIF (walking its blocks), or -1 when it is malformed. */
static int gif_images(const uint8_t *d, size_t n)
{
    if (n < 13 || memcmp(d, "GIF89a", 6) != 0)
        return -1;
    size_t p = 13 + ((d[10] & 0x80) ? 3u << ((d[10] & 7) + 1) : 0);
    int images = 0;
    while (p < n) {
        uint8_t b = d[p++];
        if (b == 0x3b)
            return images;
        if (b == 0x21) {
            p++; /* label */
        } else if (b == 0x2c) {
            if (p + 9 > n)
                return -1;
            uint8_t f = d[p + 8];
            p += 9 + ((f & 0x80) ? 3u << ((f & 7) + 1) : 0) + 1; /* + LZW code size */
            images++;
        } else {
            return -1;
        }
        while (p < n && d[p]) /* data sub-blocks */
            p += d[p] + 1u;
        p++;
    }
    return -1;
}

/* 15: frames identical to the one before (a frame shorter than the caption's minute,
 * nothing new on the map) were dropped by libgd with a warning on stderr, so the GIF
 * had fewer frames than "movie of N frames written" said, and ran too fast (seen in
 * fuzz_report's log). */
static void test_movie_keeps_identical_frames(void)
{
    char *dir = ds_test_tmpdir("movie");
    char p[512], gif[512];
    static const char hosts[] = "signature,first_seen,last_seen,lat,lon\n"
                                "codered,1000000000,1000000100,10,10\n";
    snprintf(p, sizeof p, "%s/hosts.csv", dir);
    ds_test_write_file(p, hosts, strlen(hosts));
    snprintf(gif, sizeof gif, "%s/m.gif", dir);
    ds_movie_opts o;
    ds_movie_opts_default(&o);
    o.spread.frame_s = 10;
    o.gif_path = gif;
    uint32_t nframes = 0;
    char err[DS_ERRLEN] = "";
    DS_CHECK_EQ_INT(ds_movie_write(dir, &o, &nframes, err, sizeof err), 0);
    DS_CHECK_EQ_INT(nframes, 11);
    size_t n = 0;
    char *d = ds_test_read_file(gif, &n);
    DS_CHECK(d != NULL);
    if (d)
        DS_CHECK_EQ_INT(gif_images((const uint8_t *)d, n), nframes);
    free(d);
    ds_test_rmtree(dir);
    free(dir);
}

/* 17: bulk rDNS lines with a NUL byte, and an absurdly long line (found by reading
 * ds_rdns.c for fuzz_rdns): gzgets() gives C strings, so after a NUL the rest of the
 * line was lost and the next line glued to it (its mapping lost, or a wrong name
 * taken). Lines are cut from gzread() blocks now: a NUL makes the line bad, a line
 * over 1 MiB is skipped whole and counted once. */
typedef struct rdns_seen {
    int n;
    char ip[4][DS_IP_STRLEN];
    char name[4][64];
} rdns_seen;

static void rdns_sink(void *ctx, const ds_ip *ip, const char *name, size_t len)
{
    rdns_seen *s = ctx;
    if (s->n < 4) {
        ds_ip_format(ip, s->ip[s->n]);
        snprintf(s->name[s->n], sizeof s->name[0], "%.*s", (int)len, name);
    }
    s->n++;
}

static void test_rdns_nul_and_long_lines(void)
{
    char *dir = ds_test_tmpdir("rdns");
    char path[512];
    snprintf(path, sizeof path, "%s/rdns.csv", dir);
    ds_wbuf f;
    ds_wbuf_init(&f);
    static const char a[] = "ip,name\n192.0.2.1,a.example\0junk\n192.0.2.2,b.example\n";
    ds_wbuf_bytes(&f, a, sizeof a - 1);
    for (int i = 0; i < (3 << 20) / 64; i++)
        ds_wbuf_bytes(&f, "192.0.2.9,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                      64);
    static const char b[] = "\n192.0.2.3,c.example\r\n192.0.2.4,d.example";
    ds_wbuf_bytes(&f, b, sizeof b - 1);
    for (int gz = 0; gz < 2; gz++) {
        if (gz) {
            size_t g;
            uint8_t *z = gzip_mem(f.p, f.n, &g);
            ds_test_write_file(path, z, g);
            free(z);
        } else {
            ds_test_write_file(path, f.p, f.n);
        }
        rdns_seen s;
        memset(&s, 0, sizeof s);
        ds_rdns_bulk_stats st;
        char err[DS_ERRLEN] = "";
        DS_CHECK_EQ_INT(ds_rdns_bulk_read(path, rdns_sink, &s, &st, err, sizeof err), 0);
        DS_CHECK_EQ_INT(s.n, 3);
        DS_CHECK_EQ_STR(s.ip[0], "192.0.2.2");
        DS_CHECK_EQ_STR(s.name[0], "b.example");
        DS_CHECK_EQ_STR(s.ip[1], "192.0.2.3");
        DS_CHECK_EQ_STR(s.name[1], "c.example");
        DS_CHECK_EQ_STR(s.name[2], "d.example"); /* no newline at the end */
        DS_CHECK_EQ_INT(st.lines, 6);
        DS_CHECK_EQ_INT(st.bad, 2); /* the NUL line, the long one */
        DS_CHECK_EQ_INT(st.first_bad_line, 2);
    }
    ds_wbuf_free(&f);
    ds_test_rmtree(dir);
    free(dir);
}

/* 18: a frame start rounded above the first time (fuzz_report, UBSan: "-1 is outside
 * the range of representable values of type 'unsigned int'" in ds_spread.c): with
 * 1 ms frames, floor(100.24 / 0.001) * 0.001 is 100.24000000000001, so the frame
 * count came from floor(-1.4e-11) = -1. */
static void test_spread_frame_rounding(void)
{
    char *dir = ds_test_tmpdir("frames");
    char p[512];
    static const char hosts[] = "signature,first_seen,last_seen\ncodered,100.24,100.24\n";
    snprintf(p, sizeof p, "%s/hosts.csv", dir);
    ds_test_write_file(p, hosts, strlen(hosts));
    ds_spread_opts so;
    ds_spread_opts_default(&so);
    so.frame_s = 0.001;
    so.max_frames = 3;
    ds_centroids cent;
    ds_centroids_load(&cent);
    ds_spread s;
    char err[DS_ERRLEN] = "";
    DS_CHECK_EQ_INT(ds_spread_load(dir, &so, &cent, &s, err, sizeof err), 0);
    DS_CHECK_EQ_INT(s.nframes, 1);
    DS_CHECK(s.t0 <= 100.24 && s.t0 + s.frame_s > 100.24);
    DS_CHECK(s.nsig == 1 && s.sig[0].total_new && s.sig[0].total_new[0] == 1);
    ds_spread_free(&s);
    ds_centroids_free(&cent);
    ds_test_rmtree(dir);
    free(dir);
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
    DS_RUN(test_asn_gzip_error_message);
    DS_RUN(test_state_rows_in_order);
    DS_RUN(test_dos_state_header_times);
    DS_RUN(test_scan_state_window_times);
    DS_RUN(test_state_run_times);
    DS_RUN(test_report_far_times);
    DS_RUN(test_movie_keeps_identical_frames);
    DS_RUN(test_rdns_nul_and_long_lines);
    DS_RUN(test_spread_frame_rounding);
    DS_RUN(test_xz_index_damage);
    return ds_test_result();
}

/*
 * test_badinput_regress.c — regression tests for the bugs that fuzzing and the bad-input
 * corpus found in the capture reader (docs/FUZZING.md lists them):
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
 */
#include "capture/ds_capture.h"
#include "capture/ds_stream.h"
#include "ds_test.h"

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

int main(void)
{
    DS_RUN(test_gzip_members_any_chunking);
    DS_RUN(test_file_shrinks_while_mapped);
    DS_RUN(test_gzip_header_split);
    DS_RUN(test_whole_equals_chunked);
    return ds_test_result();
}

/*
 * test_capture.c — the capture reader against captures written here byte by byte
 * (every format variant, compression and corruption we handle) and against the
 * team's real captures with their independently computed reference counts.
 *
 * The crafted files are built in memory with a small byte writer, so each test can
 * say exactly which timestamp, length and offset it expects; compressed variants are
 * made with the compression libraries' own encoders. The chunked tests feed the same
 * bytes a few at a time, so that every record, block, member and frame boundary falls
 * across a refill at least once.
 */
#include "capture/ds_capture.h"
#include "capture/ds_stream.h"
#include "ds_test.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* ---- a byte writer ----------------------------------------------------------------- */

typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
    bool be; /* write multi-byte values big-endian */
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put8(bytes *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put16(bytes *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    if (b->be)
        x[0] = (uint8_t)(v >> 8), x[1] = (uint8_t)v;
    put(b, x, 2);
}

static void put32(bytes *b, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++)
        x[b->be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
    put(b, x, 4);
}

static void put64(bytes *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[b->be ? 7 - i : i] = (uint8_t)(v >> (8 * i));
    put(b, x, 8);
}

static void set32(bytes *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->p[at + (size_t)(b->be ? 3 - i : i)] = (uint8_t)(v >> (8 * i));
}

/* Frame payload: recognisable bytes derived from the frame's index. */
static void put_payload(bytes *b, uint32_t n, uint32_t idx)
{
    for (uint32_t i = 0; i < n; i++)
        put8(b, (uint8_t)(idx * 31 + i));
}

static bool payload_ok(const ds_frame *f, uint32_t idx)
{
    for (uint32_t i = 0; i < f->caplen; i++)
        if (f->data[i] != (uint8_t)(idx * 31 + i))
            return false;
    return true;
}

/* ---- classic pcap ------------------------------------------------------------------ */

static void pcap_header(bytes *b, bool nano, uint32_t snaplen, uint32_t linktype)
{
    put32(b, nano ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(b, 2);
    put16(b, 4);
    put32(b, 0);
    put32(b, 0);
    put32(b, snaplen);
    put32(b, linktype);
}

static void pcap_record(bytes *b, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen,
                        uint32_t idx)
{
    put32(b, sec);
    put32(b, frac);
    put32(b, caplen);
    put32(b, wirelen);
    put_payload(b, caplen, idx);
}

/* A file of n records: record i has caplen (i * 7) % 97 (0 included), ts sec 1.6e9+i. */
static bytes make_pcap(bool be, bool nano, uint32_t n)
{
    bytes b = {.be = be};
    pcap_header(&b, nano, 65535, 1);
    for (uint32_t i = 0; i < n; i++)
        pcap_record(&b, 1600000000u + i, nano ? 999999999u - i : 999999u - i, (i * 7) % 97,
                    (i * 7) % 97 + 10, i);
    return b;
}

static char *tmp_path(const char *dir, const char *name)
{
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/%s", dir, name);
    return p;
}

/* Reads a capture to the end checking make_pcap's frames; returns the frame count. */
static long check_made_pcap(ds_capture *c, bool nano, uint32_t n)
{
    ds_frame f;
    long got = 0;
    int r;
    while ((r = ds_capture_next(c, &f)) == DS_CAP_FRAME) {
        uint32_t i = (uint32_t)got;
        int64_t want = (int64_t)(1600000000u + i) * DS_NS_PER_SEC +
                       (nano ? 999999999 - (int64_t)i : (999999 - (int64_t)i) * 1000);
        if (f.ts_ns != want || f.caplen != (i * 7) % 97 || f.wirelen != f.caplen + 10 ||
            f.linktype != 1 || !payload_ok(&f, i)) {
            DS_CHECK_EQ_INT(f.ts_ns, want);
            DS_CHECK_EQ_INT(f.caplen, (i * 7) % 97);
            DS_CHECK(payload_ok(&f, i));
            return -1;
        }
        got++;
    }
    DS_CHECK_EQ_INT(r, DS_CAP_EOF);
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_EOF); /* sticky */
    DS_CHECK_EQ_INT(got, n);
    return got;
}

static void test_pcap_variants(void)
{
    char *dir = ds_test_tmpdir("cap");
    for (int v = 0; v < 4; v++) {
        bool be = v & 1, nano = v & 2;
        bytes b = make_pcap(be, nano, 500);
        char *path = tmp_path(dir, "v.pcap");
        ds_test_write_file(path, b.p, b.n);
        char err[DS_ERRLEN];
        ds_capture *c = ds_capture_open(path, err, sizeof err);
        DS_CHECK(c != NULL);
        if (!c) {
            fprintf(stderr, "%s\n", err);
            continue;
        }
        DS_CHECK_EQ_STR(ds_capture_format(c), nano ? "pcap-ns" : "pcap");
        DS_CHECK_EQ_STR(ds_capture_byte_order(c), be ? "big-endian" : "little-endian");
        DS_CHECK_EQ_STR(ds_capture_compression(c), "none");
        DS_CHECK_EQ_INT(ds_capture_file_size(c), b.n);
        uint16_t lts[4];
        DS_CHECK_EQ_INT(ds_capture_linktypes(c, lts, 4), 1);
        DS_CHECK_EQ_INT(lts[0], 1);
        check_made_pcap(c, nano, 500);
        DS_CHECK(ds_capture_error(c) == NULL);
        DS_CHECK(ds_capture_warning(c) == NULL);
        DS_CHECK_EQ_INT(ds_capture_bytes_read(c), b.n);
        ds_capture_close(c);
        free(path);
        free(b.p);
    }
    ds_test_rmtree(dir);
    free(dir);
}

static void test_pcap_offsets_and_exact_ts(void)
{
    bytes b = {.be = false};
    pcap_header(&b, true, 0, 101);
    pcap_record(&b, 0, 0, 0, 0, 0);                    /* empty frame at the epoch */
    pcap_record(&b, 4294967295u, 999999999, 3, 60, 1); /* the largest time */
    char err[DS_ERRLEN];
    ds_capture *c = ds_capture_open_mem(b.p, b.n, "mem", err, sizeof err);
    DS_CHECK(c != NULL);
    ds_frame f;
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_FRAME);
    DS_CHECK_EQ_INT(f.ts_ns, 0);
    DS_CHECK_EQ_INT(f.caplen, 0);
    DS_CHECK_EQ_INT(f.offset, 24);
    DS_CHECK_EQ_INT(f.linktype, 101);
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_FRAME);
    DS_CHECK_EQ_INT(f.ts_ns, 4294967295LL * DS_NS_PER_SEC + 999999999);
    DS_CHECK_EQ_INT(f.offset, 40);
    DS_CHECK_EQ_INT(f.wirelen, 60);
    DS_CHECK(payload_ok(&f, 1));
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_EOF);
    ds_capture_close(c);
    free(b.p);
}

static void test_pcap_truncated(void)
{
    bytes b = make_pcap(false, false, 10);
    char err[DS_ERRLEN];
    /* Cut inside the last record's data, then inside its header. */
    size_t cuts[2] = {b.n - 5, b.n - ((9 * 7) % 97) - 10};
    for (int k = 0; k < 2; k++) {
        ds_capture *c = ds_capture_open_mem(b.p, cuts[k], "cut", err, sizeof err);
        DS_CHECK(c != NULL);
        ds_frame f;
        int n = 0, r;
        while ((r = ds_capture_next(c, &f)) == DS_CAP_FRAME)
            n++;
        DS_CHECK_EQ_INT(r, DS_CAP_EOF);
        DS_CHECK_EQ_INT(n, 9);
        const char *w = ds_capture_warning(c);
        DS_CHECK(w && strstr(w, "truncated") && strstr(w, "offset "));
        if (k == 0)
            DS_CHECK(w && strstr(w, "last record truncated (74 of 79 bytes)"));
        else
            DS_CHECK(w && strstr(w, "header truncated (6 of 16 bytes)"));
        DS_CHECK(ds_capture_error(c) == NULL);
        ds_capture_close(c);
    }
    free(b.p);
}

static void test_pcap_corrupt_caplen(void)
{
    char err[DS_ERRLEN];
    /* caplen above the snaplen */
    bytes b = {.be = true};
    pcap_header(&b, false, 100, 1);
    pcap_record(&b, 1, 2, 100, 100, 0);
    size_t bad = b.n;
    pcap_record(&b, 1, 2, 101, 101, 1);
    ds_capture *c = ds_capture_open_mem(b.p, b.n, "m", err, sizeof err);
    ds_frame f;
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_FRAME);
    DS_CHECK_EQ_INT(f.caplen, 100);
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_ERROR);
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_ERROR);
    char want[128];
    snprintf(want, sizeof want, "offset %zu: record length 101 exceeds the snaplen 100", bad);
    DS_CHECK(ds_capture_error(c) && strstr(ds_capture_error(c), want));
    ds_capture_close(c);
    free(b.p);
    /* snaplen 0: only the sanity bound applies */
    bytes z = {.be = false};
    pcap_header(&z, false, 0, 1);
    pcap_record(&z, 1, 2, 70000, 70000, 0);
    put32(&z, 1);
    put32(&z, 2);
    put32(&z, 0x7fffffff);
    put32(&z, 60);
    c = ds_capture_open_mem(z.p, z.n, "m", err, sizeof err);
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_FRAME);
    DS_CHECK_EQ_INT(f.caplen, 70000);
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_ERROR);
    DS_CHECK(ds_capture_error(c) && strstr(ds_capture_error(c), "offset 70040: record length"));
    ds_capture_close(c);
    free(z.p);
}

/* ---- pcapng -------------------------------------------------------------------------- */

static size_t ng_begin(bytes *b, uint32_t type)
{
    size_t at = b->n;
    put32(b, type);
    put32(b, 0); /* length, patched by ng_end */
    return at;
}

static void ng_end(bytes *b, size_t at)
{
    while ((b->n - at) % 4)
        put8(b, 0);
    uint32_t len = (uint32_t)(b->n - at + 4);
    put32(b, len);
    set32(b, at + 4, len);
}

static void ng_shb(bytes *b)
{
    size_t at = ng_begin(b, 0x0A0D0D0A);
    put32(b, 0x1A2B3C4D);
    put16(b, 1);
    put16(b, 0);
    put64(b, UINT64_MAX); /* section length -1 */
    /* an shb_userappl option, to be skipped */
    put16(b, 4);
    put16(b, 5);
    put(b, "test\0\0\0\0", 8);
    put16(b, 0);
    put16(b, 0);
    ng_end(b, at);
}

/* tsresol < 0: no option (µs); tsoffset_set: add if_tsoffset. */
static void ng_idb(bytes *b, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    size_t at = ng_begin(b, 1);
    put16(b, linktype);
    put16(b, 0);
    put32(b, snaplen);
    put16(b, 2); /* if_name */
    put16(b, 3);
    put(b, "lo0\0", 4);
    if (tsresol >= 0) {
        put16(b, 9);
        put16(b, 1);
        put8(b, (uint8_t)tsresol);
        put8(b, 0);
        put16(b, 0);
    }
    if (tsoffset) {
        put16(b, 14);
        put16(b, 8);
        put64(b, (uint64_t)tsoffset);
    }
    put16(b, 0);
    put16(b, 0);
    ng_end(b, at);
}

static void ng_epb(bytes *b, uint32_t ifid, uint64_t units, uint32_t caplen, uint32_t wirelen,
                   uint32_t idx)
{
    size_t at = ng_begin(b, 6);
    put32(b, ifid);
    put32(b, (uint32_t)(units >> 32));
    put32(b, (uint32_t)units);
    put32(b, caplen);
    put32(b, wirelen);
    put_payload(b, caplen, idx);
    while ((b->n - at) % 4)
        put8(b, 0);
    put16(b, 1); /* opt_comment */
    put16(b, 2);
    put(b, "hi\0\0", 4);
    put16(b, 0);
    put16(b, 0);
    ng_end(b, at);
}

static void ng_opb(bytes *b, uint16_t ifid, uint64_t units, uint32_t caplen, uint32_t wirelen,
                   uint32_t idx)
{
    size_t at = ng_begin(b, 2);
    put16(b, ifid);
    put16(b, 0);
    put32(b, (uint32_t)(units >> 32));
    put32(b, (uint32_t)units);
    put32(b, caplen);
    put32(b, wirelen);
    put_payload(b, caplen, idx);
    ng_end(b, at);
}

static void ng_spb(bytes *b, uint32_t wirelen, uint32_t datalen, uint32_t idx)
{
    size_t at = ng_begin(b, 3);
    put32(b, wirelen);
    put_payload(b, datalen, idx);
    ng_end(b, at);
}

static void ng_other(bytes *b, uint32_t type, size_t bodylen)
{
    size_t at = ng_begin(b, type);
    for (size_t i = 0; i < bodylen; i++)
        put8(b, 0xee);
    ng_end(b, at);
}

typedef struct want_frame {
    int64_t ts;
    uint32_t caplen, wirelen;
    uint16_t linktype;
    uint32_t idx;
} want_frame;

#define T0 1700000000LL

/* Two sections; the first little-endian with four interfaces (µs by default, ns,
 * 2^-20 with an offset, ps), the second big-endian with one. Returns the frames. */
static bytes make_pcapng(want_frame *w, int *nw, bool first_be)
{
    bytes b = {.be = first_be};
    int n = 0;
    ng_shb(&b);
    ng_idb(&b, 1, 64, -1, 0);      /* if 0: Ethernet, µs, snaplen 64 */
    ng_idb(&b, 101, 0, 9, 0);      /* if 1: raw IP, ns */
    ng_idb(&b, 228, 0, 0x94, 100); /* if 2: IPv4, 2^-20 s, offset +100 s */
    ng_idb(&b, 1, 0, 12, 0);       /* if 3: ps */
    ng_other(&b, 4, 12);           /* a name resolution block */
    ng_spb(&b, 40, 40, 0);         /* SPB before any timestamped packet: ts 0 */
    w[n++] = (want_frame){0, 40, 40, 1, 0};
    ng_epb(&b, 0, (uint64_t)T0 * 1000000 + 123456, 60, 60, 1);
    w[n++] = (want_frame){T0 * DS_NS_PER_SEC + 123456000, 60, 60, 1, 1};
    ng_epb(&b, 1, (uint64_t)T0 * 1000000000 + 987654321, 20, 1500, 2);
    w[n++] = (want_frame){T0 * DS_NS_PER_SEC + 987654321, 20, 1500, 101, 2};
    ng_other(&b, 0x00000BAD, 7);                                   /* custom block */
    ng_epb(&b, 2, ((uint64_t)T0 << 20) | (1u << 19) | 1, 5, 5, 3); /* .5 s + 2^-20 s */
    w[n++] = (want_frame){(T0 + 100) * DS_NS_PER_SEC + 500000000 + 953, 5, 5, 228, 3};
    /* 64-bit picoseconds reach only 213 days past the epoch; 1999 ps -> 1 ns */
    ng_epb(&b, 3, 1000 * 1000000000000ULL + 1999, 0, 0, 4);
    w[n++] = (want_frame){1000 * DS_NS_PER_SEC + 1, 0, 0, 1, 4};
    ng_spb(&b, 100, 64, 5); /* cut to if 0's snaplen; previous packet's time */
    w[n++] = (want_frame){1000 * DS_NS_PER_SEC + 1, 64, 100, 1, 5};
    ng_other(&b, 5, 20); /* interface statistics */
    ng_opb(&b, 1, (uint64_t)T0 * 1000000000 + 5, 33, 33, 6);
    w[n++] = (want_frame){T0 * DS_NS_PER_SEC + 5, 33, 33, 101, 6};
    /* second section, the other byte order, resets the interfaces */
    b.be = !first_be;
    ng_shb(&b);
    ng_idb(&b, 113, 0, 6, 0);
    ng_epb(&b, 0, (uint64_t)(T0 + 1) * 1000000 + 1, 7, 9, 7);
    w[n++] = (want_frame){(T0 + 1) * DS_NS_PER_SEC + 1000, 7, 9, 113, 7};
    ng_spb(&b, 3, 3, 8);
    w[n++] = (want_frame){(T0 + 1) * DS_NS_PER_SEC + 1000, 3, 3, 113, 8};
    *nw = n;
    return b;
}

static void check_pcapng(ds_capture *c, const want_frame *w, int nw)
{
    ds_frame f;
    int i = 0, r;
    while ((r = ds_capture_next(c, &f)) == DS_CAP_FRAME) {
        if (i >= nw) {
            DS_CHECK(i < nw);
            break;
        }
        DS_CHECK_EQ_INT(f.ts_ns, w[i].ts);
        DS_CHECK_EQ_INT(f.caplen, w[i].caplen);
        DS_CHECK_EQ_INT(f.wirelen, w[i].wirelen);
        DS_CHECK_EQ_INT(f.linktype, w[i].linktype);
        DS_CHECK(payload_ok(&f, w[i].idx));
        i++;
    }
    DS_CHECK_EQ_INT(r, DS_CAP_EOF);
    DS_CHECK_EQ_INT(i, nw);
    if (ds_capture_error(c))
        fprintf(stderr, "error: %s\n", ds_capture_error(c));
    DS_CHECK(ds_capture_warning(c) == NULL);
}

static void test_pcapng(void)
{
    for (int be = 0; be < 2; be++) {
        want_frame w[16];
        int nw;
        bytes b = make_pcapng(w, &nw, be);
        char err[DS_ERRLEN];
        ds_capture *c = ds_capture_open_mem(b.p, b.n, "ng", err, sizeof err);
        DS_CHECK(c != NULL);
        if (!c) {
            fprintf(stderr, "%s\n", err);
            continue;
        }
        DS_CHECK_EQ_STR(ds_capture_format(c), "pcapng");
        DS_CHECK_EQ_STR(ds_capture_byte_order(c), be ? "big-endian" : "little-endian");
        check_pcapng(c, w, nw);
        DS_CHECK_EQ_STR(ds_capture_byte_order(c), be ? "little-endian" : "big-endian");
        uint16_t lts[8];
        DS_CHECK_EQ_INT(ds_capture_linktypes(c, lts, 8), 4);
        DS_CHECK(lts[0] == 1 && lts[1] == 101 && lts[2] == 228 && lts[3] == 113);
        ds_capture_close(c);
        free(b.p);
    }
}

static ds_capture *open_bytes_expect(const bytes *b, int frames_before, int result)
{
    char err[DS_ERRLEN];
    ds_capture *c = ds_capture_open_mem(b->p, b->n, "bad", err, sizeof err);
    DS_CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    ds_frame f;
    int n = 0, r;
    while ((r = ds_capture_next(c, &f)) == DS_CAP_FRAME)
        n++;
    DS_CHECK_EQ_INT(n, frames_before);
    DS_CHECK_EQ_INT(r, result);
    return c;
}

static void test_pcapng_corrupt(void)
{
    char want[160];
    /* block length not a multiple of 4 */
    bytes b = {0};
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 0, 1, 10, 10, 0);
    size_t at = b.n;
    ng_epb(&b, 0, 2, 10, 10, 1);
    size_t blen = b.n - at;
    set32(&b, at + 4, 45);
    ds_capture *c = open_bytes_expect(&b, 1, DS_CAP_ERROR);
    snprintf(want, sizeof want, "offset %zu: pcapng block length 45 is not a multiple of 4", at);
    DS_CHECK_EQ_STR(ds_capture_error(c), want);
    ds_capture_close(c);
    /* below 12 */
    set32(&b, at + 4, 8);
    c = open_bytes_expect(&b, 1, DS_CAP_ERROR);
    snprintf(want, sizeof want, "offset %zu: pcapng block length 8 is less than 12", at);
    DS_CHECK_EQ_STR(ds_capture_error(c), want);
    ds_capture_close(c);
    /* trailing length differs */
    set32(&b, at + 4, 48);
    c = open_bytes_expect(&b, 1, DS_CAP_ERROR);
    DS_CHECK(ds_capture_error(c) && strstr(ds_capture_error(c), "trailing length"));
    ds_capture_close(c);
    /* interface out of range */
    set32(&b, at + 4, (uint32_t)blen);
    set32(&b, at + 8, 1);
    c = open_bytes_expect(&b, 1, DS_CAP_ERROR);
    snprintf(want, sizeof want,
             "offset %zu: packet of interface 1 but the section has 1 interface(s)", at);
    DS_CHECK_EQ_STR(ds_capture_error(c), want);
    ds_capture_close(c);
    /* captured length beyond the block */
    set32(&b, at + 8, 0);
    set32(&b, at + 20, 1000);
    c = open_bytes_expect(&b, 1, DS_CAP_ERROR);
    DS_CHECK(ds_capture_error(c) && strstr(ds_capture_error(c), "exceeds its block"));
    ds_capture_close(c);
    /* truncated last block: a warning and a clean end */
    set32(&b, at + 20, 10);
    b.n -= 3;
    c = open_bytes_expect(&b, 1, DS_CAP_EOF);
    snprintf(want, sizeof want, "offset %zu: last block truncated (%zu of %zu bytes)", at, blen - 3,
             blen);
    DS_CHECK_EQ_STR(ds_capture_warning(c), want);
    ds_capture_close(c);
    b.n = at + 5;
    c = open_bytes_expect(&b, 1, DS_CAP_EOF);
    DS_CHECK(ds_capture_warning(c) && strstr(ds_capture_warning(c), "block header truncated"));
    ds_capture_close(c);
    free(b.p);
    /* a new section forgets the interfaces of the previous one */
    bytes s = {0};
    ng_shb(&s);
    ng_idb(&s, 1, 0, -1, 0);
    ng_idb(&s, 1, 0, -1, 0);
    ng_epb(&s, 1, 1, 10, 10, 0);
    ng_shb(&s);
    ng_idb(&s, 1, 0, -1, 0);
    ng_epb(&s, 1, 1, 10, 10, 0);
    c = open_bytes_expect(&s, 1, DS_CAP_ERROR);
    DS_CHECK(ds_capture_error(c) && strstr(ds_capture_error(c), "interface 1"));
    ds_capture_close(c);
    free(s.p);
    /* a bad byte-order magic and an unsupported version fail at open */
    bytes v = {0};
    ng_shb(&v);
    v.p[12] = 2;
    char err[DS_ERRLEN];
    DS_CHECK(ds_capture_open_mem(v.p, v.n, "v", err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "unsupported pcapng version 2.0") != NULL);
    v.p[12] = 1;
    v.p[8] = 0;
    DS_CHECK(ds_capture_open_mem(v.p, v.n, "v", err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "byte-order magic") != NULL);
    free(v.p);
}

/* ---- compression --------------------------------------------------------------------- */

static bytes gz(const uint8_t *p, size_t n)
{
    z_stream z = {0};
    deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    bytes o = {0};
    o.cap = deflateBound(&z, n) + 64;
    o.p = malloc(o.cap);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = o.p;
    z.avail_out = (uInt)o.cap;
    deflate(&z, Z_FINISH);
    o.n = z.total_out;
    deflateEnd(&z);
    return o;
}

/* With a content checksum, as the zstd command writes by default. */
static bytes zst(const uint8_t *p, size_t n)
{
    bytes o = {0};
    o.cap = ZSTD_compressBound(n);
    o.p = malloc(o.cap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    o.n = ZSTD_compress2(cc, o.p, o.cap, p, n);
    ZSTD_freeCCtx(cc);
    return o;
}

static bytes xz(const uint8_t *p, size_t n)
{
    bytes o = {0};
    o.cap = lzma_stream_buffer_bound(n);
    o.p = malloc(o.cap);
    size_t pos = 0;
    lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, p, n, o.p, &pos, o.cap);
    o.n = pos;
    return o;
}

static bytes bz2(const uint8_t *p, size_t n)
{
    bytes o = {0};
    unsigned len = (unsigned)(n + n / 100 + 700);
    o.p = malloc(len);
    BZ2_bzBuffToBuffCompress((char *)o.p, &len, (char *)p, (unsigned)n, 9, 0, 0);
    o.n = o.cap = len;
    return o;
}

typedef bytes (*compressor)(const uint8_t *, size_t);

/* Compresses the two halves separately and concatenates them: two members/frames/
 * streams, split in the middle of a record. */
static bytes two_parts(compressor fn, const bytes *raw)
{
    size_t half = raw->n / 2 + 3;
    bytes a = fn(raw->p, half), b = fn(raw->p + half, raw->n - half);
    put(&a, b.p, b.n);
    free(b.p);
    return a;
}

static void check_compressed(const bytes *z, const char *chain, uint32_t n, size_t rawlen)
{
    char err[DS_ERRLEN];
    /* whole buffer, and fed in odd-sized chunks across every boundary */
    size_t chunks[3] = {0, 1, 4093};
    for (int k = 0; k < 3; k++) {
        ds_capture *c;
        if (chunks[k] == 0) {
            c = ds_capture_open_mem(z->p, z->n, "z", err, sizeof err);
        } else {
            ds_stream *s = ds_stream_open_mem_chunked(z->p, z->n, chunks[k], "z", err, sizeof err);
            c = s ? ds_capture_open_stream(s, "z", err, sizeof err) : NULL;
        }
        DS_CHECK(c != NULL);
        if (!c) {
            fprintf(stderr, "%s: %s\n", chain, err);
            continue;
        }
        DS_CHECK_EQ_STR(ds_capture_compression(c), chain);
        DS_CHECK_EQ_INT(check_made_pcap(c, false, n), n);
        if (ds_capture_error(c))
            fprintf(stderr, "%s: %s\n", chain, ds_capture_error(c));
        DS_CHECK(ds_capture_warning(c) == NULL);
        DS_CHECK_EQ_INT(ds_capture_bytes_read(c), z->n);
        ds_capture_close(c);
    }
    (void)rawlen;
}

static void test_compression(void)
{
    const uint32_t n = 3000;
    bytes raw = make_pcap(false, false, n);
    struct {
        compressor fn;
        const char *name;
    } codecs[4] = {{gz, "gzip"}, {zst, "zstd"}, {xz, "xz"}, {bz2, "bzip2"}};
    char *dir = ds_test_tmpdir("capz");
    for (int i = 0; i < 4; i++) {
        bytes one = codecs[i].fn(raw.p, raw.n);
        check_compressed(&one, codecs[i].name, n, raw.n);
        /* through a real file too */
        char *path = tmp_path(dir, "x.cap");
        ds_test_write_file(path, one.p, one.n);
        char err[DS_ERRLEN];
        ds_capture *c = ds_capture_open(path, err, sizeof err);
        DS_CHECK(c != NULL);
        if (c) {
            DS_CHECK_EQ_STR(ds_capture_compression(c), codecs[i].name);
            check_made_pcap(c, false, n);
            DS_CHECK_EQ_INT(ds_capture_file_size(c), one.n);
            ds_capture_close(c);
        }
        free(path);
        bytes two = two_parts(codecs[i].fn, &raw);
        check_compressed(&two, codecs[i].name, n, raw.n);
        free(one.p);
        free(two.p);
    }
    /* nesting */
    bytes g = gz(raw.p, raw.n), gg = gz(g.p, g.n);
    check_compressed(&gg, "gzip+gzip", n, raw.n);
    bytes zs = zst(raw.p, raw.n), zg = gz(zs.p, zs.n);
    check_compressed(&zg, "gzip+zstd", n, raw.n);
    bytes xb = bz2(raw.p, raw.n), xx = xz(xb.p, xb.n), xxg = two_parts(gz, &xx);
    check_compressed(&xxg, "gzip+xz+bzip2", n, raw.n);
    free(g.p), free(gg.p), free(zs.p), free(zg.p), free(xb.p), free(xx.p), free(xxg.p);
    /* pcapng inside zstd */
    want_frame w[16];
    int nw;
    bytes ng = make_pcapng(w, &nw, false), ngz = zst(ng.p, ng.n);
    char err[DS_ERRLEN];
    ds_stream *s = ds_stream_open_mem_chunked(ngz.p, ngz.n, 3, "ngz", err, sizeof err);
    ds_capture *c = ds_capture_open_stream(s, "ngz", err, sizeof err);
    DS_CHECK(c != NULL);
    if (c) {
        check_pcapng(c, w, nw);
        ds_capture_close(c);
    }
    free(ng.p), free(ngz.p), free(raw.p);
    ds_test_rmtree(dir);
    free(dir);
}

/* A corrupt or cut compressed stream: frames before the damage, then an error or a
 * warning. The capture is bigger than a decompression buffer, so the damage is met
 * after frames were delivered. */
static void test_compression_damage(void)
{
    const uint32_t n = 40000;
    bytes raw = make_pcap(false, false, n);
    char err[DS_ERRLEN];
    ds_frame f;
    compressor fns[4] = {gz, zst, xz, bz2};
    const char *names[4] = {"gzip", "zstd", "xz", "bzip2"};
    for (int i = 0; i < 4; i++) {
        bytes z = fns[i](raw.p, raw.n);
        /* cut in the middle: all whole records before the cut, then a warning */
        ds_capture *c = ds_capture_open_mem(z.p, z.n / 2, "cut", err, sizeof err);
        DS_CHECK(c != NULL);
        if (c) {
            long got = 0;
            int r;
            while ((r = ds_capture_next(c, &f)) == DS_CAP_FRAME)
                got++;
            DS_CHECK_EQ_INT(r, DS_CAP_EOF);
            DS_CHECK(got > 1000 && got < (long)n);
            const char *w = ds_capture_warning(c);
            DS_CHECK(w && strstr(w, names[i]) && strstr(w, "truncated"));
            if (!w || !strstr(w, "truncated"))
                fprintf(stderr, "%s cut: warning %s error %s\n", names[i], w ? w : "-",
                        ds_capture_error(c) ? ds_capture_error(c) : "-");
            ds_capture_close(c);
        }
        /* bytes flipped in the middle: an error naming the codec and an offset */
        for (size_t k = z.n / 2; k < z.n / 2 + 64; k++)
            z.p[k] ^= 0x5a;
        char want[64];
        snprintf(want, sizeof want, "corrupt %s data", names[i]);
        c = ds_capture_open_mem(z.p, z.n, "bad", err, sizeof err);
        if (!c) {
            /* bzip2 decodes a whole 900 kB block before it gives out a byte, so the
             * damage can be met while the open looks at the first bytes. */
            DS_CHECK(strstr(err, "bad: compressed offset ") && strstr(err, want));
        } else {
            long got = 0;
            int r;
            while ((r = ds_capture_next(c, &f)) == DS_CAP_FRAME)
                got++;
            if (r != DS_CAP_ERROR)
                fprintf(stderr, "%s damage: %d after %ld frames; warning %s\n", names[i], r, got,
                        ds_capture_warning(c) ? ds_capture_warning(c) : "-");
            DS_CHECK_EQ_INT(r, DS_CAP_ERROR);
            const char *e = ds_capture_error(c);
            /* Damage can also show first as a broken record inside the garbage. */
            DS_CHECK(e && (strstr(e, want) || strstr(e, "record length")));
            DS_CHECK(e && strstr(e, "offset "));
            if (e && !strstr(e, want))
                fprintf(stderr, "note: %s damage surfaced as: %s\n", names[i], e);
            ds_capture_close(c);
        }
        free(z.p);
    }
    /* a bad gzip CRC: decoded records are all fine, the trailer check fails */
    bytes z = gz(raw.p, raw.n);
    z.p[z.n - 8] ^= 1;
    ds_capture *c = ds_capture_open_mem(z.p, z.n, "crc", err, sizeof err);
    long got = 0;
    int r;
    while ((r = ds_capture_next(c, &f)) == DS_CAP_FRAME)
        got++;
    DS_CHECK_EQ_INT(r, DS_CAP_ERROR);
    DS_CHECK(ds_capture_error(c) && strstr(ds_capture_error(c), "compressed offset ") &&
             strstr(ds_capture_error(c), "corrupt gzip data"));
    ds_capture_close(c);
    z.p[z.n - 8] ^= 1;
    /* an invalid first deflate block: the open itself fails */
    z.p[10] |= 0x06;
    DS_CHECK(ds_capture_open_mem(z.p, z.n, "hdr", err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "hdr: compressed offset ") && strstr(err, "corrupt gzip data"));
    z.p[10] &= (uint8_t)~0x06;
    free(z.p);
    /* garbage after the last member is ignored with a warning, like gzip(1) */
    bytes small = make_pcap(false, false, 10), sg = gz(small.p, small.n);
    put(&sg, "\0\0\0\0garbage", 11);
    c = ds_capture_open_mem(sg.p, sg.n, "tail", err, sizeof err);
    DS_CHECK_EQ_INT(check_made_pcap(c, false, 10), 10);
    DS_CHECK(ds_capture_warning(c) && strstr(ds_capture_warning(c), "trailing garbage"));
    ds_capture_close(c);
    free(sg.p), free(small.p), free(raw.p);
}

/* ---- things that are not captures ---------------------------------------------------- */

static void test_not_captures(void)
{
    char *dir = ds_test_tmpdir("capn");
    char err[DS_ERRLEN], want[4200];
    char *txt = tmp_path(dir, "t.pcap");
    ds_test_write_file(txt, "this is not a valid pcap file.", 30);
    DS_CHECK(ds_capture_open(txt, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s: not a capture file (first bytes 74 68 69 73)", txt);
    DS_CHECK_EQ_STR(err, want);
    /* the same text gzip-compressed */
    bytes g = gz((const uint8_t *)"this is not", 11);
    ds_test_write_file(txt, g.p, g.n);
    DS_CHECK(ds_capture_open(txt, err, sizeof err) == NULL);
    snprintf(want, sizeof want,
             "%s: not a capture file after decompression with gzip (first bytes 74 68 69 73)", txt);
    DS_CHECK_EQ_STR(err, want);
    free(g.p);
    /* empty, short */
    ds_test_write_file(txt, "", 0);
    DS_CHECK(ds_capture_open(txt, err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "empty") != NULL);
    ds_test_write_file(txt, "\xd4\xc3", 2);
    DS_CHECK(ds_capture_open(txt, err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "too short") != NULL);
    /* a pcap header cut short */
    ds_test_write_file(txt, "\xd4\xc3\xb2\xa1\x02\x00\x04\x00", 8);
    DS_CHECK(ds_capture_open(txt, err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "truncated pcap file header (8 of 24 bytes)") != NULL);
    /* a directory, a missing file, /dev/zero */
    DS_CHECK(ds_capture_open(dir, err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "is a directory") != NULL);
    char *missing = tmp_path(dir, "missing.pcap");
    DS_CHECK(ds_capture_open(missing, err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "No such file") != NULL);
    if (access("/dev/zero", R_OK) == 0) {
        DS_CHECK(ds_capture_open("/dev/zero", err, sizeof err) == NULL);
        DS_CHECK_EQ_STR(err, "/dev/zero: not a capture file (first bytes 00 00 00 00)");
    }
    free(missing);
    free(txt);
    ds_test_rmtree(dir);
    free(dir);
}

/* A FIFO with a writer process: read as a stream. A writer that writes nothing gives
 * a clear "empty" message. */
static void test_fifo(void)
{
    char *dir = ds_test_tmpdir("capf");
    char *fifo = tmp_path(dir, "f.pcap");
    DS_CHECK(mkfifo(fifo, 0600) == 0);
    bytes raw = make_pcap(true, true, 20000);
    bytes zr = gz(raw.p, raw.n);
    for (int k = 0; k < 2; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open(fifo, O_WRONLY);
            if (k == 0)
                for (size_t off = 0; off < zr.n;) {
                    ssize_t w = write(fd, zr.p + off, zr.n - off < 1000 ? zr.n - off : 1000);
                    if (w <= 0)
                        _exit(1);
                    off += (size_t)w;
                }
            close(fd);
            _exit(0);
        }
        char err[DS_ERRLEN];
        ds_capture *c = ds_capture_open(fifo, err, sizeof err);
        if (k == 0) {
            DS_CHECK(c != NULL);
            if (c) {
                DS_CHECK_EQ_STR(ds_capture_compression(c), "gzip");
                DS_CHECK_EQ_INT(ds_capture_file_size(c), 0);
                check_made_pcap(c, true, 20000);
                DS_CHECK_EQ_INT(ds_capture_bytes_read(c), zr.n);
                ds_capture_close(c);
            }
        } else {
            DS_CHECK(c == NULL);
            DS_CHECK(strstr(err, "empty input") != NULL);
        }
        int st;
        waitpid(pid, &st, 0);
        DS_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    free(raw.p), free(zr.p), free(fifo);
    ds_test_rmtree(dir);
    free(dir);
}

/* Records that straddle every refill boundary of a small-chunk source, and a record
 * bigger than the stream buffer. */
static void test_chunked_and_big(void)
{
    bytes raw = make_pcap(false, false, 2000);
    char err[DS_ERRLEN];
    size_t chunks[4] = {1, 3, 17, 1000};
    for (int k = 0; k < 4; k++) {
        ds_stream *s = ds_stream_open_mem_chunked(raw.p, raw.n, chunks[k], "c", err, sizeof err);
        ds_capture *c = ds_capture_open_stream(s, "c", err, sizeof err);
        DS_CHECK(c != NULL);
        if (c) {
            check_made_pcap(c, false, 2000);
            ds_capture_close(c);
        }
    }
    free(raw.p);
    bytes big = {0};
    pcap_header(&big, false, 0, 1);
    pcap_record(&big, 5, 6, 3u << 20, 3u << 20, 0);
    pcap_record(&big, 5, 7, 10, 10, 1);
    ds_stream *s = ds_stream_open_mem_chunked(big.p, big.n, 65536, "big", err, sizeof err);
    ds_capture *c = ds_capture_open_stream(s, "big", err, sizeof err);
    ds_frame f;
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_FRAME);
    DS_CHECK_EQ_INT(f.caplen, 3u << 20);
    DS_CHECK(payload_ok(&f, 0));
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_FRAME);
    DS_CHECK_EQ_INT(f.offset, 24 + 16 + (3u << 20));
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_EOF);
    ds_capture_close(c);
    free(big.p);
}

/* ---- the team's real captures --------------------------------------------------------- */

static void test_shared_captures(void)
{
    const char *dir = ds_test_captures_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/reference-counts.csv", dir);
    char *csv = ds_test_read_file(path, NULL);
    DS_CHECK(csv != NULL);
    if (!csv)
        return;
    int files = 0;
    char *save = NULL;
    char *line = strtok_r(csv, "\n", &save); /* header */
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *fields[32];
        int nf = 0;
        for (char *p = line; nf < 32;) {
            fields[nf++] = p;
            char *comma = strchr(p, ',');
            if (!comma)
                break;
            *comma = 0;
            p = comma + 1;
        }
        if (nf < 21)
            continue;
        const char *name = fields[0], *lt = fields[1], *packets = fields[2];
        const char *first_ts = fields[19], *last_ts = fields[20];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        char err[DS_ERRLEN];
        ds_capture *c = ds_capture_open(path, err, sizeof err);
        files++;
        if (!*packets) {
            DS_CHECK(c == NULL);
            DS_CHECK(strstr(err, "not a capture file (first bytes 74 68 69 73)") != NULL);
            ds_capture_close(c);
            continue;
        }
        DS_CHECK(c != NULL);
        if (!c) {
            fprintf(stderr, "%s\n", err);
            continue;
        }
        ds_frame f;
        long n = 0;
        int r;
        char first[DS_TIME_STRLEN] = "", last[DS_TIME_STRLEN] = "";
        bool lt_ok = true;
        int want_lt = atoi(strchr(lt, '(') + 1);
        while ((r = ds_capture_next(c, &f)) == DS_CAP_FRAME) {
            if (n == 0)
                ds_time_format(f.ts_ns, first);
            ds_time_format(f.ts_ns, last);
            lt_ok &= f.linktype == want_lt;
            n++;
        }
        DS_CHECK_EQ_INT(r, DS_CAP_EOF);
        DS_CHECK(lt_ok);
        if (n != atol(packets) || strcmp(first, first_ts) || strcmp(last, last_ts))
            fprintf(stderr, "%s: %ld packets %s..%s, expected %s %s..%s\n", name, n, first, last,
                    packets, first_ts, last_ts);
        DS_CHECK_EQ_INT(n, atol(packets));
        DS_CHECK_EQ_STR(first, first_ts);
        DS_CHECK_EQ_STR(last, last_ts);
        DS_CHECK(ds_capture_warning(c) == NULL);
        if (strcmp(name, "anon-v4.pcap") == 0)
            DS_CHECK_EQ_STR(ds_capture_compression(c), "gzip");
        if (strcmp(name, "be.pcap") == 0)
            DS_CHECK_EQ_STR(ds_capture_byte_order(c), "big-endian");
        if (strcmp(name, "synscan.pcapng") == 0 || strcmp(name, "pathspider_icmp_ttl.pcap") == 0)
            DS_CHECK_EQ_STR(ds_capture_format(c), "pcapng");
        ds_capture_close(c);
    }
    DS_CHECK_EQ_INT(files, 19);
    free(csv);
}

/* ---- live capture on the loopback interface -------------------------------------------- */

static void *break_later(void *arg)
{
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    ds_capture_break(arg);
    return NULL;
}

static void test_live(void)
{
    char err[DS_ERRLEN];
    DS_CHECK(ds_capture_open_live("no-such-if0", NULL, 0, 100, err, sizeof err) == NULL);
    DS_CHECK(strncmp(err, "no-such-if0: ", 13) == 0);
    ds_capture *c = ds_capture_open_live("lo", "udp and dst port 59999", 0, 100, err, sizeof err);
    if (!c) {
        fprintf(stderr, "live capture skipped: %s\n", err);
        DS_CHECK(strncmp(err, "lo: ", 4) == 0);
        return;
    }
    DS_CHECK(ds_capture_open_live("lo", "udp and and", 0, 100, err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "bad filter") != NULL);
    DS_CHECK_EQ_STR(ds_capture_format(c), "live");
    ds_frame f;
    DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_TIMEOUT);
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(59999), .sin_addr.s_addr = htonl(0x7f000001)};
    DS_CHECK(sendto(sock, "darkscope", 9, 0, (struct sockaddr *)&to, sizeof to) == 9);
    close(sock);
    int r = DS_CAP_TIMEOUT;
    for (int tries = 0; tries < 30 && r == DS_CAP_TIMEOUT; tries++)
        r = ds_capture_next(c, &f);
    DS_CHECK_EQ_INT(r, DS_CAP_FRAME);
    if (r == DS_CAP_FRAME) {
        DS_CHECK_EQ_INT(f.linktype, 1);
        DS_CHECK_EQ_INT(f.caplen, 14 + 20 + 8 + 9);
        DS_CHECK(memcmp(f.data + f.caplen - 9, "darkscope", 9) == 0);
        int64_t now = (int64_t)time(NULL) * DS_NS_PER_SEC;
        DS_CHECK(f.ts_ns > now - 60 * DS_NS_PER_SEC && f.ts_ns < now + 60 * DS_NS_PER_SEC);
    }
    DS_CHECK_EQ_INT(ds_capture_dropped(c), 0);
    ds_capture_close(c);
    /* a break from another thread ends a capture that waits forever */
    c = ds_capture_open_live("lo", "udp and dst port 59998", 0, 0, err, sizeof err);
    DS_CHECK(c != NULL);
    if (c) {
        pthread_t t;
        pthread_create(&t, NULL, break_later, c);
        DS_CHECK_EQ_INT(ds_capture_next(c, &f), DS_CAP_EOF);
        pthread_join(t, NULL);
        ds_capture_close(c);
    }
}

static void test_linktype_names(void)
{
    DS_CHECK_EQ_STR(ds_linktype_name(1), "ETHERNET");
    DS_CHECK_EQ_STR(ds_linktype_name(101), "RAW");
    DS_CHECK_EQ_STR(ds_linktype_name(276), "LINUX_SLL2");
    DS_CHECK_EQ_STR(ds_linktype_name(65000), "UNKNOWN");
}

int main(void)
{
    DS_RUN(test_pcap_variants);
    DS_RUN(test_pcap_offsets_and_exact_ts);
    DS_RUN(test_pcap_truncated);
    DS_RUN(test_pcap_corrupt_caplen);
    DS_RUN(test_pcapng);
    DS_RUN(test_pcapng_corrupt);
    DS_RUN(test_compression);
    DS_RUN(test_compression_damage);
    DS_RUN(test_not_captures);
    DS_RUN(test_fifo);
    DS_RUN(test_chunked_and_big);
    DS_RUN(test_shared_captures);
    DS_RUN(test_live);
    DS_RUN(test_linktype_names);
    return ds_test_result();
}

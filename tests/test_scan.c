/*
 * test_scan.c — scanners.csv on a crafted capture whose every edge is known
 * (24 vs 25 destinations, the 5-minute window at +0 and +1 µs, the silence that
 * ends an episode, tool fingerprints, classes that are not probes), the memory
 * of a million one-packet sources, and the table's size under a steady stream of
 * them.
 */
#include "ds_test.h"

#include <malloc.h>
#include <sys/wait.h>

#include "analysis/ds_analyzer.h"
#include "analysis/ds_scan_int.h"
#include "enrich/ds_enrich.h"
#include "output/ds_pcap_writer.h"
#include "sim/ds_craft.h"

extern const ds_analyzer_ops ds_scan_ops;

typedef struct ev {
    int64_t ts;
    ds_craft c;
} ev;

static ev evs[4096];
static size_t nev;

enum { T_NONE, T_ZMAP, T_MASSCAN, T_MIRAI };

static uint16_t masscan_id(uint32_t dst, uint16_t dport, uint32_t seq)
{
    return (uint16_t)((dst ^ dport ^ seq) & 0xffff);
}

/* A probe: TCP SYN (proto 6), UDP (17) or ICMP echo request (1). */
static void probe(int64_t ts, uint32_t src, uint32_t dst, uint8_t proto, uint16_t dport, int tool)
{
    ds_craft c = {.src = src,
                  .dst = dst,
                  .proto = proto,
                  .sport = 40000,
                  .dport = dport,
                  .tcp_flags = 0x02,
                  .seq = 0x1000 + (uint32_t)nev,
                  .icmp_type = 8};
    if (tool == T_MIRAI)
        c.seq = dst;
    /* An IP ID that is none of the fingerprints unless asked for. */
    c.ip_id = (uint16_t)(masscan_id(dst, dport, c.seq) ^ 0x5a5a);
    if (c.ip_id == 54321)
        c.ip_id ^= 1;
    if (tool == T_ZMAP)
        c.ip_id = 54321;
    if (tool == T_MASSCAN)
        c.ip_id = masscan_id(dst, dport, c.seq);
    evs[nev].ts = ts;
    evs[nev].c = c;
    nev++;
}

static int ev_cmp(const void *a, const void *b)
{
    const ev *x = a, *y = b;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

/* Cuts `line` after its first n comma-separated fields (which contain no quotes). */
static char *cut_fields(char *line, int n)
{
    for (char *p = line; *p; p++)
        if (*p == ',' && --n == 0) {
            *p = 0;
            break;
        }
    return line;
}

static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define S DS_NS_PER_SEC
#define DST(i) (0x2c000000u + 0x010203u * (uint32_t)(i) + 1u)

static char *expect[64];
static int nexp;

static void want(const char *src, const char *proto, int port, int64_t start, int64_t end,
                 int packets, int dests, const char *pps, const char *tool)
{
    char b1[DS_TIME_STRLEN], b2[DS_TIME_STRLEN], line[512];
    snprintf(line, sizeof line, "%s,%s,%d,%s,%s,%d,%d,%s,%s", src, proto, port,
             ds_time_format(start, b1), ds_time_format(end, b2), packets, dests, pps, tool);
    expect[nexp++] = strdup(line);
}

static void test_crafted(void)
{
    const int64_t T = 1600000000LL * S;
    int64_t t;
    /* A: 25 destinations spread over exactly 300 s: a scanner. */
    for (int i = 0; i < 25; i++)
        probe(T + (int64_t)i * 12500000000LL, 0x01010101, DST(i), 6, 23, T_NONE);
    want("1.1.1.1", "tcp", 23, T, T + 300 * S, 25, 25, "20.48", "unknown");
    /* B: 24 destinations: not a scanner. */
    for (int i = 0; i < 24; i++)
        probe(T + i * S, 0x02020202, DST(i), 6, 23, T_NONE);
    /* C: 25 destinations over 300 s + 1 µs: not yet; one more 0.999999 s later makes
     * 25 within [T+1s, T+301s]: the episode starts at the oldest counted probe (T+100). */
    t = T + 2000 * S;
    probe(t, 0x03030303, DST(0), 6, 23, T_NONE);
    for (int i = 1; i < 24; i++)
        probe(t + 100 * S, 0x03030303, DST(i), 6, 23, T_NONE);
    probe(t + 300 * S + 1000, 0x03030303, DST(24), 6, 23, T_NONE);
    probe(t + 301 * S, 0x03030303, DST(25), 6, 23, T_NONE);
    want("3.3.3.3", "tcp", 23, t + 100 * S, t + 301 * S, 25, 25, "30.5672", "unknown");
    /* D: ZMap, 30 destinations 1 s apart, one destination probed twice. */
    t = T + 5000 * S;
    for (int i = 0; i < 30; i++)
        probe(t + i * S, 0x04040404, DST(i), 6, 80, T_ZMAP);
    probe(t + 30 * S, 0x04040404, DST(3), 6, 80, T_ZMAP);
    want("4.4.4.4", "tcp", 80, t, t + 30 * S, 31, 30, "256", "zmap");
    /* E: a gap of exactly 300 s continues the episode; 300 s + 1 ns ends it. */
    t = T + 8000 * S;
    for (int i = 0; i < 25; i++)
        probe(t + i * S, 0x05050505, DST(i), 6, 22, T_NONE);
    probe(t + 324 * S, 0x05050505, DST(100), 6, 22, T_NONE);
    probe(t + 624 * S + 1, 0x05050505, DST(101), 6, 22, T_NONE);
    want("5.5.5.5", "tcp", 22, t, t + 324 * S, 26, 26, "19.7531", "unknown");
    /* F: Mirai (seq = destination), G: Masscan (IP ID), port 2323 and 443. */
    t = T + 12000 * S;
    for (int i = 0; i < 25; i++)
        probe(t + i * S, 0x06060606, DST(i), 6, 2323, T_MIRAI);
    want("6.6.6.6", "tcp", 2323, t, t + 24 * S, 25, 25, "256", "mirai");
    for (int i = 0; i < 25; i++)
        probe(t + i * S, 0x07070707, DST(i), 6, 443, T_MASSCAN);
    want("7.7.7.7", "tcp", 443, t, t + 24 * S, 25, 25, "256", "masscan");
    /* H: ICMP echo requests (port 0); J: UDP to 53. */
    for (int i = 0; i < 25; i++)
        probe(t + i * S, 0x08080808, DST(i), 1, 0, T_NONE);
    want("8.8.8.8", "icmp", 0, t, t + 24 * S, 25, 25, "256", "unknown");
    for (int i = 0; i < 25; i++)
        probe(t + i * S, 0x09090909, DST(i), 17, 53, T_NONE);
    want("9.9.9.9", "udp", 53, t, t + 24 * S, 25, 25, "256", "unknown");
    /* I: backscatter (SYN+ACK) to 30 destinations is not scanning. */
    for (int i = 0; i < 30; i++) {
        probe(t + i * S, 0x0a0b0c0d, DST(i), 6, 1024, T_NONE);
        evs[nev - 1].c.tcp_flags = 0x12;
    }
    /* K: 13 + 13 destinations on two ports: not a scanner on either. */
    for (int i = 0; i < 13; i++) {
        probe(t + i * S, 0x0b0b0b0b, DST(i), 6, 23, T_NONE);
        probe(t + i * S, 0x0b0b0b0b, DST(50 + i), 6, 24, T_NONE);
    }
    /* L: 12 of 25 probes from ZMap is no majority; 13 of 25 is. */
    t = T + 15000 * S;
    for (int i = 0; i < 25; i++)
        probe(t + i * S, 0x0c0c0c0c, DST(i), 6, 21, i < 12 ? T_ZMAP : T_NONE);
    want("12.12.12.12", "tcp", 21, t, t + 24 * S, 25, 25, "256", "unknown");
    for (int i = 0; i < 25; i++)
        probe(t + i * S, 0x0d0d0d0d, DST(i), 6, 21, i < 13 ? T_ZMAP : T_NONE);
    want("13.13.13.13", "tcp", 21, t, t + 24 * S, 25, 25, "256", "zmap");
    /* M: probes outside the telescope do not count (24 inside + 5 outside). */
    for (int i = 0; i < 24; i++)
        probe(t + i * S, 0x0e0e0e0e, DST(i), 6, 23, T_NONE);
    for (int i = 0; i < 5; i++)
        probe(t + i * S, 0x0e0e0e0e, 0x0a000001u + (uint32_t)i, 6, 23, T_NONE);

    qsort(evs, nev, sizeof *evs, ev_cmp);
    char *dir = ds_test_tmpdir("scan");
    char pc[4096], out[4096], cmd[12288];
    snprintf(pc, sizeof pc, "%s/scan.pcap", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    char err[DS_ERRLEN];
    ds_pcap_writer *w = ds_pcap_writer_open(pc, 1, true, DS_COMPRESS_NONE, err, sizeof err);
    DS_CHECK(w != NULL);
    uint8_t buf[256];
    for (size_t i = 0; i < nev; i++) {
        size_t len = ds_craft_frame(&evs[i].c, buf, true);
        ds_pcap_writer_add(w, evs[i].ts, buf, (uint32_t)len, (uint32_t)len);
    }
    DS_CHECK_EQ_INT(ds_pcap_writer_close(w, err, sizeof err), 0);
    snprintf(cmd, sizeof cmd, "%s analyze -q --telescope ucsd=44.0.0.0/8 -o %s %s", ds_test_bin(),
             out, pc);
    int st = system(cmd);
    DS_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    char path[4200];
    snprintf(path, sizeof path, "%s/scanners.csv", out);
    char *txt = ds_test_read_file(path, NULL);
    DS_CHECK(txt != NULL);
    char *got[64];
    int ngot = 0;
    if (txt) {
        char *save = NULL, *line = strtok_r(txt, "\n", &save);
        DS_CHECK_EQ_STR(line, "source,protocol,port,start,end,packets,destinations,est_scan_pps,"
                              "tool," DS_ENRICH_CSV_HEADER);
        /* The scan columns only: attribution depends on the installed databases. */
        while ((line = strtok_r(NULL, "\n", &save)) != NULL && ngot < 64)
            got[ngot++] = cut_fields(line, 9);
    }
    DS_CHECK_EQ_INT(ngot, nexp);
    qsort(got, (size_t)ngot, sizeof *got, line_cmp);
    qsort(expect, (size_t)nexp, sizeof *expect, line_cmp);
    for (int i = 0; i < ngot && i < nexp; i++)
        DS_CHECK_EQ_STR(got[i], expect[i]);
    free(txt);
    for (int i = 0; i < nexp; i++)
        free(expect[i]);
    ds_test_rmtree(dir);
    free(dir);
}

/* A million sources with one probe each: the state stays small and is released
 * once they have been silent for the window. */
/* Heap in use, small blocks and mmapped big ones. */
static size_t heap_used(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/* A decoded TCP SYN to port 23 from the source-th of a spread of sources. */
static void telnet_probe(ds_pkt *p, int64_t ts, uint32_t source, uint32_t k)
{
    p->ts_ns = ts;
    ds_ip_set_v4(&p->src, 0x01000000u + source * 13u);
    ds_ip_set_v4(&p->dst, 0x2c000001u + k);
    p->proto = 6;
    p->dport = 23;
    p->cls = DS_CLS_SCAN_TCP;
    p->ipver = 4;
}

static void test_million_sources(void)
{
    ds_telescope *tel = ds_telescope_new();
    char err[DS_ERRLEN];
    DS_CHECK_EQ_INT(ds_telescope_add_spec(tel, "ucsd=44.0.0.0/8", err, sizeof err), 0);
    char *dir = ds_test_tmpdir("scanmem");
    ds_ctx ctx = {.telescope = tel,
                  .sigs = NULL,
                  .interval_ns = 60 * S,
                  .out = ds_outdir_open(dir, err, sizeof err)};
    void *cfg = ds_scan_ops.config_new();
    size_t m0 = heap_used();
    void *st = ds_scan_ops.create(&ctx, cfg);
    const int64_t T = 1600000000LL * S;
    ds_pkt *b = calloc(1024, sizeof *b);
    const uint32_t N = 1000000;
    size_t peak = 0;
    for (uint32_t i = 0; i < N; i += 1024) {
        uint32_t n = N - i < 1024 ? N - i : 1024;
        for (uint32_t k = 0; k < n; k++) /* 1M in 100 s */
            telnet_probe(&b[k], T + (int64_t)(i + k) * 100000, i + k, k);
        ds_scan_ops.packets(st, b, n);
        ds_scan_ops.advance(st, b[n - 1].ts_ns);
        size_t used = heap_used() - m0;
        if (used > peak)
            peak = used;
    }
    fprintf(stderr, "    1M one-probe sources within 100 s: peak %.1f MB (%.0f bytes/source)\n",
            (double)peak / 1e6, (double)peak / N);
    DS_CHECK(peak < 200u * 1000 * 1000);
    /* Silent for longer than the sweep period (4 windows), a sweep ends them;
     * the next sweep, seeing that the table held few keys, gives the memory back. */
    b[0].ts_ns = T + 100 * S + 1201 * S;
    ds_ip_set_v4(&b[0].src, 0x7f7f7f7f);
    ds_scan_ops.packets(st, b, 1);
    ds_scan_ops.advance(st, b[0].ts_ns);
    b[0].ts_ns += 1201 * S;
    ds_scan_ops.packets(st, b, 1);
    ds_scan_ops.advance(st, b[0].ts_ns);
    size_t after = heap_used() - m0;
    fprintf(stderr, "    after the window: %.1f KB\n", (double)after / 1e3);
    DS_CHECK(after < 1000 * 1000);
    json_t *sum = json_object();
    DS_CHECK_EQ_INT(ds_scan_ops.write(st, &ctx, sum, err, sizeof err), 0);
    DS_CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(sum, "scan"), "episodes")),
                    0);
    json_decref(sum);
    ds_scan_ops.destroy(st);
    ds_scan_ops.config_free(cfg);
    ds_outdir_close(ctx.out);
    ds_telescope_free(tel);
    free(b);
    ds_test_rmtree(dir);
    free(dir);
}

/* A steady stream of one-packet sources (the background of every telescope):
 * each rebuild expires most keys and the stream refills the table. Once the
 * table has grown to hold what a window brings, a window may cost at most one
 * rebuild, and the table must stay at that size: sized by the keys that survive
 * a sweep, the table halved at every sweep and doubled again before the next
 * (three rebuilds of the whole table per window, a fifth of a bench run's
 * analysis); swept every window whether full or not, the sweeps were a third of
 * it (now the table is rebuilt when it fills, and swept every 4 windows). */
static void test_steady_churn(void)
{
    ds_telescope *tel = ds_telescope_new();
    char err[DS_ERRLEN];
    DS_CHECK_EQ_INT(ds_telescope_add_spec(tel, "ucsd=44.0.0.0/8", err, sizeof err), 0);
    ds_ctx ctx = {.telescope = tel, .interval_ns = 60 * S};
    void *cfg = ds_scan_ops.config_new();
    ds_scan *sc = ds_scan_ops.create(&ctx, cfg);
    const int64_t T = 1600000000LL * S;
    ds_pkt *b = calloc(1000, sizeof *b);
    enum { WINDOWS = 8, PER_WINDOW = 300000 }; /* 1000 new sources a second */
    int rebuilds[WINDOWS] = {0};
    uint64_t seen = sc->rebuilds;
    for (uint32_t i = 0; i < WINDOWS * PER_WINDOW; i += 1000) {
        for (uint32_t k = 0; k < 1000; k++)
            telnet_probe(&b[k], T + (int64_t)(i + k) * (S / 1000), i + k, k);
        ds_scan_ops.packets(sc, b, 1000);
        ds_scan_ops.advance(sc, b[999].ts_ns);
        rebuilds[i / PER_WINDOW] += (int)(sc->rebuilds - seen);
        seen = sc->rebuilds;
    }
    fprintf(stderr, "    table rebuilds in each window:");
    for (int w = 0; w < WINDOWS; w++)
        fprintf(stderr, " %d", rebuilds[w]);
    fprintf(stderr, " (capacity %zu)\n", sc->cap);
    int total = 0;
    for (int w = 3; w < WINDOWS; w++) {
        DS_CHECK(rebuilds[w] <= 1);
        total += rebuilds[w];
    }
    DS_CHECK(total >= 1);                 /* the silent keys do go */
    DS_CHECK(sc->cap <= (size_t)1 << 21); /* 300,000 keys a window: no growth */
    ds_scan_ops.destroy(sc);
    ds_scan_ops.config_free(cfg);
    ds_telescope_free(tel);
    free(b);
}

int main(void)
{
    DS_RUN(test_crafted);
    DS_RUN(test_million_sources);
    DS_RUN(test_steady_churn);
    return ds_test_result();
}

/*
 * bench_gen.c — writes the benchmark capture: one synthetic hour of a /8 telescope
 * (44.0.0.0/8) with a realistic mix, as a classic pcap on standard output or a file.
 *
 *   bench_gen PACKETS OUT.pcap [WORM_HOSTS]
 *
 * Mix (by packet): 78% TCP SYN scans from about a million sources (port 80, 23,
 * 445, 22 ... with ZMap and Masscan fingerprints on some), 10% backscatter
 * (SYN-ACK, RST, ICMP unreachable quoting the spoofed probe) from 300 victims,
 * 8% UDP probes and reflection responses, 4% ICMP echo requests. Timestamps are
 * spread evenly over one hour. Deterministic (fixed seed).
 *
 * With WORM_HOSTS (the worm benchmark, issue 4), every scan to port 80 (a SYN
 * without ACK: what the built-in `codered` signature matches, docs/SIGNATURES.md)
 * comes instead from the next of WORM_HOSTS distinct hosts in 160.0.0.0/8, round
 * robin, so the capture holds exactly WORM_HOSTS infected hosts when there are at
 * least that many such probes (about 7.8% of the packets). The random draws are the
 * same either way, so everything else is the plain capture's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "output/ds_pcap_writer.h"
#include "sim/ds_craft.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: bench_gen PACKETS OUT.pcap [WORM_HOSTS]\n");
        return 1;
    }
    uint64_t n = strtoull(argv[1], NULL, 10);
    uint32_t worm_hosts = argc == 4 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;
    if (worm_hosts > (1u << 24)) {
        fprintf(stderr, "bench_gen: at most %u worm hosts (one /8)\n", 1u << 24);
        return 1;
    }
    uint32_t worm_next = 0;
    char err[DS_ERRLEN];
    ds_pcap_writer *w = ds_pcap_writer_open(argv[2], 1, false, DS_COMPRESS_NONE, err, sizeof err);
    if (!w) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const int64_t t0 = 1700000000LL * DS_NS_PER_SEC;
    const int64_t step = 3600LL * DS_NS_PER_SEC / (int64_t)(n ? n : 1);
    static const uint16_t ports[] = {80, 23, 445, 22, 8080, 3389, 443, 2323, 5555, 1433};
    uint32_t victims[300];
    for (int i = 0; i < 300; i++)
        victims[i] = 0x50000000u + (uint32_t)(next_rand() % 0x60000000u);
    uint8_t buf[256], inner[64];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = next_rand();
        uint32_t dst = 0x2c000000u | (uint32_t)(r >> 40 & 0xffffff);
        unsigned kind = (unsigned)(r % 100);
        ds_craft c = {.dst = dst, .ttl = 50};
        uint64_t r2 = next_rand();
        if (kind < 78) { /* scans from ~1M sources, heavy-tailed */
            uint32_t srcid =
                (uint32_t)((r2 % 1000000) * (r2 % 7 == 0 ? 1 : (r2 >> 32) % 3 + 1) % 1000000);
            c.src = 0x60000000u + srcid * 2654435761u % 0x30000000u;
            c.proto = 6;
            c.sport = (uint16_t)(1024 + (r2 >> 20) % 60000);
            c.dport = ports[(r2 >> 8) % 10];
            c.seq = (uint32_t)(r2 >> 16);
            c.tcp_flags = 0x02;
            if (worm_hosts && c.dport == 80) {
                /* Host k gets address 160.0.0.0 + (k * odd) mod 2^24: a bijection of
                 * the /8, so distinct hosts have distinct addresses. */
                c.src = 0xa0000000u | (worm_next * 0x9e3779b1u & 0xffffffu);
                worm_next = worm_next + 1 == worm_hosts ? 0 : worm_next + 1;
            }
            c.ip_id = (uint16_t)(r2 >> 48);
            if (kind < 8)
                c.ip_id = 54321;
            else if (kind < 12)
                c.ip_id = (uint16_t)((dst ^ c.dport ^ c.seq) & 0xffff);
        } else if (kind < 88) { /* backscatter */
            c.src = victims[r2 % 300];
            unsigned k = (unsigned)((r2 >> 16) % 10);
            if (k < 6) {
                c.proto = 6;
                c.tcp_flags = 0x12;
                c.sport = 80;
                c.dport = (uint16_t)(1024 + (r2 >> 24) % 60000);
            } else if (k < 9) {
                c.proto = 6;
                c.tcp_flags = 0x14;
                c.sport = 443;
                c.dport = (uint16_t)(1024 + (r2 >> 24) % 60000);
            } else {
                ds_craft q = {.src = dst, .dst = c.src, .proto = 17, .sport = 5353, .dport = 53};
                size_t qlen = ds_craft_frame(&q, inner, false);
                c.proto = 1;
                c.icmp_type = 3;
                c.icmp_code = 3;
                c.payload = inner;
                c.payload_len = (uint16_t)(qlen < 28 ? qlen : 28);
                c.src = 0x51000000u + (uint32_t)(r2 % 5000);
            }
        } else if (kind < 96) { /* UDP probes and responses */
            c.src = 0x70000000u + (uint32_t)(r2 % 200000);
            c.proto = 17;
            static const uint8_t pl[32];
            c.payload = pl;
            c.payload_len = 20;
            if (kind < 92) {
                c.sport = (uint16_t)(1024 + (r2 >> 24) % 60000);
                c.dport = (r2 >> 8) % 2 ? 1434 : 5060;
            } else {
                c.sport = 53;
                c.dport = (uint16_t)(1024 + (r2 >> 24) % 60000);
            }
        } else { /* pings */
            c.src = 0x78000000u + (uint32_t)(r2 % 100000);
            c.proto = 1;
            c.icmp_type = 8;
            c.icmp_rest = (uint32_t)r2;
        }
        size_t len = ds_craft_frame(&c, buf, true);
        ds_pcap_writer_add(w, t0 + (int64_t)i * step, buf, (uint32_t)len, (uint32_t)len);
    }
    if (ds_pcap_writer_close(w, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", argv[2], err);
        return 1;
    }
    return 0;
}

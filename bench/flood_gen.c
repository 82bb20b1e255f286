/*
 * flood_gen.c — a flood of spoofed sources for the bounded-memory test
 * (tests/test_flood.sh, docs/SCALE.md "Bounded memory"), written as a classic pcap
 * (LINKTYPE_RAW) on standard output, so it can be piped into `darkscope analyze -`
 * without gigabytes on disk.
 *
 *   flood_gen [SOURCES [SECONDS]]      (default 50000000 sources over 600 s)
 *
 * Every flood packet comes from a new source (no source repeats): source k is
 * 1.0.0.0 + (k * 0x9e3779b1 mod 2^28), a bijection of 1.0.0.0/4-ish space that
 * stays out of the telescope (44.0.0.0/8), so SOURCES distinct addresses up to 2^28.
 * 60% of them send a TCP SYN to port 80 (a scan probe, and a probe of the built-in
 * `codered` signature: series, scan and worm see a new host each), 40% a SYN-ACK or
 * RST from port 80 (backscatter: the DoS analyzer sees a new one-packet vector each).
 * Destinations are pseudo-random addresses of 44.0.0.0/8.
 *
 * Inside the flood, after every 500th flood packet, two real sources that must
 * still be found: a worm host, 203.0.113.7, probing port 80 of random telescope
 * addresses (a scanner and the heaviest codered host), and a DoS victim,
 * 198.51.100.9, whose SYN-ACKs from port 80 reach random telescope addresses (an
 * attack: hundreds of packets a minute for the whole capture). With the defaults
 * that is 100 000 packets each. Timestamps are spread evenly over SECONDS from
 * 2023-11-14 22:13:20 UTC. Deterministic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x2545f4914f6cdd1dull;
static inline uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One 40-byte IPv4+TCP packet with its pcap record header. */
static void emit(FILE *f, int64_t ts_ns, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 uint8_t flags, uint32_t seq)
{
    uint8_t b[16 + 40];
    memset(b, 0, sizeof b);
    uint32_t sec = (uint32_t)(ts_ns / 1000000000), usec = (uint32_t)(ts_ns % 1000000000 / 1000);
    /* pcap record header, little endian like the file header */
    uint32_t h[4] = {sec, usec, 40, 40};
    memcpy(b, h, sizeof h);
    uint8_t *ip = b + 16, *tcp = ip + 20;
    ip[0] = 0x45;
    put16(ip + 2, 40);
    ip[8] = 50; /* ttl */
    ip[9] = 6;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, ~sum & 0xffff);
    put16(tcp, sport);
    put16(tcp + 2, dport);
    put32(tcp + 4, seq);
    if (flags & 0x10)
        put32(tcp + 8, seq ^ 0x5a5a5a5au);
    tcp[12] = 0x50;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    fwrite(b, 1, sizeof b, f);
}

int main(int argc, char **argv)
{
    if (argc > 3) {
        fprintf(stderr, "usage: flood_gen [SOURCES [SECONDS]]\n");
        return 1;
    }
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 50000000ull;
    uint64_t secs = argc > 2 ? strtoull(argv[2], NULL, 10) : 600;
    if (n == 0 || n > (1ull << 28) || secs == 0) {
        fprintf(stderr, "flood_gen: 1 to 2^28 sources over at least one second\n");
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    const uint32_t file_hdr[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 101};
    fwrite(file_hdr, 1, sizeof file_hdr, stdout);
    const uint64_t total = n + 2 * (n / 500);
    const int64_t t0 = 1700000000LL * 1000000000LL;
    const double step = (double)secs * 1e9 / (double)total;
    const uint32_t worm = 0xcb007107u;   /* 203.0.113.7 */
    const uint32_t victim = 0xc6336409u; /* 198.51.100.9 */
    uint64_t out = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t r = next_rand();
        uint32_t src = 0x01000000u + (uint32_t)((k * 0x9e3779b1ull) & 0x0fffffffu);
        uint32_t dst = 0x2c000000u | (uint32_t)(r >> 40 & 0xffffff);
        int64_t ts = t0 + (int64_t)((double)out++ * step);
        unsigned kind = (unsigned)(r % 10);
        if (kind < 6)
            emit(stdout, ts, src, dst, (uint16_t)(1024 + (r >> 16) % 60000), 80, 0x02,
                 (uint32_t)(r >> 8));
        else
            emit(stdout, ts, src, dst, 80, (uint16_t)(1024 + (r >> 16) % 60000),
                 kind < 9 ? 0x12 : 0x04, (uint32_t)(r >> 8));
        if ((k + 1) % 500 == 0) {
            uint64_t r2 = next_rand();
            ts = t0 + (int64_t)((double)out++ * step);
            emit(stdout, ts, worm, 0x2c000000u | (uint32_t)(r2 >> 40 & 0xffffff),
                 (uint16_t)(1024 + (r2 >> 16) % 60000), 80, 0x02, (uint32_t)(r2 >> 8));
            ts = t0 + (int64_t)((double)out++ * step);
            emit(stdout, ts, victim, 0x2c000000u | (uint32_t)(r2 >> 16 & 0xffffff), 80,
                 (uint16_t)(1024 + (r2 >> 4) % 60000), 0x12, (uint32_t)r2);
        }
    }
    return fflush(stdout) != 0;
}

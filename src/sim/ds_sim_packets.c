/*
 * ds_sim_packets.c — packet contents per kind (see the header). Sources for the
 * fingerprints: ZMap sets IP ID 54321 (zmap src/probe_modules/packet.c); Masscan sets
 * IP ID = dst ^ dport ^ seq (masscan src/templ-pkt.c); Mirai sets the TCP sequence
 * number to the destination address (Mirai scanner.c); Code-Red's probes are SYNs
 * from Windows 2000 (TTL 128, incrementing ephemeral ports and IP IDs); Slammer is
 * one 376-byte UDP payload to 1434 starting with 0x04 (the exploit bytes themselves
 * are not reproduced).
 */
#include "sim/ds_sim_packets.h"

#include "sim/ds_craft.h"

size_t ds_sim_pkt_worm(uint8_t *buf, const ds_sim_worm *w, ds_sim_hot *h, uint32_t dst,
                       const uint8_t *payload, ds_sim_rng *r)
{
    ds_craft c = {.src = h->addr,
                  .dst = dst,
                  .proto = w->proto,
                  .ttl = h->ttl,
                  .ip_id = h->ip_id++,
                  .sport = h->sport,
                  .dport = w->port};
    h->sport = h->sport >= 4999 ? 1024 : (uint16_t)(h->sport + 1);
    if (w->proto == 6) {
        c.seq = ds_sim_u32(r);
        c.tcp_flags = 0x02;
        c.window = 16384;
    } else {
        c.payload = payload;
        c.payload_len = w->payload_len;
    }
    return ds_craft_frame(&c, buf, false);
}

size_t ds_sim_pkt_backscatter(uint8_t *buf, const ds_sim_attack *a, uint32_t dst, uint8_t ttl,
                              ds_sim_rng *r)
{
    uint64_t x = ds_sim_next(r);
    uint16_t rport = (uint16_t)(1024 + (x % 64512)); /* the spoofed packet's source port */
    uint8_t inner[80]; /* ICMP errors: the quoted packet, alive until the frame is built */
    ds_craft c = {.src = a->victim, .dst = dst, .ttl = ttl, .ip_id = (uint16_t)(x >> 16)};
    switch (a->response) {
    case DS_SIM_SYNACK:
    case DS_SIM_RST:
    case DS_SIM_RSTACK:
        c.proto = 6;
        c.sport = a->port;
        c.dport = rport;
        c.tcp_flags = a->response == DS_SIM_SYNACK ? 0x12 : a->response == DS_SIM_RST ? 0x04 : 0x14;
        c.seq = a->response == DS_SIM_RSTACK ? 0 : (uint32_t)(x >> 32);
        c.ack = a->response == DS_SIM_RST ? 0 : ds_sim_u32(r);
        c.window = a->response == DS_SIM_SYNACK ? 29200 : 0;
        if (a->response != DS_SIM_SYNACK)
            c.window = 0;
        break;
    case DS_SIM_ECHO_REPLY:
        c.proto = 1;
        c.icmp_type = 0;
        c.icmp_rest = (uint32_t)(x >> 32);
        break;
    case DS_SIM_UNREACH:
    case DS_SIM_TTL_EXCEEDED: {
        /* The quote: the attack packet as the victim or router received it. */
        ds_craft q = {.src = dst,
                      .dst = a->victim,
                      .proto = a->proto,
                      .ttl = a->response == DS_SIM_TTL_EXCEEDED ? 1 : 50,
                      .ip_id = (uint16_t)(x >> 48),
                      .sport = rport,
                      .dport = a->port,
                      .seq = (uint32_t)(x >> 32),
                      .tcp_flags = 0x02};
        if (a->proto == 1) {
            q.icmp_type = 8;
            q.icmp_rest = (uint32_t)(x >> 32);
        }
        ds_craft_frame(&q, inner, false);
        c.proto = 1;
        c.payload = inner;
        c.payload_len = 28;
        if (a->response == DS_SIM_UNREACH) {
            c.icmp_type = 3;
            c.icmp_code = a->proto == 17 ? 3 : 1; /* port / host unreachable */
        } else {
            c.icmp_type = 11;
            c.icmp_code = 0;
            c.src = a->router ? a->router : (a->victim & 0xffffff00u) | 1;
        }
        break;
    }
    }
    return ds_craft_frame(&c, buf, false);
}

size_t ds_sim_pkt_scan(uint8_t *buf, const ds_sim_scanner *s, uint32_t src, uint16_t sport,
                       uint8_t ttl, uint32_t dst, ds_sim_rng *r)
{
    uint64_t x = ds_sim_next(r);
    uint16_t dport = s->ports[0];
    if (s->tool == DS_SIM_TOOL_MIRAI && s->nports == 2)
        dport = (x & 0xff) < 230 ? s->ports[0] : s->ports[1]; /* Mirai: 9 in 10 to 23 */
    else if (s->nports > 1)
        dport = s->ports[(x & 0xffff) % s->nports];
    ds_craft c = {.src = src,
                  .dst = dst,
                  .proto = s->proto,
                  .ttl = ttl,
                  .sport = sport,
                  .dport = dport,
                  .seq = (uint32_t)(x >> 32),
                  .tcp_flags = 0x02,
                  .ip_id = (uint16_t)(x >> 16)};
    switch (s->tool) {
    case DS_SIM_TOOL_ZMAP:
        c.ip_id = 54321;
        c.window = 65535;
        break;
    case DS_SIM_TOOL_MASSCAN:
        c.ip_id = (uint16_t)((dst ^ dport ^ c.seq) & 0xffff);
        c.window = 1024;
        break;
    case DS_SIM_TOOL_MIRAI:
        c.seq = dst;
        c.sport = (uint16_t)(1024 + ((x >> 8) & 0x7fff));
        c.window = (uint16_t)(x >> 24) | 1;
        break;
    case DS_SIM_TOOL_PLAIN:
        if (s->proto == 1) {
            c.icmp_type = 8;
            c.icmp_rest = (uint32_t)(x >> 32);
        } else if (s->proto == 17) {
            c.sport = (uint16_t)(1024 + ((x >> 8) & 0x7fff));
        } else {
            c.window = 8192;
        }
        break;
    }
    return ds_craft_frame(&c, buf, false);
}

size_t ds_sim_pkt_misconfig(uint8_t *buf, const ds_sim_misconfig *m, uint32_t src, uint16_t sport,
                            uint32_t dst, ds_sim_rng *r)
{
    static const uint8_t junk[32] = "d1:ad2:id20:misconfigured-peer";
    uint64_t x = ds_sim_next(r);
    ds_craft c = {.src = src,
                  .dst = dst,
                  .proto = m->proto,
                  .ttl = 50,
                  .sport = sport,
                  .dport = m->port,
                  .ip_id = (uint16_t)x};
    if (m->proto == 6) {
        c.seq = (uint32_t)(x >> 32);
        c.tcp_flags = 0x02;
    } else {
        c.payload = junk;
        c.payload_len = sizeof junk;
    }
    return ds_craft_frame(&c, buf, false);
}

void ds_sim_worm_payload(uint8_t *buf, size_t n)
{
    memset(buf, 0x01, n);
    if (n)
        buf[0] = 0x04;
}

/*
 * ds_craft.c — IPv4/TCP/UDP/ICMP packet construction with RFC 1071 checksums
 * (TCP and UDP over the pseudo-header), so captures open cleanly in Wireshark.
 */
#include "sim/ds_craft.h"

static void ds_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void ds_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t ds_sum(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t ds_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

size_t ds_craft_frame(const ds_craft *c, uint8_t *buf, bool ethernet)
{
    uint8_t *ip = buf;
    if (ethernet) {
        static const uint8_t eth[14] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00,
                                        0x66, 0x77, 0x88, 0x99, 0xaa, 0x08, 0x00};
        memcpy(buf, eth, 14);
        ip = buf + 14;
    }
    size_t l4len = c->proto == 6 ? 20 : c->proto == 17 ? 8 : c->proto == 1 ? 8 : 0;
    uint8_t *l4 = ip + 20;
    size_t total = 20 + l4len + c->payload_len;
    ip[0] = 0x45;
    ip[1] = 0;
    ds_put16(ip + 2, (uint16_t)total);
    ds_put16(ip + 4, c->ip_id);
    ds_put16(ip + 6, c->frag);
    ip[8] = c->ttl ? c->ttl : 64;
    ip[9] = c->proto;
    ds_put16(ip + 10, 0);
    ds_put32(ip + 12, c->src);
    ds_put32(ip + 16, c->dst);
    ds_put16(ip + 10, ds_fold(ds_sum(ip, 20, 0)));
    if (c->payload_len)
        memcpy(l4 + l4len, c->payload, c->payload_len);
    uint32_t pseudo = (c->src >> 16) + (c->src & 0xffff) + (c->dst >> 16) + (c->dst & 0xffff) +
                      c->proto + (uint32_t)(l4len + c->payload_len);
    if (c->proto == 6) {
        ds_put16(l4, c->sport);
        ds_put16(l4 + 2, c->dport);
        ds_put32(l4 + 4, c->seq);
        ds_put32(l4 + 8, c->ack);
        l4[12] = 5 << 4;
        l4[13] = c->tcp_flags;
        ds_put16(l4 + 14, c->window ? c->window : 65535);
        ds_put16(l4 + 16, 0);
        ds_put16(l4 + 18, 0);
        ds_put16(l4 + 16, ds_fold(ds_sum(l4, 20 + c->payload_len, pseudo)));
    } else if (c->proto == 17) {
        ds_put16(l4, c->sport);
        ds_put16(l4 + 2, c->dport);
        ds_put16(l4 + 4, (uint16_t)(8 + c->payload_len));
        ds_put16(l4 + 6, 0);
        uint16_t ck = ds_fold(ds_sum(l4, 8 + c->payload_len, pseudo));
        ds_put16(l4 + 6, ck ? ck : 0xffff);
    } else if (c->proto == 1) {
        l4[0] = c->icmp_type;
        l4[1] = c->icmp_code;
        ds_put16(l4 + 2, 0);
        ds_put32(l4 + 4, c->icmp_rest);
        ds_put16(l4 + 2, ds_fold(ds_sum(l4, 8 + c->payload_len, 0)));
    }
    return (ethernet ? 14 : 0) + total;
}

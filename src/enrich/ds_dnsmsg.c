/*
 * ds_dnsmsg.c — reverse names and PTR answers (RFC 1035 section 4).
 *
 * The decoder trusts nothing in the message: every read is bounds-checked, a
 * compression pointer must point before the name it continues (so it cannot loop)
 * and a name may not exceed 255 wire bytes.
 */
#include "enrich/ds_dnsmsg.h"

#include <stdio.h>

void ds_dns_reverse_name(const ds_ip *ip, char out[DS_REVNAME_LEN])
{
    if (ds_ip_is_v4(ip)) {
        snprintf(out, DS_REVNAME_LEN, "%u.%u.%u.%u.in-addr.arpa", ip->b[15], ip->b[14], ip->b[13],
                 ip->b[12]);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 15; i >= 0; i--) {
        *p++ = hex[ip->b[i] & 15];
        *p++ = '.';
        *p++ = hex[ip->b[i] >> 4];
        *p++ = '.';
    }
    memcpy(p, "ip6.arpa", 9);
}

static unsigned ds_get16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Skips the name at *off (advancing it past the name's bytes in place). */
static int ds_skip_name(const unsigned char *msg, size_t len, size_t *off)
{
    size_t o = *off;
    for (;;) {
        if (o >= len)
            return -1;
        unsigned c = msg[o];
        if (c == 0) {
            *off = o + 1;
            return 0;
        }
        if ((c & 0xc0) == 0xc0) {
            if (o + 2 > len)
                return -1;
            *off = o + 2;
            return 0;
        }
        if (c & 0xc0)
            return -1; /* extended label types are not used */
        o += 1 + c;
    }
}

/* Decodes the name at off into text. */
static int ds_read_name(const unsigned char *msg, size_t len, size_t off, char *out,
                        size_t *out_len, bool *escaped)
{
    size_t n = 0, wire = 0, limit = off; /* pointers must go below `limit` */
    bool first = true;
    for (;;) {
        if (off >= len)
            return -1;
        unsigned c = msg[off];
        if ((c & 0xc0) == 0xc0) {
            if (off + 2 > len)
                return -1;
            size_t target = ((c & 0x3f) << 8) | msg[off + 1];
            if (target >= limit)
                return -1;
            limit = target;
            off = target;
            continue;
        }
        if (c & 0xc0)
            return -1;
        wire += 1 + c;
        if (wire > 255)
            return -1;
        if (c == 0)
            break;
        if (off + 1 + c > len)
            return -1;
        if (!first)
            out[n++] = '.';
        first = false;
        for (unsigned i = 0; i < c; i++) {
            unsigned char b = msg[off + 1 + i];
            if (b == '.' || b == '\\' || b == 0) {
                n += (size_t)snprintf(out + n, 5, "\\%03u", b);
                *escaped = true;
            } else {
                out[n++] = (char)b;
            }
        }
        off += 1 + c;
    }
    out[n] = 0;
    *out_len = n;
    return 0;
}

int ds_dns_ptr_answer(const unsigned char *msg, size_t len, char name[DS_DNS_NAME_TEXT],
                      size_t *name_len, bool *escaped)
{
    *escaped = false;
    *name_len = 0;
    name[0] = 0;
    if (len < 12)
        return -1;
    unsigned qd = ds_get16(msg + 4), an = ds_get16(msg + 6);
    size_t off = 12;
    for (unsigned i = 0; i < qd; i++) {
        if (ds_skip_name(msg, len, &off) != 0 || off + 4 > len)
            return -1;
        off += 4;
    }
    for (unsigned i = 0; i < an; i++) {
        if (ds_skip_name(msg, len, &off) != 0 || off + 10 > len)
            return -1;
        unsigned type = ds_get16(msg + off), klass = ds_get16(msg + off + 2);
        size_t rdlen = ds_get16(msg + off + 8);
        off += 10;
        if (off + rdlen > len)
            return -1;
        if (type == 12 && klass == 1)
            return ds_read_name(msg, len, off, name, name_len, escaped) == 0 ? 1 : -1;
        off += rdlen;
    }
    return 0;
}

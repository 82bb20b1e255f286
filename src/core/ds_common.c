/*
 * ds_common.c — address and time formatting, and the allocation wrappers that
 * turn out-of-memory into one clear message instead of a crash.
 */
#include "core/ds_common.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

char *ds_ip_format(const ds_ip *a, char buf[DS_IP_STRLEN])
{
    if (ds_ip_is_v4(a))
        inet_ntop(AF_INET, a->b + 12, buf, DS_IP_STRLEN);
    else
        inet_ntop(AF_INET6, a->b, buf, DS_IP_STRLEN);
    return buf;
}

int ds_ip_parse(const char *s, ds_ip *a)
{
    uint8_t v4[4];
    if (inet_pton(AF_INET, s, v4) == 1) {
        ds_ip_set_v4(a, ((uint32_t)v4[0] << 24) | ((uint32_t)v4[1] << 16) | ((uint32_t)v4[2] << 8) |
                            v4[3]);
        return 0;
    }
    if (inet_pton(AF_INET6, s, a->b) == 1)
        return 0;
    return -1;
}

/* By hand rather than snprintf: every row of hosts.csv has two times, and
 * snprintf's format parsing was a tenth of writing it. Same text as
 * "%" PRId64 ".%06" PRId64 (tests/test_pipeline.c compares them). */
char *ds_time_format(int64_t ts_ns, char buf[DS_TIME_STRLEN])
{
    int64_t sec = ds_floor_div(ts_ns, DS_NS_PER_SEC), rem = ts_ns % DS_NS_PER_SEC;
    /* the remainder of the floored division, without sec * 10^9 (which overflows
     * for the earliest representable times) */
    uint32_t us = (uint32_t)((rem < 0 ? rem + DS_NS_PER_SEC : rem) / 1000);
    char *p = buf;
    uint64_t mag = (uint64_t)sec;
    if (sec < 0) {
        *p++ = '-';
        mag = -mag;
    }
    char digits[20];
    int n = 0;
    do
        digits[n++] = (char)('0' + mag % 10);
    while ((mag /= 10) != 0);
    while (n)
        *p++ = digits[--n];
    *p++ = '.';
    for (int i = 5; i >= 0; i--, us /= 10)
        p[i] = (char)('0' + us % 10);
    p[6] = 0;
    return buf;
}

static void ds_oom(size_t n)
{
    fprintf(stderr, "darkscope: out of memory (allocating %zu bytes)\n", n);
    exit(3);
}

void *ds_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        ds_oom(n);
    return p;
}

void *ds_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        ds_oom(n * size);
    return p;
}

void *ds_xzalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        ds_oom(SIZE_MAX);
    void *p = ds_xmalloc(n * size);
    memset(p, 0, n * size);
    return p;
}

void *ds_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        ds_oom(n);
    return q;
}

char *ds_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = ds_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

void ds_sort_u64(uint64_t *v, size_t n)
{
    enum { BITS = 16, BUCKETS = 1 << BITS };
    if (n < 2)
        return;
    uint64_t all_or = 0, all_and = ~UINT64_C(0);
    for (size_t i = 0; i < n; i++) {
        all_or |= v[i];
        all_and &= v[i];
    }
    uint64_t *tmp = ds_xmalloc(n * sizeof *tmp);
    size_t *count = ds_xmalloc(BUCKETS * sizeof *count);
    uint64_t *src = v, *dst = tmp;
    for (int shift = 0; shift < 64; shift += BITS) {
        if (((all_or ^ all_and) >> shift & (BUCKETS - 1)) == 0)
            continue; /* every key has the same digit here */
        memset(count, 0, BUCKETS * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[src[i] >> shift & (BUCKETS - 1)]++;
        for (size_t d = 0, sum = 0; d < BUCKETS; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[src[i] >> shift & (BUCKETS - 1)]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    free(count);
    free(tmp);
}

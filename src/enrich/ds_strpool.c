/*
 * ds_strpool.c — chunked string arena with an open-addressing intern table.
 *
 * Chunks are 1 MiB (or the string's size when larger) so a pointer handed out stays
 * valid: the arena grows by adding chunks, never by moving one. The intern table
 * stores pointers into the arena and doubles at 50% load.
 */
#include "enrich/ds_strpool.h"

#include <stdlib.h>
#include <string.h>

#include "core/ds_common.h"

#define DS_POOL_CHUNK (1u << 20)

typedef struct ds_chunk {
    struct ds_chunk *next;
    size_t used, cap;
    char data[];
} ds_chunk;

struct ds_strpool {
    ds_chunk *head;
    size_t bytes;
    const char **slots; /* intern table, NULL = empty */
    uint32_t *lens;
    size_t nslots, nused;
};

uint64_t ds_hash_bytes(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

ds_strpool *ds_strpool_new(void)
{
    return ds_xcalloc(1, sizeof(ds_strpool));
}

void ds_strpool_free(ds_strpool *p)
{
    if (!p)
        return;
    for (ds_chunk *c = p->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(p->slots);
    free(p->lens);
    free(p);
}

const char *ds_strpool_add(ds_strpool *p, const char *s, size_t n)
{
    ds_chunk *c = p->head;
    if (!c || c->cap - c->used < n + 1) {
        size_t cap = n + 1 > DS_POOL_CHUNK ? n + 1 : DS_POOL_CHUNK;
        c = ds_xmalloc(sizeof(ds_chunk) + cap);
        c->used = 0;
        c->cap = cap;
        /* A big one-off string goes behind the current chunk so the current chunk's
         * free space is not abandoned. */
        if (p->head && cap > DS_POOL_CHUNK) {
            c->next = p->head->next;
            p->head->next = c;
        } else {
            c->next = p->head;
            p->head = c;
        }
        p->bytes += sizeof(ds_chunk) + cap;
    }
    char *dst = c->data + c->used;
    memcpy(dst, s, n);
    dst[n] = 0;
    c->used += n + 1;
    return dst;
}

static void ds_strpool_grow(ds_strpool *p)
{
    size_t nslots = p->nslots ? p->nslots * 2 : 1024;
    const char **slots = ds_xcalloc(nslots, sizeof(*slots));
    uint32_t *lens = ds_xcalloc(nslots, sizeof(*lens));
    for (size_t i = 0; i < p->nslots; i++) {
        if (!p->slots[i])
            continue;
        size_t j = ds_hash_bytes(p->slots[i], p->lens[i]) & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = p->slots[i];
        lens[j] = p->lens[i];
    }
    free(p->slots);
    free(p->lens);
    p->slots = slots;
    p->lens = lens;
    p->nslots = nslots;
    p->bytes += nslots * (sizeof(*slots) + sizeof(*lens)) / 2;
}

const char *ds_strpool_intern(ds_strpool *p, const char *s, size_t n)
{
    if (n > UINT32_MAX)
        return ds_strpool_add(p, s, n);
    if ((p->nused + 1) * 2 > p->nslots)
        ds_strpool_grow(p);
    size_t j = ds_hash_bytes(s, n) & (p->nslots - 1);
    while (p->slots[j]) {
        if (p->lens[j] == n && memcmp(p->slots[j], s, n) == 0)
            return p->slots[j];
        j = (j + 1) & (p->nslots - 1);
    }
    const char *copy = ds_strpool_add(p, s, n);
    p->slots[j] = copy;
    p->lens[j] = (uint32_t)n;
    p->nused++;
    return copy;
}

size_t ds_strpool_bytes(const ds_strpool *p)
{
    return p->bytes;
}

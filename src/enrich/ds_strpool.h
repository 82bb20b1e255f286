/*
 * ds_strpool.h — string storage for attribution data: an arena that hands out
 * stable pointers, with optional interning.
 *
 * Attribution keeps millions of short strings (AS names, PTR names, registrable
 * domains) for the life of a run and never frees one alone. An arena of large chunks
 * makes that one allocation per megabyte instead of one per string, and pointers
 * never move, so ds_host_info can point straight into it. Interning matters for the
 * AS table: half a million ranges share about a hundred thousand names.
 */
#ifndef DS_STRPOOL_H
#define DS_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ds_strpool ds_strpool;

ds_strpool *ds_strpool_new(void);
void ds_strpool_free(ds_strpool *p);

/* Copies n bytes (plus a NUL) into the pool; the result lives until ds_strpool_free. */
const char *ds_strpool_add(ds_strpool *p, const char *s, size_t n);
/* Same, but returns the existing copy when an equal string was interned before. */
const char *ds_strpool_intern(ds_strpool *p, const char *s, size_t n);
/* Bytes held, for the run's resource report. */
size_t ds_strpool_bytes(const ds_strpool *p);

/* 64-bit hash of bytes (FNV-1a folded through a multiply; good enough for tables). */
uint64_t ds_hash_bytes(const void *data, size_t n);

#endif

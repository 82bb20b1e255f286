/*
 * fuzz_common.h — how the libFuzzer harnesses hand their input to the code under
 * test, in one place.
 *
 * libFuzzer's buffer may be larger than `size` as far as ASan knows, and it is not
 * NUL-terminated. So every harness gives the parsers their own copy: an exact-size
 * heap block (ASan then flags any read one byte past the input), the same as a C
 * string (a parser of text stops at the NUL it is given, never later), or an
 * in-memory file (memfd, opened by path through /proc/self/fd) for loaders that
 * only take a path: the bytes go through the real open/read code, no string API is
 * needed, and nothing touches the disk. All of it aborts on failure: a harness
 * that cannot set up its input must not pass silently.
 */
#ifndef DS_FUZZ_COMMON_H
#define DS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* memfd_create (the build defines _GNU_SOURCE) */
#include <unistd.h>

/* The bytes in a heap block of exactly their size (one byte when empty). */
static inline uint8_t *fz_copy(const uint8_t *data, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    if (!p)
        abort();
    if (size)
        memcpy(p, data, size);
    return p;
}

/* The bytes as a C string (a NUL inside ends it early, as for a file read as text). */
static inline char *fz_text(const uint8_t *data, size_t size)
{
    char *p = malloc(size + 1);
    if (!p)
        abort();
    if (size)
        memcpy(p, data, size);
    p[size] = 0;
    return p;
}

/* An in-memory file holding the bytes; `path` opens it (a new file description
 * each time, at offset 0). */
typedef struct fz_file {
    int fd;
    char path[64];
} fz_file;

static inline void fz_file_open(fz_file *f, const char *name, const uint8_t *data, size_t size)
{
    f->fd = memfd_create(name, MFD_CLOEXEC);
    if (f->fd < 0)
        abort();
    for (size_t done = 0; done < size;) {
        ssize_t w = write(f->fd, data + done, size - done);
        if (w <= 0)
            abort();
        done += (size_t)w;
    }
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

static inline void fz_file_close(fz_file *f)
{
    close(f->fd);
    f->fd = -1;
}

#endif

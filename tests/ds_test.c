/*
 * ds_test.c — helpers of the unit-test harness (temporary directories, file I/O,
 * where the shared data and the binary are).
 */
#include "ds_test.h"

#include <ftw.h>
#include <unistd.h>

int ds_test_failures;
long ds_test_checks;

int ds_test_result(void)
{
    if (ds_test_checks == 0) {
        fprintf(stderr, "no check ran\n");
        return 1;
    }
    fprintf(stderr, "%ld checks, %d failed\n", ds_test_checks, ds_test_failures);
    return ds_test_failures ? 1 : 0;
}

char *ds_test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/ds-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(path)) {
        perror("mkdtemp");
        exit(2);
    }
    return path;
}

static int ds_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void ds_test_rmtree(const char *dir)
{
    nftw(dir, ds_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void ds_test_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

char *ds_test_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    buf[len] = 0;
    if (n)
        *n = len;
    return buf;
}

const char *ds_test_captures_dir(void)
{
    static char dir[4096];
    const char *s = getenv("DS_SHARED");
    snprintf(dir, sizeof dir, "%s/captures", s && *s ? s : "/work/shared/data");
    if (access(dir, R_OK) != 0) {
        fprintf(stderr, "shared captures not found at %s (set DS_SHARED)\n", dir);
        exit(2);
    }
    return dir;
}

const char *ds_test_bin(void)
{
    const char *b = getenv("DS_BIN");
    return b && *b ? b : "./darkscope";
}

int ds_test_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

size_t ds_test_distinct_u64(uint64_t *keys, size_t n)
{
    qsort(keys, n, sizeof *keys, ds_test_u64_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || keys[i] != keys[w - 1])
            keys[w++] = keys[i];
    return w;
}

/*
 * ds_test.h — the tiny test harness of darkscope's C unit tests.
 *
 * Each test file defines test functions and a main() that runs them with DS_RUN;
 * a failed check prints file:line and the expression, and the process exits non-zero.
 * A test binary that ran no check fails: a test that asserts nothing is a defect.
 */
#ifndef DS_TEST_H
#define DS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int ds_test_failures;
extern long ds_test_checks;

#define DS_CHECK(cond)                                                                             \
    do {                                                                                           \
        ds_test_checks++;                                                                          \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            ds_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define DS_CHECK_EQ_INT(a, b)                                                                      \
    do {                                                                                           \
        long long ds_a_ = (long long)(a), ds_b_ = (long long)(b);                                  \
        ds_test_checks++;                                                                          \
        if (ds_a_ != ds_b_) {                                                                      \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a,    \
                    ds_a_, #b, ds_b_);                                                             \
            ds_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define DS_CHECK_EQ_STR(a, b)                                                                      \
    do {                                                                                           \
        const char *ds_a_ = (a), *ds_b_ = (b);                                                     \
        ds_test_checks++;                                                                          \
        if (!ds_a_ || !ds_b_ || strcmp(ds_a_, ds_b_) != 0) {                                       \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,      \
                    ds_a_ ? ds_a_ : "(null)", ds_b_ ? ds_b_ : "(null)");                           \
            ds_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define DS_RUN(fn)                                                                                 \
    do {                                                                                           \
        int ds_before_ = ds_test_failures;                                                         \
        fn();                                                                                      \
        fprintf(stderr, "%s %s\n", ds_test_failures == ds_before_ ? "ok  " : "FAIL", #fn);         \
    } while (0)

/* Exit status for main(): non-zero on failures or when no check ran. */
int ds_test_result(void);

/* A fresh empty directory under $TMPDIR (or /tmp) for a test's files; the caller
 * frees the string. Removed by ds_test_rmtree. */
char *ds_test_tmpdir(const char *tag);
void ds_test_rmtree(const char *dir);
/* Writes bytes to a file, aborting the test on failure. */
void ds_test_write_file(const char *path, const void *data, size_t n);
/* Reads a whole file (NUL-terminated); NULL if it cannot. */
char *ds_test_read_file(const char *path, size_t *n);
/* Directory of the shared captures ($DS_SHARED/captures); aborts if missing. */
const char *ds_test_captures_dir(void);
/* Path of the darkscope binary ($DS_BIN). */
const char *ds_test_bin(void);
/* The reference for distinct counts: sorts keys[0..n), moves the distinct ones to
 * the front and returns their count. */
int ds_test_u64_cmp(const void *a, const void *b);
size_t ds_test_distinct_u64(uint64_t *keys, size_t n);

#endif

/*
 * fuzz_asn.c — libFuzzer harness for the AS database given by `--asn FILE`
 * (ds_asn_open: libmaxminddb decides whether the bytes are an .mmdb, else the range
 * CSV reader of ds_asn.c parses them: zlib line reading, quoted fields, addresses
 * as text or as decimal numbers up to 2^128, the bad-row limit, then the sort).
 *
 * Input: the file's bytes, given by path as an in-memory file (the loader only takes
 * paths). Then addresses are looked up: fixed ones at the edges of both families and
 * eight taken from the input itself (so that they fall inside ranges the file
 * names). Checks: a refusal names the file; every organisation returned is a readable C
 * string (ASan checks the read).
 */
#include "enrich/ds_asn.h"
#include "fuzz_common.h"

static void fz_lookup(ds_asn *a, const ds_ip *ip)
{
    const char *org = (const char *)1;
    uint32_t asn = ds_asn_lookup(a, ip, &org);
    (void)asn; /* any value: a row may name AS 0 (reserved), taken as written */
    volatile size_t len = org ? strlen(org) : 0; /* readable to its NUL (ASan) */
    (void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_file f;
    fz_file_open(&f, "fuzz-asn", data, size);
    const char *paths[1] = {f.path};
    ds_strpool *pool = ds_strpool_new();
    char err[512];
    err[0] = 0;
    ds_asn *a = ds_asn_open(paths, 1, pool, err, sizeof err);
    if (!a) {
        if (strncmp(err, f.path, strlen(f.path)) != 0)
            abort(); /* a refusal names the file */
    } else {
        ds_ip ip;
        static const uint32_t v4[] = {0, 1, 0x01000000u, 0x08080808u, 0x7fffffffu, 0xffffffffu};
        for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
            ds_ip_set_v4(&ip, v4[i]);
            fz_lookup(a, &ip);
        }
        uint8_t b6[16] = {0};
        ds_ip_set_v6(&ip, b6);
        fz_lookup(a, &ip);
        memset(b6, 0xff, sizeof b6);
        ds_ip_set_v6(&ip, b6);
        fz_lookup(a, &ip);
        /* Addresses made of input bytes land inside the file's own ranges sometimes. */
        for (size_t i = 0; i + 16 <= size && i < 8 * 16; i += 16) {
            ds_ip_set_v6(&ip, data + i);
            fz_lookup(a, &ip);
            ds_ip_set_v4(&ip, (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
                                  (uint32_t)data[i + 2] << 8 | data[i + 3]);
            fz_lookup(a, &ip);
        }
        ds_asn_close(a);
    }
    ds_strpool_free(pool);
    fz_file_close(&f);
    return 0;
}

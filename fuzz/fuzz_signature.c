/*
 * fuzz_signature.c — libFuzzer harness for the worm-signature parser
 * (ds_sigset_load_string: the INI layer, then every key's value parser).
 *
 * The input is the text of a signatures file. Whether it loads or not, the set must
 * stay usable: a failed load leaves the built-ins as they were (nothing half
 * applied), a successful one gives signatures that describe themselves and match
 * packets without reading outside them.
 */
#include "fuzz_common.h"
#include "telescope/ds_signature.h"

static void fz_match_some(const ds_sigset *s)
{
    static uint8_t payload[1500];
    ds_pkt p;
    for (int v = 0; v < 8; v++) {
        memset(&p, 0, sizeof p);
        p.ipver = v & 1 ? 6 : 4;
        p.proto = (uint8_t[]){6, 17, 1, 58}[v & 3];
        p.dport = (uint16_t)(v * 1111 + 23);
        p.tcp_flags = (uint8_t)(v * 37);
        p.tcp_seq = (uint32_t)v * 0x01020304u;
        ds_ip_set_v4(&p.dst, p.tcp_seq);
        p.icmp_type = (uint8_t)v;
        p.payload = payload;
        p.payload_len = (uint16_t)(v * 190);
        p.payload_caplen = (uint16_t)(v & 2 ? p.payload_len : p.payload_len / 3);
        uint32_t m = ds_sigset_match(s, &p);
        if (m >> ds_sigset_count(s))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_text(data, size);
    char err[512];
    err[0] = 0;
    ds_sigset *s = ds_sigset_builtin();
    int before = ds_sigset_count(s);
    int rc = ds_sigset_load_string(s, text, "fuzz.ini", err, sizeof err);
    if (rc != 0) {
        if (strncmp(err, "fuzz.ini", 8) != 0 || ds_sigset_count(s) != before)
            abort(); /* errors name the origin; a failed load changes nothing */
    }
    int n = ds_sigset_count(s);
    if (n < 0 || n > DS_SIG_MAX)
        abort();
    for (int i = 0; i < n; i++) {
        const char *name = ds_sigset_name(s, i);
        const char *d = ds_sigset_describe(s, i);
        if (!name || !d || ds_sigset_find(s, name) != i)
            abort();
    }
    fz_match_some(s);
    ds_sigset_free(s);
    free(text);
    return 0;
}

/*
 * fuzz_telescope.c — libFuzzer harness for the telescope definition: the
 * `--telescope NAME=PREFIX[,...]` parser and the INI file loader.
 *
 * The first byte chooses the mode. Odd: the rest is a list of specs, one per line,
 * each given to ds_telescope_add_spec as the repeated option would. Even: the rest
 * is an INI file, loaded through ds_telescope_load_file from an in-memory file
 * (memfd), so no loader API for strings is needed. Then every accessor runs, and
 * lookups of a few addresses must land in a monitor or nowhere; the address-space
 * layout built from the monitors' prefix texts (ds_telescope_offset) must accept
 * them too.
 */
#include "fuzz_common.h"
#include "telescope/ds_telescope.h"
#include "telescope/ds_telescope_offset.h"

static void fz_check(const ds_telescope *t)
{
    int n = ds_telescope_count(t);
    if (n < 1 || n > DS_MONITORS_MAX)
        abort();
    for (int m = 0; m < n; m++) {
        const char *name = ds_telescope_name(t, m);
        if (!name || ds_telescope_find(t, name) != m || !ds_telescope_prefixes(t, m))
            abort();
        (void)ds_telescope_size_v4(t, m);
        (void)ds_telescope_size_v6_log2(t, m);
    }
    static const uint32_t v4[] = {0,           0x0a000001u, 0x2c000000u,
                                  0xc0000201u, 0xffffffffu, 0x7f000001u};
    ds_ip a;
    for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
        ds_ip_set_v4(&a, v4[i]);
        int m = ds_telescope_lookup(t, &a);
        if (m < -1 || m >= n)
            abort();
    }
    uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8};
    for (int i = 0; i < 4; i++) {
        b6[15] = (uint8_t)i;
        b6[2] = (uint8_t)(i * 70);
        ds_ip_set_v6(&a, b6);
        int m = ds_telescope_lookup(t, &a);
        if (m < -1 || m >= n)
            abort();
    }
    ds_tspace *sp = ds_tspace_new(t);
    if (sp) {
        ds_ip_set_v4(&a, 0x0a000001u);
        double pos = ds_tspace_position(sp, ~UINT64_C(0), &a);
        if (!(pos == -1 || (pos >= 0 && pos < 1)))
            abort();
        (void)ds_tspace_size(sp, ~UINT64_C(0), 4);
        (void)ds_tspace_size(sp, ~UINT64_C(0), 6);
        ds_tspace_free(sp);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] & 1;
    data++;
    size--;
    char err[512];
    ds_telescope *t = ds_telescope_new();
    if (mode) {
        char *text = fz_text(data, size);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            err[0] = 0;
            int before = ds_telescope_count(t);
            if (ds_telescope_add_spec(t, line, err, sizeof err) != 0) {
                if (!err[0] || ds_telescope_count(t) != before)
                    abort(); /* a refused spec says why and changes nothing */
            }
        }
        free(text);
    } else {
        fz_file f;
        fz_file_open(&f, "fuzz-telescope", data, size);
        err[0] = 0;
        if (ds_telescope_load_file(t, f.path, err, sizeof err) != 0) {
            if (strncmp(err, f.path, strlen(f.path)) != 0 || !ds_telescope_is_open(t))
                abort(); /* errors name the file; a failed load leaves nothing */
        }
        fz_file_close(&f);
    }
    fz_check(t);
    ds_telescope_free(t);
    return 0;
}

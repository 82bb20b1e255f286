/*
 * fuzz_state.c — libFuzzer harness for the state-file loader of `darkscope merge`:
 * the framing (ds_state_check: magic, version, length, CRC-32), the run header
 * (options, fingerprint, run summary, inputs JSON), every analyzer's load(), the
 * analyzers' merge() of what was loaded, and save() of the result.
 *
 * It goes through ds_merge_states_mem, the in-memory twin of what merge runs
 * (ds_merge_chain: the same loader, checks and merges; only the output files are
 * not written). The configuration is analyze's default one (default telescope and
 * signatures) with `--analyzers LIST`, LIST being every analyzer that can save a
 * state: the seed states are written with exactly these options (fuzz/make-corpus.sh
 * runs `darkscope analyze --state --analyzers LIST` over small captures, LIST
 * printed by this program when DS_FUZZ_PRINT_ANALYZERS is set), so mutations get
 * past the option and fingerprint checks into the analyzers' records.
 *
 * Input: byte 0 even: the rest is a payload, framed here with a correct header and
 * CRC (random bytes almost never pass a checksum, so this is how the fuzzer reaches
 * the records); odd: the rest is the whole file, checked as it is. Each input is
 * merged alone (load, save), then with itself as `darkscope merge S S` would (and
 * in --mpi's strict order). A refused state must say why, naming it; an accepted
 * one must give a state that loads again and saves to the same bytes.
 */
#include <zlib.h>

#include "analysis/ds_analyzer.h"
#include "fuzz_common.h"
#include "pipeline/ds_state_run.h"

#define FZ_NAME "fuzz.state"

static ds_run_config fz_cfg;
static bool fz_ready;
static char fz_list[256];
static char *fz_opts[2] = {"--analyzers", fz_list};

static void fz_init(void)
{
    memset(&fz_cfg, 0, sizeof fz_cfg);
    fz_cfg.outdir = "/nonexistent";
    fz_cfg.interval_ns = 60 * DS_NS_PER_SEC;
    fz_cfg.tolerance_ns = DS_NS_PER_SEC;
    fz_cfg.snaplen = 262144;
    fz_cfg.telescope = ds_telescope_new();
    fz_cfg.sigs = ds_sigset_builtin();
    void **acfg = ds_xcalloc(ds_analyzer_count, sizeof *acfg);
    bool *on = ds_xcalloc(ds_analyzer_count, sizeof *on);
    for (size_t a = 0; a < ds_analyzer_count; a++) {
        acfg[a] = ds_analyzers[a]->config_new ? ds_analyzers[a]->config_new() : NULL;
        on[a] = ds_analyzers[a]->save != NULL;
        if (on[a])
            snprintf(fz_list + strlen(fz_list), sizeof fz_list - strlen(fz_list), "%s%s",
                     fz_list[0] ? "," : "", ds_analyzers[a]->name);
    }
    fz_cfg.analyzer_cfg = acfg;
    fz_cfg.analyzer_on = on;
    fz_cfg.analysis_opts = fz_opts;
    fz_cfg.nanalysis_opts = 2;
    fz_ready = true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    if (getenv("DS_FUZZ_PRINT_ANALYZERS")) {
        puts(fz_list);
        exit(0);
    }
    return 0;
}

static void fz_put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The bytes the loader sees, in an exact-size heap block (ASan sees any overread). */
static uint8_t *fz_frame(const uint8_t *data, size_t size, bool framed, size_t *n)
{
    *n = framed ? size + 28 : size;
    if (!framed)
        return fz_copy(data, size);
    uint8_t *buf = malloc(*n);
    memcpy(buf, DS_STATE_MAGIC, 8);
    fz_put_le(buf + 8, DS_STATE_VERSION, 4);
    fz_put_le(buf + 12, 0, 4);
    fz_put_le(buf + 16, size, 8);
    if (size)
        memcpy(buf + 24, data, size);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(24 + size));
    fz_put_le(buf + 24 + size, crc, 4);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_ready)
        fz_init();
    if (size < 1)
        return 0;
    size_t n;
    uint8_t *buf = fz_frame(data + 1, size - 1, !(data[0] & 1), &n);
    ds_state_src src[2] = {{FZ_NAME, buf, n}, {FZ_NAME, buf, n}};
    char err[DS_ERRLEN];
    err[0] = 0;
    ds_wbuf once;
    ds_wbuf_init(&once);
    int rc = ds_merge_states_mem(&fz_cfg, src, 1, false, &once, err, sizeof err);
    if (rc != DS_EXIT_OK) {
        if (strncmp(err, FZ_NAME, strlen(FZ_NAME)) != 0)
            abort(); /* every message names the state */
    } else {
        /* What was loaded saves to a state that loads again, to the same bytes. */
        ds_state_src again = {"resaved", once.p, once.n};
        ds_wbuf twice;
        ds_wbuf_init(&twice);
        if (ds_merge_states_mem(&fz_cfg, &again, 1, false, &twice, err, sizeof err) != DS_EXIT_OK)
            abort();
        if (twice.n != once.n || memcmp(twice.p, once.p, once.n) != 0)
            abort();
        ds_wbuf_free(&twice);
        /* `darkscope merge S S`, and the strict order of --mpi. */
        for (int strict = 0; strict < 2; strict++) {
            ds_wbuf m;
            ds_wbuf_init(&m);
            (void)ds_merge_states_mem(&fz_cfg, src, 2, strict, &m, err, sizeof err);
            ds_wbuf_free(&m);
        }
    }
    ds_wbuf_free(&once);
    free(buf);
    return 0;
}

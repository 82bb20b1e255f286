/*
 * fuzz_rdns.c — libFuzzer harness for the bulk reverse-DNS file reader of `--rdns-file`
 * (ds_rdns_bulk_read: zlib's line reading, plain or gzip, the CSV splitter with its
 * header detection, and the Rapid7 Sonar JSON lines).
 *
 * Input: byte 0 bit 0 set: the rest is compressed here with gzip first (so mutations
 * of the text still reach the parser through the decompressor); clear: the rest is
 * the file as it is (a seed may itself be gzip, and then the fuzzer damages the
 * stream). The file is an in-memory file opened by path, as the option's file is.
 * Every mapping goes where ds_enrich.c sends it (ds_rdns_name_status, and for a
 * well-formed name its canonical form). Checks: a mapping's name is a C string of
 * the length given and its address formats; the counts agree (records and bad
 * lines never exceed the lines read, the first bad line is one of them); a failed
 * read names the file, and a file with any mapping is never refused.
 */
#include <zlib.h>

#include "enrich/ds_hostname.h"
#include "enrich/ds_rdns.h"
#include "fuzz_common.h"

typedef struct fz_seen {
    uint64_t records;
} fz_seen;

static void fz_sink(void *ctx, const ds_ip *ip, const char *name, size_t len)
{
    fz_seen *s = ctx;
    s->records++;
    if (strlen(name) != len)
        abort();
    char a[DS_IP_STRLEN];
    ds_ip_format(ip, a);
    ds_rdns_status st = ds_rdns_name_status(name, len, false);
    if (st != DS_RDNS_NAME && st != DS_RDNS_BADNAME && st != DS_RDNS_NXDOMAIN)
        abort();
    if (st == DS_RDNS_NAME) {
        char canon[254];
        size_t cl = ds_hostname_canonical(name, len, canon);
        if (cl == 0 || cl > 253 || strlen(canon) != cl)
            abort();
    }
}

/* gzip of the bytes (deflate with a gzip wrapper: windowBits 15 + 16). */
static uint8_t *fz_gzip(const uint8_t *data, size_t size, size_t *n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&z, (uLong)size) + 32;
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    *n = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool gz = data[0] & 1;
    data++;
    size--;
    size_t n = size;
    uint8_t *bytes = gz ? fz_gzip(data, size, &n) : fz_copy(data, size);
    fz_file f;
    fz_file_open(&f, "fuzz-rdns", bytes, n);
    free(bytes);

    fz_seen seen = {0};
    ds_rdns_bulk_stats st;
    char err[512];
    err[0] = 0;
    int rc = ds_rdns_bulk_read(f.path, fz_sink, &seen, &st, err, sizeof err);
    if (seen.records != st.records || st.records > st.lines || st.bad > st.lines)
        abort();
    if (st.bad && (st.first_bad_line < 1 || st.first_bad_line > st.lines))
        abort();
    if (rc != 0) {
        if (rc != -1 || strncmp(err, f.path, strlen(f.path)) != 0)
            abort(); /* a refusal names the file */
        if (st.records > 0 && strstr(err, "not an ip,name row"))
            abort(); /* a file with mappings is not "no mapping at all" */
    } else if (st.records == 0 && st.bad > 0) {
        abort(); /* only bad lines: must be refused */
    }
    fz_file_close(&f);
    return 0;
}

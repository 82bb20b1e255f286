/*
 * fuzz_decode.c — libFuzzer harness for the per-packet path: a frame of any link
 * type -> ds_decode -> telescope lookup -> ds_classify -> signature match.
 *
 * The first byte picks the link type (one of those the decoder knows, or an unknown
 * one), the second how the wire length relates to the captured length (equal, longer
 * as after a snaplen cut, or shorter, which a corrupt file can claim); the rest is
 * the frame, copied into a buffer of exactly its size so that ASan flags any read
 * past caplen. Checks the contract: payload lies inside the frame, the result is a
 * known value, the class is one of the classes.
 */
#include "decode/ds_decode.h"
#include "fuzz_common.h"
#include "telescope/ds_classify.h"
#include "telescope/ds_signature.h"
#include "telescope/ds_telescope.h"

static const uint16_t fz_linktypes[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147, 65535};

static ds_sigset *fz_sigs;
static ds_telescope *fz_tel;

/* A user signature with payload bytes at an offset, so the byte matcher runs too. */
static const char fz_user_sigs[] = "[probe]\n"
                                   "protocol = udp\n"
                                   "dst_ports = 1-65535\n"
                                   "payload_min = 4\n"
                                   "payload_max = 1500\n"
                                   "payload_offset = 2\n"
                                   "payload_hex = 00 01\n";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[512];
    fz_sigs = ds_sigset_builtin();
    if (ds_sigset_load_string(fz_sigs, fz_user_sigs, "fuzz", err, sizeof err) != 0)
        abort(); /* keep this text in step with docs/SIGNATURES.md */
    fz_tel = ds_telescope_new();
    if (ds_telescope_add_spec(fz_tel, "a=10.0.0.0/8,192.0.2.0/24", err, sizeof err) != 0 ||
        ds_telescope_add_spec(fz_tel, "b=2001:db8::/32", err, sizeof err) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint16_t lt = fz_linktypes[data[0] % (sizeof fz_linktypes / sizeof fz_linktypes[0])];
    uint8_t wmode = data[1];
    data += 2;
    size -= 2;
    uint8_t *frame = fz_copy(data, size);
    ds_frame f = {0};
    f.ts_ns = 1000000000;
    f.caplen = (uint32_t)size;
    f.linktype = lt;
    f.data = frame;
    switch (wmode & 3) {
    case 0:
        f.wirelen = (uint32_t)size;
        break;
    case 1:
        f.wirelen = (uint32_t)size + (uint32_t)wmode * 7u;
        break;
    case 2:
        f.wirelen = (uint32_t)size / 2;
        break;
    default:
        f.wirelen = UINT32_MAX;
        break;
    }
    ds_pkt p;
    memset(&p, 0xa5, sizeof p); /* the decoder must not depend on the record's old contents */
    int r = ds_decode(&f, &p);
    if (r < 0 || r >= DS_DEC_COUNT || !ds_dec_result_name(r))
        abort();
    if (r != DS_DEC_NONIP && r != DS_DEC_LINK_UNSUPPORTED && r != DS_DEC_LINK_TRUNCATED) {
        int m = ds_telescope_lookup(fz_tel, &p.dst);
        p.monitor = m < 0 ? DS_MONITOR_OUTSIDE : (uint16_t)m;
        if (r == DS_DEC_OK) {
            if (p.payload_caplen) {
                if (!p.payload || p.payload < frame || p.payload + p.payload_caplen > frame + size)
                    abort();
            }
            ds_classify(&p);
            if (p.cls >= DS_CLS_COUNT || !ds_class_name(p.cls))
                abort();
            p.sigs = ds_sigset_match(fz_sigs, &p);
            if (p.sigs >> ds_sigset_count(fz_sigs))
                abort();
            char a[DS_IP_STRLEN], b[DS_IP_STRLEN];
            ds_ip_format(&p.src, a);
            ds_ip_format(&p.dst, b);
            if (p.quote == DS_QUOTE_FULL) {
                ds_ip_format(&p.q_src, a);
                ds_ip_format(&p.q_dst, b);
            }
        }
    }
    free(frame);
    return 0;
}

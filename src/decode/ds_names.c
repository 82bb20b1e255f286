/*
 * ds_names.c — the stable short names of decoder results and packet tags.
 *
 * These strings are part of darkscope's output formats (CSV columns, summary.json
 * keys), so they never change once published: add names at the end, never rename.
 * Kept apart from ds_decode.c so the hot-path file holds only the hot path.
 */
#include "decode/ds_packet.h"

static const char *const ds_dec_names[DS_DEC_COUNT] = {
    [DS_DEC_OK] = "ok",
    [DS_DEC_NONIP] = "non_ip",
    [DS_DEC_LINK_TRUNCATED] = "link_truncated",
    [DS_DEC_LINK_UNSUPPORTED] = "link_unsupported",
    [DS_DEC_IP_TRUNCATED] = "ip_truncated",
    [DS_DEC_IP_VERSION] = "ip_version",
    [DS_DEC_IP_IHL] = "ip_header_length",
    [DS_DEC_IP_TOTLEN] = "ip_total_length",
    [DS_DEC_IP_BEYOND_CAPTURE] = "ip_beyond_frame",
    [DS_DEC_IP6_EXT] = "ipv6_extension_header",
    [DS_DEC_L4_TRUNCATED] = "transport_truncated",
    [DS_DEC_TCP_DOFF] = "tcp_data_offset",
};

const char *ds_dec_result_name(int r)
{
    if (r < 0 || r >= DS_DEC_COUNT)
        return "unknown";
    return ds_dec_names[r];
}

/* Indexed by bit position: tag (1u << i) is named ds_tag_names[i]. */
static const char *const ds_tag_names[DS_TAG_COUNT] = {
    "fragment",       /* DS_TAG_FRAGMENT */
    "nonfirst",       /* DS_TAG_NONFIRST */
    "special-source", /* DS_TAG_SPECIAL_SRC */
    "zmap",           /* DS_TAG_ZMAP */
    "masscan",        /* DS_TAG_MASSCAN */
    "mirai",          /* DS_TAG_MIRAI */
    "signature",      /* DS_TAG_SIGNATURE */
};

const char *ds_tag_name(unsigned bit_index)
{
    if (bit_index >= DS_TAG_COUNT)
        return "unknown";
    return ds_tag_names[bit_index];
}

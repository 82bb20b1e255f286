/*
 * fuzz_hostname.c — libFuzzer harness for host names from the network: the DNS
 * answer decoder (ds_dns_ptr_answer, the reply of a possibly hostile reverse-DNS
 * server), the PTR-name check and canonical form (ds_hostname_*), the domain and
 * category rules (ds_domain_classify, with the Public Suffix List) and the escaping
 * every output applies to such a name (ds_csv_text, ds_term_text).
 *
 * Input: byte 0 bit 0 chooses the host's address family (IPv4 or IPv6), bytes 1-4
 * are its IPv4 address (or the low bytes of an IPv6 one), the rest is used twice:
 * as a DNS response, and as a PTR name itself (NUL bytes included). Each name goes
 * the way ds_enrich.c takes it: status, then for a well-formed name the canonical
 * form and classification; whatever the status, the name is written escaped. The
 * checks: a decoded name fits its buffer and its length is right, a well-formed
 * name's canonical form is lower case and well-formed again, classification points
 * into the name, and escaped output has no control byte and no unquoted separator.
 */
#include "enrich/ds_dnsmsg.h"
#include "enrich/ds_domain.h"
#include "enrich/ds_hostname.h"
#include "enrich/ds_rdns.h"
#include "fuzz_common.h"
#include "output/ds_csv.h"

static ds_domain *fz_dom;

/* Escaped text must stay on one line with no control byte (terminal escapes). */
static void fz_escaped(const char *name, bool csv)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        abort();
    if (csv)
        ds_csv_text(f, name);
    else
        ds_term_text(f, name);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x20 || c == 0x7f)
            abort();
    }
    if (csv && n > 0 && strpbrk(buf, ",\"") && buf[0] != '"')
        abort(); /* a separator or quote outside quotes would split the field */
    if (csv && n > 0 && strchr("=+-@", buf[0]))
        abort(); /* a formula */
    free(buf);
}

static void fz_name(const char *name, size_t len, bool escaped, const ds_ip *ip)
{
    ds_rdns_status st = ds_rdns_name_status(name, len, escaped);
    (void)ds_rdns_status_name(st);
    ds_hostname_check hc = ds_hostname_validate(name, len);
    if (!ds_hostname_reason(hc))
        abort();
    if (st == DS_RDNS_NAME) {
        char canon[254];
        size_t cl = ds_hostname_canonical(name, len, canon);
        if (cl == 0 || cl > 253 || strlen(canon) != cl)
            abort();
        for (size_t i = 0; i < cl; i++)
            if (canon[i] >= 'A' && canon[i] <= 'Z')
                abort();
        if (ds_hostname_validate(canon, cl) != DS_HOSTNAME_OK)
            abort();
        ds_domain_info di;
        ds_domain_classify(fz_dom, canon, ip, &di);
        if ((unsigned)di.category >= DS_CAT_COUNT || !ds_category_name(di.category))
            abort();
        if (di.tld && (di.tld < canon || di.tld >= canon + cl))
            abort();
        if (di.domain && (di.domain < canon || di.domain >= canon + cl))
            abort();
    }
    /* Outputs get the NUL-terminated text (a NUL inside was escaped by the decoder). */
    char *z = fz_text((const uint8_t *)name, len);
    fz_escaped(z, true);
    fz_escaped(z, false);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_dom) {
        char err[256];
        fz_dom = ds_domain_open(err, sizeof err);
        if (!fz_dom)
            abort();
    }
    if (size < 5)
        return 0;
    ds_ip ip;
    uint32_t v4 =
        (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4];
    if (data[0] & 1) {
        uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8};
        memcpy(b6 + 12, data + 1, 4);
        ds_ip_set_v6(&ip, b6);
    } else {
        ds_ip_set_v4(&ip, v4);
    }
    char rev[DS_REVNAME_LEN];
    ds_dns_reverse_name(&ip, rev);
    if (strlen(rev) >= DS_REVNAME_LEN)
        abort();
    data += 5;
    size -= 5;

    /* As a DNS response, in an exact-size copy so ASan sees any read past it. */
    unsigned char *msg = fz_copy(data, size);
    char name[DS_DNS_NAME_TEXT];
    size_t nl = 12345;
    bool escaped = true;
    int rc = ds_dns_ptr_answer(msg, size, name, &nl, &escaped);
    if (rc < -1 || rc > 1)
        abort();
    if (rc == 1) {
        if (nl >= DS_DNS_NAME_TEXT || strlen(name) != nl)
            abort();
        fz_name(name, nl, escaped, &ip);
    } else if (nl != 0) {
        abort(); /* (name may hold a partial decode: callers use it only on 1) */
    }
    free(msg);

    /* As a name, verbatim (as a bulk file or a lenient resolver could hand it over). */
    char *nm = (char *)fz_copy(data, size);
    fz_name(nm, size, false, &ip);
    free(nm);
    return 0;
}

/*
 * ds_signature.c — worm signatures: parsing the INI rules and matching every packet.
 *
 * A signature is a conjunction of simple conditions on the packet record: protocol,
 * destination port set, TCP flags that must be set / clear, ICMP type set, payload
 * length range, payload bytes at an offset, and "TCP seq equals the destination
 * address" (Mirai). The built-ins are written in the same INI format and parsed by
 * the same code as user files, so the format documented in docs/SIGNATURES.md is
 * exactly what the built-ins use.
 *
 * Matching runs on every packet, so the cheap conditions are precomputed into
 * tables of signature bit masks, one lookup each:
 *   tcp_port[dport] & tcp_flags[flags]   for TCP  (256 KiB + 1 KiB)
 *   udp_port[dport]                      for UDP  (256 KiB)
 *   icmp_type[type]                      for ICMP and ICMPv6
 * Most packets get a zero mask here and leave after three loads. Only signatures
 * with a payload or sequence condition (the `slow` mask) are then checked one by
 * one, and only those the tables left standing.
 *
 * Loading is all-or-nothing: a file is parsed into a staging area, validated as a
 * whole, and only then merged into the set (a name that exists is replaced in
 * place, so signature bit numbers stay stable for the built-ins).
 */
#include "telescope/ds_signature.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "telescope/ds_ini.h"

#define DS_SIG_MAX_RANGES 64
#define DS_SIG_MAX_HEX 256
#define DS_SIG_DESC_MAX 768

/* Keys of the format, indexes into ds_sig.key_line. */
enum {
    DS_K_PROTOCOL,
    DS_K_DST_PORTS,
    DS_K_FLAGS_SET,
    DS_K_FLAGS_CLEAR,
    DS_K_PAYLOAD_MIN,
    DS_K_PAYLOAD_MAX,
    DS_K_PAYLOAD_HEX,
    DS_K_PAYLOAD_OFFSET,
    DS_K_SEQ_EQUALS_DST,
    DS_K_ICMP_TYPE,
    DS_K_COUNT
};

static const char *const ds_key_names[DS_K_COUNT] = {
    "protocol",    "dst_ports",   "tcp_flags_set",  "tcp_flags_clear", "payload_min",
    "payload_max", "payload_hex", "payload_offset", "seq_equals_dst",  "icmp_type",
};

typedef struct ds_range {
    uint16_t lo, hi;
} ds_range;

typedef struct ds_sig {
    char name[DS_SIG_NAME_MAX];
    uint8_t proto; /* 6, 17, or 1 meaning ICMP and ICMPv6 */
    uint8_t flags_set, flags_clear;
    bool seq_eq_dst;
    int nports; /* 0 = any port */
    ds_range ports[DS_SIG_MAX_RANGES];
    int ntypes; /* 0 = any ICMP type */
    ds_range types[DS_SIG_MAX_RANGES];
    uint16_t pmin, pmax;
    uint16_t hexlen, hexoff;
    uint8_t hex[DS_SIG_MAX_HEX];
    char desc[DS_SIG_DESC_MAX];
    int line;                 /* section header line, while staged */
    int key_line[DS_K_COUNT]; /* where each key was given, 0 = not given */
} ds_sig;

struct ds_sigset {
    int n;
    ds_sig sig[DS_SIG_MAX];
    uint32_t *tcp_port; /* 65536 masks, NULL when no TCP signature */
    uint32_t *udp_port;
    uint32_t tcp_flags[256];
    uint32_t icmp_type[256];
    uint32_t slow; /* signatures with payload or seq conditions */
};

/* The built-in signatures, in the user format (see docs/SIGNATURES.md). */
static const char ds_builtin_text[] =
    "; Code-Red (2001): HTTP worm; probes are SYNs to port 80\n"
    "[codered]\n"
    "protocol = tcp\n"
    "dst_ports = 80\n"
    "tcp_flags_set = SYN\n"
    "tcp_flags_clear = ACK\n"
    "; Slammer / Sapphire (2003): one 376-byte UDP datagram to MS-SQL 1434\n"
    "[slammer]\n"
    "protocol = udp\n"
    "dst_ports = 1434\n"
    "payload_min = 376\n"
    "payload_max = 376\n"
    "; Conficker (2008): SMB probes, SYNs to 445\n"
    "[conficker]\n"
    "protocol = tcp\n"
    "dst_ports = 445\n"
    "tcp_flags_set = SYN\n"
    "tcp_flags_clear = ACK\n"
    "; Mirai (2016): telnet SYNs whose sequence number is the destination address\n"
    "[mirai]\n"
    "protocol = tcp\n"
    "dst_ports = 23, 2323\n"
    "tcp_flags_set = SYN\n"
    "tcp_flags_clear = ACK\n"
    "seq_equals_dst = true\n";

/* ---- set basics --------------------------------------------------------------- */

static void ds_sig_rebuild(ds_sigset *s);

ds_sigset *ds_sigset_new(void)
{
    ds_sigset *s = ds_xcalloc(1, sizeof *s);
    ds_sig_rebuild(s);
    return s;
}

ds_sigset *ds_sigset_builtin(void)
{
    ds_sigset *s = ds_sigset_new();
    char err[DS_ERRLEN];
    if (ds_sigset_load_string(s, ds_builtin_text, "built-in signatures", err, sizeof err) != 0) {
        /* The text above is fixed and tested; failing here is a programming error. */
        fprintf(stderr, "darkscope: %s\n", err);
        abort();
    }
    return s;
}

void ds_sigset_free(ds_sigset *s)
{
    if (!s)
        return;
    free(s->tcp_port);
    free(s->udp_port);
    free(s);
}

int ds_sigset_count(const ds_sigset *s)
{
    return s->n;
}

const char *ds_sigset_name(const ds_sigset *s, int i)
{
    return i >= 0 && i < s->n ? s->sig[i].name : NULL;
}

const char *ds_sigset_describe(const ds_sigset *s, int i)
{
    return i >= 0 && i < s->n ? s->sig[i].desc : NULL;
}

int ds_sigset_find(const ds_sigset *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->sig[i].name, name) == 0)
            return i;
    return -1;
}

/* ---- matching ------------------------------------------------------------------- */

static void ds_paint(uint32_t *table, size_t size, const ds_range *r, int n, uint32_t bit)
{
    if (n == 0) {
        for (size_t k = 0; k < size; k++)
            table[k] |= bit;
        return;
    }
    for (int j = 0; j < n; j++)
        for (uint32_t k = r[j].lo; k <= r[j].hi; k++)
            table[k] |= bit;
}

static void ds_sig_rebuild(ds_sigset *s)
{
    bool tcp = false, udp = false;
    for (int i = 0; i < s->n; i++) {
        tcp |= s->sig[i].proto == 6;
        udp |= s->sig[i].proto == 17;
    }
    free(s->tcp_port);
    free(s->udp_port);
    s->tcp_port = tcp ? ds_xcalloc(65536, sizeof *s->tcp_port) : NULL;
    s->udp_port = udp ? ds_xcalloc(65536, sizeof *s->udp_port) : NULL;
    memset(s->tcp_flags, 0, sizeof s->tcp_flags);
    memset(s->icmp_type, 0, sizeof s->icmp_type);
    s->slow = 0;
    for (int i = 0; i < s->n; i++) {
        const ds_sig *g = &s->sig[i];
        uint32_t bit = 1u << i;
        if (g->proto == 6) {
            ds_paint(s->tcp_port, 65536, g->ports, g->nports, bit);
            for (unsigned f = 0; f < 256; f++)
                if ((f & g->flags_set) == g->flags_set && (f & g->flags_clear) == 0)
                    s->tcp_flags[f] |= bit;
        } else if (g->proto == 17) {
            ds_paint(s->udp_port, 65536, g->ports, g->nports, bit);
        } else {
            ds_paint(s->icmp_type, 256, g->types, g->ntypes, bit);
        }
        if (g->pmin > 0 || g->pmax < 65535 || g->hexlen || g->seq_eq_dst)
            s->slow |= bit;
    }
}

static bool ds_sig_slow_match(const ds_sig *g, const ds_pkt *p)
{
    if (p->payload_len < g->pmin || p->payload_len > g->pmax)
        return false;
    if (g->seq_eq_dst && (p->ipver != 4 || p->tcp_seq != ds_ip_v4(&p->dst)))
        return false;
    if (g->hexlen) {
        /* Bytes that were not captured cannot be confirmed: no match. */
        if ((uint32_t)g->hexoff + g->hexlen > p->payload_caplen)
            return false;
        if (memcmp(p->payload + g->hexoff, g->hex, g->hexlen) != 0)
            return false;
    }
    return true;
}

uint32_t ds_sigset_match(const ds_sigset *s, const ds_pkt *p)
{
    if (p->tags & DS_TAG_NONFIRST)
        return 0; /* no transport header: ports and flags are unknown */
    uint32_t m;
    switch (p->proto) {
    case 6:
        m = s->tcp_port ? s->tcp_port[p->dport] & s->tcp_flags[p->tcp_flags] : 0;
        break;
    case 17:
        m = s->udp_port ? s->udp_port[p->dport] : 0;
        break;
    case 1:
    case 58:
        m = s->icmp_type[p->icmp_type];
        break;
    default:
        return 0;
    }
    uint32_t check = m & s->slow;
    m &= ~s->slow;
    while (check) {
        int i = __builtin_ctz(check);
        check &= check - 1;
        if (ds_sig_slow_match(&s->sig[i], p))
            m |= 1u << i;
    }
    return m;
}

/* ---- value parsers (each returns 0, or -1 with a reason) ----------------------- */

static int ds_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!*s)
        return -1;
    unsigned long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

/* "80, 8080, 1000-2000" appended to r[*n]; values up to max. */
static int ds_parse_ranges(char *value, unsigned long max, ds_range *r, int *n, char *err,
                           size_t errlen)
{
    char *item = value;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = 0;
        char *s = ds_ini_unquote(item);
        char *dash = strchr(s, '-');
        unsigned long lo, hi;
        if (dash)
            *dash = 0;
        if (ds_parse_uint(ds_ini_unquote(s), max, &lo) != 0 ||
            (dash && ds_parse_uint(ds_ini_unquote(dash + 1), max, &hi) != 0)) {
            snprintf(err, errlen, "bad number or range in list (each item N or N-M, 0 to %lu)",
                     max);
            return -1;
        }
        if (!dash)
            hi = lo;
        if (lo > hi) {
            snprintf(err, errlen, "range %lu-%lu is backwards", lo, hi);
            return -1;
        }
        if (*n >= DS_SIG_MAX_RANGES) {
            snprintf(err, errlen, "more than %d items in the list", DS_SIG_MAX_RANGES);
            return -1;
        }
        r[*n].lo = (uint16_t)lo;
        r[*n].hi = (uint16_t)hi;
        (*n)++;
        if (!comma)
            return 0;
        item = comma + 1;
    }
}

static const char *const ds_flag_names[8] = {"FIN", "SYN", "RST", "PSH",
                                             "ACK", "URG", "ECE", "CWR"};

/* "SYN", "SYN,ACK", "SYN|ACK", "syn + ack", or a number such as 0x12. */
static int ds_parse_flags(char *value, uint8_t *out, char *err, size_t errlen)
{
    char *s = ds_ini_unquote(value);
    unsigned long num;
    if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
        char *end;
        num = strtoul(s + 2, &end, 16);
        if (s[2] && !*end && num <= 255) {
            *out = (uint8_t)num;
            return 0;
        }
    } else if (ds_parse_uint(s, 255, &num) == 0) {
        *out = (uint8_t)num;
        return 0;
    }
    unsigned flags = 0;
    int count = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == ',' || *s == '|' || *s == '+')
            s++;
        if (!*s)
            break;
        const char *w = s;
        while (*s && *s != ' ' && *s != '\t' && *s != ',' && *s != '|' && *s != '+')
            s++;
        size_t len = (size_t)(s - w);
        int k;
        for (k = 0; k < 8; k++)
            if (len == 3 && strncasecmp(w, ds_flag_names[k], 3) == 0)
                break;
        if (k == 8) {
            snprintf(err, errlen,
                     "unknown TCP flag '%.*s' (FIN SYN RST PSH ACK URG ECE CWR, or a number)",
                     (int)(len > 20 ? 20 : len), w);
            return -1;
        }
        flags |= 1u << k;
        count++;
    }
    if (!count) {
        snprintf(err, errlen, "no TCP flag given");
        return -1;
    }
    *out = (uint8_t)flags;
    return 0;
}

static int ds_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Appends hex bytes ("4d 5a", "4d:5a", "4d5a") to g->hex. */
static int ds_parse_hex(char *value, ds_sig *g, char *err, size_t errlen)
{
    const char *s = ds_ini_unquote(value);
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == ':') {
            s++;
            continue;
        }
        int a = ds_hexval(s[0]), b = a < 0 ? -1 : ds_hexval(s[1]);
        if (a < 0 || b < 0) {
            snprintf(err, errlen,
                     "payload_hex: expected pairs of hex digits, got '%.8s' (bytes may be "
                     "separated by spaces or ':')",
                     s);
            return -1;
        }
        if (g->hexlen >= DS_SIG_MAX_HEX) {
            snprintf(err, errlen, "payload_hex longer than %d bytes", DS_SIG_MAX_HEX);
            return -1;
        }
        g->hex[g->hexlen++] = (uint8_t)(a << 4 | b);
        s += 2;
    }
    return 0;
}

static int ds_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* ---- loading -------------------------------------------------------------------- */

typedef struct ds_sigload {
    const ds_sigset *set;
    int n;
    ds_sig stage[DS_SIG_MAX];
} ds_sigload;

static bool ds_sig_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= DS_SIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

static int ds_sig_section(void *user, const char *section, int line, char *err, size_t errlen)
{
    ds_sigload *L = user;
    if (!ds_sig_valid_name(section)) {
        snprintf(err, errlen, "bad signature name '%s' (1 to %d characters of A-Z a-z 0-9 _ . -)",
                 section, DS_SIG_NAME_MAX - 1);
        return -1;
    }
    for (int i = 0; i < L->n; i++) {
        if (strcmp(L->stage[i].name, section) == 0) {
            snprintf(err, errlen, "signature [%s] defined twice (first at line %d)", section,
                     L->stage[i].line);
            return -1;
        }
    }
    if (L->n >= DS_SIG_MAX) {
        snprintf(err, errlen, "more than %d signatures", DS_SIG_MAX);
        return -1;
    }
    ds_sig *g = &L->stage[L->n++];
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", section);
    g->pmax = 65535;
    g->line = line;
    return 0;
}

static int ds_sig_key(void *user, const char *section, const char *key, const char *value, int line,
                      char *err, size_t errlen)
{
    ds_sigload *L = user;
    if (L->n == 0 || strcmp(L->stage[L->n - 1].name, section) != 0)
        return -1; /* cannot happen: the section callback ran first */
    ds_sig *g = &L->stage[L->n - 1];
    int k;
    for (k = 0; k < DS_K_COUNT; k++)
        if (strcmp(key, ds_key_names[k]) == 0)
            break;
    if (k == DS_K_COUNT) {
        snprintf(err, errlen,
                 "unknown key '%s' (protocol, dst_ports, tcp_flags_set, tcp_flags_clear, "
                 "payload_min, payload_max, payload_hex, payload_offset, seq_equals_dst, "
                 "icmp_type)",
                 key);
        return -1;
    }
    /* Lists may be continued on indented lines (or repeated); scalars only once. */
    bool list = k == DS_K_DST_PORTS || k == DS_K_PAYLOAD_HEX || k == DS_K_ICMP_TYPE;
    if (g->key_line[k] && !list) {
        snprintf(err, errlen, "'%s' given twice (first at line %d)", key, g->key_line[k]);
        return -1;
    }
    if (!g->key_line[k])
        g->key_line[k] = line;

    char buf[1024];
    snprintf(buf, sizeof buf, "%s", value);
    char *v = ds_ini_unquote(buf);
    unsigned long num;
    bool b;
    switch (k) {
    case DS_K_PROTOCOL:
        if (strcasecmp(v, "tcp") == 0)
            g->proto = 6;
        else if (strcasecmp(v, "udp") == 0)
            g->proto = 17;
        else if (strcasecmp(v, "icmp") == 0)
            g->proto = 1;
        else {
            snprintf(err, errlen, "protocol must be tcp, udp or icmp, not '%s'", v);
            return -1;
        }
        return 0;
    case DS_K_DST_PORTS:
        return ds_parse_ranges(v, 65535, g->ports, &g->nports, err, errlen);
    case DS_K_ICMP_TYPE:
        return ds_parse_ranges(v, 255, g->types, &g->ntypes, err, errlen);
    case DS_K_FLAGS_SET:
        return ds_parse_flags(v, &g->flags_set, err, errlen);
    case DS_K_FLAGS_CLEAR:
        return ds_parse_flags(v, &g->flags_clear, err, errlen);
    case DS_K_PAYLOAD_MIN:
    case DS_K_PAYLOAD_MAX:
    case DS_K_PAYLOAD_OFFSET:
        if (ds_parse_uint(v, 65535, &num) != 0) {
            snprintf(err, errlen, "%s must be a number from 0 to 65535, not '%s'", key, v);
            return -1;
        }
        if (k == DS_K_PAYLOAD_MIN)
            g->pmin = (uint16_t)num;
        else if (k == DS_K_PAYLOAD_MAX)
            g->pmax = (uint16_t)num;
        else
            g->hexoff = (uint16_t)num;
        return 0;
    case DS_K_PAYLOAD_HEX:
        return ds_parse_hex(v, g, err, errlen);
    case DS_K_SEQ_EQUALS_DST:
        if (ds_parse_bool(v, &b) != 0) {
            snprintf(err, errlen, "seq_equals_dst must be true or false, not '%s'", v);
            return -1;
        }
        g->seq_eq_dst = b;
        return 0;
    default:
        return -1;
    }
}

/* Checks that need the whole section; returns the offending line or 0. */
static int ds_sig_validate(const ds_sig *g, char *err, size_t errlen)
{
    const int *kl = g->key_line;
    const char *n = g->name;
    if (!g->proto) {
        snprintf(err, errlen, "signature [%s] has no 'protocol' (tcp, udp or icmp)", n);
        return g->line;
    }
    if (g->proto == 1 && kl[DS_K_DST_PORTS]) {
        snprintf(err, errlen, "signature [%s]: dst_ports needs protocol tcp or udp", n);
        return kl[DS_K_DST_PORTS];
    }
    static const int tcp_only[] = {DS_K_FLAGS_SET, DS_K_FLAGS_CLEAR, DS_K_SEQ_EQUALS_DST};
    for (size_t i = 0; i < 3; i++) {
        if (g->proto != 6 && kl[tcp_only[i]]) {
            snprintf(err, errlen, "signature [%s]: %s needs protocol tcp", n,
                     ds_key_names[tcp_only[i]]);
            return kl[tcp_only[i]];
        }
    }
    if (g->proto != 1 && kl[DS_K_ICMP_TYPE]) {
        snprintf(err, errlen, "signature [%s]: icmp_type needs protocol icmp", n);
        return kl[DS_K_ICMP_TYPE];
    }
    if (g->flags_set & g->flags_clear) {
        snprintf(err, errlen, "signature [%s]: a flag is both in tcp_flags_set and tcp_flags_clear",
                 n);
        return kl[DS_K_FLAGS_CLEAR] > kl[DS_K_FLAGS_SET] ? kl[DS_K_FLAGS_CLEAR]
                                                         : kl[DS_K_FLAGS_SET];
    }
    if (g->pmin > g->pmax) {
        snprintf(err, errlen, "signature [%s]: payload_min %u is above payload_max %u", n, g->pmin,
                 g->pmax);
        return kl[DS_K_PAYLOAD_MIN] > kl[DS_K_PAYLOAD_MAX] ? kl[DS_K_PAYLOAD_MIN]
                                                           : kl[DS_K_PAYLOAD_MAX];
    }
    if (kl[DS_K_PAYLOAD_OFFSET] && !g->hexlen) {
        snprintf(err, errlen, "signature [%s]: payload_offset without payload_hex", n);
        return kl[DS_K_PAYLOAD_OFFSET];
    }
    if (kl[DS_K_PAYLOAD_HEX] && !g->hexlen) {
        snprintf(err, errlen, "signature [%s]: payload_hex is empty", n);
        return kl[DS_K_PAYLOAD_HEX];
    }
    if (g->hexlen && (uint32_t)g->hexoff + g->hexlen > g->pmax) {
        snprintf(err, errlen,
                 "signature [%s]: payload_hex at offset %u needs %u payload bytes, more than "
                 "payload_max %u: it can never match",
                 n, g->hexoff, (unsigned)g->hexoff + g->hexlen, g->pmax);
        return kl[DS_K_PAYLOAD_HEX];
    }
    return 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
ds_append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

static void ds_append_ranges(char *buf, size_t cap, const char *key, const ds_range *r, int n)
{
    ds_append(buf, cap, " %s=", key);
    for (int i = 0; i < n; i++) {
        ds_append(buf, cap, "%s%u", i ? "," : "", r[i].lo);
        if (r[i].hi != r[i].lo)
            ds_append(buf, cap, "-%u", r[i].hi);
    }
}

static void ds_append_flags(char *buf, size_t cap, const char *key, uint8_t f)
{
    ds_append(buf, cap, " %s=", key);
    bool first = true;
    for (int k = 0; k < 8; k++) {
        if (f & (1u << k)) {
            ds_append(buf, cap, "%s%s", first ? "" : ",", ds_flag_names[k]);
            first = false;
        }
    }
}

/* The rule in the file's own terms, e.g. "protocol=tcp dst_ports=80 tcp_flags_set=SYN". */
static void ds_sig_describe(ds_sig *g)
{
    char *d = g->desc;
    size_t cap = sizeof g->desc;
    d[0] = 0;
    ds_append(d, cap, "protocol=%s", g->proto == 6 ? "tcp" : g->proto == 17 ? "udp" : "icmp");
    if (g->nports)
        ds_append_ranges(d, cap, "dst_ports", g->ports, g->nports);
    if (g->ntypes)
        ds_append_ranges(d, cap, "icmp_type", g->types, g->ntypes);
    if (g->flags_set)
        ds_append_flags(d, cap, "tcp_flags_set", g->flags_set);
    if (g->flags_clear)
        ds_append_flags(d, cap, "tcp_flags_clear", g->flags_clear);
    if (g->pmin > 0)
        ds_append(d, cap, " payload_min=%u", g->pmin);
    if (g->pmax < 65535)
        ds_append(d, cap, " payload_max=%u", g->pmax);
    if (g->hexlen) {
        ds_append(d, cap, " payload_hex=");
        for (unsigned i = 0; i < g->hexlen; i++)
            ds_append(d, cap, "%02x", g->hex[i]);
        if (g->hexoff)
            ds_append(d, cap, " payload_offset=%u", g->hexoff);
    }
    if (g->seq_eq_dst)
        ds_append(d, cap, " seq_equals_dst=true");
}

/* Validates the staged signatures and merges them into the set. */
static int ds_sig_commit(ds_sigset *s, ds_sigload *L, const char *origin, char *err, size_t errlen)
{
    char why[DS_ERRLEN];
    int added = 0;
    for (int i = 0; i < L->n; i++) {
        int line = ds_sig_validate(&L->stage[i], why, sizeof why);
        if (line) {
            snprintf(err, errlen, "%s:%d: %s", origin, line, why);
            return -1;
        }
        added += ds_sigset_find(s, L->stage[i].name) < 0;
    }
    if (s->n + added > DS_SIG_MAX) {
        snprintf(err, errlen, "%s: %d signatures in all, more than the limit of %d", origin,
                 s->n + added, DS_SIG_MAX);
        return -1;
    }
    for (int i = 0; i < L->n; i++) {
        ds_sig *g = &L->stage[i];
        ds_sig_describe(g);
        g->line = 0;
        memset(g->key_line, 0, sizeof g->key_line);
        int at = ds_sigset_find(s, g->name);
        s->sig[at >= 0 ? at : s->n++] = *g;
    }
    ds_sig_rebuild(s);
    return 0;
}

int ds_sigset_load_string(ds_sigset *s, const char *text, const char *origin, char *err,
                          size_t errlen)
{
    ds_sigload *L = ds_xcalloc(1, sizeof *L);
    L->set = s;
    int rc = ds_ini_parse_string(text, origin, ds_sig_section, ds_sig_key, L, err, errlen);
    if (rc == 0)
        rc = ds_sig_commit(s, L, origin, err, errlen);
    free(L);
    return rc;
}

int ds_sigset_load(ds_sigset *s, const char *path, char *err, size_t errlen)
{
    ds_sigload *L = ds_xcalloc(1, sizeof *L);
    L->set = s;
    int rc = ds_ini_parse_file(path, ds_sig_section, ds_sig_key, L, err, errlen);
    if (rc == 0)
        rc = ds_sig_commit(s, L, path, err, errlen);
    free(L);
    return rc;
}

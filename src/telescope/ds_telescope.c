/*
 * ds_telescope.c — named monitors of IPv4/IPv6 prefixes, and the per-packet lookup
 * from a destination address to its monitor.
 *
 * Definition rules (checked when a spec or file is added, never at lookup):
 *   - a prefix is ADDRESS/LEN, or a bare address meaning one host (/32, /128);
 *   - host bits set ("44.1.0.0/8") are an error, not silently cleared: a typo in a
 *     telescope definition changes every extrapolated number, so we ask instead of
 *     guessing;
 *   - no two prefixes may overlap, in different monitors (a packet must land in one
 *     monitor) or in the same one (so that a monitor's size is the plain sum of its
 *     prefixes and a duplicated line is noticed);
 *   - IPv4 is written in IPv4 form: an IPv6 prefix inside ::ffff:0:0/96 is refused,
 *     because darkscope keeps IPv4 addresses in that mapped form and the two would
 *     silently mean the same addresses.
 * A spec or file is applied whole or not at all: on error the telescope is rolled
 * back to what it was.
 *
 * IPv4 lookup is a 16-8-8 multibit trie: a 65536-entry table indexed by the top 16
 * bits, whose entries are either a monitor (or none) or a pointer to a 256-entry
 * block for the next 8 bits, whose entries may point to a block for the last 8 bits.
 * That is at most three dependent loads whatever the prefixes, 128 KiB for the first
 * level (it stays hot in L2 for a real telescope, which touches few /16s), and
 * 512 bytes per /16 or /24 that a longer prefix splits. Since prefixes never overlap
 * across monitors, the table is built by painting prefixes shortest first; a longer
 * prefix of the same monitor inside a shorter one splits blocks that inherit it.
 * The table is rebuilt from the prefix lists after every successful change, which is
 * a few hundred microseconds and happens only at start-up.
 *
 * IPv6 telescopes have a handful of prefixes, so IPv6 lookup is a linear scan over
 * (hi, lo, mask) pairs; prefixes do not overlap, so the first match is the answer.
 */
#include "telescope/ds_telescope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "telescope/ds_ini.h"

/* First- and second-level entries: bit 15 set = index of a child block, otherwise a
 * monitor index or DS_T_NONE. */
#define DS_T_NONE 0x7fffu
#define DS_T_CHILD 0x8000u
#define DS_T_MAX_BLOCKS 0x7fffu

typedef struct ds_pfx4 {
    uint32_t addr; /* host order, host bits clear */
    uint8_t len;
    uint8_t mon;
} ds_pfx4;

typedef struct ds_pfx6 {
    uint64_t hi, lo;   /* host order, host bits clear */
    uint64_t mhi, mlo; /* masks */
    uint8_t len;
    uint8_t mon;
} ds_pfx6;

struct ds_telescope {
    int nmon;
    char names[DS_MONITORS_MAX][DS_MONITOR_NAME_MAX];
    char *text[DS_MONITORS_MAX]; /* "44.0.0.0/8,..." */
    uint64_t size4[DS_MONITORS_MAX];
    double size6_log2[DS_MONITORS_MAX];
    ds_pfx4 *v4;
    size_t n4, cap4;
    ds_pfx6 *v6;
    size_t n6, cap6;
    uint16_t *l1; /* 65536 entries */
    uint16_t *l2; /* nl2 blocks of 256 (the /24 level) */
    uint16_t *l3; /* nl3 blocks of 256 (the /32 level) */
    size_t nl2, nl3;
};

ds_telescope *ds_telescope_new(void)
{
    ds_telescope *t = ds_xcalloc(1, sizeof *t);
    t->l1 = ds_xmalloc(65536 * sizeof *t->l1);
    for (size_t i = 0; i < 65536; i++)
        t->l1[i] = DS_T_NONE;
    return t;
}

void ds_telescope_free(ds_telescope *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nmon; i++)
        free(t->text[i]);
    free(t->v4);
    free(t->v6);
    free(t->l1);
    free(t->l2);
    free(t->l3);
    free(t);
}

/* ---- prefix text ------------------------------------------------------------ */

static void ds_fmt_pfx4(const ds_pfx4 *p, char *buf, size_t n)
{
    snprintf(buf, n, "%u.%u.%u.%u/%u", p->addr >> 24, (p->addr >> 16) & 255, (p->addr >> 8) & 255,
             p->addr & 255, p->len);
}

static void ds_fmt_pfx6(const ds_pfx6 *p, char *buf, size_t n)
{
    ds_ip a;
    for (int i = 0; i < 8; i++) {
        a.b[i] = (uint8_t)(p->hi >> (56 - 8 * i));
        a.b[8 + i] = (uint8_t)(p->lo >> (56 - 8 * i));
    }
    char s[DS_IP_STRLEN];
    snprintf(buf, n, "%s/%u", ds_ip_format(&a, s), p->len);
}

static uint64_t ds_mask64(int bits) /* top `bits` bits set, 0..64 */
{
    return bits <= 0 ? 0 : bits >= 64 ? ~0ull : ~0ull << (64 - bits);
}

static bool ds_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= DS_MONITOR_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* Parses one prefix into exactly one of *p4 / *p6; returns 4, 6, or -1 with a reason. */
static int ds_parse_prefix(const char *text, ds_pfx4 *p4, ds_pfx6 *p6, char *err, size_t errlen)
{
    char buf[128];
    size_t n = strlen(text);
    if (n == 0) {
        snprintf(err, errlen, "empty prefix");
        return -1;
    }
    if (n >= sizeof buf) {
        snprintf(err, errlen, "prefix '%.40s...' too long", text);
        return -1;
    }
    memcpy(buf, text, n + 1);
    int len = -1;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = 0;
        const char *l = slash + 1;
        if (!*l || strlen(l) > 3) {
            snprintf(err, errlen, "bad prefix length in '%s'", text);
            return -1;
        }
        len = 0;
        for (; *l; l++) {
            if (*l < '0' || *l > '9') {
                snprintf(err, errlen, "bad prefix length in '%s'", text);
                return -1;
            }
            len = len * 10 + (*l - '0');
        }
    }
    ds_ip a;
    if (ds_ip_parse(buf, &a) != 0) {
        snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
        return -1;
    }
    /* ds_ip_parse gives "::ffff:1.2.3.4" the IPv4 form too; only dotted quads count
     * as IPv4 here (see the rule on mapped prefixes above). */
    bool v4 = ds_ip_is_v4(&a) && !strchr(buf, ':');
    if (v4) {
        if (len < 0)
            len = 32;
        if (len > 32) {
            snprintf(err, errlen, "prefix length %d in '%s' is more than 32", len, text);
            return -1;
        }
        uint32_t addr = ds_ip_v4(&a);
        uint32_t mask = len ? ~0u << (32 - len) : 0;
        if (addr & ~mask) {
            snprintf(err, errlen, "'%s' has host bits set (did you mean %u.%u.%u.%u/%d?)", text,
                     (addr & mask) >> 24, ((addr & mask) >> 16) & 255, ((addr & mask) >> 8) & 255,
                     addr & mask & 255, len);
            return -1;
        }
        p4->addr = addr;
        p4->len = (uint8_t)len;
        return 4;
    }
    if (len < 0)
        len = 128;
    if (len > 128) {
        snprintf(err, errlen, "prefix length %d in '%s' is more than 128", len, text);
        return -1;
    }
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = hi << 8 | a.b[i];
        lo = lo << 8 | a.b[8 + i];
    }
    p6->mhi = ds_mask64(len);
    p6->mlo = ds_mask64(len - 64);
    p6->hi = hi;
    p6->lo = lo;
    p6->len = (uint8_t)len;
    if ((hi & ~p6->mhi) || (lo & ~p6->mlo)) {
        ds_pfx6 fix = *p6;
        fix.hi &= fix.mhi;
        fix.lo &= fix.mlo;
        char s[80];
        ds_fmt_pfx6(&fix, s, sizeof s);
        snprintf(err, errlen, "'%s' has host bits set (did you mean %s?)", text, s);
        return -1;
    }
    if (len >= 96 && hi == 0 && (lo >> 32) == 0xffff) {
        snprintf(err, errlen, "'%s' is IPv4-mapped: write it as an IPv4 prefix", text);
        return -1;
    }
    return 6;
}

/* ---- table build ------------------------------------------------------------ */

static int ds_cmp_len4(const void *a, const void *b)
{
    const ds_pfx4 *x = a, *y = b;
    return (int)x->len - (int)y->len;
}

/* Returns the child block index under *slot, creating it (inheriting the slot's
 * monitor) if needed; -1 when the block limit is reached. */
static int ds_child(uint16_t *slot, uint16_t **blocks, size_t *nblocks)
{
    if (*slot & DS_T_CHILD)
        return *slot & ~DS_T_CHILD;
    if (*nblocks >= DS_T_MAX_BLOCKS)
        return -1;
    size_t k = (*nblocks)++;
    *blocks = ds_xrealloc(*blocks, *nblocks * 256 * sizeof **blocks);
    for (int i = 0; i < 256; i++)
        (*blocks)[k * 256 + (size_t)i] = *slot;
    *slot = (uint16_t)(DS_T_CHILD | k);
    return (int)k;
}

static int ds_build_v4(ds_telescope *t, char *err, size_t errlen)
{
    for (size_t i = 0; i < 65536; i++)
        t->l1[i] = DS_T_NONE;
    free(t->l2);
    free(t->l3);
    t->l2 = t->l3 = NULL;
    t->nl2 = t->nl3 = 0;
    ds_pfx4 *s = ds_xmalloc((t->n4 ? t->n4 : 1) * sizeof *s);
    if (t->n4)
        memcpy(s, t->v4, t->n4 * sizeof *s);
    qsort(s, t->n4, sizeof *s, ds_cmp_len4);
    int rc = 0;
    for (size_t i = 0; i < t->n4 && rc == 0; i++) {
        uint32_t a = s[i].addr;
        unsigned len = s[i].len;
        uint16_t m = s[i].mon;
        if (len <= 16) {
            uint32_t first = a >> 16, count = 1u << (16 - len);
            for (uint32_t k = 0; k < count; k++)
                t->l1[first + k] = m;
            continue;
        }
        int b2 = ds_child(&t->l1[a >> 16], &t->l2, &t->nl2);
        if (b2 < 0) {
            rc = -1;
            break;
        }
        uint16_t *blk2 = t->l2 + (size_t)b2 * 256;
        if (len <= 24) {
            uint32_t first = (a >> 8) & 255, count = 1u << (24 - len);
            for (uint32_t k = 0; k < count; k++)
                blk2[first + k] = m;
            continue;
        }
        int b3 = ds_child(&blk2[(a >> 8) & 255], &t->l3, &t->nl3);
        if (b3 < 0) {
            rc = -1;
            break;
        }
        uint16_t *blk3 = t->l3 + (size_t)b3 * 256;
        uint32_t first = a & 255, count = 1u << (32 - len);
        for (uint32_t k = 0; k < count; k++)
            blk3[first + k] = m;
    }
    free(s);
    if (rc)
        snprintf(err, errlen, "too many IPv4 prefixes longer than /16 (limit %u blocks)",
                 DS_T_MAX_BLOCKS);
    return rc;
}

/* Recomputes sizes and texts of all monitors and the IPv4 table. */
static int ds_rebuild(ds_telescope *t, char *err, size_t errlen)
{
    for (int m = 0; m < t->nmon; m++) {
        uint64_t s4 = 0;
        double s6 = 0;
        bool any6 = false;
        size_t cap = 64, used = 0;
        char *txt = ds_xmalloc(cap);
        txt[0] = 0;
        char one[80];
        for (size_t i = 0; i < t->n4 + t->n6; i++) {
            if (i < t->n4) {
                if (t->v4[i].mon != m)
                    continue;
                s4 += 1ull << (32 - t->v4[i].len);
                ds_fmt_pfx4(&t->v4[i], one, sizeof one);
            } else {
                const ds_pfx6 *p6 = &t->v6[i - t->n4];
                if (p6->mon != m)
                    continue;
                s6 += ldexp(1.0, 128 - p6->len);
                any6 = true;
                ds_fmt_pfx6(p6, one, sizeof one);
            }
            size_t need = used + strlen(one) + 2;
            if (need > cap) {
                cap = need * 2;
                txt = ds_xrealloc(txt, cap);
            }
            used += (size_t)snprintf(txt + used, cap - used, "%s%s", used ? "," : "", one);
        }
        free(t->text[m]);
        t->text[m] = txt;
        t->size4[m] = s4;
        t->size6_log2[m] = any6 ? log2(s6) : -1.0;
    }
    return ds_build_v4(t, err, errlen);
}

/* ---- adding prefixes ---------------------------------------------------------- */

static bool ds_overlap4(const ds_pfx4 *a, const ds_pfx4 *b)
{
    unsigned l = a->len < b->len ? a->len : b->len;
    uint32_t mask = l ? ~0u << (32 - l) : 0;
    return ((a->addr ^ b->addr) & mask) == 0;
}

static bool ds_overlap6(const ds_pfx6 *a, const ds_pfx6 *b)
{
    const ds_pfx6 *s = a->len < b->len ? a : b;
    return ((a->hi ^ b->hi) & s->mhi) == 0 && ((a->lo ^ b->lo) & s->mlo) == 0;
}

static int ds_monitor_index(ds_telescope *t, const char *name, char *err, size_t errlen)
{
    int m = ds_telescope_find(t, name);
    if (m >= 0)
        return m;
    if (!ds_valid_name(name)) {
        snprintf(err, errlen, "bad monitor name '%s' (1 to %d characters of A-Z a-z 0-9 _ . -)",
                 name, DS_MONITOR_NAME_MAX - 1);
        return -1;
    }
    if (t->nmon >= DS_MONITORS_MAX) {
        snprintf(err, errlen, "too many monitors (at most %d)", DS_MONITORS_MAX);
        return -1;
    }
    m = t->nmon++;
    snprintf(t->names[m], sizeof t->names[m], "%s", name);
    t->text[m] = NULL;
    return m;
}

/* Adds the comma-separated prefixes in list to monitor m. Does not roll back: the
 * callers snapshot and restore. */
static int ds_add_prefixes(ds_telescope *t, int m, const char *list, char *err, size_t errlen)
{
    char *copy = ds_xstrdup(list);
    int rc = 0;
    /* strtok_r would skip empty items; walk commas by hand so "a,,b" is an error. */
    char *item = copy;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = 0;
        char *s = ds_ini_unquote(item);
        ds_pfx4 p4;
        ds_pfx6 p6;
        char why[DS_ERRLEN];
        int v = ds_parse_prefix(s, &p4, &p6, why, sizeof why);
        if (v < 0) {
            snprintf(err, errlen, "monitor %s: %s", t->names[m], why);
            rc = -1;
            break;
        }
        char mine[80], other[80];
        if (v == 4) {
            p4.mon = (uint8_t)m;
            for (size_t i = 0; i < t->n4; i++) {
                if (ds_overlap4(&p4, &t->v4[i])) {
                    ds_fmt_pfx4(&p4, mine, sizeof mine);
                    ds_fmt_pfx4(&t->v4[i], other, sizeof other);
                    snprintf(err, errlen, "monitor %s: prefix %s overlaps %s of monitor %s",
                             t->names[m], mine, other, t->names[t->v4[i].mon]);
                    rc = -1;
                    break;
                }
            }
            if (rc)
                break;
            if (t->n4 == t->cap4) {
                t->cap4 = t->cap4 ? 2 * t->cap4 : 8;
                t->v4 = ds_xrealloc(t->v4, t->cap4 * sizeof *t->v4);
            }
            t->v4[t->n4++] = p4;
        } else {
            p6.mon = (uint8_t)m;
            for (size_t i = 0; i < t->n6; i++) {
                if (ds_overlap6(&p6, &t->v6[i])) {
                    ds_fmt_pfx6(&p6, mine, sizeof mine);
                    ds_fmt_pfx6(&t->v6[i], other, sizeof other);
                    snprintf(err, errlen, "monitor %s: prefix %s overlaps %s of monitor %s",
                             t->names[m], mine, other, t->names[t->v6[i].mon]);
                    rc = -1;
                    break;
                }
            }
            if (rc)
                break;
            if (t->n6 == t->cap6) {
                t->cap6 = t->cap6 ? 2 * t->cap6 : 8;
                t->v6 = ds_xrealloc(t->v6, t->cap6 * sizeof *t->v6);
            }
            t->v6[t->n6++] = p6;
        }
        if (!comma)
            break;
        item = comma + 1;
    }
    free(copy);
    return rc;
}

typedef struct ds_tsnap {
    int nmon;
    size_t n4, n6;
} ds_tsnap;

static ds_tsnap ds_snapshot(const ds_telescope *t)
{
    ds_tsnap s = {t->nmon, t->n4, t->n6};
    return s;
}

static void ds_restore(ds_telescope *t, ds_tsnap s)
{
    for (int m = s.nmon; m < t->nmon; m++) {
        free(t->text[m]);
        t->text[m] = NULL;
    }
    t->nmon = s.nmon;
    t->n4 = s.n4;
    t->n6 = s.n6;
    char ignore[8];
    ds_rebuild(t, ignore, sizeof ignore); /* what was there before built fine */
}

/* Every monitor must end with at least one prefix. */
static int ds_check_nonempty(const ds_telescope *t, char *err, size_t errlen)
{
    for (int m = 0; m < t->nmon; m++) {
        bool any = false;
        for (size_t i = 0; i < t->n4 && !any; i++)
            any = t->v4[i].mon == m;
        for (size_t i = 0; i < t->n6 && !any; i++)
            any = t->v6[i].mon == m;
        if (!any) {
            snprintf(err, errlen, "monitor %s has no prefix", t->names[m]);
            return -1;
        }
    }
    return 0;
}

int ds_telescope_add_spec(ds_telescope *t, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (!eq) {
        snprintf(err, errlen, "telescope '%s': expected NAME=PREFIX[,PREFIX...]", spec);
        return -1;
    }
    char name[128];
    size_t n = (size_t)(eq - spec);
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, spec, n);
    name[n] = 0;
    ds_tsnap snap = ds_snapshot(t);
    char why[DS_ERRLEN];
    int m = ds_monitor_index(t, ds_ini_unquote(name), why, sizeof why);
    if (m < 0 || ds_add_prefixes(t, m, eq + 1, why, sizeof why) != 0 ||
        ds_rebuild(t, why, sizeof why) != 0) {
        snprintf(err, errlen, "telescope '%s': %s", spec, why);
        ds_restore(t, snap);
        return -1;
    }
    return 0;
}

/* INI callbacks: section = monitor, key "prefix". */
static int ds_tel_section(void *user, const char *section, int line, char *err, size_t errlen)
{
    (void)line;
    ds_telescope *t = user;
    return ds_monitor_index(t, section, err, errlen) < 0 ? -1 : 0;
}

static int ds_tel_key(void *user, const char *section, const char *key, const char *value, int line,
                      char *err, size_t errlen)
{
    (void)line;
    ds_telescope *t = user;
    if (strcmp(key, "prefix") != 0) {
        snprintf(err, errlen, "unknown key '%s' (a monitor has only 'prefix' lines)", key);
        return -1;
    }
    int m = ds_telescope_find(t, section);
    if (m < 0)
        return -1; /* cannot happen: the section callback created it */
    return ds_add_prefixes(t, m, value, err, errlen);
}

int ds_telescope_load_file(ds_telescope *t, const char *path, char *err, size_t errlen)
{
    ds_tsnap snap = ds_snapshot(t);
    if (ds_ini_parse_file(path, ds_tel_section, ds_tel_key, t, err, errlen) != 0) {
        ds_restore(t, snap);
        return -1;
    }
    char why[DS_ERRLEN];
    if (ds_check_nonempty(t, why, sizeof why) != 0 || ds_rebuild(t, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        ds_restore(t, snap);
        return -1;
    }
    return 0;
}

/* ---- queries ------------------------------------------------------------------ */

int ds_telescope_count(const ds_telescope *t)
{
    return t->nmon ? t->nmon : 1;
}

bool ds_telescope_is_open(const ds_telescope *t)
{
    return t->nmon == 0;
}

const char *ds_telescope_name(const ds_telescope *t, int monitor)
{
    if (t->nmon == 0)
        return monitor == 0 ? "all" : NULL;
    return monitor >= 0 && monitor < t->nmon ? t->names[monitor] : NULL;
}

uint64_t ds_telescope_size_v4(const ds_telescope *t, int monitor)
{
    return monitor >= 0 && monitor < t->nmon ? t->size4[monitor] : 0;
}

double ds_telescope_size_v6_log2(const ds_telescope *t, int monitor)
{
    return monitor >= 0 && monitor < t->nmon ? t->size6_log2[monitor] : -1.0;
}

const char *ds_telescope_prefixes(const ds_telescope *t, int monitor)
{
    if (monitor >= 0 && monitor < t->nmon)
        return t->text[monitor] ? t->text[monitor] : "";
    return "";
}

int ds_telescope_find(const ds_telescope *t, const char *name)
{
    if (t->nmon == 0)
        return strcmp(name, "all") == 0 ? 0 : -1;
    for (int m = 0; m < t->nmon; m++)
        if (strcmp(t->names[m], name) == 0)
            return m;
    return -1;
}

int ds_telescope_lookup(const ds_telescope *t, const ds_ip *dst)
{
    if (t->nmon == 0)
        return 0;
    if (ds_ip_is_v4(dst)) {
        uint32_t a = ds_ip_v4(dst);
        unsigned e = t->l1[a >> 16];
        if (e & DS_T_CHILD) {
            e = t->l2[((size_t)(e & ~DS_T_CHILD) << 8) | ((a >> 8) & 255)];
            if (e & DS_T_CHILD)
                e = t->l3[((size_t)(e & ~DS_T_CHILD) << 8) | (a & 255)];
        }
        return e == DS_T_NONE ? -1 : (int)e;
    }
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = hi << 8 | dst->b[i];
        lo = lo << 8 | dst->b[8 + i];
    }
    for (size_t i = 0; i < t->n6; i++) {
        const ds_pfx6 *p = &t->v6[i];
        if ((hi & p->mhi) == p->hi && (lo & p->mlo) == p->lo)
            return p->mon;
    }
    return -1;
}

/*
 * ds_domain.c — TLD, registrable domain, sector and the ISP home/SMB heuristic.
 *
 * Registrable domains come from the ICANN section of the Public Suffix List only:
 * the private section lists dynamic-DNS and hosting suffixes (dyndns.org,
 * amazonaws.com), which would split a provider's hosts into one "domain" per
 * customer; a breakdown of top domains wants them grouped under the provider, as
 * CAIDA's Code-Red analysis grouped them. The longest ICANN public suffix is found by
 * asking libpsl about each suffix of the name from the longest down.
 *
 * The ISP heuristic looks only left of the registrable domain, so that a company
 * called "cable-tv.com" or "dslreports.com" is not a home line, and strips digits
 * from both ends of a token, so "dhcp12", "ppp-3" and "pool17" match.
 */
#include "enrich/ds_domain.h"

#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>

struct ds_domain {
    psl_ctx_t *psl;
    char source[256];
};

static const char *const ds_cat_names[DS_CAT_COUNT] = {
    "unknown", "isp-home", "mil", "gov", "edu", "com", "net", "org", "other",
};

const char *ds_category_name(ds_category c)
{
    return (unsigned)c < DS_CAT_COUNT ? ds_cat_names[c] : "unknown";
}

ds_domain *ds_domain_open(char *err, size_t errlen)
{
    ds_domain *d = ds_xcalloc(1, sizeof(*d));
    /* psl_latest(NULL) takes the distribution file when it is newer than the copy
     * compiled into libpsl; psl_builtin() is the fallback when there is no file. */
    d->psl = psl_latest(NULL);
    const char *dist = psl_dist_filename();
    if (d->psl) {
        snprintf(d->source, sizeof(d->source), "libpsl %s (newest of %s and built-in)",
                 psl_get_version(), dist && *dist ? dist : "none");
    } else {
        d->psl = (psl_ctx_t *)psl_builtin();
        snprintf(d->source, sizeof(d->source), "libpsl %s built-in list", psl_get_version());
        if (!d->psl) {
            snprintf(err, errlen, "no Public Suffix List: install Debian's publicsuffix");
            free(d);
            return NULL;
        }
    }
    return d;
}

void ds_domain_close(ds_domain *d)
{
    if (!d)
        return;
    /* psl_builtin() is static data that must not be freed. */
    if (d->psl && d->psl != psl_builtin())
        psl_free(d->psl);
    free(d);
}

const char *ds_domain_source(const ds_domain *d)
{
    return d->source;
}

/* ---- the ISP heuristic ---- */

/* Access tokens of home and small-business lines (see docs/ATTRIBUTION.md). */
static const char *const ds_access_tokens[] = {
    "dsl",      "adsl", "vdsl", "xdsl",        "sdsl",      "cable", "cablemodem", "dialup", "dial",
    "dialin",   "dhcp", "dyn",  "dynamic",     "dynip",     "pool",  "ppp",        "pppoe",  "cust",
    "customer", "res",  "resi", "residential", "broadband", "cpe",   "ftth",       "home",   NULL,
};

static bool ds_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool ds_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool ds_domain_has_access_token(const char *sub, size_t len)
{
    size_t i = 0;
    while (i < len) {
        /* A token: a run of letters and digits; compare its letters-only core. */
        while (i < len && !ds_is_alpha(sub[i]) && !ds_is_digit(sub[i]))
            i++;
        size_t s = i;
        while (i < len && (ds_is_alpha(sub[i]) || ds_is_digit(sub[i])))
            i++;
        size_t e = i;
        while (s < e && ds_is_digit(sub[s]))
            s++;
        while (e > s && ds_is_digit(sub[e - 1]))
            e--;
        if (e == s)
            continue;
        for (const char *const *t = ds_access_tokens; *t; t++) {
            size_t tl = strlen(*t);
            if (tl != e - s)
                continue;
            size_t k = 0;
            while (k < tl && (sub[s + k] | 0x20) == (*t)[k])
                k++;
            if (k == tl)
                return true;
        }
    }
    return false;
}

bool ds_domain_has_address(const char *name, size_t len, uint32_t v4)
{
    unsigned oct[4] = {v4 >> 24, (v4 >> 16) & 255, (v4 >> 8) & 255, v4 & 255};
    /* Digit runs of the name, with whether each is joined to the previous run by
     * exactly one separator ('.', '-' or '_'). */
    enum { MAXRUNS = 64 };
    unsigned long long val[MAXRUNS];
    size_t dig[MAXRUNS];
    bool joined[MAXRUNS];
    size_t nr = 0, prev_end = 0;
    for (size_t i = 0; i < len && nr < MAXRUNS;) {
        if (!ds_is_digit(name[i])) {
            i++;
            continue;
        }
        size_t s = i;
        unsigned long long v = 0;
        while (i < len && ds_is_digit(name[i])) {
            if (i - s < 18)
                v = v * 10 + (unsigned)(name[i] - '0');
            i++;
        }
        joined[nr] = nr > 0 && s == prev_end + 1 &&
                     (name[s - 1] == '.' || name[s - 1] == '-' || name[s - 1] == '_');
        val[nr] = v;
        dig[nr] = i - s;
        nr++;
        prev_end = i;
    }
    unsigned long long packed = 0, packed_rev = 0;
    for (int k = 0; k < 4; k++) {
        packed = packed * 1000 + oct[k];
        packed_rev = packed_rev * 1000 + oct[3 - k];
    }
    for (size_t r = 0; r < nr; r++) {
        /* 192168001002 (or reversed) in one run */
        if (dig[r] == 12 && (val[r] == packed || val[r] == packed_rev))
            return true;
        if (r + 4 > nr)
            continue;
        bool fwd = true, rev = true;
        for (size_t k = 0; k < 4; k++) {
            bool ok = dig[r + k] <= 3 && (k == 0 || joined[r + k]);
            fwd = fwd && ok && val[r + k] == oct[k];
            rev = rev && ok && val[r + k] == oct[3 - k];
        }
        if (fwd || rev)
            return true;
    }
    return false;
}

/* ---- classification ---- */

static ds_category ds_sector_label(const char *label, size_t len)
{
#define DS_IS(s) (len == sizeof(s) - 1 && memcmp(label, s, len) == 0)
    if (DS_IS("mil"))
        return DS_CAT_MIL;
    if (DS_IS("gov") || DS_IS("gob") || DS_IS("gouv") || DS_IS("govt") || DS_IS("go"))
        return DS_CAT_GOV;
    if (DS_IS("edu") || DS_IS("ac"))
        return DS_CAT_EDU;
#undef DS_IS
    return DS_CAT_UNKNOWN;
}

void ds_domain_classify(const ds_domain *d, const char *canon, const ds_ip *ip, ds_domain_info *out)
{
    memset(out, 0, sizeof(*out));
    size_t len = strlen(canon);
    if (len == 0)
        return;
    const char *tld = strrchr(canon, '.');
    tld = tld ? tld + 1 : canon;
    out->tld = tld;

    /* Longest ICANN public suffix: the first suffix (from the whole name down) that
     * the list calls public. The star rule makes an unlisted TLD public. */
    const char *suffix = tld, *prev = NULL, *p = canon, *last = NULL;
    for (;;) {
        if (psl_is_public_suffix2(d->psl, p, PSL_TYPE_ICANN)) {
            suffix = p;
            prev = last;
            break;
        }
        const char *dot = strchr(p, '.');
        if (!dot)
            break;
        last = p;
        p = dot + 1;
    }
    out->domain = prev; /* one label left of the public suffix, to the end */

    size_t tld_len = len - (size_t)(tld - canon);
    ds_category cat = ds_sector_label(tld, tld_len);
    if (cat == DS_CAT_EDU && tld_len == 2)
        cat = DS_CAT_UNKNOWN; /* .ac is Ascension Island, not academia */
    if (cat == DS_CAT_GOV && tld_len == 2)
        cat = DS_CAT_UNKNOWN; /* .go is not a TLD; keep the rule exact */
    if (cat == DS_CAT_UNKNOWN && suffix != tld && tld_len == 2) {
        /* second-level sector suffix under a country code: the label before the TLD */
        const char *sl = suffix;
        size_t sl_len = (size_t)(tld - 1 - sl);
        const char *dot = memrchr(sl, '.', sl_len);
        if (dot) {
            sl_len -= (size_t)(dot + 1 - sl);
            sl = dot + 1;
        }
        cat = ds_sector_label(sl, sl_len);
    }
    if (cat != DS_CAT_UNKNOWN) {
        out->category = cat;
        return;
    }

    size_t sub_len = out->domain ? (size_t)(out->domain - canon) : 0;
    out->isp_token = ds_domain_has_access_token(canon, sub_len);
    out->isp_address = ds_ip_is_v4(ip) && ds_domain_has_address(canon, sub_len, ds_ip_v4(ip));
    if (out->isp_token || out->isp_address) {
        out->category = DS_CAT_ISP_HOME;
        return;
    }
    if (tld_len == 3 && memcmp(tld, "com", 3) == 0)
        out->category = DS_CAT_COM;
    else if (tld_len == 3 && memcmp(tld, "net", 3) == 0)
        out->category = DS_CAT_NET;
    else if (tld_len == 3 && memcmp(tld, "org", 3) == 0)
        out->category = DS_CAT_ORG;
    else
        out->category = DS_CAT_OTHER;
}

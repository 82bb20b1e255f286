/*
 * ds_domain.h — what a well-formed host name says about its owner: top-level domain,
 * registrable domain (Public Suffix List), sector and the ISP home/SMB heuristic,
 * folded into one category. docs/ATTRIBUTION.md documents every rule.
 *
 * Categories, first match wins:
 *   unknown   no well-formed name
 *   mil/gov/edu  TLD mil, gov, edu; or a second-level sector suffix under a country
 *                code (mil.br; gov.uk, gob.mx, gouv.fr, govt.nz, go.jp; edu.au, ac.uk)
 *   isp-home  a home/small-business line: an access token (dsl, cable, dialup, dhcp,
 *             dyn, pool, ppp, cust, res, broadband, ...) in the labels left of the
 *             registrable domain, or the host's own IPv4 address written in the name
 *             (dotted, dashed, reversed, or as 12 zero-padded digits)
 *   com/net/org  by TLD
 *   other     any other TLD (country codes, new gTLDs)
 */
#ifndef DS_DOMAIN_H
#define DS_DOMAIN_H

#include "core/ds_common.h"

typedef enum ds_category {
    DS_CAT_UNKNOWN = 0,
    DS_CAT_ISP_HOME,
    DS_CAT_MIL,
    DS_CAT_GOV,
    DS_CAT_EDU,
    DS_CAT_COM,
    DS_CAT_NET,
    DS_CAT_ORG,
    DS_CAT_OTHER,
    DS_CAT_COUNT
} ds_category;

/* "unknown", "isp-home", "mil", ... */
const char *ds_category_name(ds_category c);

typedef struct ds_domain ds_domain;

/* Loads the Public Suffix List: the newer of the distribution's file
 * (/usr/share/publicsuffix, Debian's publicsuffix package) and libpsl's built-in copy. */
ds_domain *ds_domain_open(char *err, size_t errlen);
void ds_domain_close(ds_domain *d);
/* Where the list came from, for summary.json. */
const char *ds_domain_source(const ds_domain *d);

typedef struct ds_domain_info {
    const char *tld;    /* last label, points into the name */
    const char *domain; /* registrable domain (ICANN section), into the name; NULL if none */
    ds_category category;
    bool isp_token;   /* why isp-home: an access token ... */
    bool isp_address; /* ... or the address embedded in the name */
} ds_domain_info;

/* Classifies a canonical name (ds_hostname_canonical of a well-formed name) of the
 * host ip. The pointers in out point into canon. */
void ds_domain_classify(const ds_domain *d, const char *canon, const ds_ip *ip,
                        ds_domain_info *out);

/* The two halves of the ISP heuristic, exposed for tests: sub is the part of the
 * name left of the registrable domain (may be empty). */
bool ds_domain_has_access_token(const char *sub, size_t len);
bool ds_domain_has_address(const char *name, size_t len, uint32_t v4);

#endif

/*
 * ds_breakdown.c — countries.csv, tlds.csv, asns.csv, categories.csv and the
 * per-role summary: how the hosts of each role and signature spread over countries,
 * TLDs, autonomous systems and categories.
 *
 * Hosts are appended as they come and counted once, at write time: small
 * references (group rank, address, entry index) are sorted with integer compares to
 * drop repeats; every role gets a group under signature "*" (each host once per
 * role, however many signatures it has), merged from its groups, which are sorted
 * by address already; then the keys of every group and table are counted in one
 * pass over the group, in chunks on the run's threads. Keys are interned strings,
 * so counting hashes pointers, never text; only the distinct keys of a group are
 * sorted (hosts descending, key) for the output.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ds_parallel.h"
#include "enrich/ds_enrich.h"
#include "enrich/ds_strpool.h"
#include "output/ds_csv.h"

typedef struct ds_bd_entry {
    ds_ip ip;
    uint32_t role, sig; /* name ids */
    const char *key[DS_BD_TABLES];
    const char *domain, *as_org;
    uint8_t category;
} ds_bd_entry;

/* One host of one (role, signature) group, in output order. */
typedef struct ds_bd_ref {
    uint64_t group; /* rank of role << 32 | rank of signature */
    uint64_t hi, lo;
    uint32_t idx; /* into v */
    uint32_t role, sig;
} ds_bd_ref;

struct ds_breakdown {
    ds_strpool *pool;
    ds_bd_entry *v;
    size_t n, cap;
    const char **names; /* name ids -> interned text */
    size_t nnames, capnames;
    const char **slot_key; /* interned pointer -> id */
    uint32_t *slot_id;
    size_t nslots;
    ds_bd_ref *refs; /* prepared: unique refs including "*" groups, sorted */
    size_t nrefs;
    bool prepared;
    struct ds_bd_memo *memo; /* every group's counts, by start (the CSVs and the summary share) */
    size_t nmemo;
    unsigned threads; /* for sorting and counting; the tables never depend on it */
    /* ds_breakdown_add's shortcuts: a worm's million hosts share a few names and keys. */
    uint32_t last_role, last_sig; /* name ids of the previous call, UINT32_MAX at first */
    const char *country[26 * 26]; /* interned "AA".."ZZ" */
    const char *category[DS_CAT_COUNT];
    const char *unknown;
    struct {
        uint32_t asn;
        const char *key;
    } asn[1024]; /* direct-mapped by number */
};

/* The counts of one group: runs per table, DS_BD_TABLES being registrable domains. */
typedef struct ds_bd_memo {
    size_t start;
    struct ds_run *runs[DS_BD_TABLES + 1];
    size_t nruns[DS_BD_TABLES + 1];
} ds_bd_memo;

static void ds_memo_clear(ds_breakdown *b)
{
    for (size_t i = 0; i < b->nmemo; i++)
        for (int t = 0; t <= DS_BD_TABLES; t++)
            free(b->memo[i].runs[t]);
    free(b->memo);
    b->memo = NULL;
    b->nmemo = 0;
}

static const char *const ds_bd_files[DS_BD_TABLES] = {
    "countries.csv",
    "tlds.csv",
    "asns.csv",
    "categories.csv",
};

const char *ds_breakdown_file(ds_breakdown_table t)
{
    return (unsigned)t < DS_BD_TABLES ? ds_bd_files[t] : "";
}

ds_breakdown *ds_breakdown_new(unsigned threads)
{
    ds_breakdown *b = ds_xcalloc(1, sizeof(*b));
    b->pool = ds_strpool_new();
    b->threads = threads;
    b->last_role = b->last_sig = UINT32_MAX;
    return b;
}

void ds_breakdown_free(ds_breakdown *b)
{
    if (!b)
        return;
    ds_strpool_free(b->pool);
    free(b->v);
    free(b->names);
    free(b->slot_key);
    free(b->slot_id);
    free(b->refs);
    ds_memo_clear(b);
    free(b);
}

static const char *ds_intern(ds_breakdown *b, const char *s)
{
    return ds_strpool_intern(b->pool, s, strlen(s));
}

static size_t ds_ptr_hash(const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h ^ (h >> 29));
}

/* Id of a role or signature name (ids in order of first appearance). */
static uint32_t ds_name_id(ds_breakdown *b, const char *name)
{
    const char *s = ds_intern(b, name);
    if ((b->nnames + 1) * 2 > b->nslots) {
        size_t ns = b->nslots ? b->nslots * 2 : 64;
        const char **k = ds_xcalloc(ns, sizeof(*k));
        uint32_t *id = ds_xcalloc(ns, sizeof(*id));
        for (size_t i = 0; i < b->nslots; i++) {
            if (!b->slot_key[i])
                continue;
            size_t j = ds_ptr_hash(b->slot_key[i]) & (ns - 1);
            while (k[j])
                j = (j + 1) & (ns - 1);
            k[j] = b->slot_key[i];
            id[j] = b->slot_id[i];
        }
        free(b->slot_key);
        free(b->slot_id);
        b->slot_key = k;
        b->slot_id = id;
        b->nslots = ns;
    }
    size_t j = ds_ptr_hash(s) & (b->nslots - 1);
    while (b->slot_key[j]) {
        if (b->slot_key[j] == s)
            return b->slot_id[j];
        j = (j + 1) & (b->nslots - 1);
    }
    if (b->nnames == b->capnames) {
        b->capnames = b->capnames ? b->capnames * 2 : 16;
        b->names = ds_xrealloc(b->names, b->capnames * sizeof(*b->names));
    }
    b->names[b->nnames] = s;
    b->slot_key[j] = s;
    b->slot_id[j] = (uint32_t)b->nnames;
    return (uint32_t)b->nnames++;
}

/* ds_name_id, first trying the previous call's id (*last). */
static uint32_t ds_name_id_again(ds_breakdown *b, const char *name, uint32_t *last)
{
    if (*last == UINT32_MAX || strcmp(b->names[*last], name) != 0)
        *last = ds_name_id(b, name);
    return *last;
}

static const char *ds_country_key(ds_breakdown *b, const char *cc)
{
    if (!cc[0])
        return b->unknown;
    if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || cc[2])
        return ds_intern(b, cc);
    const char **k = &b->country[(cc[0] - 'A') * 26 + (cc[1] - 'A')];
    if (!*k)
        *k = ds_intern(b, cc);
    return *k;
}

static const char *ds_asn_key(ds_breakdown *b, uint32_t asn)
{
    if (!asn)
        return b->unknown;
    size_t j = asn & (sizeof b->asn / sizeof b->asn[0] - 1);
    if (b->asn[j].asn != asn || !b->asn[j].key) {
        char buf[16];
        snprintf(buf, sizeof(buf), "%u", asn);
        b->asn[j].asn = asn;
        b->asn[j].key = ds_intern(b, buf);
    }
    return b->asn[j].key;
}

void ds_breakdown_add(ds_breakdown *b, const char *role, const char *signature, const ds_ip *ip,
                      const ds_host_info *h)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->v = ds_xrealloc(b->v, b->cap * sizeof(*b->v));
    }
    if (!b->unknown)
        b->unknown = ds_intern(b, "unknown");
    ds_bd_entry *e = &b->v[b->n++];
    e->ip = *ip;
    e->role = ds_name_id_again(b, role ? role : "", &b->last_role);
    e->sig = ds_name_id_again(b, signature ? signature : "", &b->last_sig);
    e->key[DS_BD_COUNTRIES] = ds_country_key(b, h->country);
    e->key[DS_BD_TLDS] = h->tld ? ds_intern(b, h->tld) : b->unknown;
    e->key[DS_BD_ASNS] = ds_asn_key(b, h->asn);
    unsigned c = (unsigned)h->category < DS_CAT_COUNT ? (unsigned)h->category : DS_CAT_UNKNOWN;
    if (!b->category[c])
        b->category[c] = ds_intern(b, ds_category_name((ds_category)c));
    e->key[DS_BD_CATEGORIES] = b->category[c];
    e->domain = h->domain ? ds_intern(b, h->domain) : NULL;
    e->as_org = h->as_org;
    e->category = (uint8_t)h->category;
    b->prepared = false;
}

static int ds_ref_cmp(const void *x, const void *y)
{
    const ds_bd_ref *a = x, *c = y;
    if (a->group != c->group)
        return a->group < c->group ? -1 : 1;
    if (a->hi != c->hi)
        return a->hi < c->hi ? -1 : 1;
    if (a->lo != c->lo)
        return a->lo < c->lo ? -1 : 1;
    return 0;
}

static const char *const *g_rank_names; /* for ds_rank_cmp only, during prepare */

static int ds_rank_cmp(const void *x, const void *y)
{
    return strcmp(g_rank_names[*(const uint32_t *)x], g_rank_names[*(const uint32_t *)y]);
}

static uint64_t ds_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* The common case of a big breakdown, every host IPv4 and fewer than 2^16 names:
 * (group, address) then fits in 64 bits in ds_ref_cmp's order, and an LSD radix
 * sort on it (16-bit digits, stable) replaces a comparison sort that was most of
 * writing the tables of a million worm hosts. Returns false, leaving r as it was,
 * when a reference does not fit. */
static bool ds_radix_refs(ds_bd_ref *r, size_t n)
{
    enum { BITS = 16, BUCKETS = 1 << BITS };
    uint64_t *key = ds_xmalloc(2 * n * sizeof(*key));
    uint32_t *ix = ds_xmalloc(2 * n * sizeof(*ix));
    for (size_t i = 0; i < n; i++) {
        uint64_t role = r[i].group >> 32, sig = r[i].group & 0xffffffffu;
        if (r[i].hi != 0 || r[i].lo >> 32 != 0xffff || role >= BUCKETS || sig >= BUCKETS) {
            free(key);
            free(ix);
            return false;
        }
        key[i] = role << 48 | sig << 32 | (r[i].lo & 0xffffffffu);
        ix[i] = (uint32_t)i;
    }
    size_t *count = ds_xmalloc(BUCKETS * sizeof(*count));
    uint64_t *k0 = key, *k1 = key + n;
    uint32_t *i0 = ix, *i1 = ix + n;
    for (int shift = 0; shift < 64; shift += BITS) {
        memset(count, 0, BUCKETS * sizeof(*count));
        for (size_t i = 0; i < n; i++)
            count[k0[i] >> shift & (BUCKETS - 1)]++;
        if (count[k0[0] >> shift & (BUCKETS - 1)] == n)
            continue; /* one digit value throughout (the role, usually) */
        for (size_t d = 0, sum = 0; d < BUCKETS; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t at = count[k0[i] >> shift & (BUCKETS - 1)]++;
            k1[at] = k0[i];
            i1[at] = i0[i];
        }
        uint64_t *tk = k0;
        k0 = k1;
        k1 = tk;
        uint32_t *ti = i0;
        i0 = i1;
        i1 = ti;
    }
    ds_bd_ref *sorted = ds_xmalloc(n * sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = r[i0[i]];
    memcpy(r, sorted, n * sizeof(*r));
    free(sorted);
    free(count);
    free(key);
    free(ix);
    return true;
}

/* ds_radix_refs of parts of r on up to 8 threads at once, then the parts merged
 * (ties from the earlier part first: the stable sort's order). */
typedef struct ds_radix_job {
    ds_bd_ref *r;
    size_t n, parts;
    bool ok[8];
} ds_radix_job;

static void ds_radix_part(void *arg, size_t k)
{
    ds_radix_job *j = arg;
    size_t from = k * j->n / j->parts, to = (k + 1) * j->n / j->parts;
    j->ok[k] = ds_radix_refs(j->r + from, to - from);
}

static bool ds_radix_refs_par(unsigned threads, ds_bd_ref *r, size_t n)
{
    ds_radix_job j = {r, n, threads < 8 ? threads : 8, {false}};
    if (j.parts < 2)
        return ds_radix_refs(r, n);
    ds_parallel_for(threads, j.parts, ds_radix_part, &j);
    size_t at[8], end[8];
    for (size_t k = 0; k < j.parts; k++) {
        if (!j.ok[k])
            return false;
        at[k] = k * n / j.parts;
        end[k] = (k + 1) * n / j.parts;
    }
    ds_bd_ref *out = ds_xmalloc(n * sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        size_t best = j.parts;
        for (size_t k = 0; k < j.parts; k++)
            if (at[k] < end[k] && (best == j.parts || ds_ref_cmp(&r[at[k]], &r[at[best]]) < 0))
                best = k;
        out[i] = r[at[best]++];
    }
    memcpy(r, out, n * sizeof(*r));
    free(out);
    return true;
}

/* Sorts r[0..n) and drops repeats of (group, ip); returns how many remain. */
static size_t ds_sort_unique(unsigned threads, ds_bd_ref *r, size_t n)
{
    if (n < 32768 || n > UINT32_MAX || !ds_radix_refs_par(threads, r, n))
        ds_parallel_sort(threads, r, n, sizeof(*r), ds_ref_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || ds_ref_cmp(&r[w - 1], &r[i]) != 0)
            r[w++] = r[i];
    return w;
}

static int ds_ref_ip_cmp(const ds_bd_ref *a, const ds_bd_ref *c)
{
    if (a->hi != c->hi)
        return a->hi < c->hi ? -1 : 1;
    if (a->lo != c->lo)
        return a->lo < c->lo ? -1 : 1;
    return 0;
}

/* Writes the union of the groups g[0..k) (each sorted by address, no repeats), each
 * address once, into out as group `group`, signature `sig`; returns how many. A
 * repeated address keeps the reference of the first group that has it. */
static size_t ds_union(unsigned threads, const ds_bd_ref *const *g, const size_t *gn, size_t k,
                       uint64_t group, uint32_t sig, ds_bd_ref *out)
{
    size_t no = 0;
    if (k > 8) { /* many signatures: one sort beats a wide merge */
        for (size_t q = 0; q < k; q++)
            for (size_t i = 0; i < gn[q]; i++)
                out[no++] = g[q][i];
        for (size_t i = 0; i < no; i++) {
            out[i].group = group;
            out[i].sig = sig;
        }
        return ds_sort_unique(threads, out, no);
    }
    size_t at[8] = {0};
    for (;;) {
        size_t best = k;
        for (size_t q = 0; q < k; q++)
            if (at[q] < gn[q] && (best == k || ds_ref_ip_cmp(&g[q][at[q]], &g[best][at[best]]) < 0))
                best = q;
        if (best == k)
            break;
        ds_bd_ref r = g[best][at[best]++];
        if (no && ds_ref_ip_cmp(&out[no - 1], &r) == 0)
            continue;
        r.group = group;
        r.sig = sig;
        out[no++] = r;
    }
    return no;
}

/* Orders the hosts by (role, signature, address) as names sort, drops repeats and
 * adds every role's "*" group. Entries stay put; only 40-byte references with
 * integer keys are sorted. */
static void ds_prepare(ds_breakdown *b)
{
    if (b->prepared)
        return;
    ds_memo_clear(b);
    uint32_t star = ds_name_id(b, "*");
    uint32_t *order = ds_xmalloc(b->nnames * sizeof(*order));
    uint64_t *rank = ds_xmalloc(b->nnames * sizeof(*rank));
    for (uint32_t i = 0; i < b->nnames; i++)
        order[i] = i;
    g_rank_names = b->names;
    qsort(order, b->nnames, sizeof(*order), ds_rank_cmp);
    g_rank_names = NULL;
    for (uint32_t i = 0; i < b->nnames; i++)
        rank[order[i]] = i;
    ds_bd_ref *refs = ds_xmalloc((b->n ? b->n : 1) * sizeof(*refs));
    for (size_t i = 0; i < b->n; i++) {
        const ds_bd_entry *e = &b->v[i];
        refs[i] = (ds_bd_ref){rank[e->role] << 32 | rank[e->sig],
                              ds_be64(e->ip.b),
                              ds_be64(e->ip.b + 8),
                              (uint32_t)i,
                              e->role,
                              e->sig};
    }
    size_t n = ds_sort_unique(b->threads, refs, b->n);
    /* Each role's groups in order, its "*" group (the union of them all; one the
     * caller made itself is part of it, and first) in its place by name. */
    free(b->refs);
    b->refs = ds_xmalloc((2 * n + 1) * sizeof(*b->refs));
    b->nrefs = 0;
    const ds_bd_ref **g = ds_xmalloc((b->nnames + 1) * sizeof(*g));
    size_t *gn = ds_xmalloc((b->nnames + 1) * sizeof(*gn));
    for (size_t rs = 0; rs < n;) {
        size_t re = rs;
        while (re < n && refs[re].role == refs[rs].role)
            re++;
        uint64_t sgroup = rank[refs[rs].role] << 32 | rank[star];
        size_t p1 = rs, p2;
        while (p1 < re && refs[p1].group < sgroup)
            p1++;
        for (p2 = p1; p2 < re && refs[p2].group == sgroup;)
            p2++;
        size_t k = 0;
        if (p2 > p1) {
            g[k] = refs + p1;
            gn[k++] = p2 - p1;
        }
        for (size_t i = rs; i < re;) {
            size_t j = i + 1;
            while (j < re && refs[j].group == refs[i].group)
                j++;
            if (refs[i].group != sgroup) {
                g[k] = refs + i;
                gn[k++] = j - i;
            }
            i = j;
        }
        memcpy(b->refs + b->nrefs, refs + rs, (p1 - rs) * sizeof(*refs));
        b->nrefs += p1 - rs;
        b->nrefs += ds_union(b->threads, g, gn, k, sgroup, star, b->refs + b->nrefs);
        memcpy(b->refs + b->nrefs, refs + p2, (re - p2) * sizeof(*refs));
        b->nrefs += re - p2;
        rs = re;
    }
    free(g);
    free(gn);
    free(refs);
    free(order);
    free(rank);
    b->prepared = true;
}

/* ---- counting keys within one group ---- */

typedef struct ds_run {
    const char *key;
    size_t hosts, isp;
    const char *as_org;
} ds_run;

static int ds_run_cmp(const void *x, const void *y)
{
    const ds_run *a = x, *c = y;
    if (a->hosts != c->hosts)
        return a->hosts > c->hosts ? -1 : 1;
    return strcmp(a->key, c->key);
}

/* Hosts per key of one table over some refs: keys are interned, so a table on the
 * pointer counts them. Runs stay in order of first appearance until sorted. */
typedef struct ds_tally {
    uint32_t *slot; /* run index + 1 */
    size_t ns;
    ds_run *runs;
    size_t nr, cap;
} ds_tally;

static ds_run *ds_tally_at(ds_tally *t, const char *k)
{
    if ((t->nr + 1) * 2 > t->ns) {
        free(t->slot);
        t->ns = t->ns ? 2 * t->ns : 64;
        t->slot = ds_xcalloc(t->ns, sizeof(*t->slot));
        for (size_t r = 0; r < t->nr; r++) {
            size_t j = ds_ptr_hash(t->runs[r].key) & (t->ns - 1);
            while (t->slot[j])
                j = (j + 1) & (t->ns - 1);
            t->slot[j] = (uint32_t)r + 1;
        }
    }
    size_t j = ds_ptr_hash(k) & (t->ns - 1);
    while (t->slot[j] && t->runs[t->slot[j] - 1].key != k)
        j = (j + 1) & (t->ns - 1);
    if (!t->slot[j]) {
        if (t->nr == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 64;
            t->runs = ds_xrealloc(t->runs, t->cap * sizeof(*t->runs));
        }
        t->runs[t->nr] = (ds_run){k, 0, 0, NULL};
        t->slot[j] = (uint32_t)++t->nr;
    }
    return &t->runs[t->slot[j] - 1];
}

/* Adds x's counts into t (as_org: the first known, in order). */
static void ds_tally_add(ds_tally *t, const ds_run *x)
{
    ds_run *r = ds_tally_at(t, x->key);
    r->hosts += x->hosts;
    r->isp += x->isp;
    if (!r->as_org)
        r->as_org = x->as_org;
}

/* Counting is cut into chunks of refs (a group of a million hosts is one pass of
 * random reads into the entries: chunks spread it over the threads), then each
 * group's chunks are added up in order. */
enum { DS_BD_CHUNK = 1 << 16 };

typedef struct ds_bd_chunk {
    size_t group, from, to;
    ds_tally t[DS_BD_TABLES + 1];
} ds_bd_chunk;

typedef struct ds_count_job {
    const ds_breakdown *b;
    ds_bd_chunk *chunks;
    size_t *first; /* of each group's chunks; first[ngroups] = nchunks */
    ds_bd_memo *memo;
} ds_count_job;

static void ds_count_chunk(void *arg, size_t c)
{
    const ds_count_job *j = arg;
    const ds_breakdown *b = j->b;
    ds_bd_chunk *ch = &j->chunks[c];
    for (size_t i = ch->from; i < ch->to; i++) {
        if (i + 16 < ch->to) { /* the entries are read in address order: at random */
            const char *ahead = (const char *)&b->v[b->refs[i + 16].idx];
            __builtin_prefetch(ahead);
            __builtin_prefetch(ahead + sizeof(ds_bd_entry) - 1);
        }
        const ds_bd_entry *e = &b->v[b->refs[i].idx];
        for (int t = 0; t <= DS_BD_TABLES; t++) {
            const char *k = t == DS_BD_TABLES ? e->domain : e->key[t];
            if (!k)
                continue;
            ds_run x = {k, 1, e->category == DS_CAT_ISP_HOME, e->as_org};
            ds_tally_add(&ch->t[t], &x);
        }
    }
}

static void ds_count_group(void *arg, size_t g)
{
    const ds_count_job *j = arg;
    ds_bd_memo *m = &j->memo[g];
    m->start = j->chunks[j->first[g]].from;
    for (int t = 0; t <= DS_BD_TABLES; t++) {
        ds_tally all = {0};
        for (size_t c = j->first[g]; c < j->first[g + 1]; c++) {
            ds_tally *ct = &j->chunks[c].t[t];
            for (size_t r = 0; r < ct->nr; r++)
                ds_tally_add(&all, &ct->runs[r]);
            free(ct->slot);
            free(ct->runs);
        }
        free(all.slot);
        if (all.nr)
            qsort(all.runs, all.nr, sizeof(*all.runs), ds_run_cmp);
        m->runs[t] = all.runs;
        m->nruns[t] = all.nr;
    }
}

/* End of the (role, signature) group starting at i. */
static size_t ds_group_end(const ds_breakdown *b, size_t i)
{
    size_t j = i + 1;
    while (j < b->nrefs && b->refs[j].group == b->refs[i].group)
        j++;
    return j;
}

/* Counts every table of every group (after ds_prepare), once. */
static void ds_count_all(ds_breakdown *b)
{
    if (b->memo || !b->nrefs)
        return;
    size_t ngroups = 0, nchunks = 0;
    for (size_t i = 0; i < b->nrefs; i++)
        if (i == 0 || b->refs[i].group != b->refs[i - 1].group)
            ngroups++;
    for (size_t i = 0; i < b->nrefs;) {
        size_t e = ds_group_end(b, i);
        nchunks += (e - i + DS_BD_CHUNK - 1) / DS_BD_CHUNK;
        i = e;
    }
    ds_count_job j = {b, ds_xcalloc(nchunks, sizeof(ds_bd_chunk)),
                      ds_xmalloc((ngroups + 1) * sizeof(size_t)),
                      ds_xcalloc(ngroups, sizeof(ds_bd_memo))};
    size_t c = 0, g = 0;
    for (size_t i = 0; i < b->nrefs; g++) {
        size_t e = ds_group_end(b, i);
        j.first[g] = c;
        for (size_t from = i; from < e; from += DS_BD_CHUNK)
            j.chunks[c++] = (ds_bd_chunk){
                .group = g, .from = from, .to = e - from > DS_BD_CHUNK ? from + DS_BD_CHUNK : e};
        i = e;
    }
    j.first[ngroups] = c;
    ds_parallel_for(b->threads, nchunks, ds_count_chunk, &j);
    ds_parallel_for(b->threads, ngroups, ds_count_group, &j);
    free(j.chunks);
    free(j.first);
    b->memo = j.memo;
    b->nmemo = ngroups;
}

/* The counts of table t (DS_BD_TABLES: domains) of the group starting at refs[start]. */
static const ds_run *ds_counted(ds_breakdown *b, size_t start, int t, size_t *nruns)
{
    ds_count_all(b);
    size_t lo = 0, hi = b->nmemo;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (b->memo[mid].start <= start)
            lo = mid;
        else
            hi = mid;
    }
    *nruns = b->memo[lo].nruns[t];
    return b->memo[lo].runs[t];
}

void ds_breakdown_write_table(ds_breakdown *b, ds_breakdown_table t, FILE *f)
{
    ds_prepare(b);
    fputs(DS_BREAKDOWN_CSV_HEADER "\n", f);
    for (size_t i = 0; i < b->nrefs;) {
        size_t j = ds_group_end(b, i), nr;
        const ds_run *runs = ds_counted(b, i, (int)t, &nr);
        for (size_t k = 0; k < nr; k++) {
            ds_csv_text(f, b->names[b->refs[i].role]);
            fputc(',', f);
            ds_csv_text(f, b->names[b->refs[i].sig]);
            fputc(',', f);
            ds_csv_text(f, runs[k].key);
            fprintf(f, ",%zu,%.2f\n", runs[k].hosts,
                    100.0 * (double)runs[k].hosts / (double)(j - i));
        }
        i = j;
    }
}

int ds_breakdown_write(ds_breakdown *b, ds_outdir *out, char *err, size_t errlen)
{
    for (int t = 0; t < DS_BD_TABLES; t++) {
        ds_ofile of;
        if (ds_ofile_open(out, ds_bd_files[t], &of, err, errlen) != 0)
            return -1;
        ds_breakdown_write_table(b, (ds_breakdown_table)t, of.f);
        if (ds_ofile_commit(&of, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* ---- summary.json ---- */

static json_t *ds_top_json(const ds_run *runs, size_t nr, size_t total, size_t top, bool org)
{
    json_t *a = json_array();
    for (size_t k = 0; k < nr && k < top; k++) {
        json_t *o = json_object();
        json_object_set_new(o, "key", ds_enrich_json_string(runs[k].key));
        if (org)
            json_object_set_new(o, "as_org", ds_enrich_json_string(runs[k].as_org));
        json_object_set_new(o, "hosts", json_integer((json_int_t)runs[k].hosts));
        json_object_set_new(
            o, "percent",
            json_real(round(10000.0 * (double)runs[k].hosts / (double)total) / 100.0));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *ds_role_json(ds_breakdown *b, size_t start, size_t n, size_t top)
{
    static const char *const names[DS_BD_TABLES] = {"countries", "tlds", "asns", "categories"};
    json_t *o = json_object();
    json_object_set_new(o, "hosts", json_integer((json_int_t)n));
    for (int t = 0; t < DS_BD_TABLES; t++) {
        size_t nr;
        const ds_run *runs = ds_counted(b, start, t, &nr);
        json_object_set_new(
            o, names[t],
            ds_top_json(runs, nr, n, t == DS_BD_CATEGORIES ? nr : top, t == DS_BD_ASNS));
        if (t == DS_BD_TLDS) {
            /* The seed's ".mil and .gov hosts": hosts whose TLD is exactly that. */
            json_t *s = json_object();
            static const char *const sectors[] = {"mil", "gov", "edu"};
            for (int k = 0; k < 3; k++) {
                size_t c = 0;
                for (size_t r = 0; r < nr; r++)
                    if (strcmp(runs[r].key, sectors[k]) == 0)
                        c = runs[r].hosts;
                json_object_set_new(s, sectors[k], json_integer((json_int_t)c));
            }
            json_object_set_new(o, "sector_tld_hosts", s);
        }
    }
    size_t nr;
    const ds_run *runs = ds_counted(b, start, DS_BD_TABLES, &nr);
    json_t *doms = json_array();
    size_t considered = nr < DS_TOP_DOMAINS_FOR_SHARE ? nr : DS_TOP_DOMAINS_FOR_SHARE, isp = 0;
    for (size_t k = 0; k < considered; k++) {
        bool home = 2 * runs[k].isp > runs[k].hosts;
        isp += home;
        if (k < top) {
            json_t *d = json_object();
            json_object_set_new(d, "domain", ds_enrich_json_string(runs[k].key));
            json_object_set_new(d, "hosts", json_integer((json_int_t)runs[k].hosts));
            json_object_set_new(d, "isp_home", json_boolean(home));
            json_array_append_new(doms, d);
        }
    }
    json_object_set_new(o, "top_domains", doms);
    json_object_set_new(o, "top_domains_considered", json_integer((json_int_t)considered));
    json_object_set_new(o, "isp_home_share_of_top_domains",
                        considered ? json_real((double)isp / (double)considered) : json_null());
    return o;
}

json_t *ds_breakdown_summary(ds_breakdown *b, size_t top)
{
    ds_prepare(b);
    json_t *roles = json_object();
    uint32_t star = ds_name_id(b, "*");
    for (size_t i = 0; i < b->nrefs;) {
        size_t j = ds_group_end(b, i);
        if (b->refs[i].sig == star)
            json_object_set_new(roles, b->names[b->refs[i].role], ds_role_json(b, i, j - i, top));
        i = j;
    }
    return roles;
}

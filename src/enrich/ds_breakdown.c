/*
 * ds_breakdown.c — countries.csv, tlds.csv, asns.csv, categories.csv and the
 * per-role summary: how the hosts of each role and signature spread over countries,
 * TLDs, autonomous systems and categories.
 *
 * Hosts are appended as they come and counted once, at write time: small
 * references (group rank, address, entry index) are sorted with integer compares to
 * drop repeats, every host is added once more under signature "*" (each host once
 * per role, however many signatures it has), then each group's keys are counted.
 * Keys are interned strings, so counting hashes pointers, never text; only the
 * distinct keys of a group are sorted (hosts descending, key) for the output.
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
    struct ds_bd_memo *memo; /* counts already made (the CSVs and the summary share) */
    size_t nmemo, capmemo;
    unsigned threads; /* for sorting and counting; the tables never depend on it */
};

typedef struct ds_bd_memo {
    size_t start;
    int table;
    struct ds_run *runs;
    size_t nruns;
} ds_bd_memo;

static void ds_memo_clear(ds_breakdown *b)
{
    for (size_t i = 0; i < b->nmemo; i++)
        free(b->memo[i].runs);
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
    free(b->memo);
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

void ds_breakdown_add(ds_breakdown *b, const char *role, const char *signature, const ds_ip *ip,
                      const ds_host_info *h)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->v = ds_xrealloc(b->v, b->cap * sizeof(*b->v));
    }
    ds_bd_entry *e = &b->v[b->n++];
    char asn[16];
    e->ip = *ip;
    e->role = ds_name_id(b, role ? role : "");
    e->sig = ds_name_id(b, signature ? signature : "");
    e->key[DS_BD_COUNTRIES] = ds_intern(b, h->country[0] ? h->country : "unknown");
    e->key[DS_BD_TLDS] = ds_intern(b, h->tld ? h->tld : "unknown");
    snprintf(asn, sizeof(asn), "%u", h->asn);
    e->key[DS_BD_ASNS] = ds_intern(b, h->asn ? asn : "unknown");
    e->key[DS_BD_CATEGORIES] = ds_intern(b, ds_category_name(h->category));
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

/* Sorts refs[from..nrefs) and drops repeats of (group, ip). */
static void ds_sort_unique(ds_breakdown *b, size_t from)
{
    size_t n = b->nrefs - from;
    if (n < 32768 || n > UINT32_MAX || !ds_radix_refs(b->refs + from, n))
        ds_parallel_sort(b->threads, b->refs + from, n, sizeof(*b->refs), ds_ref_cmp);
    size_t w = from;
    for (size_t i = from; i < b->nrefs; i++)
        if (w == from || ds_ref_cmp(&b->refs[w - 1], &b->refs[i]) != 0)
            b->refs[w++] = b->refs[i];
    b->nrefs = w;
}

/* Orders the hosts by (role, signature, address) as names sort, drops repeats and
 * adds every host once more under signature "*" of its role. Entries stay put; only
 * 40-byte references with integer keys are sorted. */
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
    free(b->refs);
    b->refs = ds_xmalloc((2 * b->n + 1) * sizeof(*b->refs));
    b->nrefs = 0;
    for (size_t i = 0; i < b->n; i++) {
        const ds_bd_entry *e = &b->v[i];
        b->refs[b->nrefs++] = (ds_bd_ref){rank[e->role] << 32 | rank[e->sig],
                                          ds_be64(e->ip.b),
                                          ds_be64(e->ip.b + 8),
                                          (uint32_t)i,
                                          e->role,
                                          e->sig};
    }
    ds_sort_unique(b, 0);
    size_t n = b->nrefs;
    for (size_t i = 0; i < n; i++) {
        ds_bd_ref r = b->refs[i];
        if (r.sig == star)
            continue; /* the caller used "*" itself: it is the aggregate already */
        r.group = rank[r.role] << 32 | rank[star];
        r.sig = star;
        b->refs[b->nrefs++] = r;
    }
    ds_sort_unique(b, 0);
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

/* Counts the keys of table t (or registrable domains when t == DS_BD_TABLES, hosts
 * without one left out) over the group refs[0..n): keys are interned, so a hash on
 * the pointer counts them in one pass. Returns the runs, most hosts first. */
static ds_run *ds_count(const ds_breakdown *b, const ds_bd_ref *refs, size_t n, int t,
                        size_t *nruns)
{
    size_t ns = 16;
    while (ns < 2 * n)
        ns *= 2;
    uint32_t *slot = ds_xcalloc(ns, sizeof(*slot)); /* run index + 1 */
    ds_run *runs = ds_xmalloc((n ? n : 1) * sizeof(*runs));
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        const ds_bd_entry *e = &b->v[refs[i].idx];
        const char *k = t == DS_BD_TABLES ? e->domain : e->key[t];
        if (!k)
            continue;
        size_t j = ds_ptr_hash(k) & (ns - 1);
        while (slot[j] && runs[slot[j] - 1].key != k)
            j = (j + 1) & (ns - 1);
        if (!slot[j]) {
            runs[r] = (ds_run){k, 0, 0, NULL};
            slot[j] = (uint32_t)++r;
        }
        ds_run *run = &runs[slot[j] - 1];
        run->hosts++;
        run->isp += e->category == DS_CAT_ISP_HOME;
        if (!run->as_org)
            run->as_org = e->as_org;
    }
    free(slot);
    qsort(runs, r, sizeof(*runs), ds_run_cmp);
    *nruns = r;
    return runs;
}

/* ds_count of the group starting at refs[start], computed once per prepare. The
 * result belongs to the breakdown. */
static const ds_run *ds_count_memo(ds_breakdown *b, size_t start, size_t n, int t, size_t *nruns)
{
    for (size_t i = 0; i < b->nmemo; i++)
        if (b->memo[i].start == start && b->memo[i].table == t) {
            *nruns = b->memo[i].nruns;
            return b->memo[i].runs;
        }
    if (b->nmemo == b->capmemo) {
        b->capmemo = b->capmemo ? b->capmemo * 2 : 16;
        b->memo = ds_xrealloc(b->memo, b->capmemo * sizeof(*b->memo));
    }
    ds_bd_memo *m = &b->memo[b->nmemo++];
    m->start = start;
    m->table = t;
    m->runs = ds_count(b, b->refs + start, n, t, &m->nruns);
    *nruns = m->nruns;
    return m->runs;
}

/* End of the (role, signature) group starting at i. */
static size_t ds_group_end(const ds_breakdown *b, size_t i)
{
    size_t j = i + 1;
    while (j < b->nrefs && b->refs[j].group == b->refs[i].group)
        j++;
    return j;
}

/* With threads, every count the tables and the summary will ask for is made at
 * once, in parallel over (group, table); the memo then answers them. */
typedef struct ds_count_job {
    const ds_breakdown *b;
    size_t *start, *n; /* of each group */
    int *table;
    ds_bd_memo *out;
} ds_count_job;

static void ds_count_one(void *arg, size_t i)
{
    ds_count_job *j = arg;
    ds_bd_memo *m = &j->out[i];
    m->start = j->start[i];
    m->table = j->table[i];
    m->runs = ds_count(j->b, j->b->refs + j->start[i], j->n[i], j->table[i], &m->nruns);
}

static void ds_count_all(ds_breakdown *b)
{
    if (b->threads <= 1 || b->nmemo)
        return;
    uint32_t star = ds_name_id(b, "*");
    size_t cap = 16, k = 0;
    ds_count_job j = {b, ds_xmalloc(cap * sizeof(size_t)), ds_xmalloc(cap * sizeof(size_t)),
                      ds_xmalloc(cap * sizeof(int)), NULL};
    for (size_t i = 0; i < b->nrefs;) {
        size_t e = ds_group_end(b, i);
        /* the four tables for every group; domains for the summary's "*" groups */
        for (int t = 0; t <= DS_BD_TABLES; t++) {
            if (t == DS_BD_TABLES && b->refs[i].sig != star)
                continue;
            if (k == cap) {
                cap *= 2;
                j.start = ds_xrealloc(j.start, cap * sizeof(size_t));
                j.n = ds_xrealloc(j.n, cap * sizeof(size_t));
                j.table = ds_xrealloc(j.table, cap * sizeof(int));
            }
            j.start[k] = i;
            j.n[k] = e - i;
            j.table[k++] = t;
        }
        i = e;
    }
    if (k > b->capmemo) {
        b->capmemo = k;
        b->memo = ds_xrealloc(b->memo, k * sizeof(*b->memo));
    }
    j.out = b->memo;
    ds_parallel_for(b->threads, k, ds_count_one, &j);
    b->nmemo = k;
    free(j.start);
    free(j.n);
    free(j.table);
}

void ds_breakdown_write_table(ds_breakdown *b, ds_breakdown_table t, FILE *f)
{
    ds_prepare(b);
    ds_count_all(b);
    fputs(DS_BREAKDOWN_CSV_HEADER "\n", f);
    for (size_t i = 0; i < b->nrefs;) {
        size_t j = ds_group_end(b, i), nr;
        const ds_run *runs = ds_count_memo(b, i, j - i, (int)t, &nr);
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
        const ds_run *runs = ds_count_memo(b, start, n, t, &nr);
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
    const ds_run *runs = ds_count_memo(b, start, n, DS_BD_TABLES, &nr);
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
    ds_count_all(b);
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

/*
 * ds_sim_vectors.c — attack vectors from recorded backscatter (rules in the header).
 * Memory: 24 bytes per backscatter packet written, which is small next to the
 * capture itself (a 10,000-pps attack for an hour puts 140,000 packets into a /8).
 */
#include "sim/ds_sim_vectors.h"

#include <inttypes.h>
#include <stdlib.h>

#include "output/ds_csv.h"

#define DS_SIM_TIMEOUT_NS (300 * DS_NS_PER_SEC)
#define DS_SIM_MIN_PACKETS 25
#define DS_SIM_MIN_DURATION_NS (60 * DS_NS_PER_SEC)
#define DS_SIM_MIN_WINDOW 30
#define DS_SIM_WINDOW_NS (60 * DS_NS_PER_SEC)
#define DS_SIM_STEP_NS (10 * DS_NS_PER_SEC)

typedef struct ds_sim_bs {
    int64_t ts;
    uint32_t dst;
    uint16_t len;
    uint8_t monitor;
    uint8_t kind; /* enum ds_sim_response */
    uint32_t attack;
} ds_sim_bs;

typedef struct ds_sim_key {
    uint32_t victim;
    uint8_t proto;
    ds_sim_bs *p;
    size_t n, cap;
} ds_sim_key;

typedef struct ds_sim_vrow {
    int64_t start;
    uint32_t victim;
    char *line;
} ds_sim_vrow;

struct ds_sim_vectors {
    const ds_sim_scenario *sc;
    ds_sim_key *keys;
    size_t nkeys;
    size_t *key_of; /* per attack */
};

/* What the analysis files the vector under (see the header). */
static uint8_t ds_sim_key_proto(const ds_sim_attack *a)
{
    switch (a->response) {
    case DS_SIM_SYNACK:
    case DS_SIM_RST:
    case DS_SIM_RSTACK:
        return 6;
    case DS_SIM_ECHO_REPLY:
        return 1;
    default:
        return a->proto;
    }
}

ds_sim_vectors *ds_sim_vectors_new(const ds_sim_scenario *s)
{
    ds_sim_vectors *v = ds_xcalloc(1, sizeof *v);
    v->sc = s;
    v->key_of = ds_xcalloc(s->nattacks + 1, sizeof *v->key_of);
    v->keys = ds_xcalloc(s->nattacks + 1, sizeof *v->keys);
    for (size_t i = 0; i < s->nattacks; i++) {
        uint8_t proto = ds_sim_key_proto(&s->attacks[i]);
        size_t k = 0;
        while (k < v->nkeys &&
               !(v->keys[k].victim == s->attacks[i].victim && v->keys[k].proto == proto))
            k++;
        if (k == v->nkeys) {
            v->keys[k].victim = s->attacks[i].victim;
            v->keys[k].proto = proto;
            v->nkeys++;
        }
        v->key_of[i] = k;
    }
    return v;
}

void ds_sim_vectors_free(ds_sim_vectors *v)
{
    if (!v)
        return;
    for (size_t k = 0; k < v->nkeys; k++)
        free(v->keys[k].p);
    free(v->keys);
    free(v->key_of);
    free(v);
}

void ds_sim_vectors_add(ds_sim_vectors *v, size_t attack, int64_t ts_ns, uint32_t dst,
                        uint16_t ip_len, int monitor)
{
    ds_sim_key *k = &v->keys[v->key_of[attack]];
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 256;
        k->p = ds_xrealloc(k->p, k->cap * sizeof *k->p);
    }
    k->p[k->n++] = (ds_sim_bs){
        ts_ns,           dst, ip_len, (uint8_t)monitor, (uint8_t)v->sc->attacks[attack].response,
        (uint32_t)attack};
}

static int ds_sim_cmp_dst(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int ds_sim_cmp_row(const void *a, const void *b)
{
    const ds_sim_vrow *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->victim > y->victim) - (x->victim < y->victim);
}

/* Largest count of packets in a window [first + 10k, first + 10k + 60) s. */
static uint64_t ds_sim_max_window(const ds_sim_bs *p, size_t n)
{
    uint64_t best = 0;
    size_t lo = 0, hi = 0;
    for (int64_t ws = p[0].ts; ws <= p[n - 1].ts; ws += DS_SIM_STEP_NS) {
        while (lo < n && p[lo].ts < ws)
            lo++;
        if (hi < lo)
            hi = lo;
        while (hi < n && p[hi].ts < ws + DS_SIM_WINDOW_NS)
            hi++;
        if (hi - lo > best)
            best = hi - lo;
    }
    return best;
}

static char *ds_sim_vector_line(const ds_sim_vectors *v, const ds_sim_key *k, const ds_sim_bs *p,
                                size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const ds_sim_scenario *s = v->sc;
    uint64_t bytes = 0, kinds[6] = {0};
    uint32_t mons = 0;
    uint32_t *dsts = ds_xmalloc(n * sizeof *dsts);
    bool *seen_attack = ds_xcalloc(s->nattacks + 1, sizeof *seen_attack);
    for (size_t i = 0; i < n; i++) {
        bytes += p[i].len;
        kinds[p[i].kind]++;
        mons |= 1u << p[i].monitor;
        dsts[i] = p[i].dst;
        seen_attack[p[i].attack] = true;
    }
    qsort(dsts, n, sizeof *dsts, ds_sim_cmp_dst);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || dsts[i] != dsts[i - 1];
    ds_ip vip;
    ds_ip_set_v4(&vip, k->victim);
    ds_csv_ip(f, &vip);
    fprintf(f, ",%s,", k->proto == 6 ? "tcp" : k->proto == 17 ? "udp" : "icmp");
    bool first = true;
    for (int m = 0; m < s->nmonitors; m++)
        if (mons & (1u << m)) {
            fprintf(f, "%s%s", first ? "" : "+", s->monitors[m].name);
            first = false;
        }
    fputc(',', f);
    ds_csv_time(f, p[0].ts);
    fputc(',', f);
    ds_csv_time(f, p[n - 1].ts);
    int64_t d = p[n - 1].ts - p[0].ts;
    fprintf(f, ",%" PRId64 ".%06" PRId64 ",%zu,%" PRIu64 ",%zu,%" PRIu64,
            (int64_t)(d / DS_NS_PER_SEC), (int64_t)((d % DS_NS_PER_SEC) / 1000), n, bytes, distinct,
            ds_sim_max_window(p, n));
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",0",
            kinds[DS_SIM_SYNACK], kinds[DS_SIM_RST], kinds[DS_SIM_RSTACK], kinds[DS_SIM_ECHO_REPLY],
            kinds[DS_SIM_UNREACH], kinds[DS_SIM_TTL_EXCEEDED]);
    /* Which scenario attacks fed the vector, and their summed true rate. */
    fputc(',', f);
    double rate = 0;
    first = true;
    for (size_t a = 0; a < s->nattacks; a++)
        if (seen_attack[a]) {
            fprintf(f, "%s%zu", first ? "" : "+", a);
            rate += s->attacks[a].rate;
            first = false;
        }
    fprintf(f, ",%.3f", rate);
    fclose(f);
    free(dsts);
    free(seen_attack);
    (void)len;
    return buf;
}

size_t ds_sim_vectors_write(ds_sim_vectors *v, FILE *attacks_csv, FILE *vectors_csv,
                            size_t *nvectors)
{
    static const char header[] =
        "victim,protocol,monitors,start,end,duration_s,packets,bytes,telescope_addrs,max_ppm,"
        "synack,rst,rstack,echo_reply,unreach,ttl_exceeded,other_icmp,scenario_attacks,"
        "true_attack_pps";
    ds_sim_vrow *rows = NULL;
    size_t nrows = 0, cap = 0, nattacks = 0;
    for (size_t ki = 0; ki < v->nkeys; ki++) {
        const ds_sim_key *k = &v->keys[ki];
        size_t i = 0;
        while (i < k->n) {
            size_t j = i + 1;
            while (j < k->n && k->p[j].ts - k->p[j - 1].ts <= DS_SIM_TIMEOUT_NS)
                j++;
            const ds_sim_bs *p = k->p + i;
            size_t n = j - i;
            bool attack = n >= DS_SIM_MIN_PACKETS &&
                          p[n - 1].ts - p[0].ts >= DS_SIM_MIN_DURATION_NS &&
                          ds_sim_max_window(p, n) >= DS_SIM_MIN_WINDOW;
            if (nrows == cap) {
                cap = cap ? cap * 2 : 64;
                rows = ds_xrealloc(rows, cap * sizeof *rows);
            }
            char *line = ds_sim_vector_line(v, k, p, n);
            /* vectors.csv carries is_attack at the end of the same fields */
            size_t ll = strlen(line);
            line = ds_xrealloc(line, ll + 3);
            line[ll] = ',';
            line[ll + 1] = attack ? '1' : '0';
            line[ll + 2] = 0;
            rows[nrows++] = (ds_sim_vrow){p[0].ts, k->victim, line};
            i = j;
        }
    }
    if (nrows)
        qsort(rows, nrows, sizeof *rows, ds_sim_cmp_row);
    fprintf(attacks_csv, "%s\n", header);
    fprintf(vectors_csv, "%s,is_attack\n", header);
    for (size_t r = 0; r < nrows; r++) {
        size_t ll = strlen(rows[r].line);
        bool attack = rows[r].line[ll - 1] == '1';
        fprintf(vectors_csv, "%s\n", rows[r].line);
        if (attack) {
            fprintf(attacks_csv, "%.*s\n", (int)(ll - 2), rows[r].line);
            nattacks++;
        }
        free(rows[r].line);
    }
    free(rows);
    *nvectors = nrows;
    return nattacks;
}

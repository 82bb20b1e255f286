/*
 * bench_enrich.c — attribution of one million distinct hosts: geolocation (GeoLite2
 * City, ip-location-db layout), AS (the npm range CSV) and bulk reverse DNS (a CSV
 * of one million ip,name rows written here, 70% named with ISP-like, corporate and
 * sector names, 30% empty), plus the four breakdown tables.
 *
 *   bench_enrich [HOSTS] [DIR]     (default 1000000, $TMPDIR or /tmp)
 *
 * Prints the time of each phase and, as the baseline measured in the same run (these
 * machines are noisy), the time to merely read the rDNS file line by line with
 * fgets: the ratio says how far attribution is from the I/O floor. Needs the default
 * databases (scripts/fetch-geo.sh); DS_GEO_DIR overrides where they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "enrich/ds_enrich.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    const char *tmp = getenv("TMPDIR");
    const char *dir = argc > 2 ? argv[2] : tmp && *tmp ? tmp : "/tmp";
    char path[4096], err[DS_ERRLEN];
    snprintf(path, sizeof path, "%s/bench-enrich-rdns-%zu.csv", dir, n);

    /* n distinct public-looking IPv4 addresses, in random order */
    uint64_t seed = 42;
    uint32_t *v = malloc(n * 2 * sizeof *v);
    size_t m = 0;
    while (m < n * 2) {
        uint32_t a = (uint32_t)rng(&seed);
        unsigned o1 = a >> 24;
        if (o1 == 0 || o1 == 10 || o1 == 127 || o1 >= 224)
            continue;
        v[m++] = a;
    }
    qsort(v, m, sizeof *v, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < m && u < n; i++)
        if (u == 0 || v[u - 1] != v[i])
            v[u++] = v[i];
    n = u;
    for (size_t i = n; i > 1; i--) { /* shuffle */
        size_t j = rng(&seed) % i;
        uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
    ds_ip *ips = malloc(n * sizeof *ips);
    for (size_t i = 0; i < n; i++)
        ds_ip_set_v4(&ips[i], v[i]);

    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 2;
    }
    static const char *const kinds[] = {
        "%u-%u-%u-%u.dsl.isp%u.net.",  "pool-%u-%u-%u-%u.res%u.example.com.",
        "host%u%u%u%u.corp%u.co.uk.",  "ws-%u-%u-%u-%u.dept%u.univ.edu.",
        "gw%u.%u.%u.%u.agency%u.gov.", "srv-%u-%u-%u-%u.net%u.de."};
    fputs("ip,name\n", f);
    for (size_t i = 0; i < n; i++) {
        uint32_t a = v[i];
        fprintf(f, "%u.%u.%u.%u,", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
        uint64_t r = rng(&seed);
        if (r % 10 < 7)
            fprintf(f, kinds[(r >> 8) % 6], a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
                    (unsigned)((r >> 16) % 5000));
        fputc('\n', f);
    }
    fclose(f);

    /* baseline: read the rDNS file line by line */
    double t0 = now_s();
    f = fopen(path, "r");
    char line[512];
    size_t lines = 0;
    while (fgets(line, sizeof line, f))
        lines++;
    fclose(f);
    double t_base = now_s() - t0;

    ds_enrich_config *cfg = ds_enrich_config_new();
    cfg->rdns_file = ds_xstrdup(path);
    t0 = now_s();
    ds_enrich *e = ds_enrich_open(cfg, err, sizeof err);
    if (!e) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t_open = now_s() - t0;
    json_t *src = ds_enrich_summary(e, NULL, 0);
    bool have_geo = json_array_size(json_object_get(json_object_get(src, "geo"), "files")) > 0;
    bool have_asn = json_array_size(json_object_get(json_object_get(src, "asn"), "files")) > 0;
    json_decref(src);
    if (!have_geo || !have_asn) {
        fprintf(stderr, "bench_enrich: default databases missing: run scripts/fetch-geo.sh\n");
        return 1;
    }

    ds_host_info *info = malloc(n * sizeof *info);
    t0 = now_s();
    ds_enrich_hosts(e, ips, n, info, 1); /* the per-host cost on one thread */
    double t_hosts = now_s() - t0;

    t0 = now_s();
    ds_breakdown *bd = ds_breakdown_new(1);
    for (size_t i = 0; i < n; i++)
        ds_breakdown_add(bd, "infected", "bench", &ips[i], &info[i]);
    FILE *nul = fopen("/dev/null", "w");
    for (int t = 0; t < DS_BD_TABLES; t++)
        ds_breakdown_write_table(bd, (ds_breakdown_table)t, nul);
    json_t *sum = ds_enrich_summary(e, bd, 10);
    fclose(nul);
    double t_bd = now_s() - t0;

    size_t located = 0, with_asn = 0, named = 0, isp = 0;
    for (size_t i = 0; i < n; i++) {
        located += info[i].country[0] != 0;
        with_asn += info[i].asn != 0;
        named += info[i].rdns_status == DS_RDNS_NAME;
        isp += info[i].category == DS_CAT_ISP_HOME;
    }
    double total = t_open + t_hosts + t_bd;
    printf("hosts                %zu (rDNS file %zu lines)\n", n, lines);
    printf("open (load ASN CSV)  %.3f s\n", t_open);
    printf("attribute hosts      %.3f s  (%.2f us/host)\n", t_hosts, 1e6 * t_hosts / (double)n);
    printf("breakdowns+summary   %.3f s\n", t_bd);
    printf("total                %.3f s\n", total);
    printf("baseline fgets file  %.3f s  -> total/baseline = %.1f\n", t_base, total / t_base);
    printf("located %zu, with AS %zu, named %zu, isp-home %zu\n", located, with_asn, named, isp);
    json_decref(sum);
    ds_breakdown_free(bd);
    free(info);
    ds_enrich_close(e);
    ds_enrich_config_free(cfg);
    free(ips);
    free(v);
    remove(path);
    return 0;
}

/*
 * test_sim_geo.c — the simulator's country shares (worm.countries, src/sim/ds_sim_geo.c):
 * a small outbreak drawn through the geolocation database must have the country mix
 * it asked for, within a tolerance derived from the binomial standard deviation, and
 * the analysis of its capture (countries.csv, role infected) must attribute exactly
 * the addresses the truth says a monitor saw. The countries of truth/hosts.csv are
 * looked up here through ds_geo (src/enrich), not taken from the simulator's tables.
 *
 * Needs the GeoLite2 database of scripts/fetch-geo.sh (scripts/install-deps.sh
 * fetches it, so CI has it); without it the test prints SKIP and checks only that
 * the simulator falls back to routable space and says so.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ds_test.h"
#include "enrich/ds_geo.h"
#include "sim/ds_sim_geo.h"

/* About 10,000 hosts, nearly all infected within 30 minutes (K = 34/h), each then
 * sending ~0.06 probes/s into the /16, so every infected address is seen. */
static const char geo_scenario[] =
    "{\"name\": \"geo\", \"start\": \"2001-07-19T10:00:00Z\", \"duration\": \"30m\",\n"
    " \"monitors\": {\"t\": [\"44.0.0.0/16\"]},\n"
    " \"worm\": {\"name\": \"codered\", \"port\": 80, \"vulnerable\": 10000, \"initial\": 10,\n"
    "          \"scan_rate\": 4000, \"dhcp_churn_per_hour\": 1,\n"
    "          \"countries\": {\"US\": 0.43, \"KR\": 0.11, \"CN\": 0.05, \"TW\": 0.04}}}\n";

static const char *const cc[] = {"US", "KR", "CN", "TW"};
static const double share[] = {0.43, 0.11, 0.05, 0.04};
#define NCC 4

static int run_cmd(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int group_of(const char *country)
{
    for (int k = 0; k < NCC; k++)
        if (!strcmp(country, cc[k]))
            return k;
    return NCC; /* the rest */
}

/* Counts per group (and per country code, into `keys`/`counts`) of the addresses in
 * column 0 of the rows of a truth CSV; with `seen_only`, rows of addresses.csv whose
 * probes (column 4) are > 0. Returns the rows counted; `unknown` gets those without a
 * country. */
typedef struct cc_count {
    char cc[3];
    long n;
} cc_count;

static long count_csv(ds_geo *geo, char *csv, bool seen_only, long groups[NCC + 1], cc_count *tab,
                      size_t *ntab, long *unknown)
{
    long rows = 0;
    char *line = strchr(csv, '\n');
    for (line = line ? line + 1 : NULL; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        char ipbuf[64];
        unsigned long long probes = 1;
        if (sscanf(line, "%63[^,]", ipbuf) == 1) {
            if (seen_only) {
                char *f = line;
                for (int k = 0; k < 4 && f; k++)
                    f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL;
                probes = f ? strtoull(f, NULL, 10) : 0;
            }
            ds_ip ip;
            if (probes > 0 && ds_ip_parse(ipbuf, &ip) == 0) {
                char country[3];
                double lat, lon;
                ds_geo_lookup(geo, &ip, country, &lat, &lon);
                rows++;
                if (!country[0]) {
                    (*unknown)++;
                } else {
                    groups[group_of(country)]++;
                    size_t i = 0;
                    while (i < *ntab && strcmp(tab[i].cc, country))
                        i++;
                    if (i == *ntab) {
                        memcpy(tab[i].cc, country, 3);
                        tab[i].n = 0;
                        (*ntab)++;
                    }
                    tab[i].n++;
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return rows;
}

static char dbpath[1024];

static void test_country_shares(void)
{
    char *dir = ds_test_tmpdir("sim-geo");
    char path[4096], cmd[8192];
    snprintf(path, sizeof path, "%s/geo.json", dir);
    ds_test_write_file(path, geo_scenario, strlen(geo_scenario));
    snprintf(cmd, sizeof cmd, "'%s' simulate -q --geo '%s' -o '%s/sim' --seed 3 '%s/geo.json'",
             ds_test_bin(), dbpath, dir, dir);
    DS_CHECK_EQ_INT(run_cmd(cmd), 0);
    /* Same seed, same database: same bytes. */
    snprintf(cmd, sizeof cmd,
             "'%s' simulate -q --geo '%s' -o '%s/sim2' --seed 3 '%s/geo.json' && "
             "cmp -s '%s/sim/t.pcap' '%s/sim2/t.pcap' && "
             "cmp -s '%s/sim/truth/hosts.csv' '%s/sim2/truth/hosts.csv'",
             ds_test_bin(), dbpath, dir, dir, dir, dir, dir, dir);
    DS_CHECK_EQ_INT(run_cmd(cmd), 0);

    /* truth/scenario.json records the database. */
    snprintf(path, sizeof path, "%s/sim/truth/scenario.json", dir);
    json_t *doc = json_load_file(path, 0, NULL);
    json_t *pop = json_object_get(doc, "population");
    DS_CHECK_EQ_STR(json_string_value(json_object_get(pop, "source")), "geolocation");
    DS_CHECK_EQ_STR(json_string_value(json_object_get(pop, "database")), dbpath);
    DS_CHECK(json_integer_value(json_object_get(pop, "build_epoch")) > 1000000000);
    DS_CHECK_EQ_INT(json_integer_value(json_object_get(pop, "fallbacks")), 0);
    json_decref(doc);

    const char *paths[1] = {dbpath};
    char err[DS_ERRLEN];
    ds_geo *geo = ds_geo_open(paths, 1, err, sizeof err);
    DS_CHECK(geo != NULL);
    if (!geo) {
        fprintf(stderr, "%s\n", err);
        ds_test_rmtree(dir);
        free(dir);
        return;
    }

    /* The infected hosts' countries against the shares: |x/n - p| <= 4 sigma,
     * sigma = sqrt(p(1-p)/n) (a false alarm about once in 16,000 runs per
     * country; the seed is fixed anyway). Every drawn address has a country. */
    snprintf(path, sizeof path, "%s/sim/truth/hosts.csv", dir);
    char *hosts = ds_test_read_file(path, NULL);
    DS_CHECK(hosts != NULL);
    long g[NCC + 1] = {0}, unknown = 0;
    cc_count tab[300];
    size_t ntab = 0;
    long n = hosts ? count_csv(geo, hosts, false, g, tab, &ntab, &unknown) : 0;
    DS_CHECK(n > 9000);
    DS_CHECK_EQ_INT(unknown, 0);
    double rest = 1;
    for (int k = 0; k <= NCC; k++) {
        double p = k < NCC ? share[k] : rest;
        if (k < NCC)
            rest -= share[k];
        double x = (double)g[k] / (double)n, sd = sqrt(p * (1 - p) / (double)n);
        fprintf(stderr, "  %-4s %6ld hosts = %.4f (share %.2f, 4 sd = %.4f)\n",
                k < NCC ? cc[k] : "rest", g[k], x, p, 4 * sd);
        DS_CHECK(fabs(x - p) <= 4 * sd);
    }
    DS_CHECK(ntab > 50); /* the rest is spread over many countries */

    /* The analysis: countries.csv rows infected,codered,CC,hosts must equal the
     * countries of the addresses truth says the monitor saw (addresses.csv). */
    snprintf(cmd, sizeof cmd,
             "'%s' analyze -q -o '%s/out' --geo '%s' --no-asn --telescope t=44.0.0.0/16 "
             "'%s/sim/t.pcap'",
             ds_test_bin(), dir, dbpath, dir);
    DS_CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(path, sizeof path, "%s/sim/truth/addresses.csv", dir);
    char *addrs = ds_test_read_file(path, NULL);
    long ag[NCC + 1] = {0}, aunk = 0;
    cc_count atab[300];
    size_t natab = 0;
    long seen = addrs ? count_csv(geo, addrs, true, ag, atab, &natab, &aunk) : 0;
    DS_CHECK(seen >= n);
    snprintf(path, sizeof path, "%s/out/countries.csv", dir);
    char *countries = ds_test_read_file(path, NULL);
    DS_CHECK(countries != NULL);
    long total = 0;
    size_t matched = 0;
    for (char *line = countries; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        char role[32], sig[64], key[16];
        long h;
        if (sscanf(line, "%31[^,],%63[^,],%15[^,],%ld", role, sig, key, &h) == 4 &&
            !strcmp(role, "infected") && !strcmp(sig, "codered")) {
            total += h;
            long want = 0;
            if (!strcmp(key, "unknown"))
                want = aunk;
            for (size_t i = 0; i < natab; i++)
                if (!strcmp(atab[i].cc, key))
                    want = atab[i].n;
            if (want != h)
                fprintf(stderr, "  countries.csv %s: %ld hosts, truth %ld\n", key, h, want);
            matched += want == h;
        }
        line = nl ? nl + 1 : NULL;
    }
    DS_CHECK_EQ_INT(total, seen);
    DS_CHECK_EQ_INT(matched, natab + (aunk > 0));

    free(countries);
    free(addrs);
    free(hosts);
    ds_geo_close(geo);
    ds_test_rmtree(dir);
    free(dir);
}

/* Without a database (or with --no-geo), the shares are not applied: routable
 * space, said once on stderr and in truth/scenario.json. */
static void test_fallback(void)
{
    char *dir = ds_test_tmpdir("sim-nogeo");
    char path[4096], cmd[8192];
    snprintf(path, sizeof path, "%s/geo.json", dir);
    ds_test_write_file(path, geo_scenario, strlen(geo_scenario));
    snprintf(cmd, sizeof cmd,
             "DS_GEO_DIR='%s/none' '%s' simulate -q --duration 5m -o '%s/sim' '%s/geo.json' "
             "2> '%s/err.txt'",
             dir, ds_test_bin(), dir, dir, dir);
    DS_CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *msg = ds_test_read_file(path, NULL);
    int said = 0;
    for (const char *q = msg; q && (q = strstr(q, "country shares not applied")); q++)
        said++;
    DS_CHECK_EQ_INT(said, 1);
    snprintf(path, sizeof path, "%s/sim/truth/scenario.json", dir);
    json_t *doc = json_load_file(path, 0, NULL);
    json_t *pop = json_object_get(doc, "population");
    DS_CHECK_EQ_STR(json_string_value(json_object_get(pop, "source")), "routable");
    DS_CHECK(json_is_false(json_object_get(pop, "countries_applied")));
    json_decref(doc);
    /* An explicit --geo that cannot be read is an error, not a silent fallback. */
    snprintf(cmd, sizeof cmd,
             "'%s' simulate -q --geo '%s/none.mmdb' -o '%s/sim3' '%s/geo.json' 2>/dev/null",
             ds_test_bin(), dir, dir, dir);
    DS_CHECK(run_cmd(cmd) != 0);
    free(msg);
    ds_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    ds_sim_geo_default_path(dbpath, sizeof dbpath);
    DS_RUN(test_fallback);
    if (access(dbpath, R_OK) != 0) {
        printf("SKIP: test_country_shares: no geolocation database at %s "
               "(scripts/fetch-geo.sh fetches it)\n",
               dbpath);
        return ds_test_result();
    }
    DS_RUN(test_country_shares);
    return ds_test_result();
}

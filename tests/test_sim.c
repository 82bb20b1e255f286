/*
 * test_sim.c — the simulator (src/sim/): scenario files and their error messages,
 * the Corsaro attack rules of the truth, determinism (same seed, same bytes), truth
 * consistent with the packets actually written (read back here with a minimal pcap
 * reader, independent of darkscope's), and — through the real binary — the analysis
 * recovering the truth: every host that probed a monitor with its exact first
 * sighting, and the DoS attacks of truth/attacks.csv.
 */
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ds_test.h"
#include "sim/ds_sim.h"
#include "sim/ds_sim_scenario.h"
#include "sim/ds_sim_vectors.h"

/* A small scenario exercising every source kind; fast (a few 10^4 packets). */
static const char small_scenario[] =
    "{\n"
    "  \"name\": \"small\",\n"
    "  \"start\": \"2001-07-19T10:00:00Z\",\n"
    "  \"duration\": \"25m\",\n"
    "  \"monitors\": {\"big\": [\"44.0.0.0/17\"], \"small\": \"131.243.0.0/20, 128.3.0.0/20\"},\n"
    "  \"worm\": {\"name\": \"codered\", \"port\": 80, \"vulnerable\": 20000, \"initial\": 3,\n"
    "            \"initial_at\": \"+1m\", \"scan_rate\": 3000, \"scan_rate_sigma\": 0.5,\n"
    "            \"phase_switch\": \"+20m\", \"deactivation_per_hour\": 2,\n"
    "            \"dhcp_churn_per_hour\": 3},\n"
    "  \"attacks\": [\n"
    "    {\"victim\": \"23.94.10.5\", \"start\": \"+2m\", \"duration\": \"10m\", \"rate\": "
    "200000,\n"
    "     \"response\": \"syn-ack\"},\n"
    "    {\"victim\": \"81.2.69.160\", \"start\": \"+5m\", \"duration\": \"5m\", \"rate\": "
    "100000,\n"
    "     \"response\": \"icmp-unreachable\", \"protocol\": \"udp\", \"port\": 53},\n"
    "    {\"victim\": \"104.20.1.9\", \"start\": \"+8m\", \"duration\": \"5m\", \"rate\": 100000,\n"
    "     \"response\": \"ttl-exceeded\", \"router\": \"62.115.0.1\"},\n"
    "    {\"victim\": \"5.9.10.11\", \"start\": \"+18m\", \"duration\": \"40s\", \"rate\": "
    "400000,\n"
    "     \"response\": \"rst-ack\"}\n"
    "  ],\n"
    "  \"scanners\": [{\"tool\": \"zmap\", \"ports\": 443, \"rate\": 100000, \"duration\": "
    "\"5m\"},\n"
    "                {\"tool\": \"mirai\", \"sources\": 20, \"rate\": 2000}],\n"
    "  \"misconfig\": [{\"sources\": 3, \"targets\": 2, \"monitor\": \"small\", \"rate\": 0.5}]\n"
    "}\n";

static ds_sim_scenario *parse(const char *text, char *err)
{
    return ds_sim_scenario_parse(text, "test.json", err, DS_ERRLEN);
}

/* ---- scenario files ------------------------------------------------------------- */

static void test_parse_small(void)
{
    char err[DS_ERRLEN] = "";
    ds_sim_scenario *s = parse(small_scenario, err);
    DS_CHECK(s != NULL);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    DS_CHECK_EQ_STR(s->name, "small");
    DS_CHECK_EQ_INT(s->start_ns, 995536800LL * DS_NS_PER_SEC);
    DS_CHECK(s->duration == 1500);
    DS_CHECK_EQ_INT(s->nmonitors, 2);
    DS_CHECK_EQ_INT(s->monitors[0].space.size, 1 << 15);
    DS_CHECK_EQ_INT(s->monitors[1].space.size, 2 << 12);
    DS_CHECK(s->worm.enabled);
    DS_CHECK_EQ_INT(s->worm.vulnerable, 20000);
    DS_CHECK(s->worm.initial_at == 60);
    DS_CHECK(s->worm.phase_switch == 1200);
    DS_CHECK_EQ_INT(s->nattacks, 4);
    DS_CHECK_EQ_INT(s->attacks[1].response, DS_SIM_UNREACH);
    DS_CHECK_EQ_INT(s->attacks[1].proto, 17);
    DS_CHECK_EQ_INT(s->attacks[0].spoof.size, 1ULL << 32);
    DS_CHECK_EQ_INT(s->nscanners, 2);
    DS_CHECK_EQ_INT(s->scanners[1].nports, 2); /* mirai: 23 and 2323 by default */
    DS_CHECK_EQ_INT(s->scanners[1].ports[0], 23);
    DS_CHECK_EQ_INT(s->misconfigs[0].monitor, 1);
    /* The normalised JSON parses back to the same scenario. */
    json_t *j = ds_sim_scenario_json(s);
    char *text = json_dumps(j, JSON_PRESERVE_ORDER);
    ds_sim_scenario *s2 = parse(text, err);
    DS_CHECK(s2 != NULL);
    if (s2) {
        DS_CHECK_EQ_INT(s2->start_ns, s->start_ns);
        DS_CHECK(s2->worm.phase_switch == s->worm.phase_switch);
        DS_CHECK(s2->attacks[2].router == s->attacks[2].router);
    }
    free(text);
    json_decref(j);
    ds_sim_scenario_free(s2);
    ds_sim_scenario_free(s);
}

static void test_presets_parse(void)
{
    for (size_t i = 0; ds_sim_preset_names[i]; i++) {
        char err[DS_ERRLEN] = "";
        ds_sim_scenario *s = ds_sim_scenario_load(ds_sim_preset_names[i], err, sizeof err);
        DS_CHECK(s != NULL);
        if (!s)
            fprintf(stderr, "%s: %s\n", ds_sim_preset_names[i], err);
        ds_sim_scenario_free(s);
    }
    char err[DS_ERRLEN] = "";
    ds_sim_scenario *s = ds_sim_scenario_load("codered-2001", err, sizeof err);
    DS_CHECK(s && s->worm.vulnerable > 300000 && s->nmonitors == 2);
    DS_CHECK(s && !strcmp(s->monitors[0].name, "ucsd") && s->monitors[0].space.size == 1 << 24);
    DS_CHECK(s && s->start_ns + (int64_t)(s->worm.phase_switch * 1e9) ==
                      995587200LL * DS_NS_PER_SEC); /* 2001-07-20 00:00 UTC */
    ds_sim_scenario_free(s);
    DS_CHECK(ds_sim_scenario_load("no-such-preset-or-file", err, sizeof err) == NULL);
    DS_CHECK(strstr(err, "codered-2001") != NULL); /* the message lists the presets */
}

/* Every bad file names FILE:LINE:COL of the offending value and the member path. */
static void test_parse_errors(void)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"{\n  \"start\": \"2001-07-19T10:00:00Z\",\n  \"monitors\": {\"a\": [\"44.0.0.0/8\"]},\n"
         "  \"worm\": {\"vulnerable\": 10, \"scan_rte\": 3}\n}\n",
         "test.json:4:42: worm.scan_rte: unknown member"},
        {"{\n  \"start\": \"2001-07-19T10:00:00Z\",\n  \"monitors\": {\"a\": [\"44.0.0.0/8\"]},\n"
         "  \"worm\": {\"vulnerable\": 10,\n            \"scan_rate\": -3}\n}\n",
         "test.json:5:26: worm.scan_rate: must be between"},
        {"{\n  \"start\": \"2001-07-19T10:00:00Z\",\n  \"monitors\": {\"a\": [\"44.0.0.0/8\"]},\n"
         "  \"attacks\": [\n    {\"victim\": \"1.2.3.4\"},\n    {\"victim\": \"1.2.3.4\", "
         "\"response\": \"syn\"}\n  ]\n}\n",
         "test.json:6:39: attacks[1].response: must be one of"},
        {"{\n  \"start\": \"2001-07-19T10:00:00Z\",\n  \"monitors\": {\"a\": [\"44.0.0.0/8\", "
         "\"44.1.0.0/16\"]}\n}\n",
         "test.json:3:36: monitors.a[1]: prefix 44.1.0.0/16 overlaps"},
        {"{\n  \"start\": \"2001-07-19T10:00:00Z\",\n  \"monitors\": {\"a\": [\"44.0.0.0/8\"]},\n"
         "  \"attacks\": [{\"victim\": \"44.3.2.1\"}]\n}\n",
         "test.json:4:15: attacks[0]: the victim is inside monitor a"},
        {"{\n  \"start\": \"2001-07-19T10:00:00Z\",\n  \"monitors\": {\"a\": "
         "[\"44.0.0.0/8\"]},,\n}\n",
         "test.json:3:37: "},
        {"{\n  \"monitors\": {\"a\": [\"44.0.0.0/8\"]}\n}\n", "test.json: start: required"},
        {"{\"start\": \"19 July 2001\", \"monitors\": {\"a\": \"44.0.0.0/8\"}}",
         "test.json:1:11: start: must be an ISO-8601"},
        {"[1, 2]", "test.json:1:1: a scenario is a JSON object"},
        {"{\"start\": 0, \"monitors\": {\"a\": \"44.0.0.0/8\"},\n"
         " \"worm\": {\"vulnerable\": 10, \"countries\": {\"US\": 0.4, \"kr\": 0.1}}}",
         "test.json:2:60: worm.countries.kr: not a country code"},
        {"{\"start\": 0, \"monitors\": {\"a\": \"44.0.0.0/8\"},\n"
         " \"worm\": {\"vulnerable\": 10, \"countries\": {\"US\": 0.7, \"KR\": 0.5}}}",
         "test.json:2:42: worm.countries: the shares add up to 1.2, more than 1"},
        {"{\"start\": 0, \"monitors\": {\"a\": \"44.0.0.0/8\"},\n"
         " \"worm\": {\"vulnerable\": 10, \"countries\": [\"US\"]}}",
         "test.json:2:42: worm.countries: must be an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[DS_ERRLEN] = "";
        ds_sim_scenario *s = parse(cases[i].text, err);
        DS_CHECK(s == NULL);
        DS_CHECK(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0);
        if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
            fprintf(stderr, "  case %zu: got \"%s\"\n  want prefix \"%s\"\n", i, err,
                    cases[i].want);
        ds_sim_scenario_free(s);
    }
}

/* ---- the attack rules of the truth ---------------------------------------------- */

/* Feeds n packets `gap` ms apart to a one-attack scenario; returns the attacks found. */
static size_t vectors_of(size_t n, int64_t gap_ms, size_t *nvec)
{
    char err[DS_ERRLEN];
    ds_sim_scenario *s = parse("{\"start\": 0, \"monitors\": {\"m\": \"44.0.0.0/8\"},"
                               "\"attacks\": [{\"victim\": \"1.2.3.4\"}]}",
                               err);
    ds_sim_vectors *v = ds_sim_vectors_new(s);
    for (size_t i = 0; i < n; i++)
        ds_sim_vectors_add(v, 0, (int64_t)i * gap_ms * 1000000, 0x2c000001u + (uint32_t)i, 40, 0);
    FILE *a = tmpfile(), *b = tmpfile();
    size_t k = ds_sim_vectors_write(v, a, b, nvec);
    fclose(a);
    fclose(b);
    ds_sim_vectors_free(v);
    ds_sim_scenario_free(s);
    return k;
}

static void test_attack_rules(void)
{
    size_t nv;
    DS_CHECK_EQ_INT(vectors_of(31, 2000, &nv), 1); /* 60 s, 30 in [0, 60) */
    DS_CHECK_EQ_INT(nv, 1);
    DS_CHECK_EQ_INT(vectors_of(30, 2000, &nv), 0);  /* 58 s < 60 s */
    DS_CHECK_EQ_INT(vectors_of(25, 2500, &nv), 0);  /* 60 s but 24 in the best window */
    DS_CHECK_EQ_INT(vectors_of(24, 60000, &nv), 0); /* 24 packets */
    DS_CHECK_EQ_INT(vectors_of(3, 300000, &nv), 0); /* gaps of exactly 300 s: one vector */
    DS_CHECK_EQ_INT(nv, 1);
    DS_CHECK_EQ_INT(vectors_of(3, 300001, &nv), 0); /* 300.001 s: three vectors */
    DS_CHECK_EQ_INT(nv, 3);
}

/* ---- simulation: determinism and truth ------------------------------------------ */

static int run_small(const char *dir, uint64_t seed, ds_sim_report *rep)
{
    char err[DS_ERRLEN];
    ds_sim_scenario *s = parse(small_scenario, err);
    ds_sim_options o = {.seed = seed, .compress = DS_COMPRESS_NONE};
    int rc = ds_sim_run(s, dir, &o, rep, err, sizeof err);
    if (rc)
        fprintf(stderr, "ds_sim_run: %s\n", err);
    ds_sim_scenario_free(s);
    return rc;
}

static bool same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = ds_test_read_file(a, &na), *y = ds_test_read_file(b, &nb);
    bool same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static const char *const out_files[] = {
    "big.pcap",          "small.pcap",        "truth/hosts.csv",    "truth/addresses.csv",
    "truth/attacks.csv", "truth/vectors.csv", "truth/scenario.json"};

static void test_determinism(void)
{
    char *a = ds_test_tmpdir("sim-a"), *b = ds_test_tmpdir("sim-b"), *c = ds_test_tmpdir("sim-c");
    ds_sim_report ra, rb, rc;
    DS_CHECK_EQ_INT(run_small(a, 7, &ra), 0);
    DS_CHECK_EQ_INT(run_small(b, 7, &rb), 0);
    DS_CHECK_EQ_INT(run_small(c, 8, &rc), 0);
    DS_CHECK(ra.packets > 10000);
    DS_CHECK_EQ_INT(ra.packets, rb.packets);
    for (size_t i = 0; i < sizeof out_files / sizeof out_files[0]; i++) {
        char pa[4096], pb[4096], pc[4096];
        snprintf(pa, sizeof pa, "%s/%s", a, out_files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, out_files[i]);
        snprintf(pc, sizeof pc, "%s/%s", c, out_files[i]);
        DS_CHECK(same_file(pa, pb));
        if (i < 2)
            DS_CHECK(!same_file(pa, pc)); /* another seed, other packets */
    }
    ds_sim_report_free(&ra);
    ds_sim_report_free(&rb);
    ds_sim_report_free(&rc);
    ds_test_rmtree(a);
    ds_test_rmtree(b);
    ds_test_rmtree(c);
    free(a);
    free(b);
    free(c);
}

/* Per source address: probes to the worm's port and the first one's time, read from
 * the captures with a reader written for this test (classic pcap, raw IPv4). */
typedef struct src_count {
    uint32_t addr;
    uint64_t probes;
    int64_t first_us;
} src_count;

static int cmp_src(const void *a, const void *b)
{
    uint32_t x = ((const src_count *)a)->addr, y = ((const src_count *)b)->addr;
    return (x > y) - (x < y);
}

static size_t read_probes(const char *path, src_count **out, size_t *n, size_t *cap,
                          uint64_t *backscatter)
{
    size_t len;
    uint8_t *d = (uint8_t *)ds_test_read_file(path, &len);
    size_t packets = 0;
    DS_CHECK(d && len >= 24);
    if (!d)
        return 0;
    uint32_t magic, linktype;
    memcpy(&magic, d, 4);
    memcpy(&linktype, d + 20, 4);
    DS_CHECK(magic == 0xa1b2c3d4u && linktype == 101);
    int64_t last = INT64_MIN;
    for (size_t off = 24; off + 16 <= len;) {
        uint32_t rec[4];
        memcpy(rec, d + off, 16);
        const uint8_t *ip = d + off + 16;
        int64_t us = (int64_t)rec[0] * 1000000 + rec[1];
        DS_CHECK(us >= last); /* time order */
        last = us;
        uint32_t src =
            (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
        if (ip[9] == 6 && ip[22] == 0 && ip[23] == 80 && ip[33] == 0x02) {
            if (*n == *cap)
                *out = realloc(*out, (*cap = *cap * 2 + 1024) * sizeof **out);
            (*out)[(*n)++] = (src_count){src, 1, us};
        }
        if ((ip[9] == 6 && (ip[33] & 0x04 || (ip[33] & 0x12) == 0x12)) ||
            (ip[9] == 1 && (ip[20] == 0 || ip[20] == 3 || ip[20] == 11)))
            (*backscatter)++;
        packets++;
        off += 16 + rec[2];
    }
    free(d);
    return packets;
}

static void test_truth_matches_packets(void)
{
    char *dir = ds_test_tmpdir("sim-truth");
    ds_sim_report rep;
    DS_CHECK_EQ_INT(run_small(dir, 3, &rep), 0);
    src_count *p = NULL;
    size_t n = 0, cap = 0;
    uint64_t bs = 0, total = 0;
    char path[4096];
    for (int m = 0; m < 2; m++) {
        snprintf(path, sizeof path, "%s/%s", dir, out_files[m]);
        size_t k = read_probes(path, &p, &n, &cap, &bs);
        DS_CHECK_EQ_INT(k, rep.captures[m].packets);
        total += k;
    }
    DS_CHECK_EQ_INT(total, rep.packets);
    /* Collapse to one row per source: count and earliest time. */
    qsort(p, n, sizeof *p, cmp_src);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && p[u - 1].addr == p[i].addr) {
            p[u - 1].probes++;
            if (p[i].first_us < p[u - 1].first_us)
                p[u - 1].first_us = p[i].first_us;
        } else {
            p[u++] = p[i];
        }
    }
    /* Every truth address with probes matches the capture exactly, and vice versa. */
    snprintf(path, sizeof path, "%s/truth/addresses.csv", dir);
    char *csv = ds_test_read_file(path, NULL);
    DS_CHECK(csv != NULL);
    size_t seen = 0, matched = 0;
    for (char *line = csv ? strchr(csv, '\n') + 1 : NULL; line && *line;) {
        char *nl = strchr(line, '\n');
        *nl = 0;
        unsigned a, b, c, d2;
        unsigned long long probes = 0;
        char first[64] = "";
        char *f4 = line;
        for (int k = 0; k < 4 && f4; k++)
            f4 = strchr(f4, ',') ? strchr(f4, ',') + 1 : NULL;
        if (sscanf(line, "%u.%u.%u.%u,", &a, &b, &c, &d2) == 4 && f4 &&
            sscanf(f4, "%llu,%63[0-9.]", &probes, first) >= 1 && probes > 0) {
            seen++;
            src_count key = {a << 24 | b << 16 | c << 8 | d2, 0, 0};
            src_count *hit = bsearch(&key, p, u, sizeof *p, cmp_src);
            char want[64] = "";
            if (hit)
                snprintf(want, sizeof want, "%lld.%06lld", (long long)(hit->first_us / 1000000),
                         (long long)(hit->first_us % 1000000));
            if (hit && hit->probes == probes && !strcmp(want, first))
                matched++;
        }
        line = nl + 1;
    }
    DS_CHECK(seen > 100);
    DS_CHECK_EQ_INT(matched, seen);
    DS_CHECK_EQ_INT(seen, u); /* no worm source in the captures that truth lacks */
    DS_CHECK_EQ_INT(seen, rep.addresses_seen);
    DS_CHECK(rep.attacks == 3); /* the 40-s rst-ack flood is a vector, not an attack */
    DS_CHECK(rep.vectors == 4);
    DS_CHECK(bs > 1000);
    free(csv);
    free(p);
    ds_sim_report_free(&rep);
    ds_test_rmtree(dir);
    free(dir);
}

/* ---- the analysis recovers the truth (through the binary) ------------------------ */

static int run_cmd(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Field k (from 0) of a CSV line as a number; quoted fields may hold commas. */
static unsigned long long csv_u64(const char *line, int k)
{
    bool q = false;
    for (; *line && *line != '\n' && k > 0; line++) {
        if (*line == '"')
            q = !q;
        else if (*line == ',' && !q)
            k--;
    }
    return k == 0 ? strtoull(line, NULL, 10) : ~0ull;
}

/* Lines of a CSV file as "key -> value" lookups are overkill here: the checks below
 * search for whole substrings of known rows. */
static void test_analysis_recovers_truth(void)
{
    char *dir = ds_test_tmpdir("sim-analysis");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' simulate -q -o '%s/sim' --seed 5 '%s/scenario.json'",
             ds_test_bin(), dir, dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/scenario.json", dir);
    ds_test_write_file(path, small_scenario, strlen(small_scenario));
    DS_CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "'%s' analyze -q -o '%s/out' --telescope big=44.0.0.0/12 "
             "--telescope small=131.243.0.0/16,128.3.0.0/16 '%s/sim/big.pcap' "
             "'%s/sim/small.pcap'",
             ds_test_bin(), dir, dir, dir);
    DS_CHECK_EQ_INT(run_cmd(cmd), 0);

    /* Worm: every truth address that probed a monitor is in hosts.csv with exactly
     * its first probe as first_seen (columns ip,signature,first_seen,...). */
    snprintf(path, sizeof path, "%s/out/hosts.csv", dir);
    char *hosts = ds_test_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/sim/truth/addresses.csv", dir);
    char *truth = ds_test_read_file(path, NULL);
    DS_CHECK(truth != NULL);
    DS_CHECK(hosts != NULL);
    if (hosts && truth) {
        size_t want = 0, found = 0;
        for (char *line = strchr(truth, '\n') + 1; *line;) {
            char *nl = strchr(line, '\n');
            *nl = 0;
            char ip[32], first[32];
            unsigned long long probes;
            char *f = line;
            for (int k = 0; k < 4; k++)
                f = strchr(f, ',') + 1;
            if (sscanf(line, "%31[^,]", ip) == 1 &&
                sscanf(f, "%llu,%31[0-9.]", &probes, first) == 2) {
                want++;
                char row[96];
                snprintf(row, sizeof row, "\n%s,codered,%s,", ip, first);
                found += strstr(hosts, row) != NULL;
                if (!strstr(hosts, row) && want - found < 5)
                    fprintf(stderr, "  truth host not found as '%s'\n", row + 1);
            }
            line = nl + 1;
        }
        DS_CHECK(want > 100);
        DS_CHECK_EQ_INT(found, want);
    }

    /* DoS: every truth attack is an analysed attack with the same victim, protocol,
     * start, end, packets (attacks.csv columns 1,2,4,5,7) and best sliding window
     * (truth column 10, the analysis' max_ppm column 16). */
    snprintf(path, sizeof path, "%s/out/attacks.csv", dir);
    char *attacks = ds_test_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/sim/truth/attacks.csv", dir);
    char *tatt = ds_test_read_file(path, NULL);
    DS_CHECK(tatt != NULL);
    DS_CHECK(attacks != NULL);
    if (attacks && tatt) {
        size_t want = 0, found = 0, rows = 0;
        for (char *q = strchr(attacks, '\n'); q && q[1]; q = strchr(q + 1, '\n'))
            rows++;
        for (char *line = strchr(tatt, '\n') + 1; *line;) {
            char *nl = strchr(line, '\n');
            *nl = 0;
            char victim[32], proto[8], mons[64], start[32], end[32], dur[32], pk[32];
            unsigned long long ppm = 0;
            if (sscanf(line,
                       "%31[^,],%7[^,],%63[^,],%31[^,],%31[^,],%31[^,],%31[^,],%*[^,],%*[^,],%llu",
                       victim, proto, mons, start, end, dur, pk, &ppm) == 8) {
                want++;
                for (char *r = strchr(attacks, '\n'); r && r[1]; r = strchr(r + 1, '\n')) {
                    char v2[32], p2[8], m2[64], s2[32], e2[32], d2[32], k2[32];
                    if (sscanf(r + 1, "%31[^,],%7[^,],%63[^,],%31[^,],%31[^,],%31[^,],%31[^,]", v2,
                               p2, m2, s2, e2, d2, k2) == 7 &&
                        !strcmp(victim, v2) && !strcmp(proto, p2) && !strcmp(start, s2) &&
                        !strcmp(end, e2) && !strcmp(pk, k2) && csv_u64(r + 1, 15) == ppm) {
                        found++;
                        break;
                    }
                }
            }
            line = nl + 1;
        }
        DS_CHECK_EQ_INT(want, 3);
        DS_CHECK_EQ_INT(found, want);
        DS_CHECK_EQ_INT(rows, want);
    }
    free(hosts);
    free(truth);
    free(attacks);
    free(tatt);
    ds_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    DS_RUN(test_parse_small);
    DS_RUN(test_presets_parse);
    DS_RUN(test_parse_errors);
    DS_RUN(test_attack_rules);
    DS_RUN(test_determinism);
    DS_RUN(test_truth_matches_packets);
    DS_RUN(test_analysis_recovers_truth);
    return ds_test_result();
}

/*
 * cmd_demo.c — `darkscope demo`: the README's first job. Simulates the Code-Red
 * day (preset codered-2001: 19 July 2001, a /8 at UCSD and two /16s at LBL) into
 * DIR/captures/, analyses those captures with every registered analyzer into DIR
 * through the same code path as `darkscope analyze` (its command line is built here
 * and handed to ds_cmd_analyze, so there is one option parser), then prints a small
 * table of headline figures: measured by the analysis, true in the simulation, and
 * published by CAIDA in 2001.
 *
 * The measured figures are read back from the analysis outputs (worm.json,
 * summary.json); a member an analyzer does not write (yet) shows as "n/a", so the
 * table never invents a number.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "analysis/ds_analyzer.h"
#include "cli/ds_cli.h"
#include "output/ds_csv.h"
#include "pipeline/ds_run.h"
#include "sim/ds_sim.h"

static void ds_demo_help(FILE *f)
{
    fprintf(f,
            "usage: darkscope demo [OPTIONS]\n\n"
            "Simulates Code-Red v2 on 19 July 2001 as CAIDA's telescopes saw it (preset\n"
            "codered-2001: 44.0.0.0/8 'ucsd' and two /16s 'lbl'), writes the captures and the\n"
            "truth into DIR/captures/, analyses the captures into DIR, and prints the headline\n"
            "figures beside the published ones. Needs about 6 GB of disk for the compressed\n"
            "captures (about 200 million packets).\n\n"
            "options:\n"
            "  -o, --output DIR     output directory (default ./darkscope-demo)\n"
            "      --seed N         random seed of the simulation (default 1)\n"
            "      --compress KIND  captures as zstd (default), gzip or none\n"
            "      --duration D     simulate less than the preset's 24 hours (for a quick look)\n"
            "  -q, --quiet          no progress lines\n"
            "  -h, --help           this text\n");
}

static int ds_demo_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "darkscope demo: %s", msg);
    if (arg) {
        fputs(": ", stderr);
        ds_term_text(stderr, arg);
    }
    fputs("\nRun `darkscope demo --help` for the options.\n", stderr);
    return DS_EXIT_USAGE;
}

static double ds_demo_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static json_t *ds_demo_load(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return json_load_file(path, 0, NULL);
}

/* "995587200.000000" (a darkscope JSON time) or a number -> epoch seconds. */
static bool ds_demo_time(const json_t *v, double *out)
{
    if (json_is_string(v)) {
        char *end;
        *out = strtod(json_string_value(v), &end);
        return end != json_string_value(v);
    }
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    return false;
}

static void ds_demo_fmt_time(const json_t *v, char *buf, size_t len)
{
    double t;
    if (!ds_demo_time(v, &t)) {
        snprintf(buf, len, "n/a");
        return;
    }
    time_t s = (time_t)floor(t);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, len, "%d Jul %H:%M", &tm);
}

static void ds_demo_fmt_int(const json_t *v, char *buf, size_t len)
{
    if (json_is_number(v))
        snprintf(buf, len, "%.0f", json_number_value(v));
    else
        snprintf(buf, len, "n/a");
}

/* The first downward phase change of the probe series, if any. */
static const json_t *ds_demo_phase_down(const json_t *sig)
{
    const json_t *pc = json_object_get(sig, "phase_changes");
    size_t i;
    const json_t *c;
    json_array_foreach(pc, i, c)
    {
        const char *dir = json_string_value(json_object_get(c, "direction"));
        const char *ser = json_string_value(json_object_get(c, "series"));
        if (dir && !strcmp(dir, "down") && ser && !strcmp(ser, "probes"))
            return json_object_get(c, "time");
    }
    return NULL;
}

/* Country shares of the codered hosts from the attribution's countries.csv
 * (role,signature,key,hosts,percent); "n/a" without it. */
static void ds_demo_country_cell(const char *outdir, char *buf, size_t len)
{
    static const char *const cc[] = {"US", "KR", "CN", "TW"};
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/countries.csv", outdir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(buf, len, "n/a");
        return;
    }
    double pct[4] = {0, 0, 0, 0};
    bool any = false;
    while (fgets(line, sizeof line, f)) {
        char role[32], sig[64], key[16];
        double p;
        if (sscanf(line, "%31[^,],%63[^,],%15[^,],%*[^,],%lf", role, sig, key, &p) != 4 ||
            strcmp(role, "infected") != 0 || strcmp(sig, "codered") != 0)
            continue;
        any = true;
        for (int k = 0; k < 4; k++)
            if (!strcmp(key, cc[k]))
                pct[k] = p;
    }
    fclose(f);
    if (!any) {
        snprintf(buf, len, "n/a");
        return;
    }
    snprintf(buf, len, "US %.0f%% KR %.0f%% CN %.0f%% TW %.0f%%", pct[0], pct[1], pct[2], pct[3]);
}

/* The true country mix of the simulated population (truth/scenario.json
 * "population": hosts drawn per country), or "not modelled" without a database. */
static void ds_demo_truth_countries(const json_t *pop, char *buf, size_t len)
{
    static const char *const cc[] = {"US", "KR", "CN", "TW"};
    const json_t *cs = json_object_get(pop, "countries");
    double total = 0;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)cs, key, v) total +=
        (double)json_integer_value(json_object_get(v, "hosts"));
    if (!cs || total <= 0) {
        snprintf(buf, len, "not modelled");
        return;
    }
    size_t o = 0;
    for (int k = 0; k < 4 && o < len; k++) {
        double h = (double)json_integer_value(json_object_get(json_object_get(cs, cc[k]), "hosts"));
        int w = snprintf(buf + o, len - o, "%s%s %.0f%%", k ? " " : "", cc[k], 100 * h / total);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static void ds_demo_table(const char *outdir, const char *capdir)
{
    json_t *worm = ds_demo_load(outdir, "worm.json");
    json_t *truth = ds_demo_load(capdir, "truth/scenario.json");
    const json_t *sig = json_object_get(json_object_get(worm, "signatures"), "codered");
    const json_t *tw = json_object_get(truth, "worm");
    char m[64], t[64];

    printf("\n  %-28s %-26s %-20s %s\n", "Code-Red, 19 July 2001", "measured", "simulation truth",
           "published (CAIDA)");
    ds_demo_fmt_int(json_object_get(sig, "hosts_total"), m, sizeof m);
    ds_demo_fmt_int(json_object_get(tw, "addresses_seen"), t, sizeof t);
    printf("  %-28s %-26s %-20s %s\n", "infected hosts (addresses)", m, t, "> 359,000 (359,104)");
    ds_demo_fmt_int(json_object_get(tw, "hosts_infected"), t, sizeof t);
    printf("  %-28s %-26s %-20s %s\n", "  of which distinct machines", "-", t,
           "- (DHCP inflates counts)");
    ds_demo_fmt_int(json_object_get(sig, "peak_new_per_minute"), m, sizeof m);
    ds_demo_fmt_int(json_object_get(tw, "peak_new_seen_per_minute"), t, sizeof t);
    printf("  %-28s %-26s %-20s %s\n", "peak new hosts per minute", m, t, "> 2,000");
    ds_demo_fmt_time(json_object_get(sig, "peak_minute"), m, sizeof m);
    ds_demo_fmt_time(json_object_get(tw, "peak_seen_minute"), t, sizeof t);
    printf("  %-28s %-26s %-20s %s\n", "peak minute (UTC)", m, t, "-");
    const json_t *ph = json_object_get(sig, "infection_phase");
    double a, b;
    if (ds_demo_time(json_object_get(ph, "start"), &a) &&
        ds_demo_time(json_object_get(ph, "end"), &b))
        snprintf(m, sizeof m, "%.1f h", (b - a) / 3600);
    else
        snprintf(m, sizeof m, "n/a");
    printf("  %-28s %-26s %-20s %s\n", "infection phase", m, "10:00-00:00 (14 h)", "< 14 h");
    ds_demo_fmt_time(ds_demo_phase_down(sig), m, sizeof m);
    ds_demo_fmt_time(json_object_get(tw, "phase_switch"), t, sizeof t);
    printf("  %-28s %-26s %-20s %s\n", "phase change (UTC)", m, t, "20 Jul 00:00");
    const json_t *fit = json_object_get(sig, "fit");
    if (json_is_number(json_object_get(fit, "K_per_hour")))
        snprintf(m, sizeof m, "%.2f", json_number_value(json_object_get(fit, "K_per_hour")));
    else
        snprintf(m, sizeof m, "n/a");
    if (json_is_number(json_object_get(tw, "rcs_K_per_hour")))
        snprintf(t, sizeof t, "%.2f", json_number_value(json_object_get(tw, "rcs_K_per_hour")));
    printf("  %-28s %-26s %-20s %s\n", "spread rate K (per hour)", m, t, "1.8 (Staniford 2002)");
    ds_demo_country_cell(outdir, m, sizeof m);
    const json_t *pop = json_object_get(truth, "population");
    const char *src = json_string_value(json_object_get(pop, "source"));
    bool by_country = src && !strcmp(src, "geolocation");
    ds_demo_truth_countries(pop, t, sizeof t);
    printf("  %-28s %-26s %-20s %s\n", "hosts by country", m, t, "US 43% KR 11% CN 5% TW 4%");
    if (!sig)
        printf("\n  (no worm.json with a codered signature in %s: measured figures n/a)\n", outdir);
    if (!by_country)
        printf(
            "\n  No geolocation database (scripts/fetch-geo.sh): the simulated hosts were drawn\n"
            "  from routable IPv4 space, so the country row measures the address space, not\n"
            "  Code-Red's victims.\n");
    json_decref(worm);
    json_decref(truth);
}

int ds_cmd_demo(int argc, char **argv)
{
    enum { OPT_SEED = 256, OPT_COMPRESS, OPT_DURATION };
    static const struct option lo[] = {{"output", 1, NULL, 'o'},
                                       {"seed", 1, NULL, OPT_SEED},
                                       {"compress", 1, NULL, OPT_COMPRESS},
                                       {"duration", 1, NULL, OPT_DURATION},
                                       {"quiet", 0, NULL, 'q'},
                                       {"help", 0, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    ds_sim_options o = {.seed = 1, .compress = DS_COMPRESS_ZSTD};
    const char *outdir = "darkscope-demo";
    bool quiet = false;
    char err[DS_ERRLEN];
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'o':
            outdir = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            ds_demo_help(stdout);
            return DS_EXIT_OK;
        case OPT_SEED:
            if (ds_opt_parse_u64(optarg, 0, UINT64_MAX, &o.seed, err, sizeof err) != 0)
                return ds_demo_usage("--seed", err);
            break;
        case OPT_COMPRESS: {
            int k = ds_compress_parse(optarg);
            if (k < 0)
                return ds_demo_usage("--compress must be none, gzip or zstd", optarg);
            o.compress = (enum ds_compress)k;
            break;
        }
        case OPT_DURATION: {
            int64_t ns;
            if (ds_opt_parse_duration(optarg, &ns, err, sizeof err) != 0 || ns <= 0)
                return ds_demo_usage("--duration must be a positive duration", optarg);
            o.duration = (double)ns / 1e9;
            break;
        }
        case ':':
            return ds_demo_usage("option needs a value", argv[optind - 1]);
        default:
            return ds_demo_usage("unknown option", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return ds_demo_usage("no arguments expected", argv[optind]);

    ds_sim_scenario *s = ds_sim_scenario_load("codered-2001", err, sizeof err);
    if (!s) {
        fprintf(stderr, "darkscope demo: %s\n", err);
        return DS_EXIT_USAGE;
    }
    size_t dl = strlen(outdir) + 16;
    char *capdir = ds_xmalloc(dl);
    snprintf(capdir, dl, "%s/captures", outdir);
    o.progress = !quiet && isatty(STDERR_FILENO);
    if (!quiet)
        fprintf(stderr,
                "darkscope demo: simulating Code-Red (codered-2001, seed %" PRIu64 ") into %s/\n",
                o.seed, capdir);
    double t0 = ds_demo_now();
    ds_sim_report rep;
    int rc = ds_sim_run(s, capdir, &o, &rep, err, sizeof err);
    double t1 = ds_demo_now();
    if (rep.population_note[0])
        fprintf(stderr, "darkscope demo: %s\n", rep.population_note);
    if (rc != 0) {
        fprintf(stderr, "darkscope demo: ");
        ds_term_text(stderr, err);
        fputc('\n', stderr);
        ds_sim_report_free(&rep);
        ds_sim_scenario_free(s);
        free(capdir);
        return DS_EXIT_OUTPUT;
    }
    if (!quiet)
        fprintf(stderr, "darkscope demo: %" PRIu64 " packets simulated in %.0f s; analysing\n",
                rep.packets, t1 - t0);

    /* The analyze command line: monitors from the scenario, the captures, DIR. */
    char **av = ds_xcalloc((size_t)(8 + 2 * s->nmonitors + rep.ncaptures), sizeof *av);
    char **owned = ds_xcalloc((size_t)s->nmonitors + 1, sizeof *owned);
    int ac = 0;
    /* ds_cmd_analyze records argv[-1..] as the command line in summary.json. */
    av[ac++] = "darkscope";
    av[ac++] = "analyze";
    av[ac++] = "-o";
    av[ac++] = (char *)outdir;
    if (quiet)
        av[ac++] = "-q";
    for (int m = 0; m < s->nmonitors; m++) {
        char pre[1024];
        ds_sim_pset_format(&s->monitors[m].space, pre, sizeof pre);
        size_t n = strlen(s->monitors[m].name) + strlen(pre) + 2;
        owned[m] = ds_xmalloc(n);
        snprintf(owned[m], n, "%s=%s", s->monitors[m].name, pre);
        av[ac++] = "--telescope";
        av[ac++] = owned[m];
    }
    for (int m = 0; m < rep.ncaptures; m++)
        av[ac++] = rep.captures[m].path;
    av[ac] = NULL;
    rc = ds_cmd_analyze(ac - 1, av + 1);
    double t2 = ds_demo_now();

    printf("darkscope demo: Code-Red, 19 July 2001, simulated (%" PRIu64 " packets, %.0f s) and "
           "analysed (%.0f s)\n",
           rep.packets, t1 - t0, t2 - t1);
    printf("  captures and truth: %s/ (truth/ holds hosts.csv, attacks.csv, scenario.json)\n",
           capdir);
    printf("  results:            %s/ (summary.json, worm.json, hosts.csv, attacks.csv, ...;\n"
           "                      see docs/FORMATS.md)\n",
           outdir);
    char report[4096];
    snprintf(report, sizeof report, "%s/report.html", outdir);
    if (access(report, R_OK) == 0)
        printf("  report:             %s\n", report);
    if (rc != DS_EXIT_OK)
        printf("  (the analysis ended with status %d)\n", rc);
    ds_demo_table(outdir, capdir);

    for (int m = 0; m < s->nmonitors; m++)
        free(owned[m]);
    free(owned);
    free(av);
    free(capdir);
    ds_sim_report_free(&rep);
    ds_sim_scenario_free(s);
    return rc;
}

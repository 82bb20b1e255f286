/*
 * cmd_movie.c — `darkscope movie DIR -o movie.gif [--frames FRAMEDIR]`: the
 * outbreak on a world map as an animated GIF and/or PNG frames, drawn with libgd
 * (no browser needed).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ds_analyzer.h"
#include "cli/ds_cli.h"
#include "output/ds_movie.h"

static void ds_movie_usage(FILE *f)
{
    fprintf(f, "usage: darkscope movie [OPTIONS] DIR\n\n"
               "Draws the spread of a worm over the world from the output directory DIR\n"
               "(hosts.csv; attacks.csv for --victims): one circle per location, its area\n"
               "proportional to the hosts infected so far (red) and active in the frame\n"
               "(yellow), with the UTC time and the cumulative count under the map.\n\n"
               "options:\n"
               "  -o, --output FILE     animated GIF to write (e.g. movie.gif)\n"
               "      --frames DIR      also write one PNG per frame (frame-00000.png, ...)\n"
               "      --frame DURATION  frame length (default 300s), aligned to UTC\n"
               "      --grid DEGREES    location grid (default 1)\n"
               "      --signature NAME  the worm signature to show (default: most hosts)\n"
               "      --width PIXELS    image width (default 960)\n"
               "      --delay CS        GIF delay per frame in 1/100 s (default 10)\n"
               "      --victims         also mark DoS victims under attack (blue squares)\n"
               "  -h, --help            this text\n");
}

int ds_cmd_movie(int argc, char **argv)
{
    enum { OPT_FRAMES = 256, OPT_FRAME, OPT_GRID, OPT_SIG, OPT_WIDTH, OPT_DELAY, OPT_VICTIMS };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"frames", required_argument, NULL, OPT_FRAMES},
        {"frame", required_argument, NULL, OPT_FRAME},
        {"grid", required_argument, NULL, OPT_GRID},
        {"signature", required_argument, NULL, OPT_SIG},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"delay", required_argument, NULL, OPT_DELAY},
        {"victims", no_argument, NULL, OPT_VICTIMS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ds_movie_opts o;
    ds_movie_opts_default(&o);
    char err[DS_ERRLEN];
    int c;
    uint64_t u;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.gif_path = optarg;
            break;
        case OPT_FRAMES:
            o.frames_dir = optarg;
            break;
        case OPT_FRAME: {
            int64_t ns = 0;
            if (ds_opt_parse_duration(optarg, &ns, err, sizeof err) != 0 || ns < 1000000000LL) {
                fprintf(stderr, "darkscope movie: --frame: a duration of at least 1s\n");
                return 1;
            }
            o.spread.frame_s = (double)ns / 1e9;
            break;
        }
        case OPT_GRID:
            if (ds_opt_parse_double(optarg, 0.01, 90, &o.spread.grid_deg, err, sizeof err) != 0) {
                fprintf(stderr, "darkscope movie: --grid: %s\n", err);
                return 1;
            }
            break;
        case OPT_SIG:
            o.signature = optarg;
            break;
        case OPT_WIDTH:
            if (ds_opt_parse_u64(optarg, 200, 8000, &u, err, sizeof err) != 0) {
                fprintf(stderr, "darkscope movie: --width: %s\n", err);
                return 1;
            }
            o.width = (int)u;
            break;
        case OPT_DELAY:
            if (ds_opt_parse_u64(optarg, 1, 6000, &u, err, sizeof err) != 0) {
                fprintf(stderr, "darkscope movie: --delay: %s\n", err);
                return 1;
            }
            o.delay_cs = (int)u;
            break;
        case OPT_VICTIMS:
            o.victims = true;
            break;
        case 'h':
            ds_movie_usage(stdout);
            return 0;
        default:
            ds_movie_usage(stderr);
            return 1;
        }
    }
    if (optind != argc - 1 || (!o.gif_path && !o.frames_dir)) {
        if (optind == argc - 1)
            fprintf(stderr, "darkscope movie: give -o FILE.gif and/or --frames DIR\n");
        ds_movie_usage(stderr);
        return 1;
    }
    uint32_t n;
    if (ds_movie_write(argv[optind], &o, &n, err, sizeof err) != 0) {
        fprintf(stderr, "darkscope movie: %s\n", err);
        return 3;
    }
    fprintf(stderr, "darkscope: movie of %u frames written\n", n);
    return 0;
}

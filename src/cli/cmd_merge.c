/*
 * cmd_merge.c — `darkscope merge STATE... -o DIR`: merges the state files of
 * analyses of parts of the input (consecutive files, or other monitors) and writes
 * the outputs analyze would write for the whole (docs/SCALE.md).
 *
 * The analysis options are not given again: they are recorded in every state and
 * replayed through analyze's own option parser, so a merge can never mix settings
 * (every state must carry the same options) and the outputs describe the same
 * configuration as the parts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/ds_cli.h"
#include "core/ds_common.h"
#include "pipeline/ds_run.h"
#include "pipeline/ds_state_run.h"

static void ds_merge_help(FILE *f)
{
    fprintf(f, "usage: darkscope merge [OPTIONS] STATE...\n\n"
               "Merges state files written by `darkscope analyze --state FILE` into the outputs\n"
               "of the whole input: series.csv, attacks.csv, hosts.csv, worm.csv, scanners.csv,\n"
               "summary.json... byte-identical to analysing all the captures in one run when the\n"
               "parts are consecutive in time (give them earliest first) or cover different\n"
               "monitors (docs/SCALE.md says exactly what is identical). Every state must have\n"
               "been made with the same analysis options; they are taken from the states.\n\n"
               "options:\n"
               "  -o, --output DIR     output directory (default ./darkscope-out)\n"
               "      --state FILE     also write the merged state (it can start a later merge;\n"
               "                       with --analyzers scan alone it can also follow one)\n"
               "  -q, --quiet          accepted for symmetry with analyze\n"
               "  -h, --help           this text\n\n"
               "exit status: 0 merged; 1 usage error; 2 a state is unreadable, corrupt, of\n"
               "another format version or made with other options; 3 outputs not written.\n");
}

int ds_cmd_merge(int argc, char **argv)
{
    static const struct option lo[] = {
        {"output", 1, NULL, 'o'}, {"state", 1, NULL, 's'}, {"quiet", 0, NULL, 'q'},
        {"help", 0, NULL, 'h'},   {NULL, 0, NULL, 0},
    };
    const char *outdir = "darkscope-out", *state_out = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:qh", lo, NULL)) != -1) {
        switch (c) {
        case 'o':
            outdir = optarg;
            break;
        case 's':
            state_out = optarg;
            break;
        case 'q':
            break;
        case 'h':
            ds_merge_help(stdout);
            return DS_EXIT_OK;
        default:
            fprintf(stderr, "darkscope merge: %s: %s\nRun `darkscope merge --help`.\n",
                    c == ':' ? "option needs a value" : "unknown option", argv[optind - 1]);
            return DS_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "darkscope merge: no state file given\nRun `darkscope merge --help`.\n");
        return DS_EXIT_USAGE;
    }
    char err[DS_ERRLEN];
    char **opts;
    size_t nopts;
    if (ds_state_read_options(argv[optind], &opts, &nopts, err, sizeof err) != 0) {
        fprintf(stderr, "darkscope: %s\n", err);
        return DS_EXIT_BAD_INPUT;
    }
    /* analyze's command line: the recorded options, then where to write. */
    size_t n = 0;
    char **av = ds_xcalloc(nopts + 8, sizeof *av);
    av[n++] = "analyze";
    for (size_t i = 0; i < nopts; i++)
        av[n++] = opts[i];
    av[n++] = "-o";
    av[n++] = (char *)outdir;
    if (state_out) {
        av[n++] = "--state";
        av[n++] = (char *)state_out;
    }
    ds_merge_mode mode = {.states = (const char *const *)(argv + optind),
                          .nstates = (size_t)(argc - optind),
                          .argc = argc + 1,
                          .argv = argv - 1};
    int rc = ds_analyze_main((int)n, av, &mode);
    for (size_t i = 0; i < nopts; i++)
        free(opts[i]);
    free(opts);
    free(av);
    return rc;
}

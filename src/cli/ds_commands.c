/*
 * ds_commands.c — the table of subcommands and the top-level usage text.
 */
#include "cli/ds_cli.h"

const ds_command ds_commands[] = {
    {"analyze", "analyse captures (files or a live interface) into an output directory",
     ds_cmd_analyze},
    {"merge", "merge state files of analyses of parts into the outputs of the whole", ds_cmd_merge},
    {"simulate", "write the captures and ground truth of a worm/DoS scenario (docs/SCENARIOS.md)",
     ds_cmd_simulate},
    {"demo", "simulate the Code-Red day of 19 July 2001 and analyse it (the README's first job)",
     ds_cmd_demo},
    {"report", "write report.html (charts, tables, the movie) from an output directory",
     ds_cmd_report},
    {"movie", "draw the outbreak on a world map as an animated GIF / PNG frames", ds_cmd_movie},
};

const size_t ds_command_count = sizeof ds_commands / sizeof ds_commands[0];

void ds_cli_usage(FILE *f)
{
    fprintf(f,
            "darkscope %s — network-telescope (darknet) analysis\n\n"
            "usage: darkscope COMMAND [OPTIONS] ...\n\ncommands:\n",
            DS_VERSION);
    for (size_t i = 0; i < ds_command_count; i++)
        fprintf(f, "  %-10s %s\n", ds_commands[i].name, ds_commands[i].summary);
    fprintf(f, "  %-10s %s\n", "help", "this text, or `darkscope help COMMAND`");
    fprintf(f, "\n  darkscope --version    print the version\n"
               "\nRun `darkscope COMMAND --help` for the options of a command.\n");
}

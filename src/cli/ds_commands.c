/*
 * ds_commands.c — the table of subcommands and the top-level usage text.
 */
#include "cli/ds_cli.h"

const ds_command ds_commands[] = {
    {"analyze", "analyse captures (files or a live interface) into an output directory",
     ds_cmd_analyze},
};

const size_t ds_command_count = sizeof ds_commands / sizeof ds_commands[0];

void ds_cli_usage(FILE *f)
{
    fprintf(f, "darkscope %s — network-telescope (darknet) analysis\n\n"
               "usage: darkscope COMMAND [OPTIONS] ...\n\ncommands:\n",
            DS_VERSION);
    for (size_t i = 0; i < ds_command_count; i++)
        fprintf(f, "  %-10s %s\n", ds_commands[i].name, ds_commands[i].summary);
    fprintf(f, "  %-10s %s\n", "help", "this text, or `darkscope help COMMAND`");
    fprintf(f, "\n  darkscope --version    print the version\n"
               "\nRun `darkscope COMMAND --help` for the options of a command.\n");
}

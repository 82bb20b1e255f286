/*
 * main.c — the `darkscope` entry point: dispatches to a subcommand, nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "cli/ds_cli.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        ds_cli_usage(stderr);
        return 1;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version")) {
        printf("darkscope %s\n", DS_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc > 2) {
            for (size_t i = 0; i < ds_command_count; i++) {
                if (!strcmp(argv[2], ds_commands[i].name)) {
                    char *args[] = {argv[2], "--help", NULL};
                    return ds_commands[i].run(2, args);
                }
            }
            fprintf(stderr, "darkscope: no command '%s'\n", argv[2]);
            return 1;
        }
        ds_cli_usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < ds_command_count; i++)
        if (!strcmp(cmd, ds_commands[i].name))
            return ds_commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "darkscope: unknown command '%s'\n\n", cmd);
    ds_cli_usage(stderr);
    return 1;
}

/*
 * ds_cli.h — the subcommands of the `darkscope` binary. main.c only dispatches:
 * each subcommand lives in its own file and is listed in ds_commands.
 */
#ifndef DS_CLI_H
#define DS_CLI_H

#include <stddef.h>
#include <stdio.h>

typedef struct ds_command {
    const char *name;
    const char *summary;               /* one line for `darkscope help` */
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} ds_command;

extern const ds_command ds_commands[];
extern const size_t ds_command_count;

int ds_cmd_analyze(int argc, char **argv);
int ds_cmd_merge(int argc, char **argv);

/* `darkscope merge` runs the analyze option parser over the options recorded in
 * the states, then merges instead of reading captures. */
typedef struct ds_merge_mode {
    const char *const *states;
    size_t nstates;
    int argc; /* the merge command line, for summary.json */
    char **argv;
} ds_merge_mode;
int ds_analyze_main(int argc, char **argv, const ds_merge_mode *merge);
int ds_cmd_report(int argc, char **argv);
int ds_cmd_movie(int argc, char **argv);
int ds_cmd_simulate(int argc, char **argv);
int ds_cmd_demo(int argc, char **argv);

/* Prints the list of subcommands. */
void ds_cli_usage(FILE *f);

#endif

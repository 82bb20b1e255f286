/*
 * ds_report_int.h — internal contract between the files that build the report's
 * data blob: ds_report_data.c (the run, traffic, worms, movie, sources) and
 * ds_report_tables.c (the row tables: breakdowns, hosts, attacks, scanners).
 */
#ifndef DS_REPORT_INT_H
#define DS_REPORT_INT_H

#include <jansson.h>

#include "output/ds_report.h"

/* A JSON string from text that should be UTF-8; invalid bytes become U+FFFD so the
 * blob stays valid JSON whatever a file holds. */
json_t *ds_rjson_str(const char *s);

/* "DIR/NAME" in a static-free buffer the caller frees. */
char *ds_rpath(const char *dir, const char *name);

/* Each returns NULL when its file is absent, and records in `files` whether it was
 * read (file name -> true/false). Limits bound the rows kept for the page. */
json_t *ds_rtab_breakdowns(const char *dir, json_t *files, size_t per_group);
json_t *ds_rtab_hosts(const char *dir, json_t *files, size_t limit);
json_t *ds_rtab_attacks(const char *dir, json_t *files, size_t limit);
json_t *ds_rtab_scanners(const char *dir, json_t *files, size_t limit);

/* ds_report_movie_start without the check that a page can be written. */
ds_report_movie *ds_report_movie_begin(const char *dir, const ds_report_opts *o);

#endif

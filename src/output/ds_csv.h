/*
 * ds_csv.h — writing CSV fields safely.
 *
 * Text that comes from the network (hostnames, AS names, signature names from user
 * files) is untrusted: it may hold separators, quotes, newlines, control bytes, or
 * start with = + - @ to make a spreadsheet run a formula. ds_csv_text() quotes per
 * RFC 4180, prefixes a formula-looking field with a single quote (OWASP advice), and
 * writes control bytes and invalid UTF-8 as \xNN so the file stays one record per line.
 */
#ifndef DS_CSV_H
#define DS_CSV_H

#include <stdio.h>

#include "core/ds_common.h"

void ds_csv_text(FILE *f, const char *s);
void ds_csv_ip(FILE *f, const ds_ip *a);
void ds_csv_time(FILE *f, int64_t ts_ns);

/* Writes text for a terminal: control bytes and invalid UTF-8 as \xNN. */
void ds_term_text(FILE *f, const char *s);

#endif

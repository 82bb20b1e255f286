/*
 * ds_csvread.h — reading the CSV files darkscope writes (docs/FORMATS.md), for the
 * commands that re-render an output directory (report, movie).
 *
 * A streaming reader: one record at a time, fields as NUL-terminated strings that
 * stay valid until the next call, so a million-row hosts.csv needs no more memory
 * than its longest line. It accepts RFC 4180 quoting (separators, quotes and
 * newlines inside quoted fields) and undoes the two reversible parts of
 * ds_csv_text's escaping: the formula guard (a leading ' before = + - @ TAB CR in
 * a quoted field) and "\\" for a backslash. \xNN sequences for control bytes and
 * invalid UTF-8 are kept as text: they are what a person should see.
 */
#ifndef DS_CSVREAD_H
#define DS_CSVREAD_H

#include <stddef.h>
#include <stdio.h>

typedef struct ds_csvr ds_csvr;

/* Opens PATH and reads its header line. Returns NULL when the file does not exist
 * (errno ENOENT, err empty) or cannot be read (err set). */
ds_csvr *ds_csvr_open(const char *path, char *err, size_t errlen);
void ds_csvr_close(ds_csvr *r);

/* Index of the header column NAME, or -1. */
int ds_csvr_col(const ds_csvr *r, const char *name);
size_t ds_csvr_ncols(const ds_csvr *r);
const char *ds_csvr_colname(const ds_csvr *r, size_t i);

/* Reads the next record. Returns its number of fields (>= 1), 0 at the end. */
size_t ds_csvr_next(ds_csvr *r);
/* Field I of the current record, "" when the record is shorter. */
const char *ds_csvr_get(const ds_csvr *r, int i);

/* strtod(s, end), the same double and end for every input, faster for the numbers
 * darkscope writes (times with 6 decimals, coordinates with 4). */
double ds_csv_strtod(const char *s, char **end);

#endif

/*
 * ds_outdir.h — the output directory and atomic file replacement.
 *
 * Every output file is written under a temporary name in the output directory and
 * renamed over the final name only when complete, so a reader (or a crash) never
 * sees a half-written file and an existing result is replaced whole or not at all.
 * Output names are fixed by the program, never derived from input content.
 */
#ifndef DS_OUTDIR_H
#define DS_OUTDIR_H

#include <jansson.h>
#include <stdio.h>

#include "core/ds_common.h"

typedef struct ds_outdir ds_outdir;

/* Creates the directory (and missing parents) if needed, without races: an existing
 * directory is fine, an existing non-directory is an error. */
ds_outdir *ds_outdir_open(const char *path, char *err, size_t errlen);
void ds_outdir_close(ds_outdir *o);
const char *ds_outdir_path(const ds_outdir *o);

/* A file being written; becomes visible under its name at ds_ofile_commit(). */
typedef struct ds_ofile {
    FILE *f;
    char *tmp_path;
    char *final_path;
} ds_ofile;

/* Opens NAME for writing (NAME must be a plain file name, or a name inside a
 * subdirectory the caller created with ds_outdir_mkdir). Returns 0 or -1. */
int ds_ofile_open(ds_outdir *o, const char *name, ds_ofile *of, char *err, size_t errlen);
/* Flushes, closes and renames into place. Returns 0, or -1 (the temporary is removed). */
int ds_ofile_commit(ds_ofile *of, char *err, size_t errlen);
/* Abandons the file: removes the temporary. */
void ds_ofile_abort(ds_ofile *of);

/* Creates a subdirectory (e.g. "truth") of the output directory. */
int ds_outdir_mkdir(ds_outdir *o, const char *name, char *err, size_t errlen);

/* Writes a JSON document atomically (indented, keys in insertion order). */
int ds_outdir_write_json(ds_outdir *o, const char *name, const json_t *doc, char *err,
                         size_t errlen);

/* Full path of a file in the directory (caller frees). */
char *ds_outdir_file(const ds_outdir *o, const char *name);

#endif

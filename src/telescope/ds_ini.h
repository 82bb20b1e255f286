/*
 * ds_ini.h — strict INI reading on top of inih, with line numbers in every error.
 *
 * The telescope and signature files are small INI files that people write by hand;
 * a mistake must come back as "FILE:LINE: reason" and must not be half applied.
 * inih splits lines into sections, keys and values; this layer adds what its
 * callback interface lacks: the line number of each key, an error for keys outside
 * a section, for sections without keys, for over-long lines and for NUL bytes, and
 * one formatted message for the first error (by line) whoever found it.
 */
#ifndef DS_INI_H
#define DS_INI_H

#include "core/ds_common.h"

/* Called for every key. Returns 0, or -1 after writing the reason (no file or line)
 * into err. A continued value (an indented line after a key) arrives as the same key
 * again, as inih reports it. */
typedef int (*ds_ini_key_fn)(void *user, const char *section, const char *key, const char *value,
                             int line, char *err, size_t errlen);

/* Called for every section header, before its keys. Returns 0 or -1 with a reason. */
typedef int (*ds_ini_section_fn)(void *user, const char *section, int line, char *err,
                                 size_t errlen);

/* Parses NUL-terminated text; origin names it in messages. Returns 0, or -1 with
 * "ORIGIN:LINE: reason" in err. section may be NULL. */
int ds_ini_parse_string(const char *text, const char *origin, ds_ini_section_fn section,
                        ds_ini_key_fn key, void *user, char *err, size_t errlen);

/* Reads the file (at most 16 MiB) and parses it; "PATH: reason" when it cannot. */
int ds_ini_parse_file(const char *path, ds_ini_section_fn section, ds_ini_key_fn key, void *user,
                      char *err, size_t errlen);

/* Helpers for values: trims spaces and one pair of surrounding double quotes in
 * place, returns the start. */
char *ds_ini_unquote(char *s);

#endif

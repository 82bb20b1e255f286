/*
 * ds_rows.h — writing the rows of a big per-host file (hosts.csv) on several threads.
 *
 * Formatting a row (addresses, times, coordinates, escaped names) costs more than
 * writing it, and a worm's hosts.csv has millions of rows. ds_write_rows formats
 * chunks of rows concurrently, each into memory, and writes the chunks in order,
 * so the file is byte for byte the one a single thread writes; with threads <= 1
 * every row goes straight to the file. What is not safe to do concurrently (noting
 * a host for the breakdown tables) goes in `after`, called for every row in order,
 * never two at once, as a single thread would (on whichever thread is writing).
 */
#ifndef DS_ROWS_H
#define DS_ROWS_H

#include <stddef.h>
#include <stdio.h>

typedef void (*ds_row_fn)(void *arg, FILE *f, size_t i);
typedef void (*ds_row_after_fn)(void *arg, size_t i);

/* Writes rows 0..n to f: row(arg, f, i), then after(arg, i) when after is not NULL.
 * Write errors are left in f's error flag, as for any other writer of f. */
void ds_write_rows(FILE *f, size_t n, unsigned threads, ds_row_fn row, ds_row_after_fn after,
                   void *arg);

#endif

/*
 * ds_telescope.h — the telescope definition: named monitors, each a set of IPv4 and
 * IPv6 prefixes, and the lookup from a destination address to its monitor.
 *
 * Defined on the command line (`--telescope NAME=PREFIX[,PREFIX...]`, repeatable) or
 * in an INI file (see docs/TELESCOPE.md). With no monitor defined the telescope is
 * "open": every packet belongs to the single monitor `all`, whose size is unknown.
 */
#ifndef DS_TELESCOPE_H
#define DS_TELESCOPE_H

#include "core/ds_common.h"

#define DS_MONITOR_NAME_MAX 32
#define DS_MONITORS_MAX 64

typedef struct ds_telescope ds_telescope;

ds_telescope *ds_telescope_new(void);
void ds_telescope_free(ds_telescope *t);

/* Adds monitor(s) from "NAME=PREFIX[,PREFIX...]". A NAME already defined gains the
 * prefixes. Names are [A-Za-z0-9_.-]{1,31}. Overlapping prefixes across monitors are
 * an error (a packet must land in one monitor). Returns 0, or -1 with a message. */
int ds_telescope_add_spec(ds_telescope *t, const char *spec, char *err, size_t errlen);

/* Loads an INI file: one section per monitor, `prefix = ...` lines (repeatable,
 * comma-separated allowed). Returns 0, or -1 with "FILE:LINE: reason". */
int ds_telescope_load_file(ds_telescope *t, const char *path, char *err, size_t errlen);

/* Number of monitors (1 for the open telescope). */
int ds_telescope_count(const ds_telescope *t);
/* True when no monitor was defined: one monitor "all" of unknown size. */
bool ds_telescope_is_open(const ds_telescope *t);
const char *ds_telescope_name(const ds_telescope *t, int monitor);
/* Number of IPv4 addresses the monitor covers (0 for open, or IPv6-only). */
uint64_t ds_telescope_size_v4(const ds_telescope *t, int monitor);
/* log2 of the number of IPv6 addresses covered, or -1 when none. */
double ds_telescope_size_v6_log2(const ds_telescope *t, int monitor);
/* The monitor's prefixes as text, comma-separated, e.g. "44.0.0.0/8". */
const char *ds_telescope_prefixes(const ds_telescope *t, int monitor);

/* Index of the monitor the destination belongs to, or -1 when none does. For the
 * open telescope always 0. Called once per packet: constant-time for IPv4. */
int ds_telescope_lookup(const ds_telescope *t, const ds_ip *dst);

/* Monitor index by name, or -1. */
int ds_telescope_find(const ds_telescope *t, const char *name);

#endif

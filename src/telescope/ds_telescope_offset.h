/*
 * ds_telescope_offset.h — where an address lies within the address space of a set
 * of monitors, as a number in [0, 1).
 *
 * The space of a set of monitors is the concatenation of their prefixes, monitor by
 * monitor in index order and, within a monitor, prefix by prefix in address order;
 * an address maps to (its rank in that concatenation + 0.5) / (the space's size).
 * Any fixed order would do for a test of uniformity (a uniform spread stays uniform
 * under a bijection); this one keeps a prefix contiguous, so an attack confined to
 * one /16 of a /8 stays confined to 1/256 of [0, 1). The + 0.5 puts an address at
 * the middle of its cell, so no address maps to 0 (whose logarithm the
 * Anderson–Darling statistic would need).
 *
 * Built once from the public telescope API (the prefix texts), so the telescope
 * module itself needs no change. IPv4 and IPv6 are separate spaces; IPv6 ranks are
 * doubles (53 bits of precision is ample for a uniformity test).
 */
#ifndef DS_TELESCOPE_OFFSET_H
#define DS_TELESCOPE_OFFSET_H

#include "telescope/ds_telescope.h"

typedef struct ds_tspace ds_tspace;

/* Parses the prefixes of every monitor. NULL for the open telescope (its space is
 * unknown). */
ds_tspace *ds_tspace_new(const ds_telescope *t);
void ds_tspace_free(ds_tspace *s);

/* Number of addresses of the given family (4 or 6) covered by the monitors whose
 * bit is set in mask (bit m = monitor m). */
double ds_tspace_size(const ds_tspace *s, uint64_t mask, int family);

/* Position of addr in [0, 1) within the space of the monitors in mask (of addr's
 * family), or -1 when addr is in none of them. */
double ds_tspace_position(const ds_tspace *s, uint64_t mask, const ds_ip *addr);

#endif

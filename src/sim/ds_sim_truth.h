/*
 * ds_sim_truth.h — writing the ground truth of a simulation into DIR/truth/
 * (hosts.csv, addresses.csv, attacks.csv, vectors.csv, scenario.json; columns in
 * docs/SCENARIOS.md) and filling the report's headline numbers.
 */
#ifndef DS_SIM_TRUTH_H
#define DS_SIM_TRUTH_H

#include "output/ds_outdir.h"
#include "sim/ds_sim.h"
#include "sim/ds_sim_epidemic.h"
#include "sim/ds_sim_vectors.h"

int ds_sim_truth_write(ds_outdir *od, const ds_sim_scenario *s, ds_sim_epi *epi,
                       ds_sim_vectors *vec, const ds_sim_options *o, ds_sim_report *rep, char *err,
                       size_t errlen);

#endif

/*
 * ds_mpi.h — `darkscope analyze --mpi`: one analysis over many processes (MPI
 * ranks, e.g. `mpirun -np K` or Slurm's srun), merged exactly (docs/SCALE.md).
 *
 * Rank 0 plans: the inputs, in the order given, are cut into contiguous runs at
 * rotation boundaries (where a monitor's next file starts), balanced by file size;
 * rank r analyses the r-th run into an in-memory state (the bytes of a state file),
 * and the states are merged by a binomial reduction tree in rank order, which is
 * time order; rank 0 writes the outputs. Open MPI is optional at build time.
 */
#ifndef DS_MPI_H
#define DS_MPI_H

#include <stdbool.h>

#include "pipeline/ds_run.h"

/* True when this binary was built with MPI. */
bool ds_mpi_available(void);

/* How to get an MPI build (for --mpi in a build without it). */
#define DS_MPI_HOWTO                                                                               \
    "this darkscope was built without MPI: install Open MPI (Debian/Ubuntu: apt-get install "      \
    "openmpi-bin libopenmpi-dev, or scripts/install-deps.sh), then configure and build again "     \
    "(cmake finds it; -DDS_MPI=OFF turns it off) and run `mpirun -np K darkscope analyze --mpi "   \
    "...`"

/* Runs the analysis of cfg->inputs over the ranks of MPI_COMM_WORLD (initialises
 * and finalises MPI). Every rank returns the run's exit status. */
int ds_run_mpi(const ds_run_config *cfg);

#endif

/*
 * ds_registry.c — the list of analyzers. The run and the CLI know analyzers only
 * through this table: adding one is adding its file and a line here.
 */
#include "analysis/ds_analyzer.h"

extern const ds_analyzer_ops ds_series_ops;
extern const ds_analyzer_ops ds_dos_ops;
extern const ds_analyzer_ops ds_worm_ops;
extern const ds_analyzer_ops ds_scan_ops;

const ds_analyzer_ops *const ds_analyzers[] = {
    &ds_series_ops,
    &ds_dos_ops,
    &ds_worm_ops,
    &ds_scan_ops,
};

const size_t ds_analyzer_count = sizeof ds_analyzers / sizeof ds_analyzers[0];

/*
 * ds_plot_png.h — the report's main plots as PNG images, drawn with libgd for
 * people without a browser (or for a paper): traffic by class over time
 * (DIR/traffic.png) and cumulative infected hosts per signature with the fitted
 * logistic curves (DIR/cumulative_hosts.png). The data is the report's data blob,
 * so the images show what report.html shows.
 */
#ifndef DS_PLOT_PNG_H
#define DS_PLOT_PNG_H

#include <stddef.h>

#include "output/ds_report.h"

/* Writes the PNG files into DIR; a plot without data is skipped with a note on
 * stderr. Returns 0, or -1 with a message. */
int ds_plot_png_write(const char *dir, const ds_report_opts *o, char *err, size_t errlen);

#endif

/*
 * ds_changepoint.h — change points in a series of counts per interval.
 *
 * Method: PELT (Killick, Fearnhead, Eckley 2012), the exact minimiser of
 *
 *     sum over segments of C(segment) + beta * (number of change points)
 *
 * with C the Poisson deviance of a constant rate, 2 * (S - S ln(S/L)) for a segment
 * of L intervals holding S counts (the log x! terms do not depend on the
 * segmentation). Real telescope counts are burstier than Poisson, so the deviance
 * is divided by an overdispersion factor phi >= 1 estimated robustly from
 * neighbouring intervals: for Poisson counts (x_t - x_{t-1})^2 / (x_t + x_{t-1})
 * is about chi-square with 1 degree of freedom, whose median is 0.4549; phi is
 * the median of that ratio over the series divided by 0.4549 (a median, so the few
 * real jumps do not inflate it). beta = penalty * ln(n), i.e. penalty = 2 is the
 * BIC charge for the two parameters (location, new rate) a change point adds.
 */
#ifndef DS_CHANGEPOINT_H
#define DS_CHANGEPOINT_H

#include <stddef.h>

typedef struct ds_segment {
    size_t start, end; /* intervals [start, end) */
    double mean;       /* counts per interval */
} ds_segment;

/* Segments x[0..n) (counts, >= 0). Returns the number of segments (>= 1 when
 * n > 0) and a malloc'ed array in *segs (caller frees). *phi_out, when not NULL,
 * receives the overdispersion factor used. */
size_t ds_changepoint_pelt(const double *x, size_t n, double penalty, ds_segment **segs,
                           double *phi_out);

/* The overdispersion factor described above (1 when it cannot be estimated). */
double ds_changepoint_overdispersion(const double *x, size_t n);

#endif

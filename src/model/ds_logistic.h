/*
 * ds_logistic.h — fitting the random-constant-spread model of Staniford, Paxson and
 * Weaver (2002) to a cumulative infection curve:
 *
 *     C(t) = N e^{K(t-T)} / (1 + e^{K(t-T)})
 *
 * by non-linear least squares. GSL's gsl_multifit_nlinear (trust region,
 * Levenberg-Marquardt with Moré scaling) does the work: it is packaged by Debian,
 * copes with parameters of very different scales (N in the hundreds of thousands,
 * K near 1 per hour) and gives the covariance for the standard errors, which a
 * hand-written LM would have to re-derive and re-test.
 *
 * Standard errors come from the covariance scaled by the residual variance. The
 * points of a cumulative curve are not independent (each includes the previous
 * one), so they understate the real uncertainty; they are still useful to compare
 * fits. Time is passed in hours relative to any origin the caller chooses.
 */
#ifndef DS_LOGISTIC_H
#define DS_LOGISTIC_H

#include <stddef.h>

typedef struct ds_logistic {
    double K, T, N;          /* per hour, hours, hosts */
    double K_se, T_se, N_se; /* standard errors */
    double r_squared;
    size_t points;
    int iterations;
    int converged; /* 1 when GSL reported convergence */
} ds_logistic;

/* Fits t[0..n) (hours), y[0..n). Returns 0, or -1 when there are too few points
 * (< 4), the curve does not grow, or the solver fails. */
int ds_logistic_fit(const double *t, const double *y, size_t n, ds_logistic *out);

/* C(t) for the fitted parameters. */
double ds_logistic_eval(const ds_logistic *f, double t);

#endif
